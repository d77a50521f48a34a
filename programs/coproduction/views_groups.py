"""Standing groups: advisory groups, policy review committees, review boards, hiring boards.

Public pages list items open for comment and a group's published minutes. The members'
area is for the group's current members with an account, the program's staff and
administrators. Staff pages need programs.change_program and running the program, checked
before the HTTP method or the input is looked at. Confidential items (review-board case
material) are shown only to current members, named staff and administrators, and every
view and download of them is written to the audit log.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from engagement_portal.core.http import limit_public_posts, too_many_requests
from engagement_portal.core.mixins import staff_only
from engagement_portal.core.services import audit_view
from events.forms_public import current_language
from programs.coproduction import selectors_groups as selectors
from programs.coproduction import services_groups as services
from programs.coproduction.forms_groups import (
    ApplicantsForm,
    AttendanceForm,
    CommentPeriodForm,
    DocumentForm,
    MeetingRecordForm,
    MemberByHandForm,
    MemberEditForm,
    PublicCommentForm,
    RejectForm,
    ReviewItemForm,
    document_content_type,
)
from programs.coproduction.models_groups import (
    GroupMember,
    PublicComment,
    ReviewDocument,
    ReviewItem,
)
from programs.models import Program
from programs.selectors import programs_for_staff, user_can_manage_program

limit_comments = limit_public_posts("public-comments")


def program_staff(view):
    """Anonymous visitors go to log in; users who cannot change programs get a 403."""
    return login_required(
        permission_required(
            ("accounts.access_staff_portal", "programs.change_program"), raise_exception=True
        )(view)
    )


def _only_get_or_post(request):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return None


def _managed_group(request, pk) -> Program:
    """The standing group `pk` if the user runs it: 403 if not, 404 if it is no group."""
    program = get_object_or_404(programs_for_staff(), pk=pk)
    if not user_can_manage_program(request.user, program):
        raise PermissionDenied
    if not selectors.is_standing_group(program):
        raise Http404
    return program


def _refuse(form, error: ValidationError) -> None:
    """Put a service's refusal on the form, on the field it names when the form has it."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- Public ----------------------------------------------------------------------------


@require_safe
def public_list(request):
    now = timezone.now()
    group = None
    slug = request.GET.get("group", "")
    if slug and len(slug) <= 80:
        group = selectors.public_group(slug)
    items = selectors.public_item_list(now=now, group=group.slug if group else "")
    page = Paginator(items, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "coproduction/groups/public_list.html",
        {"page": page, "group": group, "now": now, "query": query.urlencode()},
    )


@limit_comments
@require_http_methods(["GET", "POST"])
def public_item(request, public_id):
    if request.limited:
        return too_many_requests(request)
    item = selectors.public_item(public_id)
    if item is None:
        raise Http404
    problem = services.comment_problem(item)
    form = None
    if not problem:
        form = PublicCommentForm(request.POST if request.method == "POST" else None)
    elif request.method == "POST":
        messages.error(request, problem)
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            services.submit_comment(item=item, **form.comment_kwargs())
        except ValidationError as error:
            _refuse(form, error)
        else:
            messages.success(
                request,
                _(
                    "Thank you — your comment is sent. A moderator will review it before it "
                    "appears on this page."
                ),
            )
            return redirect("groups:public-item", public_id=item.public_id)
    return render(
        request,
        "coproduction/groups/public_item.html",
        {
            "item": item,
            "form": form,
            "problem": problem,
            "comments": item.published_comments,
            "state": services.comment_state(item),
        },
    )


@require_safe
def public_meetings(request, slug):
    program = selectors.public_group(slug) if len(slug) <= 80 else None
    if program is None:
        raise Http404
    page = Paginator(selectors.published_meetings(program), 10).get_page(request.GET.get("page"))
    return render(
        request,
        "coproduction/groups/public_meetings.html",
        {"program": program, "page": page, "query": ""},
    )


