"""Every figure of the dashboards on the demo data set, in a form that names no database id
and no page layout, so that two versions of the code can be compared on it (issue 15:
the old code kept the summaries inline in each service; the new one derives them from the
participation ledger).

This file is both the collector that test_old_and_new_figures.py imports and the script
that wrote golden/demo_figures.json from the old code. It imports nothing of the project
at its top, and finds what moved by app label or by trying both places, so that it runs
in either checkout:

    cd <checkout> && DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> \\
        <venv>/bin/python <this file> --write <json file> [--whole]

As a script it creates and drops a test database (test_<name>, as pytest-django does),
pins the clock at INSTANT, plays the demo loudly inside a transaction that it rolls back,
and writes the figures.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import date, datetime, timedelta
from importlib import import_module
from unittest import mock

# The instant the demo is played and read at (TIME_ZONE), with the clock stopped.
INSTANT = "2026-11-20T10:00"
COMMAND_STAFF = "command@example.org"

# The demo's first events are about a year back; its last upcoming ones weeks ahead.
YEAR_BACK, DAYS_AHEAD = 400, 60
# Besides the default period and the whole year, each export is fetched for the year with
# each tier, and with these neighbourhoods, engagement types and programs (natural keys).
NEIGHBOURHOODS = ("eg", "ot", "wb")
TYPES = ("community-surveys", "volunteer-opportunities")
PROGRAMS = ("citizen-academy-spring", "citizen-review-board")
MONTHS = 14  # of the monthly report, back from the current one

# A path segment that core.tokens.new_public_id could have made.
PUBLIC_ID = re.compile(r"(?<=/)[A-Za-z0-9_-]{11}(?=/|$)")


# --- Playing the demo loudly -------------------------------------------------------------

# The steps of the demo (activity.build_activity), in its order, as (the demo's module,
# name): "" is the activity module itself.
STEPS = (
    ("events", "Calendar.coffee"),
    ("events", "Calendar.porches"),
    ("events", "Calendar.town_halls"),
    ("events", "Calendar.listening"),
    ("events", "Calendar.press"),
    ("events", "Calendar.training"),
    ("events", "Calendar.upcoming"),
    ("events", "resident_requests"),
    ("surveys", "trust_survey"),
    ("selection", "academy"),
    ("selection", "explorers"),
    ("volunteers", "roster"),
    ("groups", "standing_groups"),
    ("information", "answer"),
    ("information", "announce"),
    ("information", "partnerships"),
    ("", "confirm_claims"),
)
# The steps left out unless the whole demo is asked for: the four calendars of events
# with the most registrations, and the recommendations that follow from one of them.
# What is left records every kind of fact the whole demo records (registrations, seats,
# events held with walk-ins and no-shows, staff, other participation, volunteer hours,
# survey responses, invitations sent and used, residents who moved) in every tier, in
# about a third of the time.
SKIPPED = STEPS[:4] + (("information", "answer"),)


def _demo_activity():
    """The demo's activity module: in engagement_portal/demo/loader since the move, in
    the management command's own package before it."""
    for name in (
        "engagement_portal.demo.loader.activity",
        "engagement_portal.core.management.demo.activity",
    ):
        try:
            return import_module(name)
        except ModuleNotFoundError:
            continue
    raise ModuleNotFoundError("the demo loader's activity module")


def _ledger_refresh():
    """The ledger's refresh (new code), or None where services keep summaries inline."""
    try:
        return import_module("programs.dashboard.refresh").refresh_summaries
    except ModuleNotFoundError:
        return None


def _skipped(*args, **kwargs) -> list:
    return []


def _summarised_after(step, refresh):
    """The step, then the ledger's refresh, as the periodic sweep would have run it
    between one part of the year and the next."""

    def played(*args, **kwargs):
        result = step(*args, **kwargs)
        refresh()
        return result

    return played


