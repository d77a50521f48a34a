"""Events at awkward instants: the nights Chicago changes its clocks, reminders due in the hour
that does not exist, calendar files, and outbox retries after a slow batch."""

import base64
import smtplib
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from icalendar import Calendar

from engagement_portal.messaging import services as messaging
from engagement_portal.messaging.models import OutboxMessage
from events import services
from events.models import Event, Registration, Reminder
from tests.factories import ProgramFactory

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
# Chicago skips 02:00-03:00 on 14 March 2027 and repeats 01:00-02:00 on 1 November 2026.
SPRING_FORWARD = datetime(2027, 3, 14, tzinfo=CHICAGO)
FALL_BACK = datetime(2026, 11, 1, tzinfo=CHICAGO)


@pytest.fixture(autouse=True)
def agency_zone(settings):
    settings.TIME_ZONE = "America/Chicago"


@pytest.fixture
def program(alice):
    return ProgramFactory(owner=alice, title="Night ride-outs")


def local_input(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M")


def edit_post(event: Event, **overrides) -> dict:
    """The staff edit form as the browser posts it back, with the event's own values."""
    data = {
        "title": event.title,
        "description": "",
        "starts_at": local_input(event.starts_at.astimezone(CHICAGO)),
        "ends_at": local_input(event.ends_at.astimezone(CHICAGO)),
        "venue_name": "District 3 station",
        "address": "",
        "accessibility_notes": "",
        "online_url": "",
        "capacity": "" if event.capacity is None else str(event.capacity),
        "registration_opens_at": "",
        "registration_closes_at": "",
        "waitlist_enabled": "on",
        "max_party_size": "1",
        "interpretation_available": "",
        "visibility": Event.Visibility.PUBLIC,
        "reminder_offsets": ", ".join(f"{m}m" for m in event.reminder_offsets),
    }
    data.update(overrides)
    return data


def at_the_station(make_event, program, starts: datetime, length: timedelta, **fields) -> Event:
    """An event at the District 3 station from `starts`, lasting `length`."""
    return make_event(
        program=program,
        starts_at=starts,
        ends_at=starts + length,
        venue_name="District 3 station",
        **fields,
    )


def register(event, name, **kwargs):
    kwargs.setdefault("email", f"{name.split()[0].lower()}@example.net")
    return services.register(event=event, name=name, **kwargs).registration


# --- Reminders and follow-ups across daylight-saving changes ---------------------------


def test_editing_an_event_keeps_a_reminder_due_in_the_skipped_hour_an_hour_before(
    client, alice, program, make_event
):
    """A ride-out at 03:30 on 14 March 2027 with a 1-hour reminder: 02:30 does not exist."""
    starts = SPRING_FORWARD.replace(hour=3, minute=30)
    with time_machine.travel(datetime(2027, 3, 10, 12, tzinfo=CHICAGO), tick=False):
        event = at_the_station(
            make_event,
            program,
            starts,
            timedelta(hours=3),
            title="Night ride-out",
            reminder_offsets=[60],
        )
        rosa = register(event, "Rosa Ruiz", wants_reminders=True)
        client.force_login(alice)
        response = client.post(
            reverse("events:staff-edit", args=[event.pk]),
            edit_post(event, title="Night ride-out (east side)"),
        )
        assert response.status_code == 302, response.context["form"].errors
    reminder = rosa.reminders.get(kind=Reminder.Kind.BEFORE)
    assert reminder.due_at == starts.astimezone(UTC) - timedelta(hours=1)
    assert reminder.due_at == SPRING_FORWARD.replace(hour=1, minute=30)
    with time_machine.travel(SPRING_FORWARD.replace(hour=1, minute=45), tick=False):
        assert services.queue_due_reminders() == 1


def test_editing_an_event_the_day_clocks_change_keeps_the_reminder_24_hours_before(
    client, alice, program, make_event
):
    """6 pm on 14 March 2027: the day before has 23 hours, so 6 pm Saturday is not 24h before."""
    starts = SPRING_FORWARD.replace(hour=18)
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=CHICAGO), tick=False):
        event = at_the_station(
            make_event,
            program,
            starts,
            timedelta(hours=2),
            reminder_offsets=[24 * 60],
        )
        rosa = register(event, "Rosa Ruiz", wants_reminders=True)
        due_when_registered = rosa.reminders.get(kind=Reminder.Kind.BEFORE).due_at
        client.force_login(alice)
        client.post(
            reverse("events:staff-edit", args=[event.pk]), edit_post(event, title="Town hall")
        )
    reminder = rosa.reminders.get(kind=Reminder.Kind.BEFORE)
    assert reminder.due_at == due_when_registered == datetime(2027, 3, 13, 17, tzinfo=CHICAGO)


