"""Public pages: the event list, event pages, registration without an account, the private
manage link, and calendar files. Events are addressed by a random public_id and
registrations by a private token; no sequential id appears in these URLs."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from engagement_portal.core.http import limit_public_posts, private_page, too_many_requests
from programs.selectors import public_programs

from . import calendar, selectors, services
from .filters import PublicEventFilter
from .forms_public import PartySizeForm, RegistrationForm
from .models import Registration

limit_posts = limit_public_posts("events-public-post")


def _public_event(public_id: str, find=selectors.event_for_public_page):
    event = find(public_id) if len(public_id) <= 16 else None
    if event is None:
        raise Http404
    return event


def _calendar_response(content: bytes, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    kind = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{kind}; filename="{filename}"'
    return response


# --- Finding events --------------------------------------------------------------------


@require_safe
def event_list(request):
    event_filter = PublicEventFilter(request.GET or None, queryset=selectors.public_events())
    page = Paginator(event_filter.qs, 20).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/public_list.html",
        {
            "filter_form": event_filter.form,
            "page": page,
            "query": query.urlencode(),
            "filtered": bool(event_filter.is_bound and event_filter.form.has_changed()),
        },
    )


@require_safe
def event_detail(request, public_id):
    event = _public_event(public_id)
    problem = services.registration_problem(event)
    form = None if problem else RegistrationForm(event=event, user=request.user)
    return render(
        request, "events/public_detail.html", {"event": event, "problem": problem, "form": form}
    )


@limit_posts
@require_http_methods(["GET", "POST"])
def register(request, public_id):
    if request.limited:
        return too_many_requests(request)
    if request.method == "GET":
        event = _public_event(public_id)
        context = {"event": event, "problem": services.registration_problem(event)}
        if not context["problem"]:
            context["form"] = RegistrationForm(event=event, user=request.user)
        return render(request, "events/public_register.html", context)

    # The page's data (places left, languages) is loaded only if the form is shown again.
    event = _public_event(public_id, selectors.event_to_register_for)
    form = RegistrationForm(request.POST, event=event, user=request.user)
    if form.is_valid():
        user = request.user if request.user.is_authenticated else None
        try:
            result = services.register(event=event, user=user, **form.registration_kwargs())
        except ValidationError as error:  # EventFull and RegistrationClosed among them
            form.add_error(None, error)
        else:
            return _registered(request, event, result)
    context = {"event": _public_event(public_id), "problem": None, "form": form}
    return render(request, "events/public_register.html", context)


def _registered(request, event, result: services.RegistrationResult) -> HttpResponse:
    if not result.created:
        # Say nothing about the registration on file: whoever typed this email may not own it.
        return render(request, "events/public_already_registered.html", {"event": event})
    if result.registration.status == Registration.Status.WAITLISTED:
        messages.info(
            request,
            _("The event is full: you are number %(n)d on the waiting list.")
            % {"n": result.position},
        )
    else:
        messages.success(request, _("You are registered."))
    return redirect("events:manage", token=result.token)


# --- The private manage link -----------------------------------------------------------


def _invalid_link(request) -> HttpResponse:
    return render(request, "events/public_link_invalid.html", status=404)


@private_page
@limit_posts
@require_http_methods(["GET", "POST"])
def manage(request, token):
    if request.limited:
        return too_many_requests(request)
    registration = services.registration_by_token(token)
    if registration is None:
        return _invalid_link(request)
    event = registration.event
    problem = services.manage_problem(registration)
    form = None
    if event.allows_guests and not problem:
        form = PartySizeForm(
            request.POST if request.method == "POST" else None,
            event=event,
            initial={"party_size": registration.party_size},
        )
    if request.method == "POST":
        if form is None:
            messages.error(request, problem or _("This registration can no longer be changed."))
            return redirect("events:manage", token=token)
        if form.is_valid():
            try:
                services.change_party_size(
                    registration=registration, party_size=form.cleaned_data["party_size"]
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("Your party size is updated."))
                return redirect("events:manage", token=token)
    return render(
        request,
        "events/public_manage.html",
        {
            "registration": registration,
            "event": event,
            "token": token,
            "problem": problem,
            "form": form,
            "position": services.waitlist_position(registration),
            "accommodations": registration.accommodations.all(),
        },
    )


@private_page
@limit_posts
@require_http_methods(["GET", "POST"])
def manage_cancel(request, token):
    if request.limited:
        return too_many_requests(request)
    registration = services.registration_by_token(token)
    if registration is None:
        return _invalid_link(request)
    problem = services.manage_problem(registration)
    if request.method == "POST":
        if problem:
            messages.error(request, problem)
        else:
            try:
                services.cancel_registration(registration=registration)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, _("Your registration is cancelled."))
        return redirect("events:manage", token=token)
    return render(
        request,
        "events/public_cancel.html",
        {
            "registration": registration,
            "event": registration.event,
            "token": token,
            "problem": problem,
        },
    )


@private_page
@require_safe
def manage_qr(request, token, fmt):
    if fmt not in ("png", "svg"):
        raise Http404
    registration = services.registration_by_token(token)
    if registration is None:
        return _invalid_link(request)
    if registration.status != Registration.Status.CONFIRMED:
        raise Http404
    if fmt == "png":
        return HttpResponse(calendar.check_in_qr_png(registration), content_type="image/png")
    return HttpResponse(calendar.check_in_qr_svg(registration), content_type="image/svg+xml")


# --- Calendars -------------------------------------------------------------------------

FEED_LIMIT = 500


@require_safe
def event_ics(request, public_id):
    event = _public_event(public_id)
    return _calendar_response(
        calendar.event_ics(event), f"event-{event.public_id}.ics", attachment=True
    )


@require_safe
def feed(request):
    events = selectors.public_events()[:FEED_LIMIT]
    name = _("%(agency)s community events") % {"agency": settings.PORTAL_AGENCY_NAME}
    return _calendar_response(calendar.feed_ics(name, events), "events.ics", attachment=False)


@require_safe
def program_feed(request, slug):
    program = get_object_or_404(public_programs(), slug=slug)
    events = selectors.public_events().filter(program=program)[:FEED_LIMIT]
    return _calendar_response(
        calendar.feed_ics(program.title, events), f"{program.slug}.ics", attachment=False
    )
