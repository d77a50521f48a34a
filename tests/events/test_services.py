"""Seat allocation, waitlists, cancellations and reminders, including real races on PostgreSQL."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from engagement_portal.messaging.models import OutboxMessage
from events import services
from events.models import Event, Registration, Reminder
from tests.concurrency import run_at_once

Status = Registration.Status


def register(event, n, **kwargs):
    kwargs.setdefault("name", f"Resident {n}")
    kwargs.setdefault("email", f"resident{n}@example.net")
    return services.register(event=event, **kwargs)


def statuses(event):
    return list(event.registrations.order_by("queued_at", "pk").values_list("status", flat=True))


# --- Works once, run twice -------------------------------------------------------------


def test_register_confirms_while_seats_last_then_waitlists_in_order(make_event):
    event = make_event(capacity=2)
    results = [register(event, n) for n in range(4)]
    assert [r.registration.status for r in results] == [Status.CONFIRMED] * 2 + [
        Status.WAITLISTED
    ] * 2
    assert [services.waitlist_position(r.registration) for r in results[2:]] == [1, 2]
    assert all(r.token for r in results)


def test_registering_twice_with_the_same_email_is_recognised_and_counted_once(make_event):
    event = make_event(capacity=5)
    first = register(event, 1, email="Rosa@Example.net")
    again = register(event, 1, email="  rosa@example.NET ")
    assert again.created is False and again.token is None
    assert again.registration.pk == first.registration.pk
    assert event.registrations.count() == 1


def test_party_size_counts_against_capacity(make_event):
    event = make_event(capacity=5, max_party_size=4)
    assert register(event, 1, party_size=4).registration.status == Status.CONFIRMED
    assert register(event, 2, party_size=2).registration.status == Status.WAITLISTED
    assert register(event, 3, party_size=1).registration.status == Status.CONFIRMED
    assert services.seats_taken(event) == 5


def test_party_larger_than_the_event_allows_is_refused(make_event):
    event = make_event(capacity=5, max_party_size=2)
    with pytest.raises(ValidationError):
        register(event, 1, party_size=3)


def test_full_event_without_a_waiting_list_says_so(make_event):
    event = make_event(capacity=1, waitlist_enabled=False)
    register(event, 1)
    with pytest.raises(services.EventFull):
        register(event, 2)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": Event.Status.CANCELLED}, "cancelled"),
        ({"registration_closes_at": "past"}, "closed"),
        ({"registration_opens_at": "future"}, "not opened"),
    ],
)
def test_closed_or_cancelled_events_refuse_registration_on_the_server(make_event, change, message):
    now = timezone.now()
    values = {
        k: (now - timedelta(hours=1) if v == "past" else now + timedelta(days=1))
        if v in ("past", "future")
        else v
        for k, v in change.items()
    }
    event = make_event(**values)
    with pytest.raises(services.RegistrationClosed, match=message):
        register(event, 1)


def test_past_events_refuse_registration(make_event):
    with time_machine.travel(timezone.now() - timedelta(days=30)):
        event = make_event(starts_at=timezone.now() + timedelta(days=1))
    with pytest.raises(services.RegistrationClosed, match="already taken place"):
        register(event, 1)


def test_cancellation_promotes_the_next_person_and_tells_them(make_event):
    event = make_event(capacity=1)
    first = register(event, 1).registration
    second = register(event, 2).registration
    services.cancel_registration(registration=first)
    services.cancel_registration(registration=first)  # twice: one effect
    second.refresh_from_db()
    assert second.status == Status.CONFIRMED
    assert OutboxMessage.objects.filter(key=f"registration:{second.pk}:promoted").count() == 1


def test_promotion_is_strictly_in_order_even_if_a_smaller_party_would_fit(make_event):
    event = make_event(capacity=3, max_party_size=3)
    holder = register(event, 1, party_size=2).registration
    register(event, 2, party_size=1)
    big = register(event, 3, party_size=3).registration
    small = register(event, 4, party_size=1).registration
    services.cancel_registration(registration=holder)  # frees 2: the party of 3 does not fit
    big.refresh_from_db()
    small.refresh_from_db()
    assert (big.status, small.status) == (Status.WAITLISTED, Status.WAITLISTED)


def test_lowering_capacity_drops_nobody_and_raising_it_promotes(make_event):
    event = make_event(capacity=3)
    regs = [register(event, n).registration for n in range(5)]
    services.set_capacity(event=event, capacity=1)
    assert statuses(event) == [Status.CONFIRMED] * 3 + [Status.WAITLISTED] * 2
    services.set_capacity(event=event, capacity=4)
    assert statuses(event) == [Status.CONFIRMED] * 4 + [Status.WAITLISTED]
    regs[0].refresh_from_db()
    assert regs[0].status == Status.CONFIRMED


def test_shrinking_a_party_frees_seats_for_the_waiting_list(make_event):
    event = make_event(capacity=4, max_party_size=4)
    big = register(event, 1, party_size=4).registration
    waiting = register(event, 2).registration
    services.change_party_size(registration=big, party_size=3)
    waiting.refresh_from_db()
    assert waiting.status == Status.CONFIRMED


def test_growing_a_party_beyond_the_seats_left_is_refused(make_event):
    event = make_event(capacity=3, max_party_size=3)
    reg = register(event, 1, party_size=2).registration
    register(event, 2)
    with pytest.raises(services.EventFull):
        services.change_party_size(registration=reg, party_size=3)


def test_cancelling_the_event_notifies_everyone_once(make_event):
    event = make_event(capacity=1)
    register(event, 1)
    register(event, 2)
    services.cancel_event(event=event, reason="Storm warning")
    services.cancel_event(event=event, reason="Storm warning")
    assert OutboxMessage.objects.filter(key__endswith=":event-cancelled").count() == 2
    assert not Reminder.objects.filter(skipped=False, queued_at__isnull=True).exists()


def test_check_in_twice_keeps_the_first_time(make_event):
    reg = register(make_event(), 1).registration
    first = services.check_in(registration=reg).checked_in_at
    assert services.check_in(registration=reg).checked_in_at == first


def test_no_shows_only_after_the_event(make_event):
    event = make_event()
    register(event, 1)
    with pytest.raises(ValidationError):
        services.mark_no_shows(event=event)
    assert services.mark_no_shows(event=event, now=event.ends_at + timedelta(minutes=1)) == 1
    assert services.mark_no_shows(event=event, now=event.ends_at + timedelta(minutes=2)) == 0


def test_confirmation_carries_the_calendar_file_and_qr_code(make_event):
    reg = register(make_event(), 1).registration
    message = OutboxMessage.objects.get(key=f"registration:{reg.pk}:received")
    assert message.essential
    assert [a["filename"] for a in message.attachments] == ["event.ics", "check-in.png"]
    assert reg.check_in_code in message.body_text


def test_only_a_hash_of_the_manage_token_is_stored(make_event):
    result = register(make_event(), 1)
    assert result.token not in result.registration.token_hash
    assert services.registration_by_token(result.token) == result.registration
    assert services.registration_by_token("x" * 32) is None


# --- Reminders -------------------------------------------------------------------------


def test_reminders_go_out_when_due_and_only_once(make_event):
    event = make_event(starts_at=timezone.now() + timedelta(days=3))
    reg = register(event, 1, wants_reminders=True).registration
    assert services.queue_due_reminders() == 0  # nothing due yet
    with time_machine.travel(event.starts_at - timedelta(hours=23)):
        assert services.queue_due_reminders() == 1  # the 24-hour reminder
        assert services.queue_due_reminders() == 0  # run twice: one message
    with time_machine.travel(event.starts_at - timedelta(hours=1)):
        assert services.queue_due_reminders() == 1  # the 2-hour reminder
    keys = OutboxMessage.objects.filter(key__startswith="reminder:").count()
    assert keys == 2
    reminder = OutboxMessage.objects.filter(key__startswith="reminder:").first()
    assert reminder.recipient == reg.resident.email and not reminder.essential


def test_reminders_that_fell_due_before_consent_are_not_sent(make_event):
    event = make_event(starts_at=timezone.now() + timedelta(hours=3))
    register(event, 1, wants_reminders=True)  # the 24-hour reminder was due a day ago
    assert services.queue_due_reminders() == 0
    with time_machine.travel(event.starts_at - timedelta(hours=1)):
        assert services.queue_due_reminders() == 1  # the 2-hour one falls due after consent


def test_no_reminders_without_consent_or_for_cancelled_registrations_or_events(make_event):
    event = make_event(starts_at=timezone.now() + timedelta(days=3))
    register(event, 1, wants_reminders=False)
    cancelled = register(event, 2, wants_reminders=True).registration
    services.cancel_registration(registration=cancelled)
    other = make_event(starts_at=timezone.now() + timedelta(days=3))
    register(other, 3, wants_reminders=True)
    services.cancel_event(event=other, reason="")
    with time_machine.travel(event.starts_at - timedelta(hours=1)):
        assert services.queue_due_reminders() == 0
    assert not OutboxMessage.objects.filter(key__startswith="reminder:").exists()


def test_a_sweep_that_was_down_does_not_remind_after_the_start(make_event):
    event = make_event(starts_at=timezone.now() + timedelta(days=3))
    register(event, 1, wants_reminders=True)
    with time_machine.travel(event.starts_at + timedelta(minutes=5)):
        assert services.queue_due_reminders() == 0


def test_attendees_get_a_thank_you_after_the_event(make_event):
    event = make_event(starts_at=timezone.now() + timedelta(days=1))
    came = register(event, 1, wants_reminders=True).registration
    register(event, 2, wants_reminders=True)
    services.check_in(registration=came)
    with time_machine.travel(event.ends_at + timedelta(hours=3)):
        services.queue_due_reminders()
    follow_ups = OutboxMessage.objects.filter(subject__startswith="Thank you")
    assert [m.recipient for m in follow_ups] == [came.resident.email]


def test_the_thank_you_carries_the_follow_up_survey_link(make_event):
    from surveys.models import Survey

    event = make_event(starts_at=timezone.now() + timedelta(days=1))
    survey = Survey.objects.create(
        owner=event.program.owner,
        program=event.program,
        title={"en": "How was it?"},
        languages=["en"],
        status=Survey.Status.OPEN,
    )
    came = register(event, 1, wants_reminders=True).registration
    services.check_in(registration=came)
    with time_machine.travel(event.ends_at + timedelta(hours=3)):
        services.queue_due_reminders()
    message = OutboxMessage.objects.get(subject__startswith="Thank you")
    assert survey.get_absolute_url() in message.body_text


def test_moving_an_event_moves_its_unsent_reminders(make_event):
    event = make_event(starts_at=timezone.now() + timedelta(days=3))
    reg = register(event, 1, wants_reminders=True).registration
    event.starts_at += timedelta(days=1)
    event.ends_at += timedelta(days=1)

    class Form:  # the staff form's save(), reduced to what update_event needs
        instance = event

        def save(self):
            event.save()
            return event

    services.update_event(form=Form(), user=None)
    due = sorted(reg.reminders.filter(kind="before").values_list("due_at", flat=True))
    assert due == [event.starts_at - timedelta(hours=24), event.starts_at - timedelta(hours=2)]


def test_changing_reminder_offsets_reschedules_unsent_reminders(make_event):
    event = make_event(starts_at=timezone.now() + timedelta(days=3))
    reg = register(event, 1, wants_reminders=True).registration
    event.reminder_offsets = [60 * 48, 120]  # 48 hours instead of 24

    class Form:
        instance = event

        def save(self):
            event.save()
            return event

    services.update_event(form=Form(), user=None)
    live = reg.reminders.filter(kind="before", skipped=False)
    assert sorted(live.values_list("offset_minutes", flat=True)) == [120, 2880]


def test_staff_may_add_people_after_public_registration_closes(make_event):
    event = make_event(registration_closes_at=timezone.now() - timedelta(minutes=5))
    with pytest.raises(services.RegistrationClosed):
        register(event, 1)
    added = register(event, 2, source=Registration.Source.STAFF)
    assert added.registration.status == Status.CONFIRMED
    services.cancel_event(event=event, reason="Flooding")
    with pytest.raises(services.RegistrationClosed):
        register(event, 3, source=Registration.Source.STAFF)


# --- Real races on PostgreSQL ----------------------------------------------------------

race = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")


@pytest.fixture
def slow_seat_count(monkeypatch):
    """Widen the window between reading the seats taken and writing the registration, so a
    missing lock shows up as overbooking every time instead of now and then."""
    real_taken, real_read = services.seats_taken, services._lock_for_decision

    def slow_taken(event):
        taken = real_taken(event)
        time.sleep(0.05)
        return taken

    def slow_read(event_id, resident, now):
        event = real_read(event_id, resident, now)
        time.sleep(0.05)
        return event

    monkeypatch.setattr(services, "seats_taken", slow_taken)
    monkeypatch.setattr(services, "_lock_for_decision", slow_read)


@race
def test_concurrent_registrations_never_oversell(postgres_only, make_event, slow_seat_count):
    event = make_event(capacity=8)
    errors = run_at_once(24, lambda i: register(event, i))
    assert errors == []
    assert services.seats_taken(event) == 8
    waiting = list(event.registrations.filter(status=Status.WAITLISTED))
    assert len(waiting) == 16
    assert sorted(services.waitlist_position(r) for r in waiting) == list(range(1, 17))


@race
def test_control_run_without_the_lock_oversells(
    postgres_only, make_event, slow_seat_count, settings
):
    """Proves the race test above can catch a missing lock."""
    settings.EVENTS_DISABLE_SEAT_LOCK_FOR_TESTS = True
    event = make_event(capacity=8)
    run_at_once(24, lambda i: register(event, i))
    assert services.seats_taken(event) > 8


@race
def test_the_same_resident_submitting_ten_times_at_once_gets_one_registration(
    postgres_only, make_event
):
    event = make_event(capacity=50)
    errors = run_at_once(10, lambda i: register(event, 1, email="same@example.net"))
    assert errors == []
    assert event.registrations.count() == 1


@race
def test_cancellations_racing_with_promotions_fill_exactly_the_capacity(
    postgres_only, make_event, slow_seat_count
):
    event = make_event(capacity=10)
    confirmed = [register(event, n).registration for n in range(10)]
    for n in range(10, 25):
        register(event, n)
    errors = run_at_once(10, lambda i: services.cancel_registration(registration=confirmed[i]))
    assert errors == []
    assert services.seats_taken(event) == 10
    waiting = list(event.registrations.filter(status=Status.WAITLISTED))
    assert sorted(services.waitlist_position(r) for r in waiting) == [1, 2, 3, 4, 5]
    # Promotion followed the line: the first ten who waited are the ones confirmed.
    promoted = event.registrations.filter(status=Status.CONFIRMED).order_by("queued_at", "pk")
    assert [r.resident.email for r in promoted] == [
        f"resident{n}@example.net" for n in range(10, 20)
    ]


@race
def test_lowering_capacity_while_registrations_arrive_drops_nobody(
    postgres_only, make_event, slow_seat_count
):
    event = make_event(capacity=20)
    early = [register(event, n).registration for n in range(6)]

    def work(i):
        if i == 0:
            services.set_capacity(event=event, capacity=8)
        else:
            register(event, 100 + i)

    assert run_at_once(12, work) == []
    for reg in early:
        reg.refresh_from_db()
        assert reg.status == Status.CONFIRMED
    event.refresh_from_db()
    assert services.seats_taken(event) <= 20
    assert (
        event.registrations.exclude(status__in=[Status.CONFIRMED, Status.WAITLISTED]).count() == 0
    )


@race
def test_concurrent_reminder_sweeps_queue_each_reminder_once(postgres_only, make_event):
    event = make_event(capacity=50, starts_at=timezone.now() + timedelta(hours=1))
    three_days_ago = timezone.now() - timedelta(days=3)
    for n in range(15):
        register(event, n, wants_reminders=True, now=three_days_ago)
    queued = []
    errors = run_at_once(4, lambda i: queued.append(services.queue_due_reminders()))
    assert errors == []
    # Both the 24-hour and the 2-hour reminders are due, and consent predates both: the
    # late sweep sends the 2-hour one alone, once.
    assert sum(queued) == 15
    assert OutboxMessage.objects.filter(key__startswith="reminder:").count() == 15
    assert set(
        Reminder.objects.filter(queued_at__isnull=False, skipped=False).values_list(
            "offset_minutes", flat=True
        )
    ) == {120}


@pytest.mark.celery_worker
@race
def test_a_real_worker_sends_due_reminders_end_to_end(celery_worker, make_event):
    from django.core import mail

    from events.tasks import send_due_reminders

    event = make_event(capacity=10, starts_at=timezone.now() + timedelta(hours=1, minutes=30))
    for n in range(3):
        register(event, n, wants_reminders=True, now=timezone.now() - timedelta(days=2))
    mail.outbox = []
    # Consent two days ago: the 24-hour and the 2-hour reminders are both due for each of
    # three, and only the 2-hour one is sent.
    assert send_due_reminders.apply_async().get(timeout=30) == 3
    deadline = time.monotonic() + 30
    while (
        OutboxMessage.objects.filter(
            key__startswith="reminder:", status=OutboxMessage.Status.SENT
        ).count()
        < 3
    ):
        assert time.monotonic() < deadline, "reminders were not sent within 30 s"
        time.sleep(0.2)
    reminders = [m for m in mail.outbox if m.subject.startswith("Reminder")]
    assert len(reminders) == 3


def test_the_confirmation_rendered_before_the_lock_follows_the_decision_made_under_it(
    make_event,
):
    """The message is rendered before the seat is decided, for the outcome the event's last
    registration had; when the decision differs it is rendered again, and the place on the
    waiting list is the one decided under the lock."""

    def message(result):
        return OutboxMessage.objects.get(key=f"registration:{result.registration.pk}:received")

    event = make_event(capacity=1)
    first = register(event, 1)  # guessed confirmed, confirmed
    second = register(event, 2)  # guessed confirmed, waitlisted: rendered again
    third = register(event, 3)  # guessed waitlisted, waitlisted
    assert "Your place is confirmed." in message(first).body_text
    assert "check-in.png" in str(message(first).attachments)
    assert "in position 1." in message(second).body_text
    assert message(second).subject.startswith("You are on the waiting list")
    assert "in position 2." in message(third).body_text
    assert "check-in.png" not in str(message(third).attachments)
    assert "position-" not in message(third).body_text

    services.set_capacity(event=event, capacity=10)  # promotes both
    fourth = register(event, 4)  # guessed waitlisted, confirmed: rendered again
    assert fourth.registration.status == Status.CONFIRMED
    assert "Your place is confirmed." in message(fourth).body_text
    assert "waiting list" not in message(fourth).subject
    assert "check-in.png" in str(message(fourth).attachments)


def test_a_late_sweep_sends_only_the_latest_reminder_due(make_event):
    event = make_event(capacity=5, starts_at=timezone.now() + timedelta(minutes=90))
    results = [
        register(event, n, wants_reminders=True, now=timezone.now() - timedelta(days=2))
        for n in range(2)
    ]
    assert services.queue_due_reminders() == 2  # the sweep was down for a day
    for result in results:
        sent = Reminder.objects.filter(registration=result.registration, queued_at__isnull=False)
        assert dict(sent.values_list("offset_minutes", "skipped")) == {1440: True, 120: False}
    assert services.queue_due_reminders() == 0


def test_registering_after_the_last_reminder_s_time_gets_one_halfway_to_the_start(make_event):
    now = timezone.now()
    event = make_event(capacity=5, starts_at=now + timedelta(minutes=90))
    late = register(event, 1, wants_reminders=True, now=now).registration
    reminders = late.reminders.filter(kind=Reminder.Kind.BEFORE)
    assert [(r.due_at, r.offset_minutes) for r in reminders] == [(now + timedelta(minutes=45), 45)]
    with time_machine.travel(now + timedelta(minutes=46), tick=False):
        assert services.queue_due_reminders() == 1
    assert OutboxMessage.objects.filter(key=f"reminder:{reminders[0].pk}").exists()

    # Inside the 24-hour window: the 2-hour reminder is the next one ahead, and the only one.
    event = make_event(capacity=5, starts_at=now + timedelta(hours=10))
    inside = register(event, 2, wants_reminders=True, now=now).registration
    assert list(
        inside.reminders.filter(kind=Reminder.Kind.BEFORE).values_list("offset_minutes", flat=True)
    ) == [120]

    # Twenty minutes before the start: the confirmation is reminder enough.
    event = make_event(capacity=5, starts_at=now + timedelta(minutes=20))
    last_minute = register(event, 3, wants_reminders=True, now=now).registration
    assert not last_minute.reminders.filter(kind=Reminder.Kind.BEFORE).exists()