def test_a_resident_promoted_by_an_edit_gets_the_thank_you_two_hours_after_the_end(
    client, alice, program, make_event
):
    """An event ending at 00:30 on 1 November 2026: two hours later is the second 01:30."""
    ends = FALL_BACK.replace(minute=30)
    with time_machine.travel(datetime(2026, 10, 28, 12, tzinfo=CHICAGO), tick=False):
        event = at_the_station(
            make_event,
            program,
            ends - timedelta(hours=3),
            timedelta(hours=3),
            capacity=1,
        )
        register(event, "Rosa Ruiz")
        sam = register(event, "Sam Soto", wants_reminders=True)
        client.force_login(alice)
        client.post(reverse("events:staff-edit", args=[event.pk]), edit_post(event, capacity="2"))
    sam.refresh_from_db()
    assert sam.status == Registration.Status.CONFIRMED
    follow_up = sam.reminders.get(kind=Reminder.Kind.FOLLOW_UP)
    assert follow_up.due_at == ends.astimezone(UTC) + timedelta(hours=2)
    assert follow_up.due_at == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)  # 01:30 CST, the second


# --- Staff forms ------------------------------------------------------------------------


def test_a_blank_end_gives_the_usual_length_across_the_skipped_hour(client, alice, program):
    """A two-hour ride-out from 01:30 on 14 March 2027 ends at 04:30, clocks having jumped."""
    program.engagement_type.default_duration_minutes = 120
    program.engagement_type.save()
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=CHICAGO), tick=False):
        client.force_login(alice)
        data = edit_post(
            Event(
                title="Night ride-out",
                starts_at=SPRING_FORWARD.replace(hour=1, minute=30),
                ends_at=SPRING_FORWARD.replace(hour=2, minute=30),
                reminder_offsets=[],
            ),
            ends_at="",
        )
        response = client.post(reverse("events:staff-create", args=[program.pk]), data)
        assert response.status_code == 302, response.context["form"].errors
    event = Event.objects.get()
    assert event.ends_at - event.starts_at == timedelta(minutes=120)
    assert event.ends_at == SPRING_FORWARD.replace(hour=4, minute=30)


# --- Calendar files ---------------------------------------------------------------------


def test_the_calendar_file_sent_on_promotion_names_no_zone_it_does_not_define(
    client, alice, program, make_event
):
    """6 pm on 14 March 2027 in a promotion .ics: a TZID with no VTIMEZONE leaves apps to guess."""
    starts = SPRING_FORWARD.replace(hour=18)
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=CHICAGO), tick=False):
        event = at_the_station(make_event, program, starts, timedelta(hours=2), capacity=1)
        register(event, "Rosa Ruiz")
        sam = register(event, "Sam Soto")
        client.force_login(alice)
        client.post(reverse("events:staff-edit", args=[event.pk]), edit_post(event, capacity="2"))
    message = OutboxMessage.objects.get(key=f"registration:{sam.pk}:promoted")
    ics = next(a for a in message.attachments if a["filename"] == "event.ics")
    calendar = Calendar.from_ical(base64.b64decode(ics["content"]))
    defined = {str(zone["tzid"]) for zone in calendar.walk("VTIMEZONE")}
    (vevent,) = calendar.walk("VEVENT")
    for name in ("dtstart", "dtend"):
        assert set(vevent[name].params.get("TZID", "").split()) <= defined
    assert vevent.decoded("dtstart") == starts
    assert vevent.decoded("dtend") == starts + timedelta(hours=2)


# --- Outbox retries -----------------------------------------------------------------------


