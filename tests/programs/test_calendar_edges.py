"""Programs at the awkward instants of the calendar: daylight-saving changes, leap days.

Each test pins the clock at the instant that showed a bug and says in its docstring why
that instant is awkward. America/Chicago springs forward at 02:00 on 2027-03-14 (02:00 to
03:00 does not exist) and falls back at 02:00 on 2026-11-01 (01:00 to 02:00 happens twice).
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from programs.models import EngagementType
from programs.structured import services_cohorts
from programs.structured import services_volunteers as services
from programs.structured.forms_volunteers import HoursForm
from programs.structured.models_volunteers import HoursEntry
from tests.factories import CohortFactory, ProgramFactory
from tests.programs.structured.test_volunteers import build_world

pytestmark = pytest.mark.django_db

CHICAGO = ZoneInfo("America/Chicago")
SPRING_FORWARD_EVENING = datetime(2027, 3, 14, 20, 0, tzinfo=CHICAGO)
FALL_BACK_EVENING = datetime(2026, 11, 1, 20, 0, tzinfo=CHICAGO)
AFTER_A_LEAP_DAY = datetime(2028, 3, 1, 0, 30, tzinfo=CHICAGO)
BEFORE_FALL_BACK = datetime(2026, 10, 20, 12, 0, tzinfo=CHICAGO)


def hours_form(day, start: str, end: str) -> HoursForm:
    return HoursForm({"date": day.isoformat(), "start": start, "end": end})


def log_through_the_form(volunteer, day, start: str, end: str) -> HoursEntry:
    """What the volunteer's page does: the form turns a day and two times into instants."""
    form = hours_form(day, start, end)
    assert form.is_valid(), form.errors
    return services.log_hours(volunteer=volunteer, **form.hours_kwargs())


# --- Hours ----------------------------------------------------------------------------


def test_hours_typed_in_the_skipped_hour_are_refused_not_a_server_error(alice):
    """2027-03-14, spring forward: 02:00 that night does not exist. The form says so, and
    the service refuses 02:00-03:00 read naively (the same instant twice, an entry of no
    time at all) instead of letting the database's end-after-start check fail."""
    with time_machine.travel(SPRING_FORWARD_EVENING, tick=False):
        world = build_world(alice)

        form = hours_form(SPRING_FORWARD_EVENING.date(), "02:00", "03:00")
        assert not form.is_valid()
        assert "does not exist on that day" in form.errors["start"][0]
        assert "end" not in form.errors
        with pytest.raises(ValidationError, match="after the start"):
            services.log_hours(
                volunteer=world.vera,
                started_at=datetime(2027, 3, 14, 2, 0, tzinfo=CHICAGO),
                ended_at=datetime(2027, 3, 14, 3, 0, tzinfo=CHICAGO),
            )

    assert not HoursEntry.objects.exists()


def test_hours_in_the_hour_that_happens_twice_are_read_as_the_first(alice):
    """2026-11-01, fall back: 01:00-01:30 happens twice; like a calendar, the form reads the
    first, in daylight time, instead of refusing a time that really happened."""
    with time_machine.travel(FALL_BACK_EVENING, tick=False):
        world = build_world(alice)
        entry = log_through_the_form(world.vera, FALL_BACK_EVENING.date(), "01:00", "01:30")

    entry.refresh_from_db()
    assert entry.started_at == datetime(2026, 11, 1, 6, 0, tzinfo=UTC)
    assert entry.ended_at == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)


def test_the_sixteen_hour_limit_counts_the_extra_hour_of_fall_back_day(alice):
    """2026-11-01, fall back: midnight to 16:00 on the clock is 17 hours of work, which the
    limit refuses, as the totals would count 17 hours."""
    with time_machine.travel(FALL_BACK_EVENING, tick=False):
        world = build_world(alice)

        with pytest.raises(ValidationError, match="16 hours"):
            log_through_the_form(world.vera, FALL_BACK_EVENING.date(), "00:00", "16:00")

    assert not HoursEntry.objects.exists()


def test_the_sixteen_hour_limit_counts_the_lost_hour_of_spring_forward_day(alice):
    """2027-03-14, spring forward: midnight to 16:30 on the clock is 15.5 hours of work, so
    it is within the limit and is counted as 15.5 hours."""
    with time_machine.travel(SPRING_FORWARD_EVENING, tick=False):
        world = build_world(alice)

        entry = log_through_the_form(world.vera, SPRING_FORWARD_EVENING.date(), "00:00", "16:30")

    entry.refresh_from_db()
    assert entry.hours == 15.5


def test_a_day_more_than_five_years_ago_is_refused_the_day_after_a_leap_day(db):
    """2028-03-01 00:30: five years back is 2023-03-01; counting 366 days a year instead
    let 2023-02-26 to 2023-02-28 through."""
    with time_machine.travel(AFTER_A_LEAP_DAY, tick=False):
        too_old = hours_form(date(2023, 2, 28), "09:00", "12:00")
        five_years = hours_form(date(2023, 3, 1), "09:00", "12:00")

        assert not too_old.is_valid()
        assert "more than five years ago" in str(too_old.errors["date"])
        assert five_years.is_valid(), five_years.errors


# --- Cohorts --------------------------------------------------------------------------


def test_a_session_over_the_fall_back_night_lasts_its_length(alice):
    """Saturday 2026-10-31 23:00: a three-hour ride-along session ends at the second 01:00,
    not at 02:00 on the clock, which would be four hours after it began."""
    with time_machine.travel(BEFORE_FALL_BACK, tick=False):
        program = ProgramFactory(
            engagement_type=EngagementType.objects.get(slug="citizen-police-academy"),
            owner=alice,
        )
        cohort = CohortFactory(program=program, name="Fall 2026")

        sessions = services_cohorts.add_sessions(
            cohort=cohort,
            first_start=datetime(2026, 10, 24, 23, 0, tzinfo=CHICAGO),
            duration_minutes=180,
            count=2,
            venue_name="Headquarters",
            user=alice,
        )

    for session in sessions:
        session.refresh_from_db()
        assert session.ends_at - session.starts_at == timedelta(hours=3)
    assert sessions[1].starts_at == datetime(2026, 10, 31, 23, 0, tzinfo=CHICAGO)
