"""Staff pages for events. Alice owns the program; Bob is program staff on another program;
Carol is command staff (aggregates only); Root is an administrator."""

import csv
import io
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from events import services
from events.calendar import check_in_url
from events.models import AccommodationRequest, Event, EventPersonnel, Registration, WalkIn
from tests.factories import NeighbourhoodFactory, ProgramFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
Status = Registration.Status


@pytest.fixture(autouse=True)
def agency_zone(settings):
    settings.TIME_ZONE = "America/Chicago"


@pytest.fixture
def program(alice):
    return ProgramFactory(owner=alice, title="Coffee on Main Street")


@pytest.fixture
def event(make_event, program):
    return make_event(program=program, title="Coffee with a Cop", capacity=10, max_party_size=4)


def register(event, name, **kwargs):
    kwargs.setdefault("email", f"{name.split()[0].lower()}@example.net")
    return services.register(event=event, name=name, **kwargs).registration


def url(name, *args, **kwargs):
    return reverse(f"events:{name}", args=args, kwargs=kwargs or None)


def local_input(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


def event_post(**overrides):
    start = datetime(2031, 3, 4, 18, 0)
    data = {
        "title": "Town hall on traffic",
        "description": "Talk about speeding on Elm Street.",
        "starts_at": local_input(start),
        "ends_at": local_input(start + timedelta(hours=2)),
        "venue_name": "Library hall",
        "address": "1 Elm Street",
        "accessibility_notes": "Step-free entrance on the north side.",
        "online_url": "",
        "capacity": "40",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "waitlist_enabled": "on",
        "max_party_size": "2",
        "interpretation_available": "Spanish on request",
        "visibility": Event.Visibility.PUBLIC,
        "reminder_offsets": "24h, 2h",
    }
    data.update(overrides)
    return data


# --- Access -----------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["bob", "carol"])
@pytest.mark.parametrize("page", ["staff-detail", "staff-door", "staff-export", "staff-edit"])
def test_staff_who_do_not_run_the_program_get_403(persona, page, request, client, event):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url(page, event.pk)).status_code == 403
    assert client.post(url(page, event.pk), {}).status_code == 403


def test_non_team_staff_cannot_check_in_or_toggle_requests(client, bob, event):
    registration = register(event, "Rosa Ruiz", accessibility="Wheelchair space")
    client.force_login(bob)
    assert client.post(url("staff-check-in", event.pk, registration.pk)).status_code == 403
    code_url = url("staff-check-in-code", registration.check_in_code)
    assert client.post(code_url).status_code == 403
    request_pk = registration.accommodations.get().pk
    assert (
        client.post(url("staff-accommodation", request_pk), {"fulfilled": "1"}).status_code == 403
    )
    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED


def test_anonymous_visitors_are_sent_to_log_in(client, event):
    response = client.get(url("staff-door", event.pk))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_team_member_and_administrator_open_the_roster(client, bob, root, event):
    event.program.team.add(bob)
    for user in (bob, root):
        client.force_login(user)
        assert client.get(url("staff-detail", event.pk)).status_code == 200


def test_post_only_pages_answer_405_to_get(client, alice, event):
    client.force_login(alice)
    assert client.get(url("staff-no-shows", event.pk)).status_code == 405
    registration = register(event, "Rosa Ruiz")
    assert client.get(url("staff-check-in", event.pk, registration.pk)).status_code == 405


def test_garbage_ids_give_404_not_500(client, alice, event):
    client.force_login(alice)
    assert client.get(url("staff-detail", 999999)).status_code == 404
    assert client.post(url("staff-check-in", event.pk, 999999)).status_code == 404
    assert client.get(url("staff-check-in-code", "NOPE")).status_code == 404
    assert client.get(url("staff-check-in-code", "x" * 80)).status_code == 404
    assert client.post(url("staff-accommodation", 999999)).status_code == 404


# --- List -------------------------------------------------------------------------------


def test_event_list_shows_counts_to_any_staff(client, carol, event):
    register(event, "Rosa Ruiz", party_size=3)
    client.force_login(carol)
    response = client.get(url("staff-list"))
    assert response.status_code == 200
    assert "Coffee with a Cop" in response.text
    assert "3 / 10" in response.text
    # Carol does not run the program: no link to the roster she may not open.
    assert event.get_staff_url() not in response.text