def test_a_retry_after_a_slow_batch_waits_its_backoff_from_the_failure(db, monkeypatch):
    """A batch claimed at 23:55 on 31 December 2027 that is still sending at 00:05."""
    claimed_at = datetime(2027, 12, 31, 23, 55, tzinfo=CHICAGO)
    with time_machine.travel(claimed_at, tick=False) as clock:
        for n in range(2):
            messaging.queue_message(
                key=f"notice:{n}",
                channel=OutboxMessage.Channel.EMAIL,
                recipient=f"resident{n}@example.net",
                language="en",
                template="notice",
                context={"headline": "Road closed", "message": "Main St is closed."},
                essential=True,
                send_now=False,
            )
        real_send = mail.EmailMultiAlternatives.send

        def slow_then_refused(self, *args, **kwargs):
            clock.shift(timedelta(minutes=10))  # an SMTP server that answers slowly
            if self.to == ["resident1@example.net"]:
                raise smtplib.SMTPRecipientsRefused(
                    {"resident1@example.net": (550, b"mailbox unavailable")}
                )
            return real_send(self, *args, **kwargs)

        monkeypatch.setattr(mail.EmailMultiAlternatives, "send", slow_then_refused)
        assert messaging.send_pending() == {"sent": 1, "retry": 1, "failed": 0, "suppressed": 0}
        failed_at = claimed_at + timedelta(minutes=20)
        retry = OutboxMessage.objects.get(key="notice:1")
        assert retry.not_before == failed_at + timedelta(minutes=2)
        assert messaging.send_pending()["retry"] == 0  # not due again straight away


def test_a_series_starting_the_night_clocks_go_back_keeps_the_usual_length(client, alice, program):
    """Two-hour ride-outs from 00:30 on 1 November 2026: the first ends at the second 01:30."""
    program.engagement_type.default_duration_minutes = 120
    program.engagement_type.save()
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=CHICAGO), tick=False):
        client.force_login(alice)
        data = edit_post(
            Event(
                title="Night ride-out",
                starts_at=FALL_BACK.replace(minute=30),
                ends_at=FALL_BACK.replace(hour=2, minute=30),
                reminder_offsets=[],
            ),
            ends_at="",
            frequency="weekly",
            interval="",
            occurrences="2",
        )
        response = client.post(reverse("events:staff-series", args=[program.pk]), data)
        assert response.status_code == 302, response.context["form"].errors
    first, second = Event.objects.order_by("starts_at")
    assert {first.ends_at - first.starts_at, second.ends_at - second.starts_at} == {
        timedelta(hours=2)
    }
    assert first.ends_at == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)  # 01:30 CST, the second
    assert second.starts_at.astimezone(CHICAGO).hour == 0


def test_an_event_in_the_hour_that_happens_twice_can_be_saved_and_saved_again(
    client, alice, program, make_event
):
    """01:30 on 1 November 2026 happens twice. Django's field refused it, so staff could
    neither enter such an event nor re-save one; it is read as the first, like a calendar."""
    with time_machine.travel(datetime(2026, 10, 20, 12, tzinfo=CHICAGO), tick=False):
        client.force_login(alice)
        data = edit_post(
            Event(
                title="Night ride-out",
                starts_at=FALL_BACK.replace(hour=1, minute=30),
                ends_at=FALL_BACK.replace(hour=3, minute=30),
                reminder_offsets=[],
            )
        )
        response = client.post(reverse("events:staff-create", args=[program.pk]), data)
        assert response.status_code == 302, response.context["form"].errors
        event = Event.objects.get()
        assert event.starts_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)  # 01:30 CDT
        assert event.ends_at - event.starts_at == timedelta(hours=3)  # 03:30 CST

        response = client.post(
            reverse("events:staff-edit", args=[event.pk]), edit_post(event, capacity="12")
        )
        assert response.status_code == 302, response.context["form"].errors
    event.refresh_from_db()
    assert event.capacity == 12
    assert event.starts_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_a_start_in_the_skipped_hour_is_refused_with_a_clear_message(client, alice, program):
    """02:30 on 14 March 2027 does not exist: the form says so and keeps what was typed."""
    with time_machine.travel(datetime(2027, 3, 1, 12, tzinfo=CHICAGO), tick=False):
        client.force_login(alice)
        data = edit_post(
            Event(
                title="Night ride-out",
                starts_at=SPRING_FORWARD.replace(hour=4),
                ends_at=SPRING_FORWARD.replace(hour=5),
                reminder_offsets=[],
            ),
            starts_at="2027-03-14T02:30",
        )
        response = client.post(reverse("events:staff-create", args=[program.pk]), data)
    assert response.status_code == 200
    assert "does not exist on that day" in response.context["form"].errors["starts_at"][0]
    assert 'value="2027-03-14T02:30"' in response.content.decode()
    assert not Event.objects.exists()
