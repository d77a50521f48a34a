"""Volunteers, services and selectors: the roster, certifications, shifts, hours and totals.

`build_world` is shared with the other test_volunteers*.py files: a volunteer program alice
owns with a patrol role that needs first aid, and one active volunteer whose first aid is
valid for another year.
"""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from engagement_portal.core.models import AuditLog
from engagement_portal.core.tokens import hash_token
from engagement_portal.messaging.models import OutboxMessage
from programs.models import EngagementType
from programs.structured import selectors_volunteers as selectors
from programs.structured import services_volunteers as services
from programs.structured.models_applications import Application
from programs.structured.models_volunteers import Certification, HoursEntry, ShiftSignup, Volunteer
from tests.factories import (
    ApplicationFactory,
    CertificationFactory,
    EventFactory,
    HoursEntryFactory,
    ProgramFactory,
    ResidentFactory,
    ShiftFactory,
    TrainingFactory,
    VolunteerFactory,
    VolunteerRoleFactory,
)
from tests.mailbox import delivered

pytestmark = pytest.mark.django_db

Status = HoursEntry.Status


def build_world(owner):
    """A volunteer program `owner` runs, a patrol role needing first aid, an event-helper
    role needing nothing, and Vera: an active patroller whose first aid is valid."""
    program = ProgramFactory(
        title="Volunteers in Police Service",
        engagement_type=EngagementType.objects.get(slug="volunteer-opportunities"),
        owner=owner,
    )
    first_aid = TrainingFactory(name="First aid", valid_for_months=24)
    patrol = VolunteerRoleFactory(program=program, name="Citizens on Patrol")
    patrol.required_trainings.add(first_aid)
    helper = VolunteerRoleFactory(program=program, name="Event helper")
    today = timezone.localdate()
    vera = VolunteerFactory(
        role=patrol,
        resident=ResidentFactory(name="Vera Valdez", email="vera@example.net"),
        language="es",
    )
    CertificationFactory(
        volunteer=vera,
        training=first_aid,
        completed_on=today - timedelta(days=365),
        expires_on=today + timedelta(days=365),
    )
    return SimpleNamespace(
        program=program, first_aid=first_aid, patrol=patrol, helper=helper, vera=vera
    )


def make_volunteer(world, name, *, role=None, certified=True, **fields):
    volunteer = VolunteerFactory(
        role=role or world.patrol,
        resident=ResidentFactory(name=name, email=f"{name.split()[0].lower()}@example.net"),
        **fields,
    )
    if certified:
        CertificationFactory(volunteer=volunteer, training=world.first_aid)
    return volunteer


def future_shift(world, *, days=3, **fields):
    start = timezone.now().replace(microsecond=0) + timedelta(days=days)
    fields.setdefault("role", world.patrol)
    fields.setdefault("capacity", 2)
    return ShiftFactory(
        program=world.program, starts_at=start, ends_at=start + timedelta(hours=3), **fields
    )


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def world(alice):
    return build_world(alice)


@pytest.fixture
def yesterday():
    return timezone.localdate() - timedelta(days=1)


# --- Adding volunteers ----------------------------------------------------------------


def test_add_from_an_accepted_application_sends_the_private_link_in_their_language(world, alice):
    application = ApplicationFactory(
        program=world.program, status=Application.Status.ACCEPTED, language="es"
    )

    result = services.add_volunteer(
        program=world.program, role=world.helper, application=application, user=alice
    )

    volunteer = result.volunteer
    assert result.created
    assert volunteer.resident == application.resident
    assert volunteer.application == application
    assert volunteer.language == "es"
    # Only the hash is stored; the token opens the volunteer's page.
    assert volunteer.token_hash == hash_token(result.token)
    assert result.token not in volunteer.token_hash
    assert selectors.volunteer_by_token(result.token) == volunteer
    message = OutboxMessage.objects.get(key__startswith=f"volunteer-link:{volunteer.pk}:")
    assert message.language == "es"
    assert message.recipient == application.resident.email
    assert services.private_url(result.token) in delivered(message)
    assert AuditLog.objects.filter(action="volunteers.added").count() == 1


