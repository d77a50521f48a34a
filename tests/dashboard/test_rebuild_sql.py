"""The set-based rebuild (INSERT … SELECT) and the rollups the pages read.

`rebuild()` writes every summary with one statement per table (per kind for
participation) on PostgreSQL and SQLite alike; the services refresh one bucket at a time.
These tests build a small city through factories, then compare the two ways, table by
table, rollups included, and check the rollups against the tables they roll up.
"""

import itertools
from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db.models import Count, Sum, Value

from events.models import Event, Registration
from programs.dashboard import selectors_overview, services, uniques
from programs.dashboard.models import (
    DemographicArea,
    DemographicDay,
    EventSummary,
    ParticipationDay,
    ParticipationDayArea,
    ParticipationDayType,
    ParticipationMonthArea,
    ParticipationMonthType,
    PersonnelDay,
    ReachDay,
    ReachGap,
    ReachLastSeen,
    StandardAnswerArea,
    StandardAnswerMonth,
    StandardAnswerSurveyMonth,
)
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_overview import participation_sums
from programs.models import EngagementType, Program
from programs.sources import SOURCES
from surveys.models import Answer, Question, Response, StandardItem, Survey
from tests.ledger import summarise

from ..factories import AccommodationRequestFactory, ResidentFactory, SurveyFactory
from .summary_tables import COLUMNS, snapshot
from .test_overview import city


def _standard_answers(town) -> None:
    """Answers to two standard questions from two surveys of one program, over two months
    and both neighbourhoods (and none), written as rows (the services are not called)."""
    trust = StandardItem.objects.get(key="trust-neighbourhood")
    fair = StandardItem.objects.get(key="fair-treatment")
    for index, mode in enumerate(("identified", "anonymous")):
        survey = SurveyFactory(program=town.surveys, mode=mode)
        questions = [
            Question.objects.create(
                survey=survey, kind=it.kind, text=it.text, standard_item=it, position=p
            )
            for p, it in enumerate((trust, fair))
        ]
        for offset in (2, 35):
            for hood in (town.north, town.south, None):
                for value in (2, 4, 5):
                    response = Response.objects.create(
                        survey=survey,
                        language="en",
                        source="web",
                        submitted_on=town.start + timedelta(days=offset + index),
                        neighbourhood=hood,
                    )
                    Answer.objects.bulk_create(
                        [
                            Answer(response=response, question=questions[0], number=value),
                            Answer(response=response, question=questions[1], number=6 - value),
                        ]
                    )


def refresh_every_bucket() -> None:
    """Empty every summary, then refresh it bucket by bucket through the services."""
    for model in COLUMNS:
        model.objects.all().delete()
    buckets = set()
    for source in SOURCES:
        buckets.update(
            source.aggregate(source.on_days(None, None), ("_program", "_day")).values_list(
                "_program", "_day"
            )
        )
    for program_id, day in sorted(buckets, key=lambda b: (b[0] or 0, b[1])):
        services.participation_changed(program_id, day)
    for event in Event.objects.all():
        services.personnel_changed(event)
    for survey_id, day, hood in (
        Response.objects.values_list("survey_id", "submitted_on", "neighbourhood_id")
        .distinct()
        .order_by()
    ):
        services.standard_answers_changed(survey_id, day, hood)
    for survey_id in (
        Survey.objects.filter(invitations__isnull=False).distinct().values_list("pk", flat=True)
    ):
        services.invitations_changed(survey_id)


@pytest.fixture
def town(outreach_unit, alice):
    town = city(outreach_unit, alice)
    _standard_answers(town)
    # Requests on three registrations of the first event, one of them cancelled.
    event = Event.objects.filter(program=town.coffee).order_by("starts_at").first()
    for index, registration in enumerate(event.registrations.order_by("pk")[:3]):
        AccommodationRequestFactory(registration=registration, fulfilled=index == 0)
        if index == 2:
            registration.status = "cancelled"
            registration.save()
    services.rebuild()
    return town


def test_the_rebuild_writes_every_table_and_the_same_rows_twice(town):
    first = snapshot()
    for name in ("ParticipationDay", "ReachDay", "EventSummary", "PersonnelDay"):
        assert first[name], name
    for name in ("StandardAnswerMonth", "StandardAnswerSurveyMonth", "StandardAnswerArea"):
        assert first[name], name
    assert first["ParticipationDayType"] and first["ParticipationDayArea"]
    written = services.rebuild()
    assert snapshot() == first
    assert written["participation"] == ParticipationDay.objects.count()
    assert written["reach"] == ReachDay.objects.count()
    assert written["events"] == Event.objects.count()
    assert written["standard answers"] == StandardAnswerMonth.objects.count()


def test_bucket_by_bucket_refresh_equals_the_rebuild(town):
    rebuilt = snapshot()
    refresh_every_bucket()
    refreshed = snapshot()
    for name, rows in rebuilt.items():
        assert refreshed[name] == rows, name


