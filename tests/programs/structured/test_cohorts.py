"""Cohorts: sessions, members, attendance, the completion rule, closing, certificates and
alumni invitations. Services and selectors; the pages are in test_cohorts_views.py."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts.models import Resident
from engagement_portal.messaging.models import OutboxMessage
from events.models import Event
from programs.models import EngagementType, Program
from programs.structured import selectors_cohorts as selectors
from programs.structured import services_cohorts as services
from programs.structured.models_applications import Application
from programs.structured.models_cohorts import (
    AlumniInvitation,
    Attendance,
    Cohort,
    CohortMember,
    CohortSession,
)
from tests.concurrency import run_at_once
from tests.factories import (
    ApplicationFactory,
    ApplicationFormFactory,
    AttendanceFactory,
    CohortFactory,
    CohortMemberFactory,
    ConsentFactory,
    EventFactory,
    ProgramFactory,
)

Status = CohortMember.Status
CHICAGO = ZoneInfo("America/Chicago")


@pytest.fixture
def academy(alice):
    return ProgramFactory(
        title="Citizen Police Academy",
        engagement_type=EngagementType.objects.get(slug="citizen-police-academy"),
        owner=alice,
    )


@pytest.fixture
def cohort(academy):
    return CohortFactory(program=academy, name="Spring 2026", completion_percent=80)


@pytest.fixture
def volunteers(bob):
    """An active volunteer program (bob's) taking applications now."""
    program = ProgramFactory(
        title="Volunteers in Police Service",
        slug="vips",
        engagement_type=EngagementType.objects.get(slug="volunteer-opportunities"),
        owner=bob,
    )
    ApplicationFormFactory(program=program)
    return program


def session(cohort, *, days: float, status=Event.Status.SCHEDULED, **kwargs) -> Event:
    """A session of `cohort` starting `days` from now (negative: in the past)."""
    start = timezone.now() + timedelta(days=days)
    event = EventFactory(
        program=cohort.program,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
        visibility=Event.Visibility.UNLISTED,
        status=status,
        **kwargs,
    )
    CohortSession.objects.create(cohort=cohort, event=event)
    return event


def attend(member, sessions, present=True):
    for event in sessions:
        AttendanceFactory(event=event, resident=member.resident, present=present)


# --- Creating a cohort and its sessions ---------------------------------------------------


def test_create_cohort_defaults_to_eighty_percent(academy, alice):
    cohort = services.create_cohort(program=academy, name=" Fall 2026 ", user=alice)
    assert cohort.name == "Fall 2026"
    assert cohort.completion_percent == 80
    assert cohort.program == academy and cohort.closed_at is None


def test_create_cohort_refuses_an_archived_program_and_other_staff(academy, alice, bob):
    with pytest.raises(PermissionDenied):
        services.create_cohort(program=academy, name="X", user=bob)
    Program.objects.filter(pk=academy.pk).update(status=Program.Status.ARCHIVED)
    academy.refresh_from_db()
    with pytest.raises(ValidationError):
        services.create_cohort(program=academy, name="X", user=alice)
    assert not Cohort.objects.exists()


def test_add_a_run_of_weekly_sessions(cohort, alice):
    first = timezone.now().replace(microsecond=0) + timedelta(days=3)
    sessions = services.add_sessions(
        cohort=cohort,
        first_start=first,
        duration_minutes=180,
        count=8,
        every_weeks=1,
        venue_name="Training center",
        address="100 Main St",
        user=alice,
    )
    assert len(sessions) == 8
    assert [s.title for s in sessions][:2] == ["Spring 2026 — session 1", "Spring 2026 — session 2"]
    for number, event in enumerate(
        Event.objects.filter(cohort_session__cohort=cohort).order_by("starts_at")
    ):
        assert event.program == cohort.program
        assert event.visibility == Event.Visibility.UNLISTED
        assert event.reminder_offsets == []
        assert event.ends_at - event.starts_at == timedelta(hours=3)
        assert event.venue_name == "Training center"
        assert timezone.localtime(event.starts_at).date() == (
            timezone.localtime(first).date() + timedelta(weeks=number)
        )
    assert sessions[0].series is not None and sessions[0].series.occurrences == 8


def test_sessions_keep_their_local_time_across_daylight_saving(cohort, alice):
    # Chicago moves its clocks on Sunday 8 March 2026: the sessions stay at 6 pm.
    first = datetime(2026, 2, 24, 18, 0, tzinfo=CHICAGO)
    sessions = services.add_sessions(
        cohort=cohort,
        first_start=first,
        duration_minutes=120,
        count=4,
        every_weeks=2,
        venue_name="Hall",
        user=alice,
    )
    local = [s.starts_at.astimezone(CHICAGO) for s in sessions]
    assert [d.date().isoformat() for d in local] == [
        "2026-02-24",
        "2026-03-10",
        "2026-03-24",
        "2026-04-07",
    ]
    assert {(d.hour, d.minute) for d in local} == {(18, 0)}
    offsets = [d.utcoffset() for d in local]
    assert offsets == [timedelta(hours=-6)] + [timedelta(hours=-5)] * 3


def test_a_single_session_is_numbered_after_the_others(cohort, alice):
    session(cohort, days=-7)
    session(cohort, days=-14)
    [added] = services.add_sessions(
        cohort=cohort,
        first_start=timezone.now() + timedelta(days=2),
        duration_minutes=60,
        title="Firearms simulator",
        venue_name="Range",
        user=alice,
    )
    assert added.title == "Firearms simulator — session 3"
    assert added.series is None


def test_sessions_cannot_be_added_to_a_closed_cohort(cohort, alice):
    Cohort.objects.filter(pk=cohort.pk).update(closed_at=timezone.now())
    with pytest.raises(ValidationError):
        services.add_sessions(
            cohort=cohort,
            first_start=timezone.now(),
            duration_minutes=60,
            venue_name="Hall",
            user=alice,
        )


# --- Members ------------------------------------------------------------------------------


def test_accepted_applicants_become_members_in_their_language(cohort, academy, alice):
    rosa = ApplicationFactory(program=academy, status=Application.Status.ACCEPTED, language="es")
    tom = ApplicationFactory(program=academy, status=Application.Status.ACCEPTED)
    waiting = ApplicationFactory(program=academy, status=Application.Status.UNDER_REVIEW)
    other_program = ApplicationFactory(status=Application.Status.ACCEPTED)
    assert set(services.addable_applications(cohort)) == {rosa, tom}
    added = services.add_members_from_applications(
        cohort=cohort,
        application_ids=[rosa.pk, tom.pk, waiting.pk, other_program.pk],
        user=alice,
    )
    assert added == 2
    member = CohortMember.objects.get(cohort=cohort, resident=rosa.resident)
    assert member.language == "es" and member.application == rosa
    assert member.status == Status.ACTIVE
    assert set(services.addable_applications(cohort)) == set()


def test_adding_applicants_twice_adds_nobody_twice(cohort, academy, alice):
    application = ApplicationFactory(program=academy, status=Application.Status.ACCEPTED)
    ids = [application.pk]
    assert services.add_members_from_applications(cohort=cohort, application_ids=ids, user=alice)
    assert not services.add_members_from_applications(
        cohort=cohort, application_ids=ids, user=alice
    )
    assert CohortMember.objects.count() == 1


def test_applicants_in_another_cohort_of_the_program_are_not_offered(cohort, academy):
    application = ApplicationFactory(program=academy, status=Application.Status.ACCEPTED)
    CohortMemberFactory(cohort=CohortFactory(program=academy), resident=application.resident)
    assert list(services.addable_applications(cohort)) == []


def test_add_a_resident_by_hand_finds_or_creates_them(cohort, alice):
    member, changed = services.add_member_by_hand(
        cohort=cohort, name="Lena Ortiz", phone="312 555 0188", language="es", user=alice
    )
    assert changed and member.language == "es"
    assert member.resident.phone_normalised == "+13125550188"
    again, changed = services.add_member_by_hand(
        cohort=cohort, name="Lena O.", phone="+1 312-555-0188", language="es", user=alice
    )
    assert again.pk == member.pk and not changed
    assert Resident.objects.count() == 1


def test_add_by_hand_puts_someone_who_left_back(cohort, alice):
    member = CohortMemberFactory(cohort=cohort, status=Status.LEFT)
    again, changed = services.add_member_by_hand(
        cohort=cohort, name=member.resident.name, email=member.resident.email, user=alice
    )
    assert again.pk == member.pk and changed and again.status == Status.ACTIVE


def test_add_by_hand_needs_a_contact(cohort, alice):
    with pytest.raises(ValidationError):
        services.add_member_by_hand(cohort=cohort, name="Nobody", user=alice)


def test_mark_left_and_restore_are_idempotent(cohort, alice):
    member = CohortMemberFactory(cohort=cohort)
    for _ in range(2):
        services.mark_member_left(member=member, user=alice)
    member.refresh_from_db()
    assert member.status == Status.LEFT
    for _ in range(2):
        services.restore_member(member=member, user=alice)
    member.refresh_from_db()
    assert member.status == Status.ACTIVE


def test_remove_is_refused_once_attendance_is_recorded(cohort, alice):
    member = CohortMemberFactory(cohort=cohort)
    attend(member, [session(cohort, days=-1)])
    with pytest.raises(ValidationError):
        services.remove_member(member=member, user=alice)
    mistake = CohortMemberFactory(cohort=cohort)
    services.remove_member(member=mistake, user=alice)
    assert not CohortMember.objects.filter(pk=mistake.pk).exists()


# --- Attendance ---------------------------------------------------------------------------


def test_record_attendance_twice_keeps_one_row_per_member(cohort, alice):
    ana, ben = CohortMemberFactory(cohort=cohort), CohortMemberFactory(cohort=cohort)
    gone = CohortMemberFactory(cohort=cohort, status=Status.LEFT)
    held = session(cohort, days=-1)
    changed = services.record_attendance(
        cohort=cohort, session=held, present={ana.resident_id}, user=alice
    )
    assert changed == 2
    again = services.record_attendance(
        cohort=cohort, session=held, present={ana.resident_id}, user=alice
    )
    assert again == 0
    rows = dict(Attendance.objects.filter(event=held).values_list("resident_id", "present"))
    assert rows == {ana.resident_id: True, ben.resident_id: False}
    assert gone.resident_id not in rows
    # Correcting it updates the rows in place.
    services.record_attendance(cohort=cohort, session=held, present={ben.resident_id}, user=alice)
    rows = dict(Attendance.objects.filter(event=held).values_list("resident_id", "present"))
    assert rows == {ana.resident_id: False, ben.resident_id: True}
    assert Attendance.objects.filter(event=held).count() == 2


def test_attendance_cannot_be_recorded_for_a_future_session(cohort, alice):
    member = CohortMemberFactory(cohort=cohort)
    upcoming = session(cohort, days=1)
    with pytest.raises(ValidationError, match="has not started yet"):
        services.record_attendance(
            cohort=cohort, session=upcoming, present={member.resident_id}, user=alice
        )
    assert not Attendance.objects.exists()


def test_attendance_cannot_be_recorded_for_a_cancelled_session(cohort, alice):
    CohortMemberFactory(cohort=cohort)
    cancelled = session(cohort, days=-1, status=Event.Status.CANCELLED)
    with pytest.raises(ValidationError, match="cancelled"):
        services.record_attendance(cohort=cohort, session=cancelled, present=set(), user=alice)


def test_attendance_refuses_a_session_of_another_cohort(cohort, academy, alice):
    other = session(CohortFactory(program=academy), days=-1)
    with pytest.raises(ValidationError):
        services.record_attendance(cohort=cohort, session=other, present=set(), user=alice)


def test_attendance_refuses_other_staff(cohort, bob):
    with pytest.raises(PermissionDenied):
        services.record_attendance(
            cohort=cohort, session=session(cohort, days=-1), present=set(), user=bob
        )


# --- The completion rule and closing ------------------------------------------------------


@pytest.mark.parametrize(
    "attended,held,percent,completes",
    [
        (8, 10, 80, True),  # exactly 80 %
        (7, 10, 80, False),
        (4, 5, 80, True),
        (2, 3, 67, False),  # 66.67 % is below 67 %
        (2, 3, 66, True),
        (0, 0, 80, False),  # nothing held: nobody completes
        (1, 1, 100, True),
    ],
)
def test_completion_rule(attended, held, percent, completes):
    assert services.meets_completion_rule(attended, held, percent) is completes


@pytest.fixture
def run(cohort):
    """Ten sessions held, one held but cancelled, two still to come."""
    held = [session(cohort, days=-70 + 7 * i) for i in range(10)]
    cancelled = session(cohort, days=-3, status=Event.Status.CANCELLED)
    future = [session(cohort, days=7), session(cohort, days=14)]
    return held, cancelled, future


def test_close_completes_members_at_exactly_the_rule(cohort, run, alice):
    held, cancelled, future = run
    rosa = CohortMemberFactory(cohort=cohort, language="es")
    ivan = CohortMemberFactory(cohort=cohort)
    left = CohortMemberFactory(cohort=cohort, status=Status.LEFT)
    attend(rosa, held[:8])  # 8 of 10: exactly 80 %
    # Ivan has 7 of 10 held; the cancelled session and future ones do not count for him.
    attend(ivan, held[:7] + [cancelled] + future)
    attend(left, held)

    result = services.close_cohort(cohort=cohort, user=alice, early=True)

    assert (result.completed, result.not_completed, result.already_closed) == (1, 1, False)
    rosa.refresh_from_db(), ivan.refresh_from_db(), left.refresh_from_db()
    assert rosa.status == Status.COMPLETED and rosa.completed_at is not None
    assert ivan.status == Status.NOT_COMPLETED and ivan.completed_at is None
    assert left.status == Status.LEFT
    cohort.refresh_from_db()
    assert cohort.closed_at is not None


def test_close_sends_the_certificate_link_in_the_members_language(cohort, run, alice):
    held, _cancelled, _future = run
    rosa = CohortMemberFactory(cohort=cohort, language="es")
    attend(rosa, held)
    services.close_cohort(cohort=cohort, user=alice, early=True)
    message = OutboxMessage.objects.get(key=f"cohort-completed:{rosa.pk}")
    assert message.language == "es"
    assert message.recipient == rosa.resident.email
    assert message.essential
    assert reverse("cohorts:certificate", args=[rosa.certificate_id]) in message.body_text
    assert OutboxMessage.objects.count() == 1


def test_closing_twice_changes_nothing(cohort, run, alice):
    held, _cancelled, _future = run
    rosa = CohortMemberFactory(cohort=cohort)
    attend(rosa, held)
    services.close_cohort(cohort=cohort, user=alice, early=True)
    rosa.refresh_from_db()
    cohort.refresh_from_db()
    first = (rosa.status, rosa.completed_at, cohort.closed_at)

    again = services.close_cohort(
        cohort=cohort, user=alice, now=timezone.now() + timedelta(days=30)
    )

    assert again.already_closed and again.completed == 0
    rosa.refresh_from_db()
    cohort.refresh_from_db()
    assert (rosa.status, rosa.completed_at, cohort.closed_at) == first
    assert OutboxMessage.objects.count() == 1


def test_close_is_refused_before_any_session_is_held(cohort, alice):
    session(cohort, days=3)
    CohortMemberFactory(cohort=cohort)
    with pytest.raises(ValidationError, match="No session"):
        services.close_cohort(cohort=cohort, user=alice, early=True)
    cohort.refresh_from_db()
    assert cohort.closed_at is None


def test_a_closed_cohort_takes_no_more_attendance_or_members(cohort, run, alice):
    held, _cancelled, _future = run
    member = CohortMemberFactory(cohort=cohort)
    services.close_cohort(cohort=cohort, user=alice, early=True)
    with pytest.raises(ValidationError, match="closed"):
        services.record_attendance(
            cohort=cohort, session=held[0], present={member.resident_id}, user=alice
        )
    with pytest.raises(ValidationError, match="closed"):
        services.add_member_by_hand(
            cohort=cohort, name="Late", email="late@example.net", user=alice
        )


# --- Progress (for other pages) -----------------------------------------------------------


def test_cohort_progress_counts_attended_of_held(cohort, run):
    held, cancelled, future = run
    member = CohortMemberFactory(cohort=cohort)
    attend(member, held[:5] + [cancelled] + future)
    [row] = selectors.cohort_progress(cohort)
    assert (row.attended, row.held, row.percent, row.meets_rule) == (5, 10, 50, False)


def test_cohort_progress_queries_are_bounded(cohort, django_assert_max_num_queries):
    sessions = [session(cohort, days=-7 * (i + 1)) for i in range(10)]
    members = [CohortMemberFactory(cohort=cohort) for _ in range(30)]
    Attendance.objects.bulk_create(
        Attendance(event=event, resident=member.resident, present=(i + j) % 3 != 0)
        for i, event in enumerate(sessions)
        for j, member in enumerate(members)
    )
    with django_assert_max_num_queries(3):
        rows = selectors.cohort_progress(cohort)
        names = [row.member.resident.name for row in rows]
    assert len(names) == 30
    assert sum(row.attended for row in rows) == Attendance.objects.filter(present=True).count()
    assert {row.held for row in rows} == {10}


# --- Certificates -------------------------------------------------------------------------


def test_certificate_is_only_for_completed_members(cohort):
    done = CohortMemberFactory(cohort=cohort, status=Status.COMPLETED)
    active = CohortMemberFactory(cohort=cohort)
    assert selectors.member_for_certificate(done.certificate_id) == done
    assert selectors.member_for_certificate(active.certificate_id) is None
    assert selectors.member_for_certificate("x" * 40) is None
    assert len(done.certificate_id) >= 11  # 64 random bits: not guessable


def test_certificate_facts(cohort, run, alice):
    held, cancelled, _future = run
    member = CohortMemberFactory(cohort=cohort)
    attend(member, held[1:] + [cancelled])
    services.close_cohort(cohort=cohort, user=alice, early=True)
    member.refresh_from_db()
    facts = selectors.certificate_facts(member)
    assert (facts.attended, facts.held) == (9, 10)
    assert facts.first_session == held[0].starts_at
    assert facts.last_session == held[-1].starts_at


# --- Alumni invitations -------------------------------------------------------------------


@pytest.fixture
def alumni(cohort):
    consenting = CohortMemberFactory(cohort=cohort, status=Status.COMPLETED, language="es")
    ConsentFactory(resident=consenting.resident)
    silent = CohortMemberFactory(cohort=cohort, status=Status.COMPLETED)
    CohortMemberFactory(cohort=cohort, status=Status.NOT_COMPLETED)
    return consenting, silent


def test_invite_alumni_sends_each_completed_member_an_invitation(cohort, alumni, volunteers, alice):
    consenting, silent = alumni
    result = services.invite_alumni(cohort=cohort, program=volunteers, user=alice)
    assert (result.invited, result.already, result.not_sent) == (2, 0, 1)
    assert set(AlumniInvitation.objects.values_list("member_id", flat=True)) == {
        consenting.pk,
        silent.pk,
    }
    message = OutboxMessage.objects.get(key=f"alumni-invitation:{consenting.pk}:{volunteers.pk}")
    assert message.language == "es"
    assert message.status == OutboxMessage.Status.PENDING
    assert reverse("applications:apply", args=["vips"]) in message.body_text
    kept_back = OutboxMessage.objects.get(key=f"alumni-invitation:{silent.pk}:{volunteers.pk}")
    assert kept_back.status == OutboxMessage.Status.SUPPRESSED


def test_inviting_twice_invites_nobody_twice(cohort, alumni, volunteers, alice):
    services.invite_alumni(cohort=cohort, program=volunteers, user=alice)
    again = services.invite_alumni(cohort=cohort, program=volunteers, user=alice)
    assert (again.invited, again.already) == (0, 2)
    assert AlumniInvitation.objects.count() == 2
    assert OutboxMessage.objects.count() == 2


def test_invitations_need_an_open_selective_program(cohort, academy, alumni, volunteers, alice):
    with pytest.raises(ValidationError, match="program other than"):
        services.invite_alumni(cohort=cohort, program=academy, user=alice)
    closed_window = volunteers.application_form
    closed_window.opens_at = timezone.now() - timedelta(days=30)
    closed_window.closes_at = timezone.now() - timedelta(days=1)
    closed_window.save()
    with pytest.raises(ValidationError, match="not taking applications"):
        services.invite_alumni(cohort=cohort, program=volunteers, user=alice)
    coffee = ProgramFactory()
    with pytest.raises(ValidationError, match="takes applications"):
        services.invite_alumni(cohort=cohort, program=coffee, user=alice)
    assert not AlumniInvitation.objects.exists()


def test_alumni_target_programs(cohort, volunteers):
    ProgramFactory()  # open registration, no applications
    ApplicationFormFactory(program=ProgramFactory(status=Program.Status.DRAFT))
    assert list(selectors.alumni_target_programs(cohort)) == [volunteers]


# --- Races (PostgreSQL) -------------------------------------------------------------------

race = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")


@race
def test_closing_from_many_places_at_once_closes_once(postgres_only, cohort, alice):
    held = [session(cohort, days=-7 * (i + 1)) for i in range(3)]
    members = [CohortMemberFactory(cohort=cohort) for _ in range(4)]
    for member in members:
        attend(member, held)
    results = []
    errors = run_at_once(
        6, lambda i: results.append(services.close_cohort(cohort=cohort, user=alice, early=True))
    )
    assert errors == []
    assert sorted(r.already_closed for r in results) == [False] + [True] * 5
    assert CohortMember.objects.filter(status=Status.COMPLETED).count() == 4
    assert OutboxMessage.objects.filter(key__startswith="cohort-completed:").count() == 4


@race
def test_saving_attendance_from_two_phones_at_once_keeps_one_row_each(postgres_only, cohort, alice):
    held = session(cohort, days=-1)
    members = [CohortMemberFactory(cohort=cohort) for _ in range(5)]
    present = {m.resident_id for m in members[:3]}
    errors = run_at_once(
        6,
        lambda i: services.record_attendance(
            cohort=cohort, session=held, present=present, user=alice
        ),
    )
    assert errors == []
    assert Attendance.objects.filter(event=held).count() == 5
    assert Attendance.objects.filter(event=held, present=True).count() == 3


@race
def test_inviting_from_many_places_at_once_invites_each_alumnus_once(
    postgres_only, cohort, volunteers, alice
):
    for _ in range(3):
        CohortMemberFactory(cohort=cohort, status=Status.COMPLETED)
    results = []
    errors = run_at_once(
        5,
        lambda i: results.append(
            services.invite_alumni(cohort=cohort, program=volunteers, user=alice)
        ),
    )
    assert errors == []
    assert sum(r.invited for r in results) == 3
    assert AlumniInvitation.objects.count() == 3
    assert OutboxMessage.objects.filter(key__startswith="alumni-invitation:").count() == 3


def test_close_before_the_last_session_is_refused_until_staff_confirm(cohort, run, alice):
    """Issue 17, item 4: with sessions still ahead, closing says which and changes nothing;
    confirmed, it closes, and those sessions count for nobody."""
    held, _cancelled, future = run
    rosa = CohortMemberFactory(cohort=cohort)
    attend(rosa, held)
    with pytest.raises(ValidationError) as refused:
        services.close_cohort(cohort=cohort, user=alice)
    message = " ".join(refused.value.messages)
    assert "still ahead" in message
    for session in future:
        assert f"“{session.title}”" in message
    cohort.refresh_from_db()
    rosa.refresh_from_db()
    assert cohort.closed_at is None and rosa.status == Status.ACTIVE
    assert not OutboxMessage.objects.exists()

    result = services.close_cohort(cohort=cohort, user=alice, early=True)
    assert result.completed == 1


def test_close_after_the_last_session_needs_no_confirmation(cohort, run, alice):
    held, _cancelled, future = run
    attend(CohortMemberFactory(cohort=cohort), held)
    after_the_last = future[-1].ends_at + timedelta(hours=1)
    assert services.close_cohort(cohort=cohort, user=alice, now=after_the_last).completed == 1
