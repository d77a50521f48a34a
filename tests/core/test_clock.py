"""The suite's clock (tests/clock.py): `--as-of`, `@pytest.mark.as_of` and the guard that keeps
the database server's clock out of every query."""

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.db.models.functions import Now
from django.utils import timezone

from engagement_portal.accounts.models import Neighbourhood

from ..clock import parse_instant

CHICAGO = ZoneInfo("America/Chicago")
ROOT = Path(__file__).resolve().parents[2]


def test_a_naive_instant_is_read_in_the_project_time_zone():
    assert parse_instant("2027-12-31T23:30", CHICAGO) == datetime(2028, 1, 1, 5, 30, tzinfo=UTC)


def test_an_instant_with_an_offset_keeps_it():
    assert parse_instant("2028-02-29T20:00+00:00", CHICAGO) == datetime(
        2028, 2, 29, 20, 0, tzinfo=UTC
    )


def test_a_wall_time_that_happens_twice_means_the_first_unless_an_offset_says_otherwise():
    """01:30 on 1 November 2026 happens at 06:30 UTC (daylight time) and again at 07:30."""
    first = parse_instant("2026-11-01T01:30", CHICAGO)
    second = parse_instant("2026-11-01T01:30-06:00", CHICAGO)
    # Python never calls a repeated wall time equal to a time in another zone: compare in UTC.
    assert first.astimezone(UTC) == datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert second.astimezone(UTC) == datetime(2026, 11, 1, 7, 30, tzinfo=UTC)


def test_a_wall_time_that_the_clocks_skip_is_refused_with_a_way_out():
    with pytest.raises(pytest.UsageError, match="does not exist in America/Chicago"):
        parse_instant("2027-03-14T02:30", CHICAGO)


def test_nonsense_is_refused():
    with pytest.raises(pytest.UsageError, match="not an ISO 8601"):
        parse_instant("next tuesday", CHICAGO)


@pytest.mark.as_of("2028-02-29T23:59:30", tick=False)
def test_the_marker_pins_the_clock_in_the_project_time_zone():
    assert timezone.localdate().isoformat() == "2028-02-29"
    assert timezone.now() == datetime(2028, 3, 1, 5, 59, 30, tzinfo=UTC)


@pytest.mark.as_of("2026-11-01T01:30")
def test_the_marker_lets_the_clock_tick_by_default():
    first = timezone.now()
    assert first >= datetime(2026, 11, 1, 6, 30, tzinfo=UTC)
    assert first < datetime(2026, 11, 1, 6, 35, tzinfo=UTC)
    while timezone.now() == first:
        pass


@pytest.mark.django_db
def test_a_query_that_reads_the_database_clock_is_refused():
    """PostgreSQL's now() is the real time whatever the test's clock says: a run as of
    another day would mix two clocks, so the guard fails such a query loudly."""
    Neighbourhood.objects.create(name="Riverside North", code="rn", population=1000)
    with pytest.raises(AssertionError, match="database server's clock"):
        list(Neighbourhood.objects.annotate(at=Now()))
    assert Neighbourhood.objects.filter(name="Riverside North").exists()


def test_the_as_of_option_moves_the_whole_session(tmp_path):
    """A run with --as-of sees that instant in its tests (clock_probe.py, named on the command
    line because its name keeps it out of the ordinary collection)."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "--as-of",
            "2027-12-31T23:30",
            "tests/core/clock_probe.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout
    assert "clock: as of 2027-12-31T23:30:00-06:00" in result.stdout


def test_the_shards_of_a_run_cover_every_test_once():
    """CI's calendar runs each take a third of the tests (tests/shards.py)."""
    from tests.shards import in_shard

    ids = [f"tests/x/test_{n}.py::test_{m}" for n in range(40) for m in range(25)]
    slices = [{i for i in ids if in_shard(i, k, 3)} for k in range(3)]

    assert set().union(*slices) == set(ids)
    assert sum(len(s) for s in slices) == len(ids)
    assert all(len(s) > len(ids) / 4 for s in slices)  # roughly even