@contextmanager
def _played_loudly(*, whole: bool) -> Iterator[None]:
    """The demo's `played_quietly` without its quiet part: it still asks for no sending
    of messages, but every write keeps the summaries as it does for staff, and no full
    rebuild follows. In the old code, each service keeps them inline; in the new, each
    records facts and the ledger's refresh summarises them after each step of the demo
    (and after the commit), so that later facts land on buckets already summarised, as
    they do in production. Unless `whole`, the steps in SKIPPED do nothing."""
    activity = _demo_activity()
    speed = sys.modules[activity.played_quietly.__module__]
    refresh = _ledger_refresh()

    @contextmanager
    def loud() -> Iterator[None]:
        with ExitStack() as stack:
            for module in speed.SENDERS:
                stack.enter_context(mock.patch.object(module, "start_sending", speed._later))
            yield

    with ExitStack() as stack:
        stack.enter_context(mock.patch.object(activity, "played_quietly", loud))
        stack.enter_context(mock.patch.object(activity, "rebuild", dict))
        for module, name in STEPS:
            owner = getattr(activity, module) if module else activity
            *path, attribute = name.split(".")
            for part in path:
                owner = getattr(owner, part)
            if not whole and (module, name) in SKIPPED:
                stack.enter_context(mock.patch.object(owner, attribute, _skipped))
            elif refresh is not None:
                step = _summarised_after(getattr(owner, attribute), refresh)
                stack.enter_context(mock.patch.object(owner, attribute, step))
        yield


def play_demo_loudly(*, whole: bool = False, stdout=None) -> None:
    """`manage.py seed_demo` (without the steps in SKIPPED unless `whole`) with the
    summaries kept by the write path. Call it inside a transaction that is rolled back,
    with the clock pinned; `stdout` gets the demo's own timings and the refresh's."""
    from celery import current_app
    from django.core.management import call_command
    from django.test import TestCase

    out = stdout or io.StringIO()
    # Every app's tasks, registered as a worker registers them when it starts: the new
    # code queues some after commit by name (core/jobs.py), and a name whose module no
    # one imported yet is not registered in this process.
    current_app.loader.import_default_modules()
    # The command commits once, at its end. What it asked to run after the commit runs
    # then: the survey invitations' runner, and in the new code the ledger's refresh.
    with TestCase.captureOnCommitCallbacks(execute=True):
        with _played_loudly(whole=whole):
            call_command("seed_demo", force=True, stdout=out)
        committed = time.monotonic()
    out.write(f"after the commit: {time.monotonic() - committed:.1f} s\n")
    refresh = _ledger_refresh()
    if refresh is not None:
        # The refresh's periodic sweep. The invitations' runner records facts after the
        # commit; in production its own commit announces them, and here nothing commits.
        out.write(f"the sweep summarised {refresh()} more facts\n")


# --- Natural keys ------------------------------------------------------------------------


