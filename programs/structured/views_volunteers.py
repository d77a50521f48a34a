"""Volunteers: the staff pages of a program's roster (roles, volunteers, certifications,
shifts, hours to approve), the shared list of trainings, and the volunteer's own page
reached through their private link.

Staff pages need programs.change_program and, for a program's pages, running that program
(owner, team, or managing all programs); both are checked before the HTTP method or the
input is looked at, so a refused user always gets a 403.
"""

from contextlib import nullcontext
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagement_portal.core.http import limit_public_posts, private_page, too_many_requests
from engagement_portal.core.services import audit_view
from events.models import Event
from programs.models import Program
from programs.selectors import user_can_manage_program
from programs.structured import selectors_volunteers as selectors
from programs.structured import services_volunteers as services
from programs.structured.forms_volunteers import (
    AddByHandForm,
    AddFromApplicationForm,
    CertificationForm,
    HoursForm,
    HoursReviewForm,
    RosterFilterForm,
    ShiftForm,
    ShiftVolunteerForm,
    TrainingForm,
    VolunteerForm,
    VolunteerRoleForm,
    certification_edit_form,
)
from programs.structured.models_volunteers import Shift, Training, Volunteer, VolunteerRole

limit_posts = limit_public_posts("volunteers")


def program_staff(view):
    """Anonymous visitors go to log in; users who cannot change programs get a 403."""
    return login_required(
        permission_required("programs.change_program", raise_exception=True)(view)
    )


def _program(request, pk) -> Program:
    program = get_object_or_404(Program.objects.select_related("engagement_type"), pk=pk)
    if not user_can_manage_program(request.user, program):
        raise PermissionDenied
    return program


def _refuse_method(request, allowed=("GET", "POST")) -> HttpResponse | None:
    if request.method not in (*allowed, "HEAD") or (
        request.method == "HEAD" and "GET" not in allowed
    ):
        return HttpResponseNotAllowed(list(allowed))
    return None


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


def _roles(program: Program):
    return program.volunteer_roles.order_by("name")


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Trainings and roles -----------------------------------------------------------------


@program_staff
def staff_trainings(request):
    if refused := _refuse_method(request):
        return refused
    editing = None
    if edit_pk := _int(request.POST.get("training") or request.GET.get("edit")):
        editing = get_object_or_404(Training, pk=edit_pk)
    form = TrainingForm(request.POST if request.method == "POST" else None, instance=editing)
    if request.method == "POST" and form.is_valid():
        try:
            training = services.save_training(form=form, user=request.user)
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Training “%(name)s” saved.") % {"name": training.name})
            back = _back_program(request)
            url = reverse("volunteers:staff-trainings")
            return redirect(f"{url}?program={back.pk}" if back else url)
    return render(
        request,
        "structured/volunteers/staff_trainings.html",
        {
            "trainings": Training.objects.order_by("name"),
            "form": form,
            "editing": editing,
            "back": _back_program(request),
        },
    )


def _back_program(request) -> Program | None:
    """The program the staff member came from (?program=), to link back to its roles."""
    pk = _int(request.GET.get("program"))
    if pk is None:
        return None
    program = Program.objects.filter(pk=pk).first()
    return program if program and user_can_manage_program(request.user, program) else None


@program_staff
def staff_roles(request, pk):
    program = _program(request, pk)
    if refused := _refuse_method(request):
        return refused
    editing = None
    if edit_pk := _int(request.POST.get("role") or request.GET.get("edit")):
        editing = get_object_or_404(VolunteerRole, pk=edit_pk, program=program)
    form = VolunteerRoleForm(
        request.POST if request.method == "POST" else None,
        instance=editing,
        program=program,
        trainings=Training.objects.order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            role = services.save_role(form=form, program=program, user=request.user)
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("Role “%(name)s” saved.") % {"name": role.name})
            return redirect("volunteers:staff-roles", pk=program.pk)
    roles = program.volunteer_roles.prefetch_related("required_trainings").order_by("name")
    return render(
        request,
        "structured/volunteers/staff_roles.html",
        {"program": program, "roles": roles, "form": form, "editing": editing},
    )


# --- Roster ------------------------------------------------------------------------------


