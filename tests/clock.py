"""The suite's clock: `pytest --as-of 2027-12-31T23:30` runs the whole session as of that
instant in the project's TIME_ZONE, and the clock keeps ticking from there.

Everything in the test process reads the travelled clock: Django, the live server's threads,
the in-thread Celery worker. PostgreSQL is never asked for its own time: the portal passes
`timezone.now()` to every query that needs it, and `forbid_database_clock` below fails any
statement that reads the server's clock, so that a run as of another day cannot silently mix two
clocks. Tests that are about a particular day pin their own clock with
`@pytest.mark.as_of(...)` or time_machine; a nested travel wins over the session's and returns
to it when it ends.
"""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

_TRAVELLER = pytest.StashKey[time_machine.travel]()
_INSTANT = pytest.StashKey[datetime]()

# What PostgreSQL and SQLite call their own clocks. Django's Now() compiles to
# STATEMENT_TIMESTAMP() on PostgreSQL and CURRENT_TIMESTAMP on SQLite.
DATABASE_CLOCK = re.compile(
    r"\b(now|statement_timestamp|transaction_timestamp|clock_timestamp|timeofday)\s*\("
    r"|\b(current_date|current_time|current_timestamp|localtime|localtimestamp)\b"
    r"|'now'",
    re.IGNORECASE,
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--as-of",
        metavar="INSTANT",
        default=None,
        help=(
            "run the session as of INSTANT (ISO 8601, e.g. 2027-12-31T23:30; a time without "
            "an offset is read in the project's TIME_ZONE); the clock ticks on from there"
        ),
    )


def parse_instant(value: str, zone: ZoneInfo) -> datetime:
    """An aware datetime for `value`; a wall time that the zone skips or repeats is refused
    or resolved to its first occurrence, so that the instant a run names is unambiguous."""
    try:
        instant = datetime.fromisoformat(value)
    except ValueError as error:
        raise pytest.UsageError(f"as of {value!r}: not an ISO 8601 date or time") from error
    if instant.tzinfo is not None:
        return instant.astimezone(zone)
    instant = instant.replace(tzinfo=zone)
    if instant.astimezone(ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != (
        instant.replace(tzinfo=None)
    ):
        raise pytest.UsageError(
            f"as of {value!r}: that wall time does not exist in {zone.key} (the clocks "
            f"skip it); give an offset, e.g. {instant.isoformat()}"
        )
    return instant


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    forbid_database_clock()
    value = config.getoption("as_of")
    if not value:
        return
    from django.conf import settings

    instant = parse_instant(value, ZoneInfo(settings.TIME_ZONE))
    traveller = time_machine.travel(instant, tick=True)
    traveller.start()
    config.stash[_TRAVELLER] = traveller
    config.stash[_INSTANT] = instant


def pytest_unconfigure(config: pytest.Config) -> None:
    traveller = config.stash.get(_TRAVELLER, None)
    if traveller is not None:
        traveller.stop()
        del config.stash[_TRAVELLER]


def pytest_report_header(config: pytest.Config) -> str:
    instant = config.stash.get(_INSTANT, None)
    if instant is None:
        return "clock: the real time (use --as-of INSTANT to run as of another one)"
    return f"clock: as of {instant.isoformat()} ({instant.tzinfo}), ticking"


@pytest.fixture(autouse=True)
def pinned_clock(request: pytest.FixtureRequest):
    """`@pytest.mark.as_of("2026-11-20T10:00")` on a test, a class or a module (`pytestmark`)
    runs it as of that instant, whatever the session's clock; `tick=False` stops the clock.
    Autouse, so it travels before the test's other fixtures build their data."""
    marker = request.node.get_closest_marker("as_of")
    if marker is None:
        yield None
        return
    from django.conf import settings

    instant = parse_instant(marker.args[0], ZoneInfo(settings.TIME_ZONE))
    with time_machine.travel(instant, tick=marker.kwargs.get("tick", True)):
        yield instant


def as_of(config: pytest.Config) -> datetime | None:
    """The instant the session started at, or None at the real time."""
    return config.stash.get(_INSTANT, None)


def _refuse_database_clock(execute, sql, params, many, context):
    if isinstance(sql, str) and DATABASE_CLOCK.search(_without_literals(sql)):
        raise AssertionError(
            "a query read the database server's clock; pass timezone.now() instead, so that "
            f"tests (and --as-of runs) control it:\n{sql}"
        )
    return execute(sql, params, many, context)


def _without_literals(sql: str) -> str:
    """Drop quoted identifiers: a column may be named like a clock function."""
    return re.sub(r'"[^"]*"', '""', sql)


def _guard_connection(sender, connection, **kwargs) -> None:
    if _refuse_database_clock not in connection.execute_wrappers:
        connection.execute_wrappers.append(_refuse_database_clock)


def forbid_database_clock() -> None:
    """Every connection, in every thread (live server, Celery worker), refuses statements
    that read the server's clock."""
    from django.db.backends.signals import connection_created

    connection_created.connect(_guard_connection, dispatch_uid="tests.clock")
