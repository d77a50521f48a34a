"""Dashboards, audit log and ages at the awkward instants of the calendar: late on the last
day of a year or of a leap February (the next day already in UTC), and on 29 February.

Each test pins its own clock, so it holds whatever `--as-of` the session runs at."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from engagement_portal.core.models import AuditLog
from programs.dashboard import selectors_opendata, selectors_report, services
from programs.dashboard.demographics import age_group_on
from programs.dashboard.models import (
    EventSummary,
    ParticipationDay,
    ParticipationMonthArea,
    ParticipationMonthType,
    ReachDay,
)
from programs.dashboard.scope import Scope

from ..factories import AuditLogFactory, EventFactory, RegistrationFactory, ResidentFactory

CHICAGO = ZoneInfo("America/Chicago")
# 05:30 UTC on 1 January 2028: UTC has a new day, month and year that Chicago has not.
NEW_YEARS_EVE_LATE = datetime(2027, 12, 31, 23, 30, tzinfo=CHICAGO)
# 05:30 UTC on 1 March 2028.
LEAP_DAY_LATE = datetime(2028, 2, 29, 23, 30, tzinfo=CHICAGO)


def _days_and_months() -> dict[str, list]:
    return {
        "participation": sorted(ParticipationDay.objects.values_list("day", "people")),
        "reach": sorted(ReachDay.objects.values_list("day", flat=True)),
        "events": sorted(EventSummary.objects.values_list("day", flat=True)),
        "by type": sorted(ParticipationMonthType.objects.values_list("month", "people")),
        "by area": sorted(ParticipationMonthArea.objects.values_list("month", "people")),
    }


@pytest.mark.parametrize(
    "moment", [NEW_YEARS_EVE_LATE, LEAP_DAY_LATE], ids=["new-years-eve", "leap-day"]
)
def test_participation_late_in_the_evening_counts_on_its_local_day(db, moment):
    """23:30 in Chicago is already the next day (and month, or year) in UTC: the refresh
    and the SQL rebuild must both truncate in the agency's zone."""
    with time_machine.travel(moment, tick=False):
        event = EventFactory(starts_at=moment)
        RegistrationFactory(event=event, resident=ResidentFactory(), status="attended")
        services.event_changed(event)
    day = moment.date()
    expected = {
        "participation": [(day, 1)],
        "reach": [day],
        "events": [day],
        "by type": [(day.replace(day=1), 1)],
        "by area": [(day.replace(day=1), 1)],
    }
    assert _days_and_months() == expected
    services.rebuild()
    assert _days_and_months() == expected
    data = selectors_opendata.open_data(today=date(2028, 6, 1))
    assert {cell.month for cell in data.cells} == {day.replace(day=1)}


def test_default_period_is_ninety_days_ending_on_the_local_day():
    """At 23:30 on New Year's Eve UTC is in 2028; the last 90 days still end on 31
    December and count 90 of them."""
    with time_machine.travel(NEW_YEARS_EVE_LATE, tick=False):
        scope = Scope.default()
    assert (scope.start, scope.end, scope.days) == (date(2027, 10, 3), date(2027, 12, 31), 90)
    assert (scope.previous().start, scope.previous().end) == (date(2027, 7, 5), date(2027, 10, 2))


def test_last_full_month_turns_at_local_midnight_not_utc():
    """At 23:30 on New Year's Eve December is not over in Chicago (it is in UTC)."""
    with time_machine.travel(NEW_YEARS_EVE_LATE, tick=False):
        assert selectors_report.last_full_month() == date(2027, 11, 1)
        assert selectors_opendata.last_complete_month() == date(2027, 11, 1)
        assert selectors_report.parse_month("2028-01") is None
    with time_machine.travel(datetime(2028, 1, 1, 0, 30, tzinfo=CHICAGO), tick=False):
        assert selectors_report.last_full_month() == date(2027, 12, 1)
        assert selectors_opendata.last_complete_month() == date(2027, 12, 1)
        assert selectors_report.parse_month("2028-01") == date(2028, 1, 1)


def test_report_month_of_a_leap_february_runs_to_the_29th(db):
    """On 29 February 2028 the report of February ends that day and is still partial; March's
    previous month is February, not 29 January."""
    report = selectors_report.monthly_report(date(2028, 2, 1), today=date(2028, 2, 29))
    assert (report.scope.start, report.scope.end) == (date(2028, 2, 1), date(2028, 2, 29))
    assert report.previous_month == date(2028, 1, 1)
    assert report.partial
    assert selectors_report.previous_month(date(2028, 3, 1)) == date(2028, 2, 1)
    assert selectors_report.month_scope(date(2027, 2, 1)).end == date(2027, 2, 28)


def test_someone_born_on_29_february_comes_of_age_on_1_march_in_common_years():
    """Born 29 February 2008: in 2026 there is no 29 February, so 28 February is still 17
    (as programs.selectors_applications.age_on counts it)."""
    born = date(2008, 2, 29)
    assert age_group_on(born, date(2026, 2, 28)) == "under-18"
    assert age_group_on(born, date(2026, 3, 1)) == "18-34"
    assert age_group_on(date(2010, 2, 28), date(2028, 2, 28)) == "18-34"


def test_audit_log_entry_reads_its_time_in_the_agency_zone(db):
    """An action at 23:30 on New Year's Eve is at 05:30 on 1 January 2028 in UTC, the
    zone the database hands the time back in."""
    with time_machine.travel(NEW_YEARS_EVE_LATE, tick=False):
        entry = AuditLogFactory()
    entry = AuditLog.objects.get(pk=entry.pk)
    assert str(entry).startswith("2027-12-31 23:30 ")