@program_staff
def staff_roster(request, pk):
    program = _program(request, pk)
    if refused := _refuse_method(request, ("GET",)):
        return refused
    today = timezone.localdate()
    roles = _roles(program)
    filters = RosterFilterForm(request.GET or None, roles=roles)
    options = filters.options()
    volunteers = selectors.roster(
        program, role=options.get("role"), status=options.get("status", ""), today=today
    )
    page = Paginator(volunteers, 100).get_page(request.GET.get("page"))
    rows = selectors.roster_rows(page.object_list, today)
    totals = selectors.hours_totals(program=program)
    query = request.GET.copy()
    query.pop("page", None)
    audit_view(
        actor=request.user,
        page="volunteers:staff-roster",
        target=program,
        residents=[volunteer.resident_id for volunteer in rows],
        program=program,
    )
    return render(
        request,
        "structured/volunteers/staff_roster.html",
        {
            "program": program,
            "has_roles": roles.exists(),
            "filter_form": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "filtered": bool(options),
            "counts": selectors.status_counts(program),
            "total": totals[0] if totals else {"hours": 0.0, "entries": 0, "volunteers": 0},
            "months": selectors.last_twelve_months(program, today),
            "today": today,
        },
    )


@program_staff
def staff_add(request, pk):
    program = _program(request, pk)
    if refused := _refuse_method(request):
        return refused
    roles = _roles(program)
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data else None
    forms = {
        "application": AddFromApplicationForm(
            data if action == "application" else None,
            applications=selectors.accepted_applicants(program),
            roles=roles,
            prefix="app",
        ),
        "hand": AddByHandForm(data if action == "hand" else None, roles=roles, prefix="hand"),
    }
    form = forms.get(action)
    if form is not None and form.is_valid():
        cleaned = form.cleaned_data
        try:
            if action == "application":
                result = services.add_volunteer(
                    program=program,
                    role=cleaned["role"],
                    application=cleaned["application"],
                    user=request.user,
                )
            else:
                result = services.add_volunteer(
                    program=program,
                    role=cleaned["role"],
                    name=cleaned["name"],
                    email=cleaned["email"],
                    phone=cleaned["phone"],
                    language=cleaned["language"],
                    user=request.user,
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            name = result.volunteer.resident.name
            if result.created:
                messages.success(
                    request,
                    _("%(name)s is on the roster. Their private link is on its way to them.")
                    % {"name": name},
                )
            else:
                messages.info(request, _("%(name)s is already on the roster.") % {"name": name})
            return redirect("volunteers:staff-detail", pk=result.volunteer.pk)
    return render(
        request,
        "structured/volunteers/staff_add.html",
        {"program": program, "has_roles": roles.exists(), **forms},
    )


# --- A volunteer -------------------------------------------------------------------------


def _volunteer_for_staff(request, pk) -> Volunteer:
    volunteer = selectors.volunteer_for_staff(pk)
    if volunteer is None:
        raise Http404
    if not user_can_manage_program(request.user, volunteer.program):
        raise PermissionDenied
    return volunteer


@program_staff
def staff_detail(request, pk):
    volunteer = _volunteer_for_staff(request, pk)
    if refused := _refuse_method(request):
        return refused
    program = volunteer.program
    now = timezone.now()
    roles = _roles(program)
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data else None
    volunteer_form = VolunteerForm(
        data if action == "update" else None,
        roles=roles,
        prefix="vol",
        initial={
            "role": volunteer.role_id,
            "status": volunteer.status,
            "language": volunteer.language,
        },
    )
    cert_form = CertificationForm(
        data if action == "certify" else None,
        trainings=Training.objects.order_by("name"),
        prefix="cert",
    )
    hours_form = HoursForm(
        data if action == "log" else None,
        shifts=selectors.program_shifts_for_hours(program, now),
        staff=True,
        prefix="hours",
    )
    certifications = list(volunteer.certifications.all())
    edit_forms = {
        c.pk: certification_edit_form(
            c, data if action == "cert-edit" and _int(data.get("certification")) == c.pk else None
        )
        for c in certifications
    }
    if request.method == "POST":
        done = _staff_detail_action(
            request,
            volunteer,
            action,
            volunteer_form=volunteer_form,
            cert_form=cert_form,
            hours_form=hours_form,
            edit_forms=edit_forms,
            certifications={c.pk: c for c in certifications},
        )
        if done:
            return redirect(reverse("volunteers:staff-detail", args=[volunteer.pk]) + done)
    page = Paginator(selectors.volunteer_hours(volunteer), 25).get_page(request.GET.get("page"))
    audit_view(
        actor=request.user,
        page="volunteers:staff-detail",
        target=volunteer,
        residents=[volunteer.resident_id],
        program=program,
    )
    return render(
        request,
        "structured/volunteers/staff_detail.html",
        {
            "volunteer": volunteer,
            "program": program,
            "cert": selectors.certification_state(volunteer, timezone.localdate()),
            "certifications": [(c, edit_forms[c.pk]) for c in certifications],
            "totals": selectors.volunteer_totals(volunteer),
            "hours_page": page,
            "signups": selectors.upcoming_signups(volunteer, now),
            "volunteer_form": volunteer_form,
            "cert_form": cert_form,
            "hours_form": hours_form,
            "has_roles": roles.exists(),
            "today": timezone.localdate(),
        },
    )


def _staff_detail_action(request, volunteer, action, **forms) -> str | None:
    """Carry out one POSTed action of the detail page. Returns the fragment to redirect to
    when it is done, or None to show the page again with the form's errors."""
    user = request.user
    data = request.POST
    try:
        if action == "update":
            form = forms["volunteer_form"]
            if not form.is_valid():
                return None
            services.update_volunteer(volunteer=volunteer, user=user, **form.cleaned_data)
            messages.success(request, _("Changes saved."))
            return "#volunteer"
        if action == "certify":
            form = forms["cert_form"]
            if not form.is_valid():
                return None
            services.record_certification(volunteer=volunteer, user=user, **form.cleaned_data)
            messages.success(request, _("Certification recorded."))
            return "#certifications"
        if action in ("cert-edit", "cert-remove"):
            certification = forms["certifications"].get(_int(data.get("certification")))
            if certification is None:
                messages.error(request, _("That certification is no longer on file."))
                return "#certifications"
            if action == "cert-remove":
                services.remove_certification(certification=certification, user=user)
                messages.success(request, _("Certification removed."))
                return "#certifications"
            form = forms["edit_forms"][certification.pk]
            if not form.is_valid():
                return None
            services.update_certification(
                certification=certification,
                completed_on=form.cleaned_data["completed_on"],
                expires_on=form.cleaned_data["expires_on"],
                user=user,
            )
            messages.success(request, _("Certification updated."))
            return "#certifications"
        if action == "log":
            form = forms["hours_form"]
            if not form.is_valid():
                return None
            try:
                services.log_hours(
                    volunteer=volunteer,
                    user=user,
                    approve=form.cleaned_data.get("approve", False),
                    **form.hours_kwargs(),
                )
            except ValidationError as error:
                form.add_service_error(error)
                return None
            messages.success(request, _("Hours logged."))
            return "#hours"
        if action in ("approve", "reject"):
            entry = _int(data.get("entry"))
            changed = services.review_hours(
                program=volunteer.program,
                entry_ids=[entry] if entry else [],
                approve=action == "approve",
                user=user,
            )
            if changed:
                messages.success(
                    request, _("Hours approved.") if action == "approve" else _("Hours rejected.")
                )
            else:
                messages.info(request, _("Those hours were already decided."))
            return "#hours"
        if action == "new-link":
            services.send_new_link(volunteer=volunteer, user=user)
            messages.success(
                request, _("A new private link is on its way. The old link no longer works.")
            )
            return "#volunteer"
        if action == "cancel-signup":
            shift = Shift.objects.filter(
                pk=_int(data.get("shift")), program=volunteer.program
            ).first()
            if shift is not None:
                services.cancel_signup(shift=shift, volunteer=volunteer, user=user)
            messages.success(request, _("Taken off the shift."))
            return "#shifts"
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return ""
    messages.error(request, _("Nothing was changed: choose an action on the page."))
    return ""


# --- Shifts ------------------------------------------------------------------------------


@program_staff
def staff_shifts(request, pk):
    program = _program(request, pk)
    if refused := _refuse_method(request):
        return refused
    now = timezone.now()
    roles = _roles(program)
    past = request.GET.get("when") == "past"
    events = Event.objects.filter(program=program, ends_at__gt=now).order_by("starts_at")
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data else None
    form = ShiftForm(
        data if action == "create" else None, roles=roles, events=events, prefix="shift"
    )
    active = list(
        Volunteer.objects.filter(program=program, status=Volunteer.Status.ACTIVE)
        .select_related("resident", "role")
        .order_by("resident__name", "pk")
    )
    choices = [(v.pk, f"{v.resident.name} · {v.role.name}") for v in active]
    role_of = {v.pk: v.role_id for v in active}
    if action == "create" and form.is_valid():
        try:
            shift = services.create_shift(program=program, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Shift “%(title)s” added.") % {"title": shift.title})
            return redirect("volunteers:staff-shifts", pk=program.pk)
    elif action in ("add", "remove"):
        _staff_shift_action(request, program, action, choices)
        return redirect(request.get_full_path() + "#shifts")
    elif request.method == "POST" and action != "create":
        messages.error(request, _("Nothing was changed: choose an action on the page."))
        return redirect("volunteers:staff-shifts", pk=program.pk)
    page = Paginator(selectors.program_shifts(program, past=past, now=now), 20).get_page(
        request.GET.get("page")
    )
    for shift in page:
        # Offer only those who may take it: its role (or any), and not on it already.
        taken = {signup.volunteer_id for signup in shift.signups.all()}
        offered = [
            (pk, label)
            for pk, label in choices
            if pk not in taken and shift.role_id in (None, role_of[pk])
        ]
        shift.add_form = ShiftVolunteerForm(choices=offered, prefix=f"s{shift.pk}")
    audit_view(
        actor=request.user,
        page="volunteers:staff-shifts",
        target=program,
        residents=[volunteer.resident_id for volunteer in active],
        program=program,
    )
    return render(
        request,
        "structured/volunteers/staff_shifts.html",
        {
            "program": program,
            "form": form,
            "page": page,
            "past": past,
            "query": urlencode({"when": "past"}) if past else "",
        },
    )


def _staff_shift_action(request, program, action, choices) -> None:
    shift = Shift.objects.filter(pk=_int(request.POST.get("shift")), program=program).first()
    if shift is None:
        messages.error(request, _("That shift is no longer on file."))
        return
    if action == "add":
        form = ShiftVolunteerForm(request.POST, choices=choices, prefix=f"s{shift.pk}")
        if not form.is_valid():
            messages.error(request, _("Choose a volunteer to add."))
            return
        volunteer_pk = form.cleaned_data["volunteer"]
    else:
        volunteer_pk = _int(request.POST.get("volunteer"))
    volunteer = (
        Volunteer.objects.select_related("resident")
        .filter(pk=volunteer_pk, program=program)
        .first()
    )
    if volunteer is None:
        messages.error(request, _("That volunteer is not on this roster."))
        return
    name = volunteer.resident.name
    try:
        if action == "add":
            services.sign_up(shift=shift, volunteer=volunteer, user=request.user)
            messages.success(
                request,
                _("%(name)s is on “%(shift)s”.") % {"name": name, "shift": shift.title},
            )
        else:
            services.cancel_signup(shift=shift, volunteer=volunteer, user=request.user)
            messages.success(
                request,
                _("%(name)s is off “%(shift)s”.") % {"name": name, "shift": shift.title},
            )
    except ValidationError as error:
        messages.error(
            request,
            _("%(name)s cannot take this shift: %(reason)s")
            % {"name": name, "reason": _error_text(error)},
        )


# --- Hours -------------------------------------------------------------------------------


@program_staff
def staff_hours(request, pk):
    program = _program(request, pk)
    if refused := _refuse_method(request):
        return refused
    form = HoursReviewForm(request.POST if request.method == "POST" else None, program=program)
    if request.method == "POST":
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            entries = form.cleaned_data["entries"]
            changed = services.review_hours(
                program=program,
                entry_ids=[entry.pk for entry in entries],
                approve=approve,
                user=request.user,
            )
            if approve:
                text = ngettext("%(n)s entry approved.", "%(n)s entries approved.", changed)
            else:
                text = ngettext("%(n)s entry rejected.", "%(n)s entries rejected.", changed)
            messages.success(request, text % {"n": changed})
            skipped = len(entries) - changed
            if skipped:
                messages.info(
                    request,
                    ngettext(
                        "%(n)s entry was already decided and is unchanged.",
                        "%(n)s entries were already decided and are unchanged.",
                        skipped,
                    )
                    % {"n": skipped},
                )
            return redirect("volunteers:staff-hours", pk=program.pk)
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("volunteers:staff-hours", pk=program.pk)
    page = Paginator(selectors.hours_queue(program), 50).get_page(request.GET.get("page"))
    audit_view(
        actor=request.user,
        page="volunteers:staff-hours",
        target=program,
        residents=[entry.volunteer.resident_id for entry in page],
        program=program,
    )
    return render(
        request,
        "structured/volunteers/staff_hours.html",
        {"program": program, "page": page, "query": ""},
    )


# --- The volunteer's own page ------------------------------------------------------------


def _invalid_link(request) -> HttpResponse:
    return render(request, "structured/volunteers/link_invalid.html", status=404)


def _their_language(request, volunteer: Volunteer):
    """The volunteer's language, unless they chose one with the language switcher."""
    if settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return nullcontext()
    return translation.override(volunteer.language)


@private_page
@limit_posts
def volunteer_home(request, token):
    if request.limited:
        return too_many_requests(request)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    volunteer = selectors.volunteer_by_token(token)
    if volunteer is None:
        return _invalid_link(request)
    with _their_language(request, volunteer):
        return _volunteer_home(request, token, volunteer)


def _volunteer_home(request, token, volunteer):
    now = timezone.now()
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data else None
    hours_form = HoursForm(
        data if action == "log" else None,
        shifts=selectors.recent_shifts_for_hours(volunteer, now),
    )
    home = reverse("volunteers:home", args=[token])
    if action in ("sign-up", "cancel"):
        shift = Shift.objects.filter(
            pk=_int(data.get("shift")), program_id=volunteer.program_id
        ).first()
        if shift is None:
            messages.error(request, _("That shift is no longer available."))
            return redirect(home)
        try:
            if action == "sign-up":
                services.sign_up(shift=shift, volunteer=volunteer, now=now)
                messages.success(
                    request, _("You are signed up for “%(shift)s”.") % {"shift": shift.title}
                )
            else:
                services.cancel_signup(shift=shift, volunteer=volunteer, now=now)
                messages.success(request, _("You are off “%(shift)s”.") % {"shift": shift.title})
        except ValidationError as error:
            messages.error(request, _error_text(error))
        return redirect(home + "#shifts")
    if action == "log":
        if volunteer.status == Volunteer.Status.LEFT:
            messages.error(request, _("You are no longer on this roster."))
            return redirect(home)
        if hours_form.is_valid():
            try:
                services.log_hours(volunteer=volunteer, now=now, **hours_form.hours_kwargs())
            except ValidationError as error:
                hours_form.add_service_error(error)
            else:
                messages.success(
                    request, _("Thank you! Your hours are logged and wait for staff approval.")
                )
                return redirect(home + "#hours")
    elif request.method == "POST":
        messages.error(request, _("Nothing was changed: choose an action on the page."))
        return redirect(home)
    volunteer = (
        Volunteer.objects.select_related("resident", "role", "program")
        .prefetch_related("role__required_trainings", "certifications__training")
        .get(pk=volunteer.pk)
    )
    return render(
        request,
        "structured/volunteers/home.html",
        {
            "volunteer": volunteer,
            "token": token,
            "signups": selectors.upcoming_signups(volunteer, now),
            "open_shifts": (
                selectors.open_shifts(volunteer, now)
                if volunteer.status == Volunteer.Status.ACTIVE
                else []
            ),
            "hours_form": hours_form,
            "hours": selectors.volunteer_hours(volunteer)[:10],
            "totals": selectors.volunteer_totals(volunteer),
            "cert": selectors.certification_state(volunteer, timezone.localdate()),
        },
    )