@never_cache
@require_safe
def document(request, pk):
    document = get_object_or_404(
        ReviewDocument.objects.select_related("item__program__engagement_type"), pk=pk
    )
    item = document.item
    if item.confidential:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not selectors.user_can_see_confidential(request.user, item):
            raise PermissionDenied
        services.record_document_download(user=request.user, document=document)
    elif item.status == ReviewItem.Status.DRAFT and not user_can_manage_program(
        request.user, item.program
    ):
        raise Http404
    if document.link:
        return redirect(document.link)
    if not document.file:
        raise Http404
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=services.document_download_name(document),
        content_type=document_content_type(document.file.name),
    )


# --- Members' area ---------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def member_home(request, slug):
    program = get_object_or_404(
        Program.objects.select_related("engagement_type__tier", "owner"), slug=slug
    )
    if not selectors.user_can_open_member_area(request.user, program):
        raise PermissionDenied
    if not selectors.is_standing_group(program):
        raise Http404
    area = selectors.member_area(program, request.user, timezone.now())
    return render(
        request,
        "coproduction/groups/member_home.html",
        {
            "program": program,
            "can_manage": user_can_manage_program(request.user, program),
            **area,
        },
    )


@never_cache
@login_required
@require_safe
def member_item(request, slug, public_id):
    item = get_object_or_404(
        ReviewItem.objects.select_related("program__engagement_type__tier").prefetch_related(
            "documents"
        ),
        program__slug=slug,
        public_id=public_id,
    )
    if not selectors.user_can_open_member_item(request.user, item):
        raise PermissionDenied
    if item.status == ReviewItem.Status.DRAFT:
        raise Http404
    if item.confidential:
        services.record_confidential_view(user=request.user, item=item, page="members")
    return render(
        request,
        "coproduction/groups/member_item.html",
        {
            "item": item,
            "program": item.program,
            "can_open_staff_page": selectors.user_can_open_staff_item(request.user, item),
        },
    )


# --- Staff: the group, its members and its representation -------------------------------


@program_staff
@require_safe
def staff_group(request, pk):
    program = _managed_group(request, pk)
    upcoming, past = selectors.upcoming_and_past_meetings(program, timezone.now())
    items, hidden = selectors.visible_items_for_staff(program, request.user)
    return render(
        request,
        "coproduction/groups/staff_group.html",
        {
            "program": program,
            "upcoming": upcoming,
            "past": past,
            "items": items,
            "hidden_confidential": hidden,
        },
    )


@program_staff
def staff_members(request, pk):
    program = _managed_group(request, pk)
    if refused := _only_get_or_post(request):
        return refused
    today = timezone.localdate()
    starts, ends = selectors.default_term(program, today)
    initial = {"role": GroupMember.Role.MEMBER, "term_starts": starts, "term_ends": ends}
    applications = selectors.accepted_applicants_to_add(program)
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data else None
    forms = {
        "applicants": ApplicantsForm(
            data if action == "applicants" else None,
            applications=applications,
            initial=initial,
            prefix="applicants",
        ),
        "manual": MemberByHandForm(
            data if action == "manual" else None,
            initial={**initial, "language": current_language()},
            prefix="manual",
        ),
    }
    form = forms.get(action)
    if form is not None and form.is_valid():
        cleaned = form.cleaned_data
        term = {
            "role": cleaned["role"],
            "term_starts": cleaned["term_starts"],
            "term_ends": cleaned["term_ends"],
        }
        try:
            if action == "applicants":
                added = services.add_accepted_applicants(
                    program=program,
                    applications=list(cleaned["applications"]),
                    user=request.user,
                    **term,
                )
                names = ", ".join(m.resident.name for m in added)
            else:
                member = services.add_member_by_hand(
                    program=program,
                    name=cleaned["name"],
                    email=cleaned["email"],
                    phone=cleaned["phone"],
                    neighbourhood=cleaned["neighbourhood"],
                    language=cleaned["language"],
                    user=request.user,
                    **term,
                )
                names = member.resident.name
        except ValidationError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("Added to the group: %(names)s.") % {"names": names})
            return redirect("groups:staff-members", pk=program.pk)
    members = selectors.members_for_staff_page(program, today)
    audit_view(
        actor=request.user,
        page="groups:staff-members",
        target=program,
        residents=[row.member.resident_id for rows in members.values() for row in rows],
        program=program,
    )
    return render(
        request,
        "coproduction/groups/staff_members.html",
        {
            "program": program,
            "applicants_form": forms["applicants"],
            "manual_form": forms["manual"],
            "has_applicants": applications.exists(),
            "ending_soon_days": selectors.ENDING_SOON_DAYS,
            **members,
        },
    )


