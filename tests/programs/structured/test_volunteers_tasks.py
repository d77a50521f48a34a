"""Volunteers under time and concurrency: certification expiry reminders with a frozen clock
(run twice, run every day: each reminder once), the periodic task on a real Celery worker,
and real races on PostgreSQL for shift places, overlapping hours and approvals."""

import time
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from engagement_portal.messaging.models import OutboxMessage
from programs.structured import services_volunteers as services
from programs.structured import tasks
from programs.structured.models_volunteers import HoursEntry, ShiftSignup, Volunteer
from tests.concurrency import run_at_once
from tests.factories import CertificationFactory, TrainingFactory

from .test_volunteers import at, build_world, future_shift, make_volunteer

TODAY = date(2026, 5, 12)
race = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def world(alice):
    return build_world(alice)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")


def reminders():
    return OutboxMessage.objects.filter(key__startswith="volunteer-certification:").order_by("key")


def expiring(world, days, *, volunteer=None, training=None):
    """Give `volunteer` (Vera) a certification expiring `days` after TODAY."""
    volunteer = volunteer or world.vera
    training = training or world.first_aid
    volunteer.certifications.filter(training=training).delete()
    return CertificationFactory(
        volunteer=volunteer,
        training=training,
        completed_on=TODAY - timedelta(days=700),
        expires_on=TODAY + timedelta(days=days),
    )


# --- Reminders ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_certification_expiring_within_30_days_reminds_the_volunteer_and_the_owner(world, alice):
    certification = expiring(world, 30)

    assert services.remind_expiring_certifications(today=TODAY) == 2

    to_vera, to_owner = sorted(reminders(), key=lambda m: m.key.endswith(":owner"))
    assert to_vera.recipient == "vera@example.net"
    assert to_vera.language == "es"  # Vera's language
    assert to_vera.essential
    assert to_owner.recipient == alice.email
    assert "Vera Valdez" in to_owner.subject
    assert "First aid" in to_vera.body_text and "30" in to_vera.body_text
    assert f"/staff/volunteers/{world.vera.pk}/" in to_owner.body_text
    assert to_vera.key == (
        f"volunteer-certification:{certification.pk}:{certification.expires_on}:expiring:volunteer"
    )


@pytest.mark.django_db
def test_running_twice_a_day_or_every_day_sends_each_reminder_once(world):
    expiring(world, 20)

    sent = [services.remind_expiring_certifications(today=TODAY) for _ in range(2)]
    for day in range(1, 21):
        sent.append(services.remind_expiring_certifications(today=TODAY + timedelta(days=day)))

    assert sent[:2] == [2, 0]
    assert sum(sent) == 2
    assert reminders().count() == 2


@pytest.mark.django_db
def test_the_day_after_expiry_brings_one_lapsed_notice(world):
    expiring(world, 5)
    assert services.remind_expiring_certifications(today=TODAY) == 2

    sent = [
        services.remind_expiring_certifications(today=TODAY + timedelta(days=d))
        for d in range(1, 15)
    ]

    assert sent == [0] * 5 + [2] + [0] * 8  # the day after day 5
    lapsed = reminders().filter(key__contains=":lapsed:")
    assert lapsed.count() == 2
    assert "lapsed" in lapsed.get(key__endswith=":owner").subject.lower()


@pytest.mark.django_db
def test_nothing_is_sent_outside_the_window(world):
    expiring(world, 31)
    expiring(world, -8, training=TrainingFactory(name="Radio"))  # lapsed over a week ago

    assert services.remind_expiring_certifications(today=TODAY) == 0


@pytest.mark.django_db
def test_a_missed_day_still_gets_its_lapsed_notice(world):
    expiring(world, -3)  # lapsed three days ago; the task was down since

    assert services.remind_expiring_certifications(today=TODAY) == 2
    assert reminders().filter(key__contains=":lapsed:").count() == 2


@pytest.mark.django_db
def test_renewing_rearms_the_reminder(world, alice):
    expiring(world, 10)
    assert services.remind_expiring_certifications(today=TODAY) == 2

    # Renewed: a new completion, valid for 24 months. The old one is superseded.
    services.record_certification(
        volunteer=world.vera, training=world.first_aid, completed_on=TODAY, user=alice, today=TODAY
    )
    for day in range(1, 40):
        assert services.remind_expiring_certifications(today=TODAY + timedelta(days=day)) == 0

    # Two years on, the renewal approaches its own expiry: new reminders.
    renewed_expiry = date(2028, 5, 12)
    assert services.remind_expiring_certifications(today=renewed_expiry - timedelta(days=30)) == 2
    assert reminders().count() == 4