def test_adding_the_same_applicant_twice_keeps_one_volunteer_and_one_welcome(world, alice):
    application = ApplicationFactory(program=world.program, status=Application.Status.ACCEPTED)

    first = services.add_volunteer(
        program=world.program, role=world.helper, application=application, user=alice
    )
    second = services.add_volunteer(
        program=world.program, role=world.patrol, application=application, user=alice
    )

    assert second.volunteer == first.volunteer
    assert not second.created and second.token is None
    assert Volunteer.objects.filter(program=world.program).count() == 2  # Vera and them
    assert OutboxMessage.objects.filter(key__startswith="volunteer-link:").count() == 1


@pytest.mark.parametrize(
    "status", [Application.Status.SUBMITTED, Application.Status.DECLINED, "withdrawn"]
)
def test_only_accepted_applications_can_join_the_roster(world, alice, status):
    application = ApplicationFactory(program=world.program, status=status)

    with pytest.raises(ValidationError, match="accepted"):
        services.add_volunteer(
            program=world.program, role=world.helper, application=application, user=alice
        )


def test_an_application_to_another_program_is_refused(world, alice):
    application = ApplicationFactory(status=Application.Status.ACCEPTED)

    with pytest.raises(ValidationError):
        services.add_volunteer(
            program=world.program, role=world.helper, application=application, user=alice
        )


def test_a_role_of_another_program_is_refused(world, alice):
    with pytest.raises(ValidationError, match="role"):
        services.add_volunteer(
            program=world.program,
            role=VolunteerRoleFactory(),
            name="Sam",
            email="sam@example.net",
            user=alice,
        )


def test_add_by_hand_finds_the_resident_and_texts_a_phone_only_volunteer(world, alice):
    result = services.add_volunteer(
        program=world.program,
        role=world.helper,
        name="Pat Phone",
        phone="(312) 555-0142",
        language="es",
        user=alice,
    )

    again = services.add_volunteer(
        program=world.program, role=world.helper, name="Pat", phone="312-555-0142", user=alice
    )

    assert again.volunteer == result.volunteer
    message = OutboxMessage.objects.get(key__startswith="volunteer-link:")
    assert message.channel == OutboxMessage.Channel.SMS
    assert message.language == "es"


def test_accepted_applicants_lists_only_those_not_yet_on_the_roster(world):
    waiting = ApplicationFactory(program=world.program, status=Application.Status.ACCEPTED)
    ApplicationFactory(program=world.program, status=Application.Status.SUBMITTED)
    ApplicationFactory(
        program=world.program, status=Application.Status.ACCEPTED, resident=world.vera.resident
    )
    ApplicationFactory(status=Application.Status.ACCEPTED)  # another program

    assert list(selectors.accepted_applicants(world.program)) == [waiting]


def test_a_new_link_replaces_the_old_one(world, alice):
    result = services.add_volunteer(
        program=world.program, role=world.helper, name="Lu", email="lu@example.net", user=alice
    )

    token = services.send_new_link(volunteer=result.volunteer, user=alice)

    assert selectors.volunteer_by_token(result.token) is None
    assert selectors.volunteer_by_token(token) == result.volunteer
    assert OutboxMessage.objects.filter(key__startswith="volunteer-link:").count() == 2


@pytest.mark.parametrize("token", ["", "x", "a" * 65, "not-a-token"])
def test_a_bad_token_finds_nobody(world, token):
    assert selectors.volunteer_by_token(token) is None


def test_update_volunteer_twice_writes_once(world, alice):
    for _ in range(2):
        services.update_volunteer(
            volunteer=world.vera, role=world.helper, status="paused", language="en", user=alice
        )

    world.vera.refresh_from_db()
    assert (world.vera.role, world.vera.status, world.vera.language) == (
        world.helper,
        "paused",
        "en",
    )
    assert AuditLog.objects.filter(action="volunteers.changed").count() == 1