def test_rollups_are_the_sums_of_the_tables_they_roll_up(town):
    by_type = Counter(
        ParticipationDay.objects.values_list("day", "engagement_type", "tier", "kind")
        .annotate(Count("pk"), Sum("participations"), Sum("people"), Sum("minutes"))
        .order_by()
    )
    assert by_type == rebuilt_rows(ParticipationDayType)
    by_area = Counter(
        ParticipationDay.objects.values_list("day", "neighbourhood")
        .annotate(Sum("participations"), Sum("people"))
        .order_by()
    )
    assert by_area == rebuilt_rows(ParticipationDayArea)
    sums = (Sum("n"), Sum("total"), Sum("total_sq"), Sum("agree"))
    by_survey = Counter(
        StandardAnswerMonth.objects.values_list("month", "item", "survey", "program")
        .annotate(*sums)
        .order_by()
    )
    assert by_survey == rebuilt_rows(StandardAnswerSurveyMonth)
    by_hood = Counter(
        StandardAnswerMonth.objects.values_list("month", "item", "neighbourhood")
        .annotate(*sums)
        .order_by()
    )
    assert by_hood == rebuilt_rows(StandardAnswerArea)


def rebuilt_rows(model) -> Counter:
    return Counter(model.objects.values_list(*COLUMNS[model]))


def test_a_program_that_changes_type_moves_its_rollup_rows(town):
    day = town.start + timedelta(days=4)  # Coffee on Main's first event
    before = ParticipationDayType.objects.filter(day=day).aggregate(n=Sum("people"))["n"]
    academy = EngagementType.objects.get(slug="citizen-police-academy")
    town.coffee.engagement_type = academy
    town.coffee.save()
    services.participation_changed(town.coffee.pk, day)
    rows = ParticipationDayType.objects.filter(day=day)
    assert set(rows.values_list("engagement_type__slug", flat=True)) == {academy.slug}
    assert rows.aggregate(n=Sum("people"))["n"] == before
    test_rollups_are_the_sums_of_the_tables_they_roll_up(town)


def test_a_resident_under_two_neighbourhoods_counts_under_the_same_one_both_ways(town):
    """An identified resident answered two surveys of one program on one day, giving two
    neighbourhoods: the refresh and the rebuild keep the same one (the lowest id)."""
    resident = ResidentFactory(neighbourhood=town.north)
    day = date(2025, 2, 3)
    for hood in (town.south, town.north):
        survey = SurveyFactory(program=town.surveys, mode="identified")
        Response.objects.create(
            survey=survey,
            language="en",
            source="web",
            submitted_on=day,
            neighbourhood=hood,
            resident=resident,
        )
    lowest = min(town.north.pk, town.south.pk)
    services.participation_changed(town.surveys.pk, day)
    refreshed = ReachDay.objects.get(resident=resident, day=day)
    services.rebuild()
    rebuilt = ReachDay.objects.get(resident=resident, day=day)
    assert refreshed.neighbourhood_id == rebuilt.neighbourhood_id == lowest


def test_participation_sums_from_months_and_days_equal_the_daily_rows(town):
    """participation_sums reads ParticipationMonthType's whole months and
    ParticipationDayType's edge days when no program or neighbourhood is chosen, and
    ParticipationDay otherwise: the same sums for every period and filter."""
    measures = ("rows", "participations", "people", "minutes")
    assert ParticipationMonthType.objects.exists()
    checked = 0
    for scope in _scopes(town):
        previous = scope.previous()
        periods = {"now": (scope.start, scope.end), "before": (previous.start, previous.end)}
        for by in ("kind", "engagement_type", None):
            expected: dict = {}
            for name, (start, end) in periods.items():
                rows = ParticipationDay.objects.filter(
                    scope.q(day=None), day__gte=start, day__lte=end
                )
                grouped = rows.values(by) if by else rows.annotate(_all=Value(0)).values("_all")
                for row in grouped.annotate(
                    rows=Count("pk"),
                    participations=Sum("participations"),
                    people=Sum("people"),
                    minutes=Sum("minutes"),
                ).order_by():
                    key = row[by] if by else None
                    totals = expected.setdefault(
                        key, {f"{m}_{n}": 0 for n in periods for m in measures}
                    )
                    for measure in measures:
                        totals[f"{measure}_{name}"] = row[measure] or 0
            expected = {k: v for k, v in expected.items() if any(v.values())}
            got = participation_sums(scope, periods, by, measures)
            assert {k: v for k, v in got.items() if any(v.values())} == expected, (scope, by)
            checked += bool(expected)
    assert checked > 40


def _distinct(scope, **extra) -> int:
    return len(set(ReachDay.objects.filter(scope.q(), **extra).values_list("resident", flat=True)))


