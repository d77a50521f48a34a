"""Resident requests: a public form, the resident's private status page, and the staff
queue where requests are accepted (creating the event), answered with another time, or
declined. Staff pages need programs.change_program, checked before the HTTP method or
the input is looked at; accepting also needs managing the program chosen. Staff see only the
requests routed to them (selectors_requests); others get a 403, and every view of a page
with a resident's details is audit-logged.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from engagement_portal.core.http import limit_public_posts, private_page, too_many_requests
from engagement_portal.core.services import audit_view
from programs.in_person import services_requests as services
from programs.in_person.forms_requests import (
    AcceptForm,
    DeclineForm,
    ProposeForm,
    RequestFilterForm,
    ResidentRequestForm,
)
from programs.in_person.models import ResidentRequest
from programs.in_person.selectors_requests import (
    active_programs_of_kind,
    programs_for_accepting,
    requests_for_staff,
    unrouted_requests,
    user_can_see_request,
)

limit_posts = limit_public_posts("resident-requests")


def request_handlers(view):
    """Anonymous visitors go to log in; users who cannot change programs get a 403."""
    return login_required(
        permission_required("programs.change_program", raise_exception=True)(view)
    )


# --- Public ---------------------------------------------------------------------------


@limit_posts
@require_http_methods(["GET", "POST"])
def request_form(request):
    if request.limited:
        return too_many_requests(request)
    form = ResidentRequestForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"kind": request.GET.get("kind", "")},
    )
    if request.method == "POST" and form.is_valid():
        user = request.user if request.user.is_authenticated else None
        try:
            _request, token = services.submit_request(user=user, **form.request_kwargs())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Thank you: your request is sent. Keep this page's link to check on it."),
            )
            return redirect("requests:status", token=token)
    return render(request, "in_person/requests/public_form.html", {"form": form})


def _invalid_link(request) -> HttpResponse:
    return render(request, "in_person/requests/public_link_invalid.html", status=404)


@private_page
@limit_posts
@require_http_methods(["GET", "POST"])
def request_status(request, token):
    if request.limited:
        return too_many_requests(request)
    resident_request = services.request_by_token(token)
    if resident_request is None:
        return _invalid_link(request)
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "withdraw":
                services.withdraw_request(request=resident_request)
                messages.success(request, _("Your request is withdrawn."))
            elif action == "agree":
                services.agree_to_proposed_time(request=resident_request)
                messages.success(
                    request, _("Thank you. Staff will confirm the time and send you the details.")
                )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("requests:status", token=token)
    return render(
        request,
        "in_person/requests/public_status.html",
        {"resident_request": resident_request, "token": token},
    )


# --- Staff ----------------------------------------------------------------------------


@request_handlers
@require_safe
def staff_list(request):
    filters = RequestFilterForm(request.GET or None)
    options = filters.options()
    requests = requests_for_staff(request.user)
    status = options.get("status", "")
    if not status:
        requests = requests.filter(status__in=ResidentRequest.OPEN)
    elif status != "all":
        requests = requests.filter(status=status)
    if options.get("kind"):
        requests = requests.filter(kind=options["kind"])
    can_route = request.user.has_perm("programs.manage_all_programs")
    unrouted = unrouted_requests().count() if can_route else 0
    if can_route and request.GET.get("reach") == "nobody":
        requests = requests.filter(pk__in=unrouted_requests().values("pk"))
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(requests, 25).get_page(request.GET.get("page"))
    audit_view(
        actor=request.user,
        page="requests:staff-list",
        target="resident requests",
        residents=[r.resident_id for r in page.object_list],
        requests=[r.pk for r in page.object_list],
    )
    return render(
        request,
        "in_person/requests/staff_list.html",
        {
            "filter_form": filters,
            "page": page,
            "query": query.urlencode(),
            "unrouted": unrouted,
            "reach_nobody": can_route and request.GET.get("reach") == "nobody",
        },
    )


@request_handlers
def staff_detail(request, pk):
    resident_request = get_object_or_404(
        ResidentRequest.objects.select_related(
            "resident", "neighbourhood", "created_event", "program", "handled_by"
        ),
        pk=pk,
    )
    if not user_can_see_request(request.user, resident_request):
        raise PermissionDenied
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    programs = programs_for_accepting(request.user, resident_request)
    available = list(programs)  # read once: the choice, the preselection and the notes
    data = request.POST if request.method == "POST" else None
    action = data.get("action") if data else None
    initial_start = resident_request.proposed_start
    forms = {
        "accept": AcceptForm(
            data if action == "accept" else None,
            programs=programs,
            prefix="accept",
            # With one program to choose, it is chosen.
            initial={
                "start": initial_start,
                "program": available[0] if len(available) == 1 else None,
            },
        ),
        "propose": ProposeForm(data if action == "propose" else None, prefix="propose"),
        "decline": DeclineForm(data if action == "decline" else None, prefix="decline"),
    }
    form = forms.get(action)
    if form is not None and form.is_valid():
        data = form.cleaned_data
        try:
            if action == "accept":
                # The form's choices are the programs this user may accept into.
                services.accept_request(
                    request=resident_request,
                    program=data["program"],
                    start=data["start"],
                    end=data["end"],
                    message=data["message"],
                    user=request.user,
                )
                messages.success(request, _("Accepted: the event is created."))
            elif action == "propose":
                services.propose_time(
                    request=resident_request,
                    start=data["start"],
                    message=data["message"],
                    user=request.user,
                )
                messages.success(request, _("The new time is sent to the resident."))
            else:
                services.decline_request(
                    request=resident_request, reason=data["reason"], user=request.user
                )
                messages.success(request, _("The request is declined."))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("requests:staff-detail", pk=resident_request.pk)
    audit_view(
        actor=request.user,
        page="requests:staff-detail",
        target=resident_request,
        residents=[resident_request.resident_id],
        program=resident_request.program_id,
    )
    return render(
        request,
        "in_person/requests/staff_detail.html",
        {
            "resident_request": resident_request,
            "has_programs": bool(available),
            "programs_of_kind": (
                [] if available else list(active_programs_of_kind(resident_request))
            ),
            **forms,
        },
    )
