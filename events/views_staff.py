"""Staff pages for events: list, create and edit, roster, door check-in, walk-ins, export.

Every page but the list shows or changes registrants' personal data, so each one first checks
that the user runs the event's program (owner, team, or allowed to manage all programs), and
does so before looking at the HTTP method or the input: a refused user always gets a 403.
"""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_safe

from engagement_portal.core.mixins import staff_only
from engagement_portal.core.services import audit_view
from programs.models import Program
from programs.selectors import user_can_manage_program

from . import hooks, selectors, services
from .forms_staff import (
    AccommodationForm,
    AddRegistrantForm,
    CancelEventForm,
    CheckInForm,
    DoorSearchForm,
    EventForm,
    PersonnelForm,
    PersonnelRemoveForm,
    SeriesForm,
    StaffEventFilterForm,
    WalkInForm,
)
from .models import AccommodationRequest, Event, Registration


def _event_for_program_staff(request, pk) -> Event:
    event = get_object_or_404(
        Event.objects.select_related("program__engagement_type__tier", "neighbourhood"), pk=pk
    )
    if not selectors.user_can_see_personal_data(request.user, event):
        raise PermissionDenied
    return event


def _program_for_staff(request, program_pk) -> Program:
    program = get_object_or_404(Program.objects.select_related("engagement_type"), pk=program_pk)
    if not user_can_manage_program(request.user, program):
        raise PermissionDenied
    return program


def _door_url(event: Event, query: str = "") -> str:
    url = reverse("events:staff-door", args=[event.pk])
    return f"{url}?{urlencode({'q': query})}" if query else url


# --- List -------------------------------------------------------------------------------


@staff_only
def event_list(request):
    filters = StaffEventFilterForm(request.GET or None)
    options = filters.cleaned_data if filters.is_valid() else {}
    events = selectors.staff_event_list(
        request.user,
        program=options.get("program"),
        status=options.get("status") or "",
        when=options.get("when") or "upcoming",
        mine=bool(options.get("mine")),
        series_id=options.get("series"),
    )
    page = Paginator(events, 25).get_page(request.GET.get("page"))
    managed = selectors.program_ids_user_manages(request.user, {event.program_id for event in page})
    for event in page:
        event.can_manage = event.program_id in managed
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "events/staff_list.html",
        {"filter_form": filters, "page": page, "query": query.urlencode(), "options": options},
    )


# --- Create, series, edit, cancel ---------------------------------------------------------


@staff_only
def event_create(request, program_pk):
    program = _program_for_staff(request, program_pk)
    form = EventForm(request.POST or None, instance=Event(program=program), program=program)
    if request.method == "POST" and form.is_valid():
        event = services.create_event(form=form, program=program, user=request.user)
        messages.success(request, _("Event “%(title)s” created.") % {"title": event.title})
        return redirect(event.get_staff_url())
    return render(
        request, "events/staff_form.html", {"form": form, "program": program, "mode": "create"}
    )


@staff_only
def series_create(request, program_pk):
    program = _program_for_staff(request, program_pk)
    form = SeriesForm(request.POST or None, instance=Event(program=program), program=program)
    if request.method == "POST" and form.is_valid():
        events = services.create_series(
            form=form,
            program=program,
            user=request.user,
            frequency=form.cleaned_data["frequency"],
            interval=form.cleaned_data["interval"] or 1,
            occurrences=form.cleaned_data["occurrences"],
        )
        messages.success(
            request,
            ngettext(
                "%(n)d session created. Edit or cancel each one on its own page.",
                "%(n)d sessions created. Edit or cancel each one on its own page.",
                len(events),
            )
            % {"n": len(events)},
        )
        query = urlencode({"series": events[0].series_id, "when": "all"})
        return redirect(f"{reverse('events:staff-list')}?{query}")
    return render(
        request, "events/staff_form.html", {"form": form, "program": program, "mode": "series"}
    )


@staff_only
def event_edit(request, pk):
    event = _event_for_program_staff(request, pk)
    form = EventForm(request.POST or None, instance=event, program=event.program)
    if request.method == "POST" and form.is_valid():
        event = services.update_event(form=form, user=request.user)
        messages.success(request, _("Changes saved."))
        return redirect(event.get_staff_url())
    return render(
        request,
        "events/staff_form.html",
        {"form": form, "program": event.program, "event": event, "mode": "edit"},
    )


@staff_only
def event_cancel(request, pk):
    event = _event_for_program_staff(request, pk)
    form = CancelEventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.cancel_event(event=event, reason=form.cleaned_data["reason"])
        messages.success(request, _("The event is cancelled. Everyone registered is being told."))
        return redirect(event.get_staff_url())
    counts = selectors.attendance_counts(event)
    return render(
        request, "events/staff_cancel.html", {"event": event, "form": form, "counts": counts}
    )