def test_update_volunteer_refuses_a_role_of_another_program(world, alice):
    with pytest.raises(ValidationError):
        services.update_volunteer(
            volunteer=world.vera,
            role=VolunteerRoleFactory(),
            status="active",
            language="en",
            user=alice,
        )


# --- Certifications -------------------------------------------------------------------


def test_expiry_is_worked_out_from_the_training_validity(world, alice):
    certification = services.record_certification(
        volunteer=world.vera,
        training=TrainingFactory(name="Radio", valid_for_months=1),
        completed_on=date(2024, 1, 31),
        user=alice,
    )

    assert certification.expires_on == date(2024, 2, 29)
    assert certification.recorded_by == alice


def test_an_explicit_expiry_date_wins_and_a_training_without_validity_never_lapses(world, alice):
    given = services.record_certification(
        volunteer=world.vera,
        training=world.first_aid,
        completed_on=date(2025, 3, 1),
        expires_on=date(2025, 9, 1),
        user=alice,
    )
    forever = services.record_certification(
        volunteer=world.vera,
        training=TrainingFactory(name="Orientation", valid_for_months=None),
        completed_on=date(2025, 3, 1),
        user=alice,
    )

    assert given.expires_on == date(2025, 9, 1)
    assert forever.expires_on is None


def test_recording_the_same_completion_twice_keeps_one_row(world, alice):
    for expires in (date(2026, 1, 1), date(2026, 6, 1)):
        services.record_certification(
            volunteer=world.vera,
            training=world.first_aid,
            completed_on=date(2025, 1, 1),
            expires_on=expires,
            user=alice,
        )

    rows = Certification.objects.filter(volunteer=world.vera, completed_on=date(2025, 1, 1))
    assert [c.expires_on for c in rows] == [date(2026, 6, 1)]


@pytest.mark.parametrize(
    ("completed", "expires", "message"),
    [
        (1, None, "future"),
        (-10, -10, "after the completion"),
        (-10, -20, "after the completion"),
    ],
)
def test_impossible_certification_dates_are_refused(world, alice, completed, expires, message):
    today = timezone.localdate()
    with pytest.raises(ValidationError, match=message):
        services.record_certification(
            volunteer=world.vera,
            training=world.first_aid,
            completed_on=today + timedelta(days=completed),
            expires_on=today + timedelta(days=expires) if expires is not None else None,
            user=alice,
        )


def test_update_and_remove_a_certification(world, alice):
    certification = world.vera.certifications.get()
    new_expiry = timezone.localdate() + timedelta(days=10)

    services.update_certification(
        certification=certification,
        completed_on=certification.completed_on,
        expires_on=new_expiry,
        user=alice,
    )
    services.update_certification(
        certification=certification,
        completed_on=certification.completed_on,
        expires_on=new_expiry,
        user=alice,
    )
    certification.refresh_from_db()
    assert certification.expires_on == new_expiry
    assert AuditLog.objects.filter(action="volunteers.certification-changed").count() == 1

    services.remove_certification(certification=certification, user=alice)
    services.remove_certification(certification=certification, user=alice)
    assert not world.vera.certifications.exists()
    assert AuditLog.objects.filter(action="volunteers.certification-removed").count() == 1


def _state(volunteer, today=None):
    volunteer = Volunteer.objects.prefetch_related(
        "role__required_trainings", "certifications__training"
    ).get(pk=volunteer.pk)
    return selectors.certification_state(volunteer, today or timezone.localdate())


def test_certification_states_ok_expiring_expired_and_missing(world):
    today = timezone.localdate()
    assert _state(world.vera).state == "ok"

    world.vera.certifications.update(expires_on=today + timedelta(days=30))
    assert _state(world.vera).state == "expiring"

    world.vera.certifications.update(expires_on=today - timedelta(days=1))
    state = _state(world.vera)
    assert state.state == "expired"
    assert [item["training"] for item in state.problems] == [world.first_aid]

    newcomer = make_volunteer(world, "Nico New", certified=False)
    state = _state(newcomer)
    assert state.state == "missing"
    assert state.problems[0]["training"] == world.first_aid