def _scopes(town):
    """Periods of every length around the data, with each kind of filter."""
    academy = EngagementType.objects.get(slug="citizen-police-academy")
    tier = academy.tier
    periods = [
        (town.start + timedelta(days=first), town.start + timedelta(days=first + days))
        for first, days in itertools.product((-40, -20, -1, 0, 3, 11, 19), (1, 5, 12, 30, 90))
    ]
    # Whole months, and from or to a month's edge (the grains of reach_gaps.py).
    periods += [
        (date(2024, 2, 1), date(2024, 2, 29)),
        (date(2024, 2, 1), date(2024, 4, 30)),
        (date(2024, 1, 1), date(2024, 3, 31)),
        (date(2024, 3, 1), date(2024, 3, 15)),
        (date(2024, 2, 10), date(2024, 3, 31)),
        (date(2024, 3, 16), date(2024, 3, 16)),
        (date(2019, 1, 1), date(2030, 12, 31)),
    ]
    for start, end in periods:
        base = Scope(start=start, end=end)
        yield base
        yield replace(base, tier=tier)
        yield replace(base, engagement_type=academy)
        yield replace(base, neighbourhood=town.north)
        yield replace(base, program=town.coffee)
        yield replace(base, tier=tier, neighbourhood=town.south)


def test_unique_residents_equal_a_distinct_count_for_any_period_and_filter(town):
    # More than one reach day per resident, across programs, tiers and neighbourhoods.
    services.rebuild()
    for scope in _scopes(town):
        assert uniques.residents(scope) == _distinct(scope), scope
        located = replace(scope, neighbourhood=None)
        assert uniques.located_residents(scope) == _distinct(
            located, neighbourhood__isnull=False
        ), scope
        for field in ("tier", "engagement_type_id", "neighbourhood_id"):
            expected = {}
            for value in ReachDay.objects.filter(scope.q()).values_list(field, flat=True):
                expected[value] = _distinct(scope, **{field: value})
            assert uniques.residents_by(scope, field) == expected, (scope, field)
    previous = town.scope.previous()
    both = uniques.residents_in_periods(
        town.scope, now=(town.scope.start, town.scope.end), before=(previous.start, previous.end)
    )
    assert both == {"now": _distinct(town.scope), "before": _distinct(previous)}


def test_the_gap_tables_follow_each_change_and_stay_small(town):
    """Removing and restoring a resident's middle day moves their gaps and last day, and
    the tables equal a rebuild after each step; rows that fall to zero are deleted."""
    resident = town.residents[0]
    days = sorted(set(ReachDay.objects.filter(resident=resident).values_list("day", flat=True)))
    middle = ReachDay.objects.filter(resident=resident, day=days[1]).first()
    registrations = Registration.objects.filter(
        resident=resident, event__program_id=middle.program_id
    )
    statuses = dict(registrations.values_list("pk", "status"))
    registrations.update(status="cancelled")
    services.participation_changed(middle.program_id, middle.day)
    kept = snapshot()
    services.rebuild()
    assert snapshot() == kept
    for pk, status in statuses.items():
        Registration.objects.filter(pk=pk).update(status=status)
    services.participation_changed(middle.program_id, middle.day)
    kept = snapshot()
    services.rebuild()
    assert snapshot() == kept
    assert not ReachLastSeen.objects.filter(residents__lte=0).exists()
    assert not ReachGap.objects.filter(links__lte=0).exists()


def test_the_chains_follow_a_change_in_the_middle_of_a_residents_history(town):
    """Removing a resident's middle day relinks the next row to the day before it."""
    resident = town.residents[0]  # took part on several days
    days = sorted(set(ReachDay.objects.filter(resident=resident).values_list("day", flat=True)))
    assert len(days) >= 3, days
    middle = ReachDay.objects.filter(resident=resident, day=days[1]).first()
    Registration.objects.filter(resident=resident, event__program_id=middle.program_id).update(
        status="cancelled"
    )
    for row in ReachDay.objects.filter(resident=resident, day=days[1]):
        services.participation_changed(row.program_id, row.day)
    refreshed = snapshot()["ReachDay"]
    services.rebuild()
    assert snapshot()["ReachDay"] == refreshed


@pytest.mark.parametrize("days", [30, 400])
def test_active_programs_per_type_are_the_same_both_ways(town, monkeypatch, days):
    scope = replace(town.scope, start=town.scope.end - timedelta(days=days - 1))

    def programs():
        return [
            (row.engagement_type.pk, row.programs.value)
            for block in selectors_overview.spectrum(scope).tiers
            for row in block.types
        ]

    monkeypatch.setattr(selectors_overview, "SHORT_PERIOD", 10_000)
    distinct = programs()
    monkeypatch.setattr(selectors_overview, "SHORT_PERIOD", 0)
    assert programs() == distinct
    assert any(n for _type, n in distinct)