def test_event_list_filters_by_program_and_time(client, alice, make_event, event):
    other = make_event(title="Ride-along briefing")
    past = make_event(
        program=event.program,
        title="Last month's coffee",
        starts_at=timezone.now() - timedelta(days=30),
    )
    client.force_login(alice)
    response = client.get(url("staff-list"), {"program": event.program.pk})
    titles = [e.title for e in response.context["page"]]
    assert titles == [event.title]
    response = client.get(url("staff-list"), {"when": "past"})
    assert [e.title for e in response.context["page"]] == [past.title]
    assert other.title in client.get(url("staff-list"), {"when": "all"}).text


def test_event_list_survives_garbage_parameters(client, alice, event):
    client.force_login(alice)
    response = client.get(
        url("staff-list"),
        {"program": "abc", "status": "<script>", "when": "x", "page": "-1", "series": "y"},
    )
    assert response.status_code == 200


def test_program_page_lists_its_events_with_new_links(client, alice, event):
    client.force_login(alice)
    response = client.get(event.program.get_staff_url())
    assert "Coffee with a Cop" in response.text
    assert url("staff-create", program_pk=event.program.pk) in response.text
    assert url("staff-series", program_pk=event.program.pk) in response.text


# --- Create and edit ------------------------------------------------------------------


def test_create_form_takes_defaults_from_the_engagement_type(client, alice, program):
    program.engagement_type.default_capacity = 25
    program.engagement_type.default_duration_minutes = 90
    program.engagement_type.save()
    client.force_login(alice)
    response = client.get(url("staff-create", program_pk=program.pk))
    form = response.context["form"]
    assert form["capacity"].value() == 25
    starts, ends = form["starts_at"].value(), form["ends_at"].value()
    assert ends - starts == timedelta(minutes=90)
    assert 'type="datetime-local"' in response.text


def test_create_event_reads_times_in_the_agency_zone(client, alice, program):
    client.force_login(alice)
    response = client.post(url("staff-create", program_pk=program.pk), event_post())
    event = Event.objects.get(title="Town hall on traffic")
    assert response.status_code == 302
    assert response["Location"] == event.get_staff_url()
    assert event.program == program
    assert event.starts_at == datetime(2031, 3, 4, 18, 0, tzinfo=CHICAGO)
    assert event.capacity == 40
    assert event.reminder_offsets == [1440, 120]


def test_create_event_with_blank_end_uses_the_usual_length(client, alice, program):
    client.force_login(alice)
    client.post(url("staff-create", program_pk=program.pk), event_post(ends_at=""))
    event = Event.objects.get()
    minutes = program.engagement_type.default_duration_minutes
    assert event.ends_at - event.starts_at == timedelta(minutes=minutes)


@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"ends_at": local_input(datetime(2031, 3, 4, 17, 0))}, "ends_at"),
        (
            {"registration_closes_at": local_input(datetime(2031, 3, 5, 9, 0))},
            "registration_closes_at",
        ),
        ({"capacity": "-3"}, "capacity"),
        ({"max_party_size": "0"}, "max_party_size"),
        ({"reminder_offsets": "tomorrow, 2h"}, "reminder_offsets"),
        ({"reminder_offsets": "9999h"}, "reminder_offsets"),
        ({"starts_at": "not a date"}, "starts_at"),
    ],
)
def test_create_event_errors_keep_what_was_typed(client, alice, program, overrides, field):
    client.force_login(alice)
    data = event_post(**overrides)
    response = client.post(url("staff-create", program_pk=program.pk), data)
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'value="Town hall on traffic"' in response.text
    assert "Step-free entrance on the north side." in response.text
    assert 'id="error-summary"' in response.text
    assert not Event.objects.exists()