def test_a_renewal_supersedes_the_lapsed_certification(world):
    today = timezone.localdate()
    world.vera.certifications.update(
        completed_on=today - timedelta(days=800), expires_on=today - timedelta(days=70)
    )
    CertificationFactory(
        volunteer=world.vera,
        training=world.first_aid,
        completed_on=today - timedelta(days=60),
        expires_on=today + timedelta(days=600),
    )

    assert _state(world.vera).state == "ok"


# --- Shifts ---------------------------------------------------------------------------


def test_create_shift_checks_times_role_and_event(world, alice):
    start = timezone.now() + timedelta(days=2)
    base = {
        "program": world.program,
        "title": "Patrol",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "capacity": 2,
        "user": alice,
    }
    shift = services.create_shift(role=world.patrol, location=" Park ", **base)
    assert (shift.location, shift.role) == ("Park", world.patrol)

    with pytest.raises(ValidationError, match="after the start"):
        services.create_shift(**{**base, "ends_at": start})
    with pytest.raises(ValidationError, match="at least one"):
        services.create_shift(**{**base, "capacity": 0})
    with pytest.raises(ValidationError, match="role"):
        services.create_shift(role=VolunteerRoleFactory(), **base)
    with pytest.raises(ValidationError, match="event"):
        services.create_shift(event=EventFactory(), **base)
    assert services.create_shift(event=EventFactory(program=world.program), **base).event


def test_sign_up_takes_a_place_once(world):
    shift = future_shift(world)

    first = services.sign_up(shift=shift, volunteer=world.vera)
    second = services.sign_up(shift=shift, volunteer=world.vera)

    assert first == second
    assert shift.signups.count() == 1


def test_a_full_shift_refuses_the_next_volunteer(world):
    shift = future_shift(world, capacity=1)
    services.sign_up(shift=shift, volunteer=world.vera)

    with pytest.raises(ValidationError, match="full"):
        services.sign_up(shift=shift, volunteer=make_volunteer(world, "Ola Other"))


def test_a_shift_for_another_role_is_refused_and_an_any_role_shift_is_open_to_all(world):
    helper = make_volunteer(world, "Hal Helper", role=world.helper, certified=False)

    with pytest.raises(ValidationError, match="Citizens on Patrol"):
        services.sign_up(shift=future_shift(world), volunteer=helper)
    assert services.sign_up(shift=future_shift(world, role=None), volunteer=helper)


@pytest.mark.parametrize("status", [Volunteer.Status.PAUSED, Volunteer.Status.LEFT])
def test_only_active_volunteers_sign_up(world, status):
    world.vera.status = status
    world.vera.save()

    with pytest.raises(ValidationError, match="active"):
        services.sign_up(shift=future_shift(world), volunteer=world.vera)


def test_a_started_shift_takes_no_sign_up(world):
    shift = future_shift(world)

    with pytest.raises(ValidationError, match="started"):
        services.sign_up(shift=shift, volunteer=world.vera, now=shift.starts_at)


def test_an_expired_required_certification_blocks_sign_up_and_says_which(world):
    world.vera.certifications.update(expires_on=timezone.localdate() - timedelta(days=2))

    with pytest.raises(ValidationError, match="“First aid” certification expired on"):
        services.sign_up(shift=future_shift(world), volunteer=world.vera)
    assert not ShiftSignup.objects.exists()


def test_a_certification_lapsing_before_the_shift_blocks_sign_up(world):
    world.vera.certifications.update(expires_on=timezone.localdate() + timedelta(days=5))

    assert services.sign_up(shift=future_shift(world, days=3), volunteer=world.vera)
    with pytest.raises(ValidationError, match="before this shift"):
        services.sign_up(shift=future_shift(world, days=10), volunteer=world.vera)


def test_a_missing_required_training_blocks_sign_up(world):
    newcomer = make_volunteer(world, "Nico New", certified=False)

    with pytest.raises(ValidationError, match="no record"):
        services.sign_up(shift=future_shift(world), volunteer=newcomer)