def _iso(value):
    if isinstance(value, datetime):
        from django.utils import timezone

        return timezone.localtime(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class Keys:
    """The ids of the rows that summary tables and exports point at, mapped to what names
    those rows in any database: slugs, codes, emails, titles with times."""

    def __init__(self) -> None:
        from django.apps import apps

        def named(model: str, rows) -> dict:
            names = dict(rows)
            distinct = {json.dumps(name, sort_keys=True) for name in names.values()}
            assert len(distinct) == len(names), f"two {model} rows share a natural key"
            return names

        def values(app: str, model: str, *fields: str):
            return apps.get_model(app, model).objects.values_list("pk", *fields)

        self.by_model = {
            "Program": named("Program", values("programs", "Program", "slug")),
            "EngagementType": named("EngagementType", values("programs", "EngagementType", "slug")),
            "Neighbourhood": named("Neighbourhood", values("accounts", "Neighbourhood", "code")),
            "User": named("User", values("accounts", "User", "email")),
            "StandardItem": named("StandardItem", values("surveys", "StandardItem", "key")),
            "Resident": named(
                "Resident",
                (
                    (pk, [name, email, phone, provisional is not None])
                    for pk, name, email, phone, provisional in values(
                        "accounts",
                        "Resident",
                        "name",
                        "email_normalised",
                        "phone_normalised",
                        "provisional_for",
                    )
                ),
            ),
            "Event": named(
                "Event",
                (
                    (pk, [program, title, _iso(starts_at)])
                    for pk, program, title, starts_at in values(
                        "events", "Event", "program__slug", "title", "starts_at"
                    )
                ),
            ),
            "Survey": named(
                "Survey",
                (
                    (pk, [program, title, _iso(opens_at)])
                    for pk, program, title, opens_at in values(
                        "surveys", "Survey", "program__slug", "title", "opens_at"
                    )
                ),
            ),
        }
        self.pk_of = {
            model: {json.dumps(name): pk for pk, name in names.items()}
            for model, names in self.by_model.items()
        }
        self.tiers = sorted(
            set(apps.get_model("programs", "Tier").objects.values_list("number", flat=True))
        )

    def of(self, model: str, pk):
        return None if pk is None else self.by_model[model][pk]

    def pk(self, model: str, name) -> int:
        return self.pk_of[model][json.dumps(name)]

    def area(self, area: int):
        """DemographicArea's and ParticipationMonthArea's `area`: a neighbourhood, 0 for
        none recorded, -1 for the whole city."""
        return area if area in (0, -1) else self.of("Neighbourhood", area)

    def chain_key(self, chain: int, key: int):
        """ReachLastSeen's and ReachGap's `key`, by chain (reach_gaps.CHAINS): a type for
        chains 2 and 5, a neighbourhood (0: none) for 3, a tier for 1, 0 otherwise."""
        if chain in (2, 5):
            return self.of("EngagementType", key)
        if chain == 3 and key:
            return self.of("Neighbourhood", key)
        return key

    def public(self, public_id: str) -> str:
        """What a public id names: its model and the row's own name."""
        from django.apps import apps

        for model in apps.get_models():
            if any(f.name == "public_id" for f in model._meta.concrete_fields):
                row = model.objects.filter(public_id=public_id).first()
                if row is not None:
                    return f"<{model.__name__} {row}>"
        return public_id

    def links(self, text: str) -> str:
        """A link with its public ids named: they are random, new on every run."""
        if not text.startswith(("/", "http")):
            return text
        return PUBLIC_ID.sub(lambda match: self.public(match[0]), text)


# --- The summary tables ------------------------------------------------------------------


def _sorted(rows: list) -> list:
    return sorted(rows, key=lambda row: json.dumps(row, sort_keys=True))


def summary_tables(keys: Keys) -> dict[str, list]:
    """Every row of every table of the dashboards app, every column but the id, with the
    ids it holds named by natural keys: the column names, then the rows sorted."""
    from django.apps import apps

    tables = {}
    for model in apps.get_app_config("dashboard").get_models():
        fields = [f for f in model._meta.concrete_fields if not f.primary_key]
        columns = [f.attname for f in fields]
        rows = []
        for values in model.objects.values_list(*columns):
            row = dict(zip(columns, values, strict=True))
            for field in fields:
                if field.is_relation:
                    row[field.attname] = keys.of(field.related_model.__name__, row[field.attname])
            if "area" in row:
                row["area"] = keys.area(row["area"])
            if "chain" in row:
                row["key"] = keys.chain_key(row["chain"], row["key"])
            rows.append([_iso(value) for value in row.values()])
        tables[model.__name__] = [columns, *_sorted(rows)]
    return tables


# --- The CSV exports and the open-data files ---------------------------------------------


def _dashboard_module(name: str):
    from django.apps import apps

    return import_module(f"{apps.get_app_config('dashboard').name}.{name}")


def _csv_rows(response, keys: Keys) -> list[list[str]]:
    assert response.status_code == 200, (response.status_code, response.get("Location"))
    text = response.content.decode("utf-8-sig")
    return [[keys.links(cell) for cell in row] for row in csv.reader(io.StringIO(text))]


def scopes(today: date, keys: Keys) -> dict[str, dict[str, str]]:
    """The periods and filters each export is fetched with, named without ids."""
    year = {
        "start": (today - timedelta(days=YEAR_BACK)).isoformat(),
        "end": (today + timedelta(days=DAYS_AHEAD)).isoformat(),
    }
    found = {"default": {}, "year": year}
    for number in keys.tiers:
        found[f"year tier={number}"] = {**year, "tier": str(number)}
    for code in NEIGHBOURHOODS:
        found[f"year neighbourhood={code}"] = {
            **year,
            "neighbourhood": str(keys.pk("Neighbourhood", code)),
        }
    for slug in TYPES:
        found[f"year type={slug}"] = {**year, "type": str(keys.pk("EngagementType", slug))}
    for slug in PROGRAMS:
        found[f"year program={slug}"] = {**year, "program": str(keys.pk("Program", slug))}
    return found


def exports(client, keys: Keys) -> dict:
    """Every table `dashboard:export` serves, for every scope; the monthly report's table
    for each of the last MONTHS months; the open-data files. `client` is signed in as
    command staff."""
    from django.urls import reverse
    from django.utils import timezone

    tables = sorted(_dashboard_module("tables").tables())
    today = timezone.localdate()
    figures: dict = {"tables": tables}
    for scope, params in scopes(today, keys).items():
        for table in tables:
            if table == "monthly-report":
                continue  # one calendar month, whatever the filters: by month below
            url = reverse("dashboard:export", args=[table])
            figures[f"{table} | {scope}"] = _csv_rows(client.get(url, params), keys)
    month = today.replace(day=1)
    for _ in range(MONTHS):
        url = reverse("dashboard:export", args=["monthly-report"])
        figures[f"monthly-report | {month:%Y-%m}"] = _csv_rows(
            client.get(url, {"start": month.isoformat(), "end": month.isoformat()}), keys
        )
        month = (month - timedelta(days=1)).replace(day=1)
    figures["open-data participation.csv"] = _csv_rows(
        client.get(reverse("dashboard:open-data-file", args=["csv"])), keys
    )
    response = client.get(reverse("dashboard:open-data-file", args=["json"]))
    assert response.status_code == 200
    document = json.loads(response.content)
    figures["open-data participation.json rows"] = document.pop("rows")
    figures["open-data participation.json"] = [document]
    return figures


@contextmanager
def _open_data_ties_broken_by_neighbourhood() -> Iterator[None]:
    """Open data protects each (month, tier)'s cells keyed by `id(cell)`, and
    privacy.withhold breaks ties between equal counts by the key's repr: by memory
    address. Two requests can then withhold different cells of the same counts (in the
    demo: Eastgate's and Westbrook's 14 people in tier 3 in 2026-05), in the old code and
    the new alike. Here a cell is keyed by its neighbourhood's code, unique in its
    (month, tier), so that every request gives the same file."""
    module = _dashboard_module("selectors_opendata")
    with mock.patch.object(module, "id", lambda cell: cell.neighbourhood_code, create=True):
        yield


def collect(client) -> dict:
    """The figures of the demo as this checkout's dashboards give them."""
    from django.apps import apps

    client.force_login(apps.get_model("accounts", "User").objects.get(email=COMMAND_STAFF))
    keys = Keys()
    with _open_data_ties_broken_by_neighbourhood():
        return {"summary tables": summary_tables(keys), "exports": exports(client, keys)}


# --- Comparing and storing ---------------------------------------------------------------


def differences(old: dict, new: dict, *, examples: int = 3) -> list[str]:
    """What differs between two collections, table by table: the rows that only one of
    them has (as many times as it has them more), a few of each."""
    found = []
    # The summary tables first: a difference there explains those of the exports.
    for section in sorted(set(old) | set(new), reverse=True):
        before, after = old.get(section, {}), new.get(section, {})
        for name in sorted(set(before) | set(after)):
            if name not in after or name not in before:
                found.append(
                    f"{section} / {name}: only in the {'old' if name in before else 'new'}"
                )
                continue
            rows_before = Counter(json.dumps(row, sort_keys=True) for row in before[name])
            rows_after = Counter(json.dumps(row, sort_keys=True) for row in after[name])
            gone, came = rows_before - rows_after, rows_after - rows_before
            # A summary table's first row names its columns: show each row with them.
            columns = before[name][0] if section == "summary tables" else None

            def shown(row: str, columns=columns) -> str:
                values = json.loads(row)
                return json.dumps(dict(zip(columns, values, strict=True))) if columns else row

            if gone or came:
                found.append(
                    f"{section} / {name}: {sum(gone.values())} rows only in the old, "
                    f"{sum(came.values())} only in the new"
                    + "".join(f"\n    old {shown(row)}" for row in sorted(gone)[:examples])
                    + "".join(f"\n    new {shown(row)}" for row in sorted(came)[:examples])
                )
            elif before[name] != after[name]:
                found.append(f"{section} / {name}: the same rows in another order")
    return found


def dump(figures: dict) -> str:
    """JSON with one row per line, so that a change to the file reads row by row."""
    sections = []
    for section, tables in sorted(figures.items()):
        entries = []
        for name, rows in sorted(tables.items()):
            lines = ",\n".join(json.dumps(row, ensure_ascii=False, sort_keys=True) for row in rows)
            entries.append(f"{json.dumps(name, ensure_ascii=False)}: [\n{lines}\n]")
        sections.append(f"{json.dumps(section)}: {{\n" + ",\n".join(entries) + "\n}")
    return "{\n" + ",\n".join(sections) + "\n}\n"


# --- The script --------------------------------------------------------------------------


def main(argv: list[str]) -> None:
    import argparse
    import logging
    import os

    parser = argparse.ArgumentParser(description="Write the figures of the demo as JSON.")
    parser.add_argument("--write", required=True, help="the JSON file to write")
    parser.add_argument(
        "--whole", action="store_true", help="play the whole demo, SKIPPED steps included"
    )
    args = parser.parse_args(argv)

    # The project is the checkout we run in, not the one this file lives in.
    sys.path[0] = os.getcwd()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engagement_portal.settings")
    import django

    django.setup()
    from zoneinfo import ZoneInfo

    import time_machine
    from django.conf import settings
    from django.db import transaction
    from django.test import Client
    from django.test.utils import (
        override_settings,
        setup_databases,
        setup_test_environment,
        teardown_databases,
        teardown_test_environment,
    )
    from django.utils import translation

    from engagement_portal.celery import app

    logging.getLogger("celery").setLevel(logging.WARNING)  # a line per task otherwise
    # As in tests: pytest-django's environment, and tests/conftest.py's fixtures.
    setup_test_environment(debug=False)
    app.conf.task_always_eager = True
    databases = setup_databases(verbosity=1, interactive=False)
    instant = datetime.fromisoformat(INSTANT).replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    started = time.monotonic()
    try:
        with (
            time_machine.travel(instant, tick=False),
            override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
            transaction.atomic(),
        ):
            translation.activate(settings.LANGUAGE_CODE)
            play_demo_loudly(whole=args.whole, stdout=sys.stdout)
            played = time.monotonic()
            figures = collect(Client())
            transaction.set_rollback(True)
    finally:
        teardown_databases(databases, verbosity=1)
        teardown_test_environment()
    with open(args.write, "w", encoding="utf-8") as out:
        out.write(dump(figures))
    print(
        f"demo played loudly in {played - started:.1f} s, figures collected in "
        f"{time.monotonic() - played:.1f} s: {args.write}"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
