"""Who takes part, by demographic group: the `DemographicDay` summary and its reading.

The portal asks people about themselves in a few places, always optionally:

- the age group of the person registering for an event (`Registration.age_group`) or
  counted at the door (`WalkIn.age_group`);
- the date of birth on an application to a selective program, which gives the age group
  of that person on the day they attend a session, log volunteer hours or join a group of
  that program;
- demographic questions from the standard bank (`StandardItem.category`, e.g. "age"),
  whose choices carry the group codes, in any survey.

The group codes are those of the same category in the neighbourhoods' demographic shares
(`Neighbourhood.demographics`, e.g. {"age": {"18-34": 0.31, ...}}), so participants can be
set against the population. Everyone counted in `ParticipationDay.people` is counted once
per category in `DemographicDay`: under the group they gave, or under "" ("did not say")
when they did not say or were not asked (the rest of a party, a press question, ...).

Anonymous survey answers reach this summary the way they reach ParticipationDay: only
when published in groups of 10, never in the transaction that stores the response.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from django.db.models import Count, F, Min, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.core.privacy import Figure, count, withhold
from programs.dashboard import counters, grains
from programs.dashboard.models import DemographicArea, DemographicDay, ParticipationDay
from programs.sources import APPLICANT_SOURCES, NOT_SAID, SOURCES, Source, age_group_on

if TYPE_CHECKING:
    from programs.dashboard.scope import Scope

AGE = "age"
BATCH = 5000

# Sources that record the age group of the person registering or counted at the door.
AGE_FIELD_SOURCES = {"event_attendance", "walk_in"}

CATEGORY_LABELS = {AGE: gettext_lazy("Age")}


# --- The categories the portal asks about ----------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    groups: dict[str, str]  # code -> label, in the order they are offered


def categories() -> dict[str, Category]:
    """Every category someone can be asked about: age, and each demographic bank item's."""
    from events.models import AgeGroup
    from surveys.models import StandardItem, pick

    found = {
        AGE: Category(
            AGE,
            str(CATEGORY_LABELS[AGE]),
            {code: str(label) for code, label in AgeGroup.choices if code},
        )
    }
    for item in StandardItem.objects.exclude(category="").order_by("position", "key"):
        groups = {group["code"]: pick(group["label"]) for group in item.groups}
        if item.category in found:
            groups = {**found[item.category].groups, **groups}
            label = found[item.category].label
        else:
            label = str(CATEGORY_LABELS.get(item.category, item.category.capitalize()))
        found[item.category] = Category(item.category, label, groups)
    return found


# --- Who said what, per source --------------------------------------------------------------


def _group_expression(source: Source, category: str):
    """(expression giving the group a row's person gave, converter from its value and the
    day to a group code) — or (None, None) when this source never asks about it."""
    if category == AGE and source.kind in AGE_FIELD_SOURCES:
        return F("age_group"), None
    if source.kind == "survey_response":
        from surveys.models import Answer

        answers = Answer.objects.filter(
            response=OuterRef("pk"),
            declined=False,
            choice__isnull=False,
            question__standard_item__category=category,
        )
        return Subquery(answers.values("choice__code")[:1]), None
    if category == AGE and source.kind in APPLICANT_SOURCES:
        from programs.structured.models_applications import Application

        applications = Application.objects.filter(
            program_id=OuterRef(source.program), resident_id=OuterRef(source.resident)
        ).order_by("-pk")
        return Subquery(applications.values("date_of_birth")[:1]), age_group_on
    return None, None


def asked(source: Source, category: str) -> bool:
    return _group_expression(source, category)[0] is not None


def _disclosed(
    where: Callable[[Source], Q], by: tuple[str, ...], codes: Iterable[str]
) -> dict[tuple, int]:
    """People who gave a group: {(by values..., category, group): people}. One person per
    source row (the person registering, the walk-in who filled the card, the respondent)."""
    result: dict[tuple, int] = defaultdict(int)
    for source in SOURCES:
        for category in codes:
            expression, convert = _group_expression(source, category)
            if expression is None:
                continue
            rows = (
                source.queryset.filter(where(source))
                .annotate(
                    _program=F(source.program),
                    _day=source.day_expression(),
                    _neighbourhood=F(source.neighbourhood) if source.neighbourhood else _null(),
                    _group=expression,
                )
                .filter(_group__isnull=False)
                .values(*dict.fromkeys((*by, "_day", "_group")))
                .annotate(n=Count("pk"))
                .order_by()
            )
            for row in rows.iterator(chunk_size=BATCH):
                group = row["_group"]
                if convert is not None:
                    group = convert(group, _as_date(row["_day"]))
                if group:
                    result[tuple(row[b] for b in by) + (category, group)] += row["n"]
    return result