def test_cancel_frees_the_place_and_twice_is_harmless(world):
    shift = future_shift(world, capacity=1)
    services.sign_up(shift=shift, volunteer=world.vera)

    assert services.cancel_signup(shift=shift, volunteer=world.vera) is True
    assert services.cancel_signup(shift=shift, volunteer=world.vera) is False
    assert services.sign_up(shift=shift, volunteer=make_volunteer(world, "Ola Other"))


def test_volunteers_cannot_cancel_a_started_shift_but_staff_can(world, alice):
    shift = future_shift(world)
    services.sign_up(shift=shift, volunteer=world.vera)

    with pytest.raises(ValidationError, match="started"):
        services.cancel_signup(shift=shift, volunteer=world.vera, now=shift.starts_at)
    assert services.cancel_signup(
        shift=shift, volunteer=world.vera, now=shift.starts_at, user=alice
    )


def test_staff_adding_to_a_shift_follow_the_same_rules(world, alice):
    shift = future_shift(world, capacity=1)
    services.sign_up(shift=shift, volunteer=world.vera, user=alice)

    with pytest.raises(ValidationError, match="full"):
        services.sign_up(shift=shift, volunteer=make_volunteer(world, "Ola Other"), user=alice)
    assert AuditLog.objects.filter(action="volunteers.signed-up").count() == 1


# --- Hours ----------------------------------------------------------------------------


def log(volunteer, day, start, end, **kwargs):
    """Log hours on `day` from `start` to `end` (hours as numbers; 13.5 is 13:30)."""

    def clock(value):
        return at(day, int(value), round((value % 1) * 60))

    return services.log_hours(
        volunteer=volunteer, started_at=clock(start), ended_at=clock(end), **kwargs
    )


def test_log_hours_waits_for_approval(world, yesterday):
    entry = log(world.vera, yesterday, 9, 12, description=" Patrolled the park ")

    assert entry.status == Status.SUBMITTED
    assert entry.hours == 3
    assert entry.description == "Patrolled the park"
    assert entry.logged_by is None


def test_staff_logged_hours_can_be_approved_at_once(world, alice, yesterday):
    entry = log(world.vera, yesterday, 9, 12, user=alice, approve=True)

    assert (entry.status, entry.logged_by, entry.reviewed_by) == (Status.APPROVED, alice, alice)


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (12, 9, "negative"),
        (9, 9, "after the start"),
        (6, 22.5, "16 hours"),
    ],
)
def test_impossible_hours_are_refused(world, yesterday, start, end, message):
    with pytest.raises(ValidationError, match=message):
        log(world.vera, yesterday, start, end)
    assert not HoursEntry.objects.exists()


def test_sixteen_hours_exactly_is_fine(world, yesterday):
    assert log(world.vera, yesterday, 6, 22).hours == 16


def test_hours_in_the_future_are_refused(world):
    now = timezone.now().replace(microsecond=0)
    with pytest.raises(ValidationError, match="future") as caught:
        services.log_hours(
            volunteer=world.vera,
            started_at=now - timedelta(hours=1),
            ended_at=now + timedelta(minutes=5),
        )
    assert caught.value.code == "future"


@pytest.mark.parametrize(
    ("start", "end"), [(10, 11), (8, 9.5), (11.5, 13), (8, 13), (9, 11.5), (9, 13)]
)
def test_overlapping_hours_are_refused(world, yesterday, start, end):
    log(world.vera, yesterday, 9, 12)

    with pytest.raises(ValidationError, match="overlap") as caught:
        log(world.vera, yesterday, start, end)
    assert caught.value.code == "overlap"
    assert HoursEntry.objects.count() == 1


def test_touching_entries_are_allowed(world, yesterday):
    log(world.vera, yesterday, 9, 12)

    log(world.vera, yesterday, 12, 14)
    log(world.vera, yesterday, 7, 9)

    assert HoursEntry.objects.count() == 3