def test_create_event_needs_a_place_or_an_online_link(client, alice, program):
    client.force_login(alice)
    response = client.post(
        url("staff-create", program_pk=program.pk), event_post(venue_name="", address="")
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_edit_shows_times_in_the_agency_zone(client, alice, event):
    client.force_login(alice)
    response = client.get(url("staff-edit", event.pk))
    local = timezone.localtime(event.starts_at, CHICAGO).strftime("%Y-%m-%dT%H:%M")
    assert f'value="{local}"' in response.text


def test_raising_capacity_on_edit_promotes_the_waiting_list(client, alice, program, make_event):
    # The form posts the event's times back as typed. A week from now at this minute can
    # be a time that happens twice (01:30 on 1 November 2026, from 01:30 on 25 October),
    # which a datetime-local field cannot say; 6 pm exists once on every day.
    day = timezone.localdate() + timedelta(days=7)
    start = timezone.make_aware(datetime.combine(day, time(18)))
    event = make_event(program=program, title="Coffee with a Cop", capacity=1, starts_at=start)
    register(event, "Rosa Ruiz")
    waiting = register(event, "Sam Soto")
    assert waiting.status == Status.WAITLISTED
    client.force_login(alice)
    data = event_post(
        title=event.title,
        starts_at=local_input(timezone.localtime(event.starts_at)),
        ends_at=local_input(timezone.localtime(event.ends_at)),
        capacity="5",
    )
    response = client.post(url("staff-edit", event.pk), data)
    assert response.status_code == 302, response.context["form"].errors
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED
    assert OutboxMessage.objects.filter(key=f"registration:{waiting.pk}:promoted").exists()


# --- Series -----------------------------------------------------------------------------


def test_weekly_series_keeps_the_wall_clock_time_across_daylight_saving(client, alice, program):
    client.force_login(alice)
    # Chicago moves its clocks forward on 9 March 2031: sessions stay at 6 pm local.
    data = event_post(
        starts_at="2031-02-25T18:00",
        ends_at="2031-02-25T19:30",
        frequency="weekly",
        interval="",
        occurrences="4",
    )
    response = client.post(url("staff-series", program_pk=program.pk), data)
    assert response.status_code == 302
    events = list(Event.objects.order_by("starts_at"))
    assert len(events) == 4
    local = [timezone.localtime(e.starts_at, CHICAGO) for e in events]
    assert [(d.month, d.day, d.hour, d.minute) for d in local] == [
        (2, 25, 18, 0),
        (3, 4, 18, 0),
        (3, 11, 18, 0),
        (3, 18, 18, 0),
    ]
    assert {e.ends_at - e.starts_at for e in events} == {timedelta(minutes=90)}
    assert len({e.series_id for e in events}) == 1
    listing = client.get(response["Location"])
    assert len(listing.context["page"]) == 4


def test_series_every_n_weeks_needs_a_valid_interval(client, alice, program):
    client.force_login(alice)
    data = event_post(frequency="every_n_weeks", interval="abc", occurrences="3")
    response = client.post(url("staff-series", program_pk=program.pk), data)
    assert response.status_code == 200
    assert "interval" in response.context["form"].errors
    assert 'value="Town hall on traffic"' in response.text
    data.update(interval="2")
    client.post(url("staff-series", program_pk=program.pk), data)
    local = [timezone.localtime(e.starts_at, CHICAGO) for e in Event.objects.order_by("starts_at")]
    assert [(d.month, d.day, d.hour) for d in local] == [(3, 4, 18), (3, 18, 18), (4, 1, 18)]


# --- Cancel -----------------------------------------------------------------------------


def test_cancel_event_notifies_everyone_registered(client, alice, event):
    rosa = register(event, "Rosa Ruiz")
    sam = register(event, "Sam Soto", party_size=2)
    client.force_login(alice)
    assert "reason" in client.get(url("staff-cancel", event.pk)).context["form"].fields
    response = client.post(url("staff-cancel", event.pk), {"reason": "Storm warning"})
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.status == Event.Status.CANCELLED
    assert event.cancellation_reason == "Storm warning"
    keys = set(OutboxMessage.objects.values_list("key", flat=True))
    assert {f"registration:{r.pk}:event-cancelled" for r in (rosa, sam)} <= keys


def test_cancel_event_needs_a_reason(client, alice, event):
    client.force_login(alice)
    response = client.post(url("staff-cancel", event.pk), {"reason": "  "})
    assert response.status_code == 200
    event.refresh_from_db()
    assert event.status == Event.Status.SCHEDULED


# --- Roster ---------------------------------------------------------------------------


def test_roster_shows_registrations_requests_and_counts(client, alice, event):
    register(event, "Rosa Ruiz", party_size=2, accessibility="Wheelchair space")
    register(event, "Sam Soto", phone="+1 312 555 0100", email="", interpretation="Spanish")
    client.force_login(alice)
    response = client.get(url("staff-detail", event.pk))
    assert response.status_code == 200
    assert "Rosa Ruiz" in response.text and "Sam Soto" in response.text
    assert "Wheelchair space" in response.text
    assert response.context["counts"]["seats_taken"] == 3
    assert response.text.count("<h1") == 1


def _fill(event, n):
    neighbourhood = NeighbourhoodFactory()
    for i in range(n):
        services.register(
            event=event,
            name=f"Person {i}",
            email=f"person{i}@example.net",
            neighbourhood=neighbourhood,
            accessibility="Ramp" if i % 2 else "",
        )
    event.personnel_links.create(user=StaffUserFactory())


@pytest.mark.parametrize("page", ["staff-detail", "staff-door"])
def test_roster_and_door_use_a_bounded_number_of_queries(
    client, alice, make_event, program, page, django_assert_max_num_queries
):
    small = make_event(program=program)
    large = make_event(program=program)
    _fill(small, 3)
    _fill(large, 30)
    client.force_login(alice)
    client.get(url(page, small.pk))  # warm up session and permission caches
    with django_assert_max_num_queries(16) as small_queries:
        assert client.get(url(page, small.pk)).status_code == 200
    with django_assert_max_num_queries(len(small_queries)) as large_queries:
        assert client.get(url(page, large.pk)).status_code == 200
    assert "Person 29" in client.get(url(page, large.pk)).text
    assert len(large_queries) == len(small_queries)


def test_accommodation_toggle_marks_a_request_arranged_and_back(client, alice, event):
    registration = register(event, "Rosa Ruiz", accessibility="Wheelchair space")
    request = registration.accommodations.get()
    client.force_login(alice)
    response = client.post(url("staff-accommodation", request.pk), {"fulfilled": "1"})
    assert response.status_code == 302
    assert response["Location"].startswith(event.get_staff_url())
    request.refresh_from_db()
    assert request.fulfilled and request.fulfilled_by == alice
    client.post(url("staff-accommodation", request.pk), {"fulfilled": "0"})
    request.refresh_from_db()
    assert not request.fulfilled
    client.post(url("staff-accommodation", request.pk), {"fulfilled": "maybe"})
    assert AccommodationRequest.objects.get().fulfilled is False


def test_personnel_are_added_with_rank_and_unit_and_removed(client, alice, bob, event):
    client.force_login(alice)
    response = client.post(url("staff-personnel", event.pk), {"user": bob.pk, "role": "presenter"})
    assert response.status_code == 302
    link = EventPersonnel.objects.get(event=event)
    assert (link.user, link.role) == (bob, "presenter")
    roster = client.get(url("staff-detail", event.pk)).text
    assert bob.get_rank_display() in roster and str(bob.unit) in roster
    client.post(url("staff-personnel", event.pk), {"remove": bob.pk})
    assert not EventPersonnel.objects.exists()


def test_personnel_form_rejects_a_resident(client, alice, dave, event):
    client.force_login(alice)
    response = client.post(url("staff-personnel", event.pk), {"user": dave.pk, "role": "lead"})
    assert response.status_code == 200
    assert "user" in response.context["personnel_form"].errors
    assert not EventPersonnel.objects.exists()


# --- Add a registrant by hand ---------------------------------------------------------


def test_staff_add_a_registrant_by_hand(client, alice, event):
    client.force_login(alice)
    response = client.post(
        url("staff-add-registrant", event.pk),
        {"name": "Rosa Ruiz", "phone": "312-555-0100", "party_size": "2", "language": "es"},
    )
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.source == Registration.Source.STAFF
    assert (registration.party_size, registration.language) == (2, "es")
    assert registration.status == Status.CONFIRMED


def test_staff_can_mark_one_registrant_sensitive_and_no_distribution_includes_them(
    client, alice, event
):
    """Issue 17, item 9: one registration, not only a whole event or program, can be a
    sensitive contact; ticking the box for someone registered already marks theirs."""
    from surveys.distribution import sensitive_resident_ids

    client.force_login(alice)
    page = client.get(url("staff-add-registrant", event.pk)).content.decode()
    assert 'name="is_sensitive"' in page
    base = {"party_size": "1", "language": "en"}
    client.post(
        url("staff-add-registrant", event.pk),
        {**base, "name": "Rosa Ruiz", "email": "rosa@example.net", "is_sensitive": "on"},
    )
    client.post(
        url("staff-add-registrant", event.pk),
        {**base, "name": "Sam Soto", "email": "sam@example.net"},
    )
    rosa = Registration.objects.get(resident__name="Rosa Ruiz")
    sam = Registration.objects.get(resident__name="Sam Soto")
    assert rosa.is_sensitive and not sam.is_sensitive
    assert sensitive_resident_ids() == {rosa.resident_id}

    client.post(
        url("staff-add-registrant", event.pk),
        {**base, "name": "Sam Soto", "email": "sam@example.net", "is_sensitive": "on"},
    )
    sam.refresh_from_db()
    assert sam.is_sensitive and Registration.objects.count() == 2


def test_a_resident_registering_cannot_mark_themselves_sensitive(event):
    from events import services

    result = services.register(
        event=event, name="Rosa Ruiz", email="rosa@example.net", is_sensitive=True
    )
    assert not result.registration.is_sensitive


def test_adding_a_registrant_to_a_full_event_waitlists(client, alice, event):
    event.capacity = 1
    event.save()
    register(event, "Sam Soto")
    client.force_login(alice)
    client.post(
        url("staff-add-registrant", event.pk),
        {"name": "Rosa Ruiz", "email": "rosa@example.net", "party_size": "1", "language": "en"},
    )
    assert Registration.objects.get(resident__name="Rosa Ruiz").status == Status.WAITLISTED


@pytest.mark.parametrize(
    "data",
    [
        {"name": "Rosa Ruiz", "email": "", "phone": "", "party_size": "1", "language": "en"},
        {"name": "Rosa Ruiz", "email": "rosa@", "party_size": "1", "language": "en"},
        {"name": "Rosa Ruiz", "email": "rosa@example.net", "party_size": "9", "language": "en"},
        {"name": "Rosa Ruiz", "phone": "call me", "party_size": "1", "language": "en"},
        {"name": "Rosa Ruiz", "email": "rosa@example.net", "party_size": "x", "language": "zz"},
    ],
)
def test_add_registrant_errors_keep_the_input(client, alice, event, data):
    client.force_login(alice)
    response = client.post(url("staff-add-registrant", event.pk), data)
    assert response.status_code == 200
    assert 'value="Rosa Ruiz"' in response.text
    assert 'id="error-summary"' in response.text
    assert not Registration.objects.exists()


def test_add_registrant_after_the_event_says_so(client, alice, make_event, program):
    past = make_event(program=program, starts_at=timezone.now() - timedelta(days=2))
    client.force_login(alice)
    response = client.post(
        url("staff-add-registrant", past.pk),
        {"name": "Rosa Ruiz", "email": "rosa@example.net", "party_size": "1", "language": "en"},
    )
    assert response.status_code == 200
    assert "already taken place" in response.text


# --- Door ---------------------------------------------------------------------------------


def test_door_search_finds_by_name_and_by_code(client, alice, event):
    rosa = register(event, "Rosa Ruiz")
    register(event, "Sam Soto")
    client.force_login(alice)
    response = client.get(url("staff-door", event.pk), {"q": "ruiz"})
    assert [r.resident.name for r in response.context["results"]] == ["Rosa Ruiz"]
    response = client.get(url("staff-door", event.pk), {"q": rosa.check_in_code.lower()})
    assert [r.pk for r in response.context["results"]] == [rosa.pk]
    # A scanner types the whole URL of the QR code into the box.
    response = client.get(url("staff-door", event.pk), {"q": check_in_url(rosa)})
    assert [r.pk for r in response.context["results"]] == [rosa.pk]
    response = client.get(url("staff-door", event.pk), {"q": "x" * 500})
    assert response.status_code == 200


def test_door_check_in_twice_is_one_check_in(client, alice, event):
    rosa = register(event, "Rosa Ruiz")
    client.force_login(alice)
    check_in = url("staff-check-in", event.pk, rosa.pk)
    response = client.post(check_in, {"action": "check_in", "q": "rosa"})
    assert response.status_code == 302
    assert response["Location"] == url("staff-door", event.pk) + "?q=rosa"
    rosa.refresh_from_db()
    first = rosa.checked_in_at
    assert rosa.status == Status.ATTENDED and first
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        client.post(check_in, {"action": "check_in", "q": "rosa"})
    rosa.refresh_from_db()
    assert rosa.checked_in_at == first
    page = client.get(response["Location"])
    assert 'role="status"' in page.text
    assert "Checked in" in page.text and "Undo" in page.text
    assert page.context["counts"]["attended"] == 1


def test_door_undo_reverses_a_check_in(client, alice, event):
    rosa = register(event, "Rosa Ruiz")
    services.check_in(registration=rosa)
    client.force_login(alice)
    client.post(url("staff-check-in", event.pk, rosa.pk), {"action": "undo"})
    rosa.refresh_from_db()
    assert (rosa.status, rosa.checked_in_at) == (Status.CONFIRMED, None)


def test_door_check_in_refuses_a_registration_of_another_event(client, alice, make_event, event):
    other = make_event(program=event.program)
    rosa = register(other, "Rosa Ruiz")
    client.force_login(alice)
    response = client.post(url("staff-check-in", event.pk, rosa.pk), {"action": "check_in"})
    assert response.status_code == 404


def test_door_check_in_of_a_cancelled_registration_says_so(client, alice, event):
    rosa = register(event, "Rosa Ruiz")
    services.cancel_registration(registration=rosa)
    client.force_login(alice)
    response = client.post(
        url("staff-check-in", event.pk, rosa.pk), {"action": "check_in"}, follow=True
    )
    assert "cancelled" in response.text
    rosa.refresh_from_db()
    assert rosa.status == Status.CANCELLED


def test_qr_code_url_shows_the_registrant_and_checks_in(client, alice, event):
    rosa = register(event, "Rosa Ruiz", party_size=3)
    qr_path = check_in_url(rosa).split("://", 1)[1].split("/", 1)[1]
    client.force_login(alice)
    response = client.get("/" + qr_path)
    assert response.status_code == 200
    assert "Rosa Ruiz" in response.text
    rosa.refresh_from_db()
    assert rosa.status == Status.CONFIRMED  # looking does not check in
    response = client.post("/" + qr_path, follow=True)
    rosa.refresh_from_db()
    assert rosa.status == Status.ATTENDED
    assert "checked in" in response.text


def test_qr_code_is_case_insensitive(client, alice, event):
    rosa = register(event, "Rosa Ruiz")
    client.force_login(alice)
    response = client.get(url("staff-check-in-code", rosa.check_in_code.lower()))
    assert response.status_code == 200


# --- Walk-ins and no-shows ------------------------------------------------------------


def test_walk_in_with_prefer_not_to_say(client, alice, event):
    client.force_login(alice)
    response = client.get(url("staff-walk-in", event.pk))
    assert "Prefer not to say" in response.text
    response = client.post(
        url("staff-walk-in", event.pk),
        {"party_size": "2", "neighbourhood": "", "language": "", "age_group": ""},
    )
    assert response.status_code == 302
    assert response["Location"] == url("staff-door", event.pk)
    walk_in = WalkIn.objects.get()
    assert (walk_in.party_size, walk_in.age_group, walk_in.recorded_by) == (2, "", alice)
    door = client.get(response["Location"])
    assert door.context["counts"]["walk_ins"] == 2
    assert "2 walk-ins so far" in door.text


def test_walk_in_with_a_short_card(client, alice, event):
    neighbourhood = NeighbourhoodFactory()
    client.force_login(alice)
    client.post(
        url("staff-walk-in", event.pk),
        {
            "party_size": "1",
            "neighbourhood": neighbourhood.pk,
            "language": "es",
            "age_group": "65+",
        },
    )
    walk_in = WalkIn.objects.get()
    assert (walk_in.neighbourhood, walk_in.language, walk_in.age_group) == (
        neighbourhood,
        "es",
        "65+",
    )


def test_walk_in_errors_keep_the_input(client, alice, event):
    client.force_login(alice)
    response = client.post(
        url("staff-walk-in", event.pk),
        {"party_size": "0", "neighbourhood": "999999", "language": "klingon", "age_group": "18-34"},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"party_size", "neighbourhood", "language"}
    assert re.search(r'<input[^>]*value="18-34"[^>]*checked', response.text)
    assert not WalkIn.objects.exists()


def test_no_shows_before_the_end_are_refused_plainly(client, alice, event):
    register(event, "Rosa Ruiz")
    client.force_login(alice)
    response = client.post(url("staff-no-shows", event.pk), follow=True)
    assert "only after the event has ended" in response.text
    assert not Registration.objects.filter(status=Status.NO_SHOW).exists()


def test_no_shows_after_the_end_mark_the_absent(client, alice, event):
    rosa = register(event, "Rosa Ruiz")
    sam = register(event, "Sam Soto")
    services.check_in(registration=sam)
    client.force_login(alice)
    with time_machine.travel(event.ends_at + timedelta(hours=1)):
        client.post(url("staff-no-shows", event.pk))
    rosa.refresh_from_db()
    sam.refresh_from_db()
    assert (rosa.status, sam.status) == (Status.NO_SHOW, Status.ATTENDED)


# --- Export ---------------------------------------------------------------------------


def test_export_writes_an_audit_row_and_escapes_formulas(client, alice, event):
    register(event, '=HYPERLINK("http://evil.example","click")', email="eve@example.net")
    register(event, "Rosa Ruiz", accessibility="@SUM(A1)")
    client.force_login(alice)
    response = client.get(url("staff-export", event.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    assert ".csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "name"
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil.example","click")' in names
    assert "Rosa Ruiz" in names
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    log = AuditLog.objects.get(action="export_roster")
    assert log.actor == alice
    assert log.details["rows"] == 2


def test_refused_export_writes_no_audit_row(client, bob, event):
    client.force_login(bob)
    assert client.get(url("staff-export", event.pk)).status_code == 403
    assert not AuditLog.objects.exists()


# --- Deleting an event made by mistake ----------------------------------------------------


def test_an_event_nobody_registered_for_can_be_deleted(client, alice, event):
    from programs.dashboard.models import EventSummary, ParticipationDay
    from tests.ledger import summarise

    services.record_walk_in(event=event, recorded_by=alice, party_size=3)
    summarise()
    assert ParticipationDay.objects.filter(program=event.program).exists()
    client.force_login(alice)
    page = client.get(url("staff-detail", event.pk)).content.decode()
    assert url("staff-delete", event.pk) in page
    page = client.get(url("staff-delete", event.pk)).content.decode()
    assert "3 walk-ins" not in page and "1 walk-in" in page  # one record of three people
    response = client.post(url("staff-delete", event.pk), follow=True)
    assert response.redirect_chain[-1][0] == reverse(
        "programs:staff-detail", args=[event.program_id]
    )
    assert "is deleted" in response.content.decode()
    assert not Event.objects.filter(pk=event.pk).exists()
    # Out of the dashboards once the ledger is summarised.
    summarise()
    assert not ParticipationDay.objects.filter(program=event.program).exists()
    assert not EventSummary.objects.filter(event_id=event.pk).exists()
    entry = AuditLog.objects.get(action="event.delete")
    assert entry.actor == alice and entry.details["event"] == event.pk


def test_an_event_people_registered_for_is_cancelled_not_deleted(client, alice, event):
    register(event, "Rosa Ruiz")
    client.force_login(alice)
    assert (
        url("staff-delete", event.pk)
        not in client.get(url("staff-detail", event.pk)).content.decode()
    )
    page = client.get(url("staff-delete", event.pk)).content.decode()
    assert "cannot be deleted. Cancel it instead" in page
    assert client.post(url("staff-delete", event.pk)).status_code == 200
    assert Event.objects.filter(pk=event.pk).exists()
    with pytest.raises(ValidationError):
        services.delete_event(event=event, by=alice)
    assert Event.objects.filter(pk=event.pk).exists()


def test_only_the_programs_staff_delete_its_events(client, bob, event):
    client.force_login(bob)
    assert client.post(url("staff-delete", event.pk)).status_code == 403
    assert Event.objects.filter(pk=event.pk).exists()


# --- Open accessibility and interpretation requests across events ------------------------


def test_open_requests_across_the_programs_events_and_marking_one_arranged_returns_there(
    client, alice, bob, event, make_event, program
):
    """Issue 17, item 9: one list of what is still to arrange, for the events of the
    programs the user runs; arranged, past and cancelled ones drop off it."""
    from engagement_portal.core.models import AuditLog

    later = make_event(
        program=program,
        title="Town hall",
        capacity=10,
        starts_at=timezone.now() + timedelta(days=10),
    )
    rosa = register(event, "Rosa Ruiz", accessibility="Step-free seating, please.")
    register(later, "Sam Soto", interpretation="Spanish, please.")
    register(event, "Ana Ortiz", accessibility="Already sorted.")
    AccommodationRequest.objects.filter(details="Already sorted.").update(fulfilled=True)
    gone = register(later, "Lee Park", accessibility="A chair near the door.")
    Registration.objects.filter(pk=gone.pk).update(status=Registration.Status.CANCELLED)
    other = ProgramFactory(owner=bob)
    register(make_event(program=other, title="Bob's walk"), "Kim Lee", accessibility="Ramp.")

    client.force_login(alice)
    page = client.get(url("staff-requests")).content.decode()
    assert "Step-free seating, please." in page and "Spanish, please." in page
    assert "Already sorted." not in page and "A chair near the door." not in page
    assert "Ramp." not in page and "Kim Lee" not in page
    assert "2 requests to arrange" in page
    assert page.index("Step-free seating") < page.index("Spanish, please.")  # soonest first
    entry = AuditLog.objects.get(actor=alice, details__page="events:staff-requests")
    sam = Registration.objects.get(resident__name="Sam Soto")
    assert set(entry.residents.all()) == {rosa.resident, sam.resident}
    home = client.get(reverse("core:staff-home")).content.decode()
    assert "2 accessibility or interpretation requests to arrange" in home

    request = rosa.accommodations.get()
    response = client.post(
        url("staff-accommodation", request.pk),
        {"fulfilled": "1", "next": url("staff-requests")},
    )
    assert response.status_code == 302 and response["Location"] == url("staff-requests")
    request.refresh_from_db()
    assert request.fulfilled
    bounced = client.post(
        url("staff-accommodation", request.pk),
        {"fulfilled": "0", "next": "https://elsewhere.example.com/"},
    )
    assert bounced["Location"].startswith(event.get_staff_url())

    client.force_login(bob)
    page = client.get(url("staff-requests")).content.decode()
    assert "Ramp." in page and "Spanish, please." not in page


def test_monthly_series_on_day_n_takes_the_last_day_of_shorter_months(client, alice, program):
    """Issue 17, item 9: "day N of the month" beside "the second Tuesday"."""
    client.force_login(alice)
    page = client.get(url("staff-series", program_pk=program.pk)).text
    assert "Monthly on the same day of the month" in page
    data = event_post(
        starts_at="2031-01-31T18:00",
        ends_at="2031-01-31T19:00",
        frequency="monthly_day",
        interval="",
        occurrences="4",
    )

    response = client.post(url("staff-series", program_pk=program.pk), data)

    assert response.status_code == 302
    local = [timezone.localtime(e.starts_at, CHICAGO) for e in Event.objects.order_by("starts_at")]
    assert [(d.month, d.day, d.hour) for d in local] == [
        (1, 31, 18),
        (2, 28, 18),
        (3, 31, 18),
        (4, 30, 18),
    ]


def test_monthly_series_on_the_15th_stays_on_the_15th(client, alice, program):
    client.force_login(alice)
    data = event_post(
        starts_at="2031-10-15T09:30",
        ends_at="2031-10-15T11:00",
        frequency="monthly_day",
        interval="",
        occurrences="3",
    )
    client.post(url("staff-series", program_pk=program.pk), data)
    local = [timezone.localtime(e.starts_at, CHICAGO) for e in Event.objects.order_by("starts_at")]
    # 2 November 2031 the clocks go back: the session keeps its 9:30 wall-clock time.
    assert [(d.month, d.day, d.hour, d.minute) for d in local] == [
        (10, 15, 9, 30),
        (11, 15, 9, 30),
        (12, 15, 9, 30),
    ]