def _null():
    from django.db.models import IntegerField, Value

    return Value(None, output_field=IntegerField())


def _as_date(value) -> date:
    return value.date() if hasattr(value, "date") and callable(value.date) else value


def _rows(
    people: dict[tuple, int], disclosed: dict[tuple, int], codes: Iterable[str], facts
) -> Iterable[DemographicDay]:
    """Rows for buckets keyed (program, day, neighbourhood): what people said, and the
    rest of the bucket's people under "did not say". `disclosed` is keyed by the bucket
    followed by (category, group)."""
    given: dict[tuple, dict[str, dict[str, int]]] = defaultdict(lambda: defaultdict(dict))
    for (*bucket, category, group), n in disclosed.items():
        given[tuple(bucket)][category][group] = n
    for key, total in people.items():
        program_id, day, neighbourhood_id = key
        type_id, tier = facts[program_id]
        common = {
            "day": day,
            "program_id": program_id,
            "engagement_type_id": type_id,
            "tier": tier,
            "neighbourhood_id": neighbourhood_id,
        }
        for category in codes:
            groups = given.get(key, {}).get(category, {})
            for group, n in groups.items():
                yield DemographicDay(**common, category=category, group=group, people=n)
            rest = total - sum(groups.values())
            if rest > 0:
                yield DemographicDay(**common, category=category, group=NOT_SAID, people=rest)


# --- Keeping it current ------------------------------------------------------------------


def refresh(program_id: int, day: date, facts: tuple[int, int], people: dict) -> None:
    """Recompute one (program, day) bucket. `people` is {neighbourhood: people} as just
    written to ParticipationDay, all kinds together. Called by
    services.participation_changed, in its transaction and under its lock."""
    bucket = DemographicDay.objects.filter(program_id=program_id, day=day)
    before = _area_counts(bucket.values_list("neighbourhood_id", "category", "group", "people"))
    bucket.delete()
    if not people:
        _refresh_area(before, Counter(), day)
        return
    codes = list(categories())
    disclosed = _disclosed(
        lambda source: source.on_days(day, day) & Q(**{source.program: program_id}),
        ("_program", "_neighbourhood"),
        codes,
    )
    disclosed = {(p, day, h, c, g): n for (p, h, c, g), n in disclosed.items()}
    buckets = {(program_id, day, hood): n for hood, n in people.items() if n}
    rows = DemographicDay.objects.bulk_create(
        _rows(buckets, disclosed, codes, {program_id: facts}), batch_size=BATCH
    )
    _refresh_area(
        before,
        _area_counts((r.neighbourhood_id, r.category, r.group, r.people) for r in rows),
        day,
    )


# DemographicArea's `area` for the whole city's rows (every neighbourhood, and none).
CITY = -1


def _area_counts(rows) -> Counter:
    counts: Counter = Counter()
    for hood, category, group, n in rows:
        counts[(hood or 0, category, group)] += n
    return counts


def _refresh_area(before: Counter, after: Counter, day: date) -> None:
    """Add one bucket's change to DemographicArea, at both grains."""
    changes = counters.difference(before, after)
    if not changes:
        return
    fields = ["fine", "day", "area", "category", "group"]
    month = day.replace(day=1)
    city: Counter = Counter()  # the whole city's rows (area CITY), for no neighbourhood
    for (_area, category, group), n in changes:
        city[(CITY, category, group)] += n
    changes += [(key, n) for key, n in city.items() if n]
    counters.add(
        DemographicArea,
        fields,
        "people",
        sorted(
            [((True, day, *key), n) for key, n in changes]
            + [((False, month, *key), n) for key, n in changes]
        ),
    )