def test_a_rejected_entry_does_not_block_its_times(world, alice, yesterday):
    first = log(world.vera, yesterday, 9, 12)
    services.review_hours(program=world.program, entry_ids=[first.pk], approve=False, user=alice)

    assert log(world.vera, yesterday, 9, 11)


def test_overlap_is_per_volunteer(world, yesterday):
    log(world.vera, yesterday, 9, 12)

    assert log(make_volunteer(world, "Ola Other"), yesterday, 9, 12)


def test_logging_the_same_times_twice_keeps_one_entry(world, yesterday):
    first = log(world.vera, yesterday, 9, 12)
    second = log(world.vera, yesterday, 9, 12)

    assert first == second
    assert HoursEntry.objects.count() == 1


def test_a_volunteer_who_left_cannot_log_but_staff_can_for_them(world, alice, yesterday):
    world.vera.status = Volunteer.Status.LEFT
    world.vera.save()

    with pytest.raises(ValidationError, match="no longer"):
        log(world.vera, yesterday, 9, 12)
    assert log(world.vera, yesterday, 9, 12, user=alice)


def test_a_shift_of_another_program_is_refused(world, yesterday):
    with pytest.raises(ValidationError, match="shifts"):
        log(world.vera, yesterday, 9, 12, shift=ShiftFactory())


def test_approving_twice_changes_nothing_the_second_time(world, alice, bob, yesterday):
    entries = [log(world.vera, yesterday, h, h + 1) for h in (8, 10)]
    ids = [e.pk for e in entries]

    assert (
        services.review_hours(program=world.program, entry_ids=ids, approve=True, user=alice) == 2
    )
    assert services.review_hours(program=world.program, entry_ids=ids, approve=True, user=bob) == 0
    assert services.review_hours(program=world.program, entry_ids=ids, approve=False, user=bob) == 0

    assert set(HoursEntry.objects.values_list("status", "reviewed_by")) == {
        (Status.APPROVED, alice.pk)
    }
    assert AuditLog.objects.filter(action="volunteers.hours-approved").count() == 1


def test_review_leaves_other_programs_entries_alone(world, alice):
    elsewhere = HoursEntryFactory()

    assert (
        services.review_hours(
            program=world.program, entry_ids=[elsewhere.pk], approve=True, user=alice
        )
        == 0
    )
    elsewhere.refresh_from_db()
    assert elsewhere.status == Status.SUBMITTED


# --- Totals ---------------------------------------------------------------------------


def approved(volunteer, start, hours):
    return HoursEntryFactory(
        volunteer=volunteer,
        started_at=start,
        ended_at=start + timedelta(hours=hours),
        status=Status.APPROVED,
    )


def test_hours_totals_per_program_volunteer_and_month(world):
    ola = make_volunteer(world, "Ola Other")
    approved(world.vera, at(date(2025, 1, 10), 9), 2)
    approved(world.vera, at(date(2025, 2, 3), 9), 1.5)
    approved(ola, at(date(2025, 2, 4), 9), 4)
    HoursEntryFactory(volunteer=ola, status=Status.SUBMITTED)  # waiting: not counted
    HoursEntryFactory(volunteer=ola, status=Status.REJECTED)
    other = approved(VolunteerFactory(), at(date(2025, 2, 4), 9), 8)

    assert selectors.hours_totals(program=world.program) == [
        {"program_id": world.program.pk, "hours": 7.5, "entries": 3, "volunteers": 2}
    ]
    assert selectors.hours_totals(volunteer=world.vera)[0]["hours"] == 3.5
    assert selectors.hours_totals(program=world.program, by_month=True) == [
        {
            "program_id": world.program.pk,
            "month": date(2025, 1, 1),
            "hours": 2.0,
            "entries": 1,
            "volunteers": 1,
        },
        {
            "program_id": world.program.pk,
            "month": date(2025, 2, 1),
            "hours": 5.5,
            "entries": 2,
            "volunteers": 2,
        },
    ]
    everything = {row["program_id"]: row["hours"] for row in selectors.hours_totals()}
    assert everything == {world.program.pk: 7.5, other.volunteer.program_id: 8.0}