@staff_only
def event_delete(request, pk):
    """Delete an event made by mistake. One with registrations is cancelled instead."""
    event = _event_for_program_staff(request, pk)
    registrations = event.registrations.count()
    if request.method == "POST" and not registrations:
        program = event.program
        try:
            services.delete_event(event=event, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(event.get_staff_url())
        messages.success(request, _("The event “%(title)s” is deleted.") % {"title": event.title})
        return redirect(reverse("programs:staff-detail", args=[program.pk]))
    counts = {
        "walk_ins": event.walk_ins.count(),
        "personnel": event.personnel_links.count(),
        "attendance": event.attendance.count(),
        "press_questions": event.press_questions.count(),
    }
    return render(
        request,
        "events/staff_delete.html",
        {"event": event, "registrations": registrations, "counts": counts},
    )


# --- Roster -------------------------------------------------------------------------------


@staff_only
def event_detail(request, pk):
    event = _event_for_program_staff(request, pk)
    registrations = list(selectors.roster(event))
    audit_view(
        actor=request.user,
        page="events:staff-detail",
        target=event,
        residents=[registration.resident_id for registration in registrations],
        program=event.program_id,
    )
    return render(
        request,
        "events/staff_detail.html",
        {
            "event": event,
            "counts": selectors.attendance_counts(event),
            "registrations": registrations,
            "personnel": selectors.event_personnel(event),
            "personnel_form": PersonnelForm(),
            "has_ended": event.ends_at <= timezone.now(),
            "panels": hooks.panels_for(request, event),
        },
    )


@staff_only
def add_registrant(request, pk):
    event = _event_for_program_staff(request, pk)
    form = AddRegistrantForm(request.POST or None, event=event)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = services.register(
                event=event,
                name=data["name"],
                email=data["email"],
                phone=data["phone"],
                neighbourhood=data["neighbourhood"],
                party_size=data["party_size"],
                language=data["language"],
                accessibility=data["accessibility"],
                interpretation=data["interpretation"],
                wants_reminders=data["wants_reminders"],
                source=Registration.Source.STAFF,
                is_sensitive=data["is_sensitive"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            registration = result.registration
            if data["is_sensitive"]:
                services.mark_sensitive(registration)  # also when they were registered already
            if not result.created:
                text = _("%(name)s was already registered: nothing was added.")
            elif registration.status == Registration.Status.WAITLISTED:
                text = _("The event is full: %(name)s is on the waiting list.")
            else:
                text = _("%(name)s is registered.")
            messages.success(request, text % {"name": registration.resident.name})
            return redirect(event.get_staff_url())
    return render(
        request,
        "events/staff_add_registrant.html",
        {"event": event, "form": form, "seats_left": services.seats_left(event)},
    )


@login_required
@permission_required("programs.change_program", raise_exception=True)
@require_safe
def accommodations(request):
    """Accessibility and interpretation requests not arranged yet, across the events of
    the programs the user runs: the work to do before those events."""
    requests = selectors.open_accommodations_for(request.user, timezone.now())
    page = Paginator(requests, 50).get_page(request.GET.get("page"))
    audit_view(
        actor=request.user,
        page="events:staff-requests",
        target="open accommodation requests",
        residents=[r.registration.resident_id for r in page.object_list],
    )
    return render(
        request,
        "events/staff_requests.html",
        {"page": page, "request_path": request.get_full_path()},
    )


@staff_only
def accommodation_toggle(request, pk):
    accommodation = get_object_or_404(
        AccommodationRequest.objects.select_related("registration__event__program"), pk=pk
    )
    event = accommodation.registration.event
    if not selectors.user_can_see_personal_data(request.user, event):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = AccommodationForm(request.POST)
    if form.is_valid():
        services.set_accommodation_fulfilled(
            request=accommodation, fulfilled=form.cleaned_data["fulfilled"], user=request.user
        )
        if form.cleaned_data["fulfilled"]:
            messages.success(request, _("Request marked as arranged."))
        else:
            messages.success(request, _("Request marked as not arranged yet."))
    else:
        messages.error(request, _("Nothing was changed."))
    back = request.POST.get("next", "")
    if back.startswith("/") and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(back)  # the list of open requests, where the button was
    return redirect(f"{event.get_staff_url()}#requests")


@staff_only
def personnel(request, pk):
    event = _event_for_program_staff(request, pk)
    form = PersonnelForm()
    if request.method == "POST":
        if "remove" in request.POST:
            remove_form = PersonnelRemoveForm({"user": request.POST.get("remove")}, event=event)
            if remove_form.is_valid():
                user = remove_form.cleaned_data["user"]
                services.remove_personnel(event=event, user=user)
                messages.success(request, _("%(name)s removed.") % {"name": user})
            return redirect(f"{event.get_staff_url()}#personnel")
        form = PersonnelForm(request.POST)
        if form.is_valid():
            user = form.cleaned_data["user"]
            services.add_personnel(event=event, user=user, role=form.cleaned_data["role"])
            messages.success(request, _("%(name)s added.") % {"name": user})
            return redirect(f"{event.get_staff_url()}#personnel")
    return render(
        request,
        "events/staff_personnel.html",
        {"event": event, "personnel": selectors.event_personnel(event), "personnel_form": form},
    )


@staff_only
def no_shows(request, pk):
    event = _event_for_program_staff(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    try:
        marked = services.mark_no_shows(event=event)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(n)d registration marked as not attended.",
                "%(n)d registrations marked as not attended.",
                marked,
            )
            % {"n": marked},
        )
    return redirect(event.get_staff_url())


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """Spreadsheets run cells that start with these characters as formulas: defuse them."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


@staff_only
def roster_csv(request, pk):
    event = _event_for_program_staff(request, pk)
    rows = services.export_roster(event=event, user=request.user)
    filename = f"roster-{event.pk}-{slugify(event.title)[:40] or 'event'}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # so spreadsheet programs read names with accents correctly
    writer = csv.writer(response)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    return response


# --- The door -------------------------------------------------------------------------------


@staff_only
def door(request, pk):
    event = _event_for_program_staff(request, pk)
    search = DoorSearchForm(request.GET or None)
    query = search.cleaned_data["q"] if search.is_valid() else ""
    results = [] if search.errors else list(selectors.door_search(event, query))
    audit_view(
        actor=request.user,
        page="events:staff-door",
        target=event,
        residents=[registration.resident_id for registration in results],
        program=event.program_id,
    )
    return render(
        request,
        "events/staff_door.html",
        {
            "event": event,
            "search": search,
            "query": query,
            "results": results,
            "counts": selectors.attendance_counts(event),
        },
    )


@staff_only
def door_check_in(request, pk, registration_pk):
    event = _event_for_program_staff(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    registration = get_object_or_404(
        Registration.objects.select_related("resident"), pk=registration_pk, event=event
    )
    form = CheckInForm(request.POST)
    query = request.POST.get("q", "")[:200]
    if not form.is_valid():
        messages.error(request, _("Nothing was changed."))
        return redirect(_door_url(event, query))
    name = registration.resident.name
    if form.cleaned_data["action"] == "undo":
        services.undo_check_in(registration=registration)
        messages.info(request, _("Check-in of %(name)s undone.") % {"name": name})
    else:
        try:
            registration = services.check_in(registration=registration)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _checked_in_message(registration, name))
    return redirect(_door_url(event, form.cleaned_data["q"]))


def _checked_in_message(registration: Registration, name: str) -> str:
    at = time_format(timezone.localtime(registration.checked_in_at), "H:i")
    return ngettext(
        "%(name)s checked in at %(time)s.",
        "%(name)s and party (%(n)d people) checked in at %(time)s.",
        registration.party_size,
    ) % {"name": name, "time": at, "n": registration.party_size}


@staff_only
def check_in_by_code(request, code):
    registration = selectors.registration_by_check_in_code(code)
    if registration is None:
        return render(
            request, "events/staff_check_in_code.html", {"registration": None}, status=404
        )
    event = registration.event
    if not selectors.user_can_see_personal_data(request.user, event):
        raise PermissionDenied
    if request.method == "POST":
        try:
            registration = services.check_in(registration=registration)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _checked_in_message(registration, registration.resident.name))
        return redirect("events:staff-check-in-code", code=registration.check_in_code)
    audit_view(
        actor=request.user,
        page="events:staff-check-in-code",
        target=registration,
        residents=[registration.resident_id],
        program=event.program_id,
    )
    return render(
        request,
        "events/staff_check_in_code.html",
        {"registration": registration, "event": event},
    )


@staff_only
def walk_in(request, pk):
    event = _event_for_program_staff(request, pk)
    form = WalkInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_walk_in(
                event=event,
                recorded_by=request.user,
                party_size=data["party_size"],
                neighbourhood=data["neighbourhood"],
                language=data["language"],
                age_group=data["age_group"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            total = selectors.attendance_counts(event)["walk_ins"]
            messages.success(
                request,
                ngettext(
                    "Walk-in recorded: %(n)d person.",
                    "Walk-in recorded: %(n)d people.",
                    data["party_size"],
                )
                % {"n": data["party_size"]}
                + " "
                + ngettext("%(total)d walk-in so far.", "%(total)d walk-ins so far.", total)
                % {"total": total},
            )
            return redirect(_door_url(event))
    return render(
        request,
        "events/staff_walk_in.html",
        {"event": event, "form": form, "counts": selectors.attendance_counts(event)},
    )