def rebuild(programs: dict[int, tuple[int, int]]) -> int:
    """Recompute everything from ParticipationDay (already rebuilt) and the sources, one
    year at a time so a city's five years never sit in memory at once."""
    DemographicDay.objects.all().delete()
    span = ParticipationDay.objects.aggregate(first=Min("day"))
    if span["first"] is None:
        return 0
    last_year = ParticipationDay.objects.order_by("-day").values_list("day", flat=True)[0].year
    codes = list(categories())
    written = 0
    for year in range(span["first"].year, last_year + 1):
        first, last = date(year, 1, 1), date(year, 12, 31)
        people = {
            (row["program_id"], row["day"], row["neighbourhood_id"]): row["n"]
            for row in ParticipationDay.objects.filter(day__gte=first, day__lte=last)
            .values("program_id", "day", "neighbourhood_id")
            .annotate(n=Sum("people"))
            .order_by()
            if row["n"]
        }
        disclosed = _disclosed(
            lambda source, first=first, last=last: source.on_days(first, last),
            ("_program", "_day", "_neighbourhood"),
            codes,
        )
        disclosed = {(p, _as_date(d), h, c, g): n for (p, d, h, c, g), n in disclosed.items()}
        written += len(
            DemographicDay.objects.bulk_create(
                _rows(people, disclosed, codes, programs), batch_size=BATCH
            )
        )
    return written


def rebuild_area() -> int:
    """DemographicArea from DemographicDay, one INSERT … SELECT per grain."""
    from django.db.models import BigIntegerField, BooleanField, DateField, Value
    from django.db.models.functions import Coalesce, TruncMonth

    from programs.dashboard.sql import _clear, _compiled, _insert

    _clear(DemographicArea)
    written = 0
    for fine, city in ((True, False), (False, False), (True, True), (False, True)):
        area = (
            Value(CITY, output_field=BigIntegerField())
            if city
            else Coalesce(F("neighbourhood_id"), Value(0), output_field=BigIntegerField())
        )
        grouped = (
            DemographicDay.objects.annotate(
                _fine=Value(fine, output_field=BooleanField()),
                _day=F("day") if fine else TruncMonth("day", output_field=DateField()),
                _area=area,
            )
            .values("_fine", "_day", "_area", "category", "group")
            .annotate(_people=Sum("people"))
            .order_by()
        )
        sql, params = _compiled(grouped)
        written += _insert(
            DemographicArea,
            ["fine", "day", "area", "category", "group", "people"],
            'SELECT s."_fine", s."_day", s."_area", s."category", s."group", s."_people" '
            f"FROM ({sql}) s",
            params,
        )
    return written


# --- Reading it: participants against the population ------------------------------------


@dataclass(frozen=True)
class GroupComparison:
    code: str
    label: str
    population: int | None  # estimated residents (population × share, summed)
    population_share: float | None  # % of the population of the neighbourhoods in scope
    participants: Figure
    participant_share: Figure | None  # % of the participants who said

    @property
    def gap(self) -> float | None:
        """Percentage points above (+) or below (−) the group's share of the population."""
        if (
            self.population_share is None
            or self.participant_share is None
            or self.participant_share.value is None
        ):
            return None
        return self.participant_share.value - self.population_share

    @property
    def gap_text(self) -> str:
        gap = self.gap
        return "" if gap is None else f"{gap:+.1f}"

    @property
    def population_text(self) -> str:
        return "—" if self.population is None else f"{self.population:,}"


@dataclass(frozen=True)
class CategoryComparison:
    code: str
    label: str
    asked: bool  # whether the portal asks participants about it at all
    groups: list[GroupComparison]
    population: int  # of the neighbourhoods in scope
    population_not_recorded: int  # residents of neighbourhoods with no shares for it
    participants: Figure  # everyone who took part
    said: Figure  # participants who gave a group
    not_said: Figure  # participants who did not say (or were not asked)
    not_said_share: Figure | None  # % of all participants

    @property
    def population_not_recorded_text(self) -> str:
        return f"{self.population_not_recorded:,}"

    @property
    def population_not_recorded_share(self) -> float | None:
        if not self.population:
            return None
        return self.population_not_recorded / self.population * 100


def _people_rows(scope: Scope):
    """The rows to sum for the scope: DemographicArea's whole months and the days at
    either end when no tier, type or program is chosen, DemographicDay otherwise."""
    if scope.tier or scope.engagement_type or scope.program:
        return DemographicDay.objects.filter(scope.q())
    months, days = grains.split(scope.start, scope.end).q(month="day", day="day")
    rows = Q(fine=False) & months | Q(fine=True) & days
    area = scope.neighbourhood.pk if scope.neighbourhood else CITY
    return DemographicArea.objects.filter(rows, area=area)