def test_hours_totals_count_a_month_in_the_agencys_time_zone(world):
    # 23:30 on 31 January in Chicago is already February in UTC.
    late = at(date(2025, 1, 31), 23, 30)
    assert late.astimezone(UTC).month == 2
    approved(world.vera, late, 0.5)

    rows = selectors.hours_totals(volunteer=world.vera, by_month=True)

    assert [row["month"] for row in rows] == [date(2025, 1, 1)]


def test_hours_totals_aggregate_in_the_database(world, django_assert_num_queries):
    for n in range(20):
        approved(world.vera, at(date(2025, 1 + n % 12, 1), 9), 1)

    with django_assert_num_queries(1):
        rows = selectors.hours_totals(program=world.program, by_month=True)

    assert sum(row["hours"] for row in rows) == 20


def test_last_twelve_months_fill_empty_months_with_zero(world):
    today = date(2025, 3, 15)
    approved(world.vera, at(date(2025, 3, 2), 9), 2)
    approved(world.vera, at(date(2024, 4, 30), 9), 1)
    approved(world.vera, at(date(2024, 3, 31), 9), 5)  # thirteen months back: left out

    months = selectors.last_twelve_months(world.program, today)

    assert [m["month"] for m in months][:2] == [date(2025, 3, 1), date(2025, 2, 1)]
    assert months[-1]["month"] == date(2024, 4, 1)
    assert [m["hours"] for m in months] == [2.0] + [0.0] * 10 + [1.0]


def test_roster_sums_this_month_this_year_and_in_total(world):
    today = timezone.localdate()
    approved(world.vera, at(today.replace(day=1), 9), 2)
    approved(world.vera, at(date(today.year - 1, 6, 1), 9), 3)
    HoursEntryFactory(
        volunteer=world.vera,
        started_at=at(today.replace(day=1), 13),
        ended_at=at(today.replace(day=1), 14),
    )

    [vera] = selectors.roster_rows(selectors.roster(world.program, today=today), today)

    assert (vera.hours_month, vera.hours_year, vera.hours_total) == (2.0, 2.0, 5.0)
    assert vera.hours_waiting == 1.0
    assert vera.cert.state == "ok"


def test_roster_filters_by_role_and_status(world):
    make_volunteer(world, "Hal Helper", role=world.helper, certified=False)
    make_volunteer(world, "Pam Paused", status=Volunteer.Status.PAUSED)

    def names(**kwargs):
        return [v.resident.name for v in selectors.roster(world.program, **kwargs)]

    assert names() == ["Hal Helper", "Pam Paused", "Vera Valdez"]
    assert names(role=world.helper) == ["Hal Helper"]
    assert names(status="paused") == ["Pam Paused"]
    assert selectors.status_counts(world.program) == {"active": 2, "paused": 1, "left": 0}


def test_volunteer_totals_split_approved_and_waiting(world, yesterday):
    approved(world.vera, at(yesterday, 8), 2)
    log(world.vera, yesterday, 12, 13.5)

    assert selectors.volunteer_totals(world.vera) == {"approved": 2.0, "waiting": 1.5}


def test_open_shifts_say_why_a_volunteer_cannot_take_one(world):
    now = timezone.now()
    future_shift(world, title="Patrol A")
    full = future_shift(world, title="Patrol B", capacity=1)
    services.sign_up(shift=full, volunteer=make_volunteer(world, "Ola Other"))
    future_shift(world, title="Helpers only", role=world.helper)
    services.sign_up(shift=future_shift(world, title="Taken"), volunteer=world.vera)
    world.vera.certifications.update(expires_on=timezone.localdate() + timedelta(days=4))
    future_shift(world, title="Later", days=9)

    shifts = {s.title: s for s in selectors.open_shifts(world.vera, now)}

    assert set(shifts) == {"Patrol A", "Patrol B", "Later"}
    assert not shifts["Patrol A"].problem and not shifts["Patrol A"].full
    assert shifts["Patrol B"].full
    assert "before this shift" in shifts["Later"].problem