@program_staff
def staff_member_edit(request, pk):
    member = get_object_or_404(
        GroupMember.objects.select_related(
            "program__engagement_type", "resident__neighbourhood", "application"
        ),
        pk=pk,
    )
    if not user_can_manage_program(request.user, member.program):
        raise PermissionDenied
    if refused := _only_get_or_post(request):
        return refused
    initial = {
        field: getattr(member, field)
        for field in ("role", "term_starts", "term_ends", "ended_early_on")
    }
    form = MemberEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_member(member=member, user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _refuse(form, error)
        else:
            messages.success(
                request, _("Changes to %(name)s saved.") % {"name": member.resident.name}
            )
            return redirect("groups:staff-members", pk=member.program_id)
    audit_view(
        actor=request.user,
        page="groups:staff-member-edit",
        target=member,
        residents=[member.resident_id],
        program=member.program_id,
    )
    return render(
        request,
        "coproduction/groups/staff_member_edit.html",
        {"member": member, "program": member.program, "form": form},
    )


@staff_only
@require_safe
def staff_representation(request, pk):
    program = get_object_or_404(
        Program.objects.select_related("engagement_type__tier").prefetch_related("neighbourhoods"),
        pk=pk,
    )
    if not selectors.is_standing_group(program):
        raise Http404
    return render(
        request,
        "coproduction/groups/staff_representation.html",
        {
            "program": program,
            "can_manage": user_can_manage_program(request.user, program),
            "today": timezone.localdate(),
            "under_represented_points": selectors.UNDER_REPRESENTED_POINTS,
            **selectors.representation(program, timezone.localdate()),
        },
    )


# --- Staff: meetings ---------------------------------------------------------------------


@program_staff
def staff_meeting(request, pk):
    event = selectors.meeting_event(pk)
    if event is None:
        raise Http404
    if not user_can_manage_program(request.user, event.program):
        raise PermissionDenied
    if not selectors.is_standing_group(event.program):
        raise Http404
    if refused := _only_get_or_post(request):
        return refused
    record = selectors.meeting_record(event)
    attendance = selectors.meeting_attendance(event)
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data else None
    record_form = MeetingRecordForm(
        data if action in ("record", "publish") else None,
        initial={"agenda": record.agenda, "minutes": record.minutes},
        prefix="record",
    )
    attendance_form = AttendanceForm(
        data if action == "attendance" else None, rows=attendance["rows"], prefix="attendance"
    )
    if action in ("record", "publish") and record_form.is_valid():
        try:
            services.save_meeting_record(
                event=event,
                publish=action == "publish",
                user=request.user,
                **record_form.cleaned_data,
            )
        except ValidationError as error:
            _refuse(record_form, error)
        else:
            if action == "publish":
                messages.success(request, _("Minutes saved and published on the public page."))
            else:
                messages.success(request, _("Agenda and minutes saved."))
            return redirect("groups:staff-meeting", pk=event.pk)
    elif action == "unpublish":
        services.unpublish_minutes(event=event)
        messages.success(request, _("The minutes are no longer on the public page."))
        return redirect("groups:staff-meeting", pk=event.pk)
    elif action == "attendance" and attendance_form.is_valid():
        try:
            result = services.record_meeting_attendance(
                event=event,
                present_resident_ids=attendance_form.cleaned_data["present"],
                user=request.user,
            )
        except ValidationError as error:
            _refuse(attendance_form, error)
        else:
            messages.success(
                request,
                _("Attendance saved: %(present)s of %(serving)s members present.")
                % {"present": result["present"], "serving": result["serving"]},
            )
            return redirect("groups:staff-meeting", pk=event.pk)
    return render(
        request,
        "coproduction/groups/staff_meeting.html",
        {
            "event": event,
            "program": event.program,
            "record": record,
            "record_form": record_form,
            "attendance_form": attendance_form,
            "attendance": attendance,
        },
    )


# --- Staff: items under review -------------------------------------------------------------


@program_staff
def staff_item_create(request, pk):
    program = _managed_group(request, pk)
    if refused := _only_get_or_post(request):
        return refused
    form = ReviewItemForm(
        request.POST or None,
        user=request.user,
        initial={"status": ReviewItem.Status.DRAFT},
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = services.create_review_item(
                program=program, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _refuse(form, error)
        else:
            messages.success(request, _("“%(title)s” is saved.") % {"title": item.title})
            return redirect("groups:staff-item", pk=item.pk)
    return render(
        request, "coproduction/groups/staff_item_form.html", {"program": program, "form": form}
    )


@never_cache
@program_staff
def staff_item(request, pk):
    item = selectors.item_for_staff(pk)
    if item is None:
        raise Http404
    if not selectors.user_can_open_staff_item(request.user, item):
        raise PermissionDenied
    if refused := _only_get_or_post(request):
        return refused
    if item.confidential:
        services.record_confidential_view(user=request.user, item=item, page="staff")
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data else None
    period_form = CommentPeriodForm(
        data if action == "period" else None,
        initial={
            "comment_opens_at": item.comment_opens_at,
            "comment_closes_at": item.comment_closes_at,
        },
        prefix="period",
    )
    document_form = DocumentForm(
        data if action == "document" else None,
        request.FILES if action == "document" else None,
        prefix="document",
    )
    if action == "status":
        try:
            item = services.advance_item_status(item=item, to=data.get("to", ""), user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, _("Status: %(status)s.") % {"status": item.get_status_display()}
            )
        return redirect("groups:staff-item", pk=item.pk)
    if action == "period" and period_form.is_valid():
        try:
            services.set_comment_period(
                item=item,
                opens=period_form.cleaned_data["comment_opens_at"],
                closes=period_form.cleaned_data["comment_closes_at"],
                user=request.user,
            )
        except ValidationError as error:
            _refuse(period_form, error)
        else:
            messages.success(request, _("Comment period saved."))
            return redirect("groups:staff-item", pk=item.pk)
    if action == "document" and document_form.is_valid():
        try:
            services.add_document(
                item=item,
                title=document_form.cleaned_data["title"],
                file=document_form.cleaned_data["file"],
                link=document_form.cleaned_data["link"],
                user=request.user,
            )
        except ValidationError as error:
            _refuse(document_form, error)
        else:
            messages.success(request, _("Document added."))
            return redirect(reverse("groups:staff-item", args=[item.pk]) + "#documents")
    return render(
        request,
        "coproduction/groups/staff_item.html",
        {
            "item": item,
            "program": item.program,
            "period_form": period_form,
            "document_form": document_form,
            "queue": selectors.moderation_queue(item) if not item.confidential else [],
            "next_status": services.NEXT_STATUS.get(item.status),
            "can_record_recommendation": user_can_manage_program(request.user, item.program),
        },
    )


@program_staff
def staff_moderate(request, pk, comment_pk, action):
    item = get_object_or_404(
        ReviewItem.objects.select_related("program__engagement_type", "program__owner"), pk=pk
    )
    if not user_can_manage_program(request.user, item.program):
        raise PermissionDenied
    comment = get_object_or_404(PublicComment, pk=comment_pk, item=item)
    if action not in services.MODERATION_ACTIONS:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    reason = ""
    if action == "reject":
        form = RejectForm(request.POST)
        if not form.is_valid():
            messages.error(
                request,
                _("Give a reason for not publishing the comment (at most 300 characters)."),
            )
            return redirect(reverse("groups:staff-item", args=[item.pk]) + "#comments")
        reason = form.cleaned_data["reason"]
    try:
        comment = services.moderate_comment(
            comment=comment, action=action, user=request.user, reason=reason
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("Comment marked “%(status)s”.") % {"status": comment.get_status_display()}
        )
    return redirect(reverse("groups:staff-item", args=[item.pk]) + "#comments")