def compare(scope: Scope, neighbourhoods) -> list[CategoryComparison]:
    """Participants against the population for every category the neighbourhoods in scope
    record shares for. Two queries (the bank's demographic items, the summary)."""
    hoods = [h for h in neighbourhoods if scope.neighbourhood is None or h == scope.neighbourhood]
    population = sum(h.population for h in hoods)
    recorded = []
    for hood in hoods:
        for category in hood.demographics or {}:
            if category not in recorded:
                recorded.append(category)
    if not recorded:
        return []
    known = categories()
    people: dict[str, dict[str, int]] = defaultdict(dict)
    for row in (
        _people_rows(scope)
        .filter(category__in=recorded)
        .values("category", "group")
        .annotate(n=Sum("people"))
        .order_by()
    ):
        people[row["category"]][row["group"]] = row["n"] or 0

    result = []
    for code in recorded:
        category = known.get(code)
        totals: dict[str, float] = {}
        not_recorded = 0.0
        for hood in hoods:
            shares = (hood.demographics or {}).get(code) or {}
            for group, share in shares.items():
                totals[group] = totals.get(group, 0.0) + hood.population * share
            not_recorded += hood.population * max(0.0, 1 - sum(shares.values()))
        counts = people.get(code, {})
        said_total = sum(n for group, n in counts.items() if group != NOT_SAID)
        everyone = sum(counts.values())
        # A group hidden as "fewer than 10" must not be recoverable by subtraction from
        # the totals shown: withhold enough other cells with it.
        hidden = withhold(counts) if counts else set()
        # The groups in the order they are offered, then any others by name (PostgreSQL
        # keeps JSON keys in its own order, not the order they were entered in).
        order = list(category.groups) if category else []
        order += sorted(g for g in {*totals, *counts} if g not in order)
        groups = []
        for group in order:
            n = counts.get(group, 0)
            if group == NOT_SAID or (group not in totals and not n):
                continue  # a group nobody lives in (by the shares) and nobody gave
            shown = Figure(None, n) if group in hidden else count(n)
            estimated = totals.get(group)
            groups.append(
                GroupComparison(
                    code=group,
                    label=(category.groups.get(group) if category else None) or group,
                    population=None if estimated is None else round(estimated),
                    population_share=None
                    if estimated is None or not population
                    else estimated / population * 100,
                    participants=shown,
                    participant_share=_share(shown, n, said_total),
                )
            )
        not_said = counts.get(NOT_SAID, 0)
        not_said_figure = Figure(None, not_said) if NOT_SAID in hidden else count(not_said)
        result.append(
            CategoryComparison(
                code=code,
                label=category.label if category else code.capitalize(),
                asked=category is not None,
                groups=groups,
                population=population,
                population_not_recorded=round(not_recorded),
                participants=count(everyone),
                said=Figure(None, said_total) if hidden else count(said_total),
                not_said=not_said_figure,
                not_said_share=_share(not_said_figure, not_said, everyone),
            )
        )
    return result


def _share(shown: Figure, n: int, whole: int) -> Figure | None:
    if not whole:
        return None
    if shown.suppressed or whole < 10:
        return Figure(None, n)
    return Figure(n / whole * 100, n)


def table_rows(data: list[CategoryComparison]) -> tuple[list, list[list]]:
    """The CSV table behind the page's comparison."""
    headers = [
        _("Category"),
        _("Group"),
        _("Estimated residents"),
        _("Share of residents (%)"),
        _("Participants"),
        _("Share of participants who said (%)"),
        _("Difference (percentage points)"),
    ]
    rows = []
    for category in data:
        for group in category.groups:
            rows.append(
                [
                    category.label,
                    group.label,
                    "" if group.population is None else group.population,
                    "" if group.population_share is None else round(group.population_share, 1),
                    group.participants,
                    _rounded(group.participant_share),
                    "" if group.gap is None else round(group.gap, 1),
                ]
            )
        rows.append(
            [
                category.label,
                _("Did not say"),
                "",
                "",
                category.not_said,
                _rounded(category.not_said_share),
                "",
            ]
        )
        if category.population_not_recorded:
            rows.append(
                [
                    category.label,
                    _("Not recorded"),
                    category.population_not_recorded,
                    round(category.population_not_recorded_share or 0, 1),
                    "",
                    "",
                    "",
                ]
            )
    return headers, rows


def _rounded(figure: Figure | None):
    if figure is None:
        return ""
    if figure.value is None:
        return figure
    return Figure(round(figure.value, 1), figure.base)