def test_people_by_group_read_from_months_and_days_equal_the_daily_rows(town):
    """compare() sums DemographicArea's whole months and edge days when no tier, type or
    program is chosen: the same people as DemographicDay over the period, for periods
    inside one month, across months, on month edges, and for one neighbourhood."""
    from programs.dashboard.demographics import _people_rows

    assert DemographicDay.objects.exists()
    assert DemographicArea.objects.filter(fine=False).exists()

    def by_group(rows):
        return {
            (category, group): n
            for category, group, n in rows.values_list("category", "group")
            .annotate(n=Sum("people"))
            .order_by()
        }

    checked = 0
    for scope in _scopes(town):
        if scope.tier or scope.engagement_type or scope.program:
            continue
        area = _people_rows(scope)
        assert area.model is DemographicArea
        expected = by_group(DemographicDay.objects.filter(scope.q()))
        assert by_group(area) == expected, scope
        checked += bool(expected)
    assert checked > 20
    assert _people_rows(replace(town.scope, program=town.coffee)).model is DemographicDay


def test_people_by_neighbourhood_from_months_and_days_equal_the_daily_rows(town):
    from programs.dashboard.selectors_overview import people_by_area

    assert ParticipationMonthArea.objects.exists()
    checked = 0
    for scope in _scopes(town):
        previous = scope.previous()
        periods = {"now": (scope.start, scope.end), "before": (previous.start, previous.end)}
        expected: dict = {}
        for name, (start, end) in periods.items():
            rows = ParticipationDay.objects.filter(
                scope.q(day=None, with_neighbourhood=False), day__gte=start, day__lte=end
            )
            for hood, n in rows.values_list("neighbourhood").annotate(Sum("people")).order_by():
                expected.setdefault(hood, dict.fromkeys(periods, 0))[name] = n
        assert people_by_area(scope, periods) == expected, scope
        checked += bool(expected)
    assert checked > 20


def test_a_program_moved_to_another_type_moves_its_summaries(town, alice):
    """Editing a program's engagement type (another tier too) recomputes every summary
    row of it: the same tables as a rebuild, and the dashboards count it under the new
    type from then on."""
    from programs import services as program_services

    patrol = EngagementType.objects.get(slug="citizen-police-academy")
    assert town.coffee.engagement_type_id != patrol.pk
    assert ParticipationDay.objects.filter(program=town.coffee).exists()

    class Form:  # what update_program uses of a valid ProgramForm
        instance = town.coffee

        def save(self):
            Program.objects.filter(pk=town.coffee.pk).update(engagement_type=patrol)
            return Program.objects.get(pk=town.coffee.pk)

    program_services.update_program(form=Form(), user=alice)
    summarise()
    for model in (ParticipationDay, ReachDay, EventSummary, DemographicDay):
        types = set(
            model.objects.filter(program=town.coffee).values_list("engagement_type", flat=True)
        )
        assert types == {patrol.pk}, model
    tiers = set(PersonnelDay.objects.filter(program=town.coffee).values_list("tier", flat=True))
    assert tiers <= {patrol.tier.number}
    kept = snapshot()
    services.rebuild()
    assert snapshot() == kept


def test_programs_active_per_type_along_their_chains_equal_the_periods_rows(town):
    """The spectrum's and the principles' programs active in a period, counted from
    the gap tables (chain 5), equal the programs with participation or an event not
    cancelled in the period, for every period and filter of _scopes."""
    from programs.dashboard.selectors_principles import active_programs

    checked = 0
    for scope in _scopes(town):
        counted = uniques.programs_by_type(scope)
        if scope.program or scope.neighbourhood:
            assert counted is None
            continue
        expected: dict = {}
        for type_id in active_programs(scope).values_list("engagement_type", flat=True):
            expected[type_id] = expected.get(type_id, 0) + 1
        assert counted == expected, scope
        checked += bool(expected)
    assert checked > 20


def test_an_event_alone_makes_its_program_active_and_cancelling_it_undoes_that(town, alice):
    from events import services as event_services

    from ..factories import EventFactory, ProgramFactory
    from .test_overview import at

    quiet = ProgramFactory(engagement_type=EngagementType.objects.get(slug="town-hall-meetings"))
    day = town.start + timedelta(days=3)
    event = EventFactory(program=quiet, starts_at=at(day, 18), ends_at=at(day, 19))
    services.event_changed(event, participation=False)  # as creating an event does
    scope = replace(town.scope, engagement_type=quiet.engagement_type)
    assert uniques.programs_by_type(scope) == {quiet.engagement_type_id: 1}
    event_services.cancel_event(event=event, reason="Storm")
    summarise()
    assert uniques.programs_by_type(scope) == {}
    kept = snapshot()
    services.rebuild()
    assert snapshot() == kept
