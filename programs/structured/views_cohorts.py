"""Cohorts and readiness: staff pages to run a cohort through its sessions, and the public,
printable completion certificate.

Staff pages need programs.change_program and managing the cohort's program (owner, team,
or allowed to manage all programs). Access is checked before the HTTP method or the input
is looked at, so a refused user always gets a 403 (anonymous visitors go to log in).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from engagement_portal.core.http import private_page
from engagement_portal.core.services import audit_view
from events.models import Event
from programs import readiness
from programs.models import Program
from programs.selectors import user_can_manage_program
from programs.services import allowed_transitions
from programs.structured import selectors_cohorts as selectors
from programs.structured import services_cohorts as services
from programs.structured.forms_cohorts import (
    AddApplicantsForm,
    AddMemberForm,
    AttendanceForm,
    CohortForm,
    InviteAlumniForm,
    MemberActionForm,
    ReadinessForm,
    SessionForm,
    SessionRunForm,
)
from programs.structured.models_cohorts import Cohort, CohortMember


def program_staff(view):
    """Anonymous visitors go to log in; users who cannot change programs get a 403."""
    return login_required(
        permission_required("programs.change_program", raise_exception=True)(view)
    )


def _refuse_method(request, allowed=("GET", "HEAD", "POST")):
    if request.method not in allowed:
        return HttpResponseNotAllowed([m for m in allowed if m != "HEAD"])
    return None


def _program_for(request, pk) -> Program:
    program = get_object_or_404(
        Program.objects.select_related("engagement_type__tier", "owner"), pk=pk
    )
    if not user_can_manage_program(request.user, program):
        raise PermissionDenied
    return program


def _cohort_for(request, pk) -> Cohort:
    cohort = get_object_or_404(selectors.cohorts_for_staff(), pk=pk)
    if not user_can_manage_program(request.user, cohort.program):
        raise PermissionDenied
    return cohort


def _detail(cohort: Cohort):
    return redirect("cohorts:staff-detail", pk=cohort.pk)


# --- Readiness before launch ----------------------------------------------------------


@program_staff
def staff_readiness(request, pk):
    program = _program_for(request, pk)
    if refused := _refuse_method(request):
        return refused
    rows = readiness.checklist(program)
    form = ReadinessForm(
        request.POST if request.method == "POST" else None,
        program=program,
        initial={
            "governing_policy": program.governing_policy,
            "governing_policy_url": program.governing_policy_url,
            "done": [row.item.key for row in rows if row.done],
        },
    )
    if request.method == "POST" and rows and form.is_valid():
        data = form.cleaned_data
        try:
            readiness.save_readiness(
                program=program,
                governing_policy=data["governing_policy"],
                governing_policy_url=data["governing_policy_url"],
                done=data["done"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Readiness saved."))
            return redirect("cohorts:staff-readiness", pk=program.pk)
    problems = readiness.readiness_problems(program)
    can_activate = not problems and Program.Status.ACTIVE in allowed_transitions(program)
    return render(
        request,
        "structured/cohorts/staff_readiness.html",
        {
            "program": program,
            "form": form,
            "rows": rows,
            "checked": set(form["done"].value() or []),
            "problems": problems,
            "can_activate": can_activate,
        },
    )


# --- Cohorts ----------------------------------------------------------------------------


@program_staff
def staff_create(request, pk):
    program = _program_for(request, pk)
    if refused := _refuse_method(request):
        return refused
    form = CohortForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.create_cohort(
                program=program,
                name=form.cleaned_data["name"],
                completion_percent=form.cleaned_data["completion_percent"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Cohort “%(name)s” created. Add its sessions and members next.")
                % {"name": cohort.name},
            )
            return _detail(cohort)
    return render(
        request, "structured/cohorts/staff_create.html", {"program": program, "form": form}
    )


@program_staff
def staff_detail(request, pk):
    cohort = _cohort_for(request, pk)
    if refused := _refuse_method(request, ("GET", "HEAD")):
        return refused
    now = timezone.now()
    sessions = list(selectors.cohort_sessions(cohort))
    for session in sessions:
        session.is_held = session.starts_at <= now and session.status != Event.Status.CANCELLED
    progress = selectors.cohort_progress(cohort, now)
    held = [s for s in sessions if s.is_held]
    counts = dict.fromkeys(CohortMember.Status.values, 0)
    for row in progress:
        counts[row.member.status] += 1
    audit_view(
        actor=request.user,
        page="cohorts:staff-detail",
        target=cohort,
        residents=[row.member.resident_id for row in progress],
        program=cohort.program_id,
    )
    return render(
        request,
        "structured/cohorts/staff_detail.html",
        {
            "cohort": cohort,
            "program": cohort.program,
            "sessions": sessions,
            "progress": progress,
            "held_count": len(held),
            "latest_held": held[-1] if held else None,
            "unrecorded": [s for s in held if not s.recorded_count],
            "counts": counts,
            "invitations": selectors.invitations_by_program(cohort),
            "ahead": [
                s for s in sessions if s.starts_at > now and s.status != Event.Status.CANCELLED
            ],
        },
    )


@program_staff
def staff_sessions(request, pk):
    cohort = _cohort_for(request, pk)
    if refused := _refuse_method(request):
        return refused
    program = cohort.program
    action = request.POST.get("action") if request.method == "POST" else None
    forms = {
        "run": SessionRunForm(
            request.POST if action == "run" else None, program=program, prefix="run"
        ),
        "single": SessionForm(
            request.POST if action == "single" else None, program=program, prefix="single"
        ),
    }
    form = forms.get(action)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            sessions = services.add_sessions(
                cohort=cohort,
                first_start=data["start"],
                duration_minutes=data["duration_minutes"],
                count=data.get("count") or 1,
                every_weeks=data.get("every_weeks") or 1,
                title=data["title"],
                venue_name=data["venue_name"],
                address=data["address"],
                user=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext("%(n)d session added.", "%(n)d sessions added.", len(sessions))
                % {"n": len(sessions)},
            )
            return _detail(cohort)
    return render(
        request,
        "structured/cohorts/staff_sessions.html",
        {"cohort": cohort, "program": program, "run_form": forms["run"], "single": forms["single"]},
    )


def _member_action(request, cohort: Cohort) -> None:
    form = MemberActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a member and what to do."))
        return
    member = get_object_or_404(
        CohortMember.objects.select_related("resident"),
        pk=form.cleaned_data["member"],
        cohort=cohort,
    )
    action = form.cleaned_data["do"]
    name = member.resident.name
    if action == "left":
        services.mark_member_left(member=member, user=request.user)
        messages.success(request, _("%(name)s is marked as having left.") % {"name": name})
    elif action == "restore":
        services.restore_member(member=member, user=request.user)
        messages.success(request, _("%(name)s is back in the cohort.") % {"name": name})
    else:
        services.remove_member(member=member, user=request.user)
        messages.success(request, _("%(name)s is removed from the cohort.") % {"name": name})


@program_staff
def staff_members(request, pk):
    cohort = _cohort_for(request, pk)
    if refused := _refuse_method(request):
        return refused
    action = request.POST.get("action") if request.method == "POST" else None
    addable = services.addable_applications(cohort)
    applicants = AddApplicantsForm(
        request.POST if action == "applicants" else None, queryset=addable, prefix="app"
    )
    by_hand = AddMemberForm(
        request.POST if action == "add" else None,
        prefix="add",
        initial={"language": translation.get_language() or "en"},
    )
    if action == "member":
        try:
            _member_action(request, cohort)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("cohorts:staff-members", pk=cohort.pk)
    if action == "applicants" and applicants.is_valid():
        try:
            added = services.add_members_from_applications(
                cohort=cohort,
                application_ids=[a.pk for a in applicants.cleaned_data["applications"]],
                user=request.user,
            )
        except ValidationError as error:
            applicants.add_error(None, error)
        else:
            messages.success(
                request,
                ngettext("%(n)d member added.", "%(n)d members added.", added) % {"n": added},
            )
            return redirect("cohorts:staff-members", pk=cohort.pk)
    if action == "add" and by_hand.is_valid():
        data = by_hand.cleaned_data
        try:
            member, changed = services.add_member_by_hand(
                cohort=cohort,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                language=data["language"],
                user=request.user,
            )
        except ValidationError as error:
            by_hand.add_error(None, error)
        else:
            if changed:
                messages.success(
                    request, _("%(name)s is a member.") % {"name": member.resident.name}
                )
            else:
                messages.info(
                    request,
                    _("%(name)s was already a member.") % {"name": member.resident.name},
                )
            return redirect("cohorts:staff-members", pk=cohort.pk)
    members = list(
        CohortMember.objects.filter(cohort=cohort)
        .select_related("resident")
        .order_by("resident__name", "pk")
    )
    audit_view(
        actor=request.user,
        page="cohorts:staff-members",
        target=cohort,
        residents=[member.resident_id for member in members],
        program=cohort.program_id,
    )
    return render(
        request,
        "structured/cohorts/staff_members.html",
        {
            "cohort": cohort,
            "program": cohort.program,
            "members": members,
            "applicants": applicants,
            "has_applicants": addable.exists(),
            "by_hand": by_hand,
        },
    )


@program_staff
def staff_attendance(request, pk, event_pk):
    cohort = _cohort_for(request, pk)
    session = get_object_or_404(Event, pk=event_pk, cohort_session__cohort=cohort)
    if refused := _refuse_method(request):
        return refused
    sheet = selectors.attendance_sheet(cohort, session)
    problem = services.attendance_problem(session)
    tick_all = request.GET.get("all") == "1"
    form = AttendanceForm(
        request.POST if request.method == "POST" else None,
        sheet=sheet,
        initial={
            "present": [row.member.resident_id for row in sheet if tick_all or row.present is True]
        },
    )
    if request.method == "POST":
        if problem or cohort.closed_at:
            messages.error(
                request, problem or _("This cohort is closed; it can no longer be changed.")
            )
            return redirect("cohorts:staff-attendance", pk=cohort.pk, event_pk=session.pk)
        if form.is_valid():
            present = set(form.cleaned_data["present"])
            try:
                services.record_attendance(
                    cohort=cohort, session=session, present=present, user=request.user
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Attendance saved for %(session)s: %(present)d of %(total)d present.")
                    % {"session": session.title, "present": len(present), "total": len(sheet)},
                )
                return _detail(cohort)
    ticked = {str(v) for v in (form["present"].value() or [])}
    rows = [(row, str(row.member.resident_id) in ticked) for row in sheet]
    audit_view(
        actor=request.user,
        page="cohorts:staff-attendance",
        target=session,
        residents=[row.member.resident_id for row in sheet],
        program=cohort.program_id,
    )
    return render(
        request,
        "structured/cohorts/staff_attendance.html",
        {
            "cohort": cohort,
            "program": cohort.program,
            "session": session,
            "form": form,
            "rows": rows,
            "problem": problem,
            "tick_all": tick_all,
            "recorded": any(row.present is not None for row in sheet),
        },
    )


@program_staff
def staff_close(request, pk):
    cohort = _cohort_for(request, pk)
    if refused := _refuse_method(request, ("POST",)):
        return refused
    try:
        result = services.close_cohort(
            cohort=cohort, user=request.user, early=request.POST.get("early") == "yes"
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail(cohort)
    if result.already_closed:
        messages.info(request, _("This cohort was already closed; nothing changed."))
    else:
        messages.success(
            request,
            _(
                "The cohort is closed: %(completed)d completed, %(not_completed)d did not. "
                "Those who completed are sent their certificate link."
            )
            % {"completed": result.completed, "not_completed": result.not_completed},
        )
    return _detail(cohort)


@program_staff
def staff_invite_alumni(request, pk):
    cohort = _cohort_for(request, pk)
    if refused := _refuse_method(request):
        return refused
    form = InviteAlumniForm(
        request.POST if request.method == "POST" else None,
        queryset=selectors.alumni_target_programs(cohort),
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.invite_alumni(
                cohort=cohort, program=form.cleaned_data["program"], user=request.user
            )
        except ValidationError as error:
            form.add_error("program", error)
        else:
            text = ngettext("%(n)d member invited.", "%(n)d members invited.", result.invited) % {
                "n": result.invited
            }
            if result.already:
                text += " " + ngettext(
                    "%(n)d had already been invited to that program.",
                    "%(n)d had already been invited to that program.",
                    result.already,
                ) % {"n": result.already}
            if result.not_sent:
                text += " " + ngettext(
                    "%(n)d invitation is recorded but not sent: no consent to messages "
                    "or no contact on file.",
                    "%(n)d invitations are recorded but not sent: no consent to messages "
                    "or no contact on file.",
                    result.not_sent,
                ) % {"n": result.not_sent}
            messages.success(request, text)
            return redirect("cohorts:staff-invite", pk=cohort.pk)
    return render(
        request,
        "structured/cohorts/staff_invite.html",
        {
            "cohort": cohort,
            "program": cohort.program,
            "form": form,
            "completed": cohort.members.filter(status=CohortMember.Status.COMPLETED).count(),
            "invitations": selectors.invitations_by_program(cohort),
        },
    )


# --- Public certificate ---------------------------------------------------------------


@private_page
@require_safe
def certificate(request, certificate_id):
    member = selectors.member_for_certificate(certificate_id)
    if member is None:
        raise Http404
    facts = selectors.certificate_facts(member)
    # The participant's language, whatever the browser of the person looking at it.
    with translation.override(member.language):
        response = render(
            request,
            "structured/cohorts/certificate.html",
            {
                "member": member,
                "cohort": member.cohort,
                "program": member.cohort.program,
                "facts": facts,
                "verify_url": services.certificate_url(member),
            },
        )
    response["Content-Language"] = member.language
    return response