@pytest.mark.django_db
def test_moving_the_expiry_date_rearms_the_reminder(world, alice):
    certification = expiring(world, 10)
    services.remind_expiring_certifications(today=TODAY)

    services.update_certification(
        certification=certification,
        completed_on=certification.completed_on,
        expires_on=TODAY + timedelta(days=25),
        user=alice,
        today=TODAY,
    )

    assert services.remind_expiring_certifications(today=TODAY) == 2
    assert services.remind_expiring_certifications(today=TODAY) == 0


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Volunteer.Status.PAUSED, Volunteer.Status.LEFT])
def test_volunteers_who_are_not_active_get_no_reminder(world, status):
    expiring(world, 10)
    Volunteer.objects.filter(pk=world.vera.pk).update(status=status)

    assert services.remind_expiring_certifications(today=TODAY) == 0


@pytest.mark.django_db
def test_a_volunteer_without_email_is_texted_and_an_inactive_owner_is_skipped(world, alice):
    vera = world.vera.resident
    vera.email, vera.email_normalised = "", ""
    vera.phone, vera.phone_normalised = "312 555 0199", "+13125550199"
    vera.save()
    alice.is_active = False
    alice.save()
    expiring(world, 10)

    assert services.remind_expiring_certifications(today=TODAY) == 1
    assert reminders().get().channel == OutboxMessage.Channel.SMS


@pytest.mark.django_db
def test_every_volunteer_and_training_is_reminded_in_one_run(world):
    radio = TrainingFactory(name="Radio", valid_for_months=12)
    expiring(world, 3)
    expiring(world, 12, training=radio)
    ola = make_volunteer(world, "Ola Other")
    expiring(world, 0, volunteer=ola)

    assert services.remind_expiring_certifications(today=TODAY) == 6
    ola_messages = reminders().filter(recipient="ola@example.net")
    assert "today" in ola_messages.get().body_text


@pytest.mark.django_db
@time_machine.travel("2026-05-12 08:00 -0500", tick=False)
def test_the_periodic_task_uses_todays_date_and_is_idempotent(world):
    expiring(world, 15)

    assert tasks.remind_expiring_certifications.delay().get() == 2
    assert tasks.remind_expiring_certifications.delay().get() == 0


@pytest.mark.celery_worker
@race
def test_a_real_worker_runs_the_reminder_task(celery_worker, alice):
    world = build_world(alice)
    world.vera.certifications.update(expires_on=timezone.localdate() + timedelta(days=7))

    assert tasks.remind_expiring_certifications.apply_async().get(timeout=30) == 2
    assert tasks.remind_expiring_certifications.apply_async().get(timeout=30) == 0
    # Queuing them also started sending through the outbox, on the same worker.
    deadline = time.monotonic() + 30
    while reminders().filter(status=OutboxMessage.Status.SENT).count() < 2:
        assert time.monotonic() < deadline, "reminders were not sent within 30 s"
        time.sleep(0.2)


# --- Races on PostgreSQL --------------------------------------------------------------


@race
def test_ten_volunteers_racing_for_three_places_get_exactly_three(postgres_only, alice):
    world = build_world(alice)
    shift = future_shift(world, capacity=3)
    volunteers = [make_volunteer(world, f"Racer{n} Fast") for n in range(10)]

    errors = run_at_once(10, lambda i: services.sign_up(shift=shift, volunteer=volunteers[i]))

    assert ShiftSignup.objects.filter(shift=shift).count() == 3
    assert len(errors) == 7
    assert {" ".join(e.messages) for e in errors} == {"This shift is full."}


@race
def test_overlapping_hours_logged_at_once_keep_one_entry(postgres_only, alice):
    world = build_world(alice)
    day = timezone.localdate() - timedelta(days=1)

    errors = run_at_once(
        6,
        lambda i: services.log_hours(
            volunteer=world.vera, started_at=at(day, 9, i * 5), ended_at=at(day, 12, i * 5)
        ),
    )

    assert HoursEntry.objects.filter(volunteer=world.vera).count() == 1
    assert len(errors) == 5
    assert all(error.code == "overlap" for error in errors)


@race
def test_two_staff_approving_at_once_approve_each_entry_once(postgres_only, alice, bob):
    world = build_world(alice)
    day = timezone.localdate() - timedelta(days=2)
    ids = [
        services.log_hours(volunteer=world.vera, started_at=at(day, h), ended_at=at(day, h + 1)).pk
        for h in range(8, 16)
    ]
    changed = []

    errors = run_at_once(
        4,
        lambda i: changed.append(
            services.review_hours(
                program=world.program, entry_ids=ids, approve=i % 2 == 0, user=(alice, bob)[i % 2]
            )
        ),
    )

    assert errors == []
    assert sum(changed) == 8
    assert not HoursEntry.objects.filter(status=HoursEntry.Status.SUBMITTED).exists()
