"""Keep the dashboard summaries current.

Services that record participation call `participation_changed(program_id, day)` (or
`event_changed(event)` for anything that changes an event's registrations, walk-ins or
personnel) inside their own transaction. The summary of that one bucket is recomputed from
the source rows, so it can never drift, and doing it twice changes nothing. Buckets are
serialised with a PostgreSQL advisory lock, so concurrent writers to the same program and
day cannot interleave their delete and insert.

The same refresh keeps what the pages read instead of the big tables: the rollups per
day and type and per day and neighbourhood (ParticipationDayType, ParticipationDayArea),
the two rollups of StandardAnswerMonth, and each ReachDay row's previous day for its
resident (the chains uniques.py counts first appearances with).

`rebuild()` recomputes everything, set-based; `manage.py rebuild_dashboard` runs it.
"""

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, DateField, F, Max, Min, Q, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from engagement_portal.core.models import LedgerEntry
from programs.dashboard import counters, demographics, reach_gaps
from programs.dashboard.models import (
    EventSummary,
    ParticipationDay,
    ParticipationDayArea,
    ParticipationDayType,
    ParticipationMonthArea,
    ParticipationMonthType,
    PersonnelDay,
    ProgramDay,
    ReachDay,
    ReachGap,
    ReachLastSeen,
    StandardAnswerArea,
    StandardAnswerMonth,
    StandardAnswerSurveyMonth,
    SurveySummary,
)
from programs.dashboard.sql import _PROGRAM, _clear, _compiled, _insert, _minutes, _table
from programs.sources import SOURCES, minutes_of

BATCH = 5000


def local_day(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date()
    return moment


PARTICIPATION, STANDARD_ANSWERS, INVITATIONS, ROLLUP_DAY, AREA_ANSWERS, RESIDENT = 1, 2, 3, 4, 5, 6
# A program's lock comes before any other of its locks (its days', its residents'): the
# one order that lets two refreshes of the same program never wait on each other.
PROGRAM = 7
# Held by each batch of refresh.refresh_summaries and by rebuild(): one at a time.
REFRESH = 9


def _lock(namespace: int, key: int, day: int = 0) -> None:
    """Serialise writers of one summary bucket until their transaction ends (PostgreSQL;
    SQLite already lets one writer in at a time). One 64-bit key: 4 bits of namespace, 39
    of id, 20 of day ordinal (which stays below 2**20 until the year 2870)."""
    if connection.vendor == "postgresql":
        lock_key = (namespace << 59) | ((key & (2**39 - 1)) << 20) | (day & (2**20 - 1))
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key])


def _program_facts(program_ids: Iterable[int]) -> dict[int, tuple[int, int]]:
    from programs.models import Program

    return {
        pk: (type_id, tier)
        for pk, type_id, tier in Program.objects.filter(pk__in=set(program_ids)).values_list(
            "pk", "engagement_type_id", "engagement_type__tier__number"
        )
    }


# --- Participation and reach per (program, day) -----------------------------------------


@transaction.atomic
def participation_changed(program_id: int | None, day: datetime | date | None) -> None:
    """Recompute the summaries of one program on one day. Call it in the transaction that
    changed a participation row; calling it again changes nothing."""
    if program_id is None or day is None:
        return
    day = local_day(day)
    _lock(PROGRAM, program_id)
    _lock(PARTICIPATION, program_id, day.toordinal())
    facts = _program_facts([program_id]).get(program_id)
    rows, reach = [], {}
    for source in SOURCES if facts else ():
        type_id, tier = facts
        q = source.on_days(day, day) & _program_q(source, program_id)
        for row in source.aggregate(q, ("_neighbourhood",)):
            if not row["participations"]:
                continue  # grouping by a constant gives one empty row over no rows
            rows.append(
                ParticipationDay(
                    day=day,
                    program_id=program_id,
                    engagement_type_id=type_id,
                    tier=tier,
                    neighbourhood_id=row["_neighbourhood"],
                    kind=source.kind,
                    participations=row["participations"],
                    people=row["people"] or 0,
                    minutes=minutes_of(row),
                )
            )
        if source.resident:
            for resident_id, neighbourhood_id in _residents(source, q):
                reach.setdefault(resident_id, neighbourhood_id)
    # Whose rows change: those in the bucket before and after. Their reach chains and
    # their share of the gap tables are recomputed around the change.
    residents = _lock_residents(
        set(
            ReachDay.objects.filter(program_id=program_id, day=day).values_list(
                "resident", flat=True
            )
        )
        | set(reach)
    )
    before = reach_gaps.snapshot(residents)
    ParticipationDay.objects.filter(program_id=program_id, day=day).delete()
    ReachDay.objects.filter(program_id=program_id, day=day).delete()
    ParticipationDay.objects.bulk_create(rows)
    people: dict[int | None, int] = {}
    for row in rows:
        people[row.neighbourhood_id] = people.get(row.neighbourhood_id, 0) + row.people
    demographics.refresh(program_id, day, facts, people)
    if facts:
        type_id, tier = facts
        ReachDay.objects.bulk_create(
            ReachDay(
                day=day,
                program_id=program_id,
                engagement_type_id=type_id,
                tier=tier,
                neighbourhood_id=neighbourhood_id,
                resident_id=resident_id,
            )
            for resident_id, neighbourhood_id in reach.items()
        )
    _refresh_participation_rollups(day)
    _refresh_reach_chains(residents)
    reach_gaps.refresh(before, reach_gaps.snapshot(residents))
    _refresh_program_day(program_id, day, facts)


def _refresh_program_day(program_id: int, day: date, facts: tuple[int, int] | None) -> None:
    """Whether the program was active on the day (participation, or an event of it not
    cancelled); when that changes, its chain of days and its share of the gap tables.
    The caller holds the program's lock."""
    active = facts is not None and (
        ParticipationDay.objects.filter(program_id=program_id, day=day).exists()
        or EventSummary.objects.filter(program_id=program_id, day=day, cancelled=False).exists()
    )
    rows = ProgramDay.objects.filter(program_id=program_id)
    current = rows.filter(day=day).values_list("engagement_type_id", "tier").first()
    if (current == tuple(facts)) if active else current is None:
        return  # the usual case (another registration for a day already counted)
    before = reach_gaps.snapshot_programs([program_id])
    rows.filter(day=day).delete()
    if active:
        type_id, tier = facts
        ProgramDay.objects.create(
            program_id=program_id, day=day, engagement_type_id=type_id, tier=tier
        )
    previous = None
    for pk, row_day, row_previous in rows.order_by("day").values_list("pk", "day", "previous_day"):
        if row_previous != previous:
            ProgramDay.objects.filter(pk=pk).update(previous_day=previous)
        previous = row_day
    reach_gaps.refresh(before, reach_gaps.snapshot_programs([program_id]))


def _program_q(source, program_id: int):
    return Q(**{source.program: program_id})


def _residents(source, q):
    neighbourhood = F(source.neighbourhood) if source.neighbourhood else None
    queryset = source.queryset.filter(q).filter(**{f"{source.resident}__isnull": False})
    if neighbourhood is None:
        return ((r, None) for r in queryset.values_list(source.resident, flat=True).distinct())
    # A resident with rows under several neighbourhoods counts under the lowest id (the
    # rebuild picks the same one).
    return (
        queryset.annotate(_n=neighbourhood)
        .values_list(source.resident, "_n")
        .order_by(source.resident, F("_n").asc(nulls_last=True))
        .distinct()
    )


# Each ReachDay row's previous day in the resident's sequence (by day, then program):
# overall, within the row's tier, type and neighbourhood. Used by the refresh (for a few
# residents) and the rebuild (for all) alike.
_CHAINS = """
    LAG({day}) OVER (PARTITION BY {resident} ORDER BY {day}, {program}) AS "_any",
    LAG({day}) OVER (PARTITION BY {resident}, {tier} ORDER BY {day}, {program}) AS "_tier",
    LAG({day}) OVER (PARTITION BY {resident}, {type} ORDER BY {day}, {program}) AS "_type",
    LAG({day}) OVER (PARTITION BY {resident}, {hood} ORDER BY {day}, {program}) AS "_area",
    CASE WHEN {hood} IS NULL THEN NULL ELSE LAG({day}) OVER (
        PARTITION BY {resident}, {hood} IS NULL ORDER BY {day}, {program}
    ) END AS "_located"
"""


def _lock_residents(resident_ids) -> list[int]:
    """Lock each resident (in id order, so two refreshes cannot wait on each other) for
    the rest of the transaction: another transaction changing the same resident's rows
    in another program commits before this reads them, or waits until this commits."""
    ids = sorted(resident_ids)
    for resident_id in ids:
        _lock(RESIDENT, resident_id)
    return ids


def _refresh_reach_chains(ids: list[int]) -> None:
    """Recompute the previous_* days of these (locked) residents' ReachDay rows. Only
    rows whose chain changed are written."""
    if not ids:
        return
    table = _table(ReachDay)
    chains = _CHAINS.format(
        day='"day"',
        resident='"resident_id"',
        program='"program_id"',
        tier='"tier"',
        type='"engagement_type_id"',
        hood='"neighbourhood_id"',
    )
    marks = ", ".join(["%s"] * len(ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "previous_day" = w."_any", "previous_in_tier" = w."_tier", '
            f'"previous_in_type" = w."_type", "previous_in_area" = w."_area", '
            f'"previous_located" = w."_located" '
            f'FROM (SELECT "id", {chains} FROM {table} WHERE "resident_id" IN ({marks})) w '
            f'WHERE {table}."id" = w."id" AND ({table}."previous_day" IS DISTINCT FROM w."_any" '
            f'OR {table}."previous_in_tier" IS DISTINCT FROM w."_tier" '
            f'OR {table}."previous_in_type" IS DISTINCT FROM w."_type" '
            f'OR {table}."previous_in_area" IS DISTINCT FROM w."_area" '
            f'OR {table}."previous_located" IS DISTINCT FROM w."_located")',
            ids,
        )


def rebuild_reach_chains() -> int:
    """Recompute every ReachDay row's previous_* days and the gap tables from them,
    leaving the other summaries alone (the migration that added the located chain and
    the gap tables runs it). Returns the gap rows written."""
    table = _table(ReachDay)
    chains = _CHAINS.format(
        day='"day"',
        resident='"resident_id"',
        program='"program_id"',
        tier='"tier"',
        type='"engagement_type_id"',
        hood='"neighbourhood_id"',
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE {table} SET "previous_day" = w."_any", "previous_in_tier" = w."_tier", '
            f'"previous_in_type" = w."_type", "previous_in_area" = w."_area", '
            f'"previous_located" = w."_located" '
            f'FROM (SELECT "id", {chains} FROM {table}) w WHERE {table}."id" = w."id"'
        )
    _clear(ProgramDay)
    _rebuild_program_days()
    return reach_gaps.rebuild()


def _refresh_participation_rollups(day: date) -> None:
    """Recompute the rollups of one day (per type and kind, per neighbourhood) from the
    day's ParticipationDay rows: a few hundred rows, whatever the period the pages show.
    The day is locked first, so whoever recomputes last sees every committed change and
    concurrent writers to programs of the same day cannot lose one. All of the day, not
    just one type: a program whose type changed moves its rows to another bucket."""
    _lock(ROLLUP_DAY, 0, day.toordinal())
    by_type = ParticipationDayType.objects.filter(day=day)
    measures = ("rows", "participations", "people", "minutes")
    types_before = {
        tuple(row[:3]): tuple(row[3:])
        for row in by_type.values_list("engagement_type_id", "tier", "kind", *measures)
    }
    by_type.delete()
    areas = ParticipationDayArea.objects.filter(day=day)
    before = Counter(
        {(hood or 0,): people for hood, people in areas.values_list("neighbourhood_id", "people")}
    )
    areas.delete()
    rows = ParticipationDay.objects.filter(day=day)
    types_after = ParticipationDayType.objects.bulk_create(
        ParticipationDayType(day=day, **row)
        for row in rows.values("engagement_type_id", "tier", "kind")
        .annotate(
            rows=Count("pk"),
            participations=Sum("participations"),
            people=Sum("people"),
            minutes=Sum("minutes"),
        )
        .order_by()
    )
    written = ParticipationDayArea.objects.bulk_create(
        ParticipationDayArea(day=day, **row)
        for row in rows.values("neighbourhood_id")
        .annotate(participations=Sum("participations"), people=Sum("people"))
        .order_by()
    )
    after = Counter({(row.neighbourhood_id or 0,): row.people for row in written})
    month = day.replace(day=1)
    counters.add(
        ParticipationMonthType,
        ["month", "engagement_type", "tier", "kind"],
        measures,
        [
            ((month, *key), delta)
            for key, delta in counters.differences(
                types_before,
                {
                    (r.engagement_type_id, r.tier, r.kind): tuple(getattr(r, m) for m in measures)
                    for r in types_after
                },
            )
        ],
    )
    counters.add(
        ParticipationMonthArea,
        ["month", "area"],
        "people",
        [((month, *key), n) for key, n in counters.difference(before, after)],
    )


# --- Events -------------------------------------------------------------------------------


@transaction.atomic
def event_changed(
    event, *, previous_start: datetime | None = None, participation: bool = True
) -> None:
    """Recompute an event's summary; with `participation`, also the participation of its
    day (and of the day it used to be on, when it moved). Registrations, cancellations and
    capacity changes pass participation=False: they change seats, not who took part."""
    from events.models import Event

    event = Event.objects.select_related("program__engagement_type__tier").get(pk=event.pk)
    _lock(PROGRAM, event.program_id)
    _refresh_event_summary(event)
    if not participation:
        # A new event, or one whose seats changed: the program may now be active on its
        # day. Registrations land here one by one, so the usual case (the day is already
        # counted) costs one query; only a change of activity takes the full refresh.
        day = local_day(event.starts_at)
        program = event.program
        facts = (program.engagement_type_id, program.engagement_type.tier.number)
        counted = ProgramDay.objects.filter(
            program_id=program.pk, day=day, engagement_type_id=facts[0], tier=facts[1]
        ).exists()
        if not (counted and event.status != Event.Status.CANCELLED):
            _lock(PARTICIPATION, program.pk, day.toordinal())
            _refresh_program_day(program.pk, day, facts)
        return
    participation_changed(event.program_id, event.starts_at)
    _refresh_personnel(event.program_id, local_day(event.starts_at))
    if previous_start and local_day(previous_start) != local_day(event.starts_at):
        participation_changed(event.program_id, previous_start)
        _refresh_personnel(event.program_id, local_day(previous_start))


@transaction.atomic
def event_deleted(program_id: int, days: Iterable[datetime | date]) -> None:
    """An event was deleted (its summary row went with it): recompute the participation
    and personnel of the days its records counted on."""
    for day in {local_day(day) for day in days}:
        participation_changed(program_id, day)
        _refresh_personnel(program_id, day)


@transaction.atomic
def program_retyped(program_id: int) -> None:
    """A program moved to another engagement type (and so perhaps another tier): every
    summary row of it carries the type, so each of its days and events is recomputed."""
    from events.models import Event

    days: set[date] = set()
    for model in (ParticipationDay, ReachDay, PersonnelDay, demographics.DemographicDay):
        days.update(model.objects.filter(program_id=program_id).values_list("day", flat=True))
    for source in SOURCES:  # and any day the summaries missed
        days.update(
            local_day(day)
            for day in source.aggregate(
                source.on_days(None, None) & _program_q(source, program_id), ("_day",)
            ).values_list("_day", flat=True)
            if day is not None
        )
    events = Event.objects.filter(program_id=program_id).select_related(
        "program__engagement_type__tier"
    )
    for event in events:
        _refresh_event_summary(event)
        days.add(local_day(event.starts_at))
    for day in sorted(days):
        participation_changed(program_id, day)
        _refresh_personnel(program_id, day)


@transaction.atomic
def resident_moved(resident_id: int) -> None:
    """A resident's home neighbourhood changed: participation is counted by it, so every
    (program, day) they took part in is recomputed."""
    buckets = set(ReachDay.objects.filter(resident_id=resident_id).values_list("program_id", "day"))
    for program_id, day in sorted(buckets):
        participation_changed(program_id, day)


@transaction.atomic
def personnel_changed(event) -> None:
    """Staff were added to or removed from an event."""
    from events.models import Event

    event = Event.objects.select_related("program__engagement_type__tier").get(pk=event.pk)
    _refresh_event_summary(event)
    _refresh_personnel(event.program_id, local_day(event.starts_at))


@transaction.atomic
def personnel_refresh(program_id: int, day: datetime | date) -> None:
    """Recompute who of the agency took part in one program on one day."""
    _lock(PROGRAM, program_id)
    _refresh_personnel(program_id, local_day(day))


def _refresh_event_summary(event) -> None:
    from events.models import AccommodationRequest, Registration

    counts = event.registrations.aggregate(
        registered=Sum(
            "party_size",
            filter=Q(
                status__in=[
                    Registration.Status.CONFIRMED,
                    Registration.Status.ATTENDED,
                    Registration.Status.NO_SHOW,
                ]
            ),
        ),
        attended=Sum("party_size", filter=Q(status=Registration.Status.ATTENDED)),
        no_shows=Sum("party_size", filter=Q(status=Registration.Status.NO_SHOW)),
    )
    walk_ins = event.walk_ins.aggregate(n=Sum("party_size"))["n"] or 0
    accommodations = (
        AccommodationRequest.objects.filter(registration__event=event)
        .exclude(registration__status=Registration.Status.CANCELLED)
        .aggregate(n=Count("pk"), arranged=Count("pk", filter=Q(fulfilled=True)))
    )
    personnel = event.personnel_links.aggregate(n=Count("user", distinct=True))["n"]
    EventSummary.objects.update_or_create(
        event=event,
        defaults={
            "day": local_day(event.starts_at),
            "program_id": event.program_id,
            "engagement_type_id": event.program.engagement_type_id,
            "tier": event.program.engagement_type.tier.number,
            "neighbourhood_id": event.neighbourhood_id,
            "cancelled": event.status == event.Status.CANCELLED,
            "capacity": event.capacity,
            "registered": counts["registered"] or 0,
            "attended": counts["attended"] or 0,
            "no_shows": counts["no_shows"] or 0,
            "walk_ins": walk_ins,
            "personnel": personnel,
            "accommodations": accommodations["n"],
            "accommodations_arranged": accommodations["arranged"],
        },
    )


def _personnel_rows(program_ids=None, first=None, last=None):
    """(program, day, user, outside outreach) for personnel on events that were held."""
    from events.models import EventPersonnel

    source = SOURCES[0]  # any event-based source: same day rules
    q = ~Q(event__status="cancelled") & source.on_days(first, last)
    if program_ids is not None:
        q &= Q(event__program_id__in=program_ids)
    return (
        EventPersonnel.objects.filter(q)
        .annotate(_day=source.day_expression())
        .values_list("event__program_id", "_day", "user_id", "user__unit__is_community_outreach")
        .distinct()
        .order_by()
    )


def _refresh_personnel(program_id: int, day: date) -> None:
    PersonnelDay.objects.filter(program_id=program_id, day=day).delete()
    facts = _program_facts([program_id]).get(program_id)
    if facts is None:
        return
    PersonnelDay.objects.bulk_create(
        PersonnelDay(
            day=row_day,
            program_id=program,
            tier=facts[1],
            user_id=user,
            outside_outreach=not outreach,
        )
        for program, row_day, user, outreach in _personnel_rows([program_id], day, day)
    )


# --- Full rebuild ---------------------------------------------------------------------------
#
# Set-based: each summary is one `INSERT INTO summary (...) SELECT ...` whose SELECT is the
# very queryset the per-bucket refresh above uses (compiled by the ORM, so the day rules,
# time zone and conditions are the same), grouped over every bucket at once. Nothing goes
# through Python row by row. The SQL is plain enough for SQLite too (the embedded default).


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Recompute every summary from the source tables, in one transaction (pages show the
    old figures until it commits). Returns the rows written per table; running it twice
    writes the same rows."""
    from programs.models import Program

    _lock(REFRESH, 0)
    # Every fact recorded before this point is in what the rebuild reads.
    up_to = LedgerEntry.objects.aggregate(last=Max("pk"))["last"]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A handful of statements that each sort or hash millions of rows.
            cursor.execute("SET LOCAL work_mem = '256MB'")
    _clear(ParticipationDay, ReachDay, EventSummary, PersonnelDay, ProgramDay)
    standard_answers = rebuild_standard_answers()
    surveys = rebuild_survey_summaries()
    programs = _program_facts(Program.objects.values_list("pk", flat=True))
    written = {
        "participation": _rebuild_participation(),
        "reach": _rebuild_reach(),
        "events": 0,
        "personnel": 0,
        "standard answers": standard_answers,
        "surveys": surveys,
    }
    written["demographics"] = demographics.rebuild(programs)
    written["demographic areas"] = demographics.rebuild_area()
    written["events"] = _rebuild_events()
    written["personnel"] = _rebuild_personnel()
    written["rollups"] = _rebuild_participation_rollups()
    written["program days"] = _rebuild_program_days()
    written["reach gaps"] = reach_gaps.rebuild()
    if up_to is not None:
        LedgerEntry.objects.filter(pk__lte=up_to, summarised_at=None).update(
            summarised_at=timezone.now()
        )
    if connection.vendor == "postgresql":
        # Every row was replaced: fresh statistics, or the planner guesses a tiny table.
        with connection.cursor() as cursor:
            for model in (
                ParticipationDay,
                ReachDay,
                EventSummary,
                PersonnelDay,
                demographics.DemographicDay,
                ParticipationDayType,
                ParticipationDayArea,
                ParticipationMonthArea,
                ParticipationMonthType,
                ProgramDay,
                ReachLastSeen,
                ReachGap,
                demographics.DemographicArea,
            ):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
            for model in (
                StandardAnswerMonth,
                StandardAnswerSurveyMonth,
                StandardAnswerArea,
                SurveySummary,
            ):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return written


def _rebuild_participation() -> int:
    """ParticipationDay: one INSERT … SELECT per kind, grouped by program, day and
    neighbourhood, exactly as participation_changed groups one bucket."""
    written = 0
    for source in SOURCES:
        rows = source.aggregate(source.on_days(None, None), ("_program", "_day", "_neighbourhood"))
        sql, params = _compiled(rows)
        minutes = _minutes('s."duration"') if source.minutes else "0"
        written += _insert(
            ParticipationDay,
            [
                "day",
                "program",
                "engagement_type",
                "tier",
                "neighbourhood",
                "kind",
                "participations",
                "people",
                "minutes",
            ],
            'SELECT s."_day", s."_program", p."engagement_type_id", t."number", '
            'CAST(s."_neighbourhood" AS bigint), %s, s."participations", '
            f'COALESCE(s."people", 0), {minutes} '
            f"FROM ({sql}) s {_PROGRAM} "
            f'WHERE s."participations" > 0',
            (source.kind, *params),  # the kind comes first in the statement
        )
    return written


def _rebuild_reach() -> int:
    """ReachDay: the distinct (program, day, resident) over every identified source. A
    resident found under several neighbourhoods keeps the one participation_changed
    keeps: the first source's, then the lowest id."""
    parts, params = [], []
    for rank, source in enumerate(SOURCES):
        if not source.resident:
            continue
        rows = (
            source.queryset.filter(source.on_days(None, None))
            .filter(**{f"{source.resident}__isnull": False})
            .annotate(
                _program=F(source.program),
                _day=source.day_expression(),
                _resident=F(source.resident),
                _neighbourhood=F(source.neighbourhood) if source.neighbourhood else _null_id(),
            )
            .values("_program", "_day", "_resident", "_neighbourhood")
            .distinct()
            .order_by()
        )
        sql, part_params = _compiled(rows)
        parts.append(
            f'SELECT u."_program", u."_day", u."_resident", u."_neighbourhood", {rank} AS "_rank" '
            f"FROM ({sql}) u"
        )
        params.extend(part_params)
    if not parts:
        return 0
    union = " UNION ALL ".join(parts)
    first = (
        'SELECT r."_program", r."_day", r."_resident", r."_neighbourhood", ROW_NUMBER() OVER ('
        'PARTITION BY r."_program", r."_day", r."_resident" '
        'ORDER BY r."_rank", r."_neighbourhood" IS NULL, r."_neighbourhood") AS "_n" '
        f"FROM ({union}) r"
    )
    chosen = (
        'SELECT s."_day", s."_program", p."engagement_type_id" AS "_type", t."number" AS "_tier", '
        f's."_neighbourhood", s."_resident" FROM ({first}) s {_PROGRAM} WHERE s."_n" = 1'
    )
    chains = _CHAINS.format(
        day='c."_day"',
        resident='c."_resident"',
        program='c."_program"',
        tier='c."_tier"',
        type='c."_type"',
        hood='c."_neighbourhood"',
    )
    return _insert(
        ReachDay,
        [
            "day",
            "program",
            "engagement_type",
            "tier",
            "neighbourhood",
            "resident",
            "previous_day",
            "previous_in_tier",
            "previous_in_type",
            "previous_in_area",
            "previous_located",
        ],
        'SELECT c."_day", c."_program", c."_type", c."_tier", c."_neighbourhood", c."_resident", '
        f"{chains} FROM ({chosen}) c",
        tuple(params),
    )


def _rebuild_program_days() -> int:
    """ProgramDay from ParticipationDay and EventSummary (both rebuilt), with each
    program's previous active day."""
    days = (
        ParticipationDay.objects.values_list("program_id", "day")
        .order_by()
        .union(
            EventSummary.objects.filter(cancelled=False).values_list("program_id", "day").order_by()
        )
    )
    sql, params = _compiled(days)
    return _insert(
        ProgramDay,
        ["program", "day", "engagement_type", "tier", "previous_day"],
        'SELECT s."_program", s."_day", p."engagement_type_id", t."number", '
        'LAG(s."_day") OVER (PARTITION BY s."_program" ORDER BY s."_day") '
        f'FROM (SELECT u."program_id" AS "_program", u."day" AS "_day" FROM ({sql}) u) s '
        f"{_PROGRAM}",
        params,
    )


def _null_id():
    # A typed NULL: PostgreSQL cannot union an untyped one with a bigint column.
    from django.db.models import BigIntegerField, Value
    from django.db.models.functions import Cast

    return Cast(Value(None), output_field=BigIntegerField())


def _rebuild_events() -> int:
    """EventSummary: one row per event, its counts as _refresh_event_summary counts them."""
    from django.db.models import BooleanField, Case, OuterRef, Subquery, Value, When
    from django.db.models.functions import Coalesce, TruncDate

    from events.models import AccommodationRequest, Event, EventPersonnel, Registration, WalkIn

    seated = [
        Registration.Status.CONFIRMED,
        Registration.Status.ATTENDED,
        Registration.Status.NO_SHOW,
    ]

    def party(**filters):
        return Coalesce(
            Subquery(
                Registration.objects.filter(event=OuterRef("pk"), **filters)
                .order_by()
                .values("event")
                .annotate(n=Sum("party_size"))
                .values("n")
            ),
            0,
        )

    def accommodations(**filters):
        return Coalesce(
            Subquery(
                AccommodationRequest.objects.filter(registration__event=OuterRef("pk"), **filters)
                .exclude(registration__status=Registration.Status.CANCELLED)
                .order_by()
                .values("registration__event")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            0,
        )

    events = Event.objects.annotate(
        _event=F("pk"),
        _day=TruncDate("starts_at", tzinfo=timezone.get_current_timezone()),
        _program=F("program_id"),
        _neighbourhood=F("neighbourhood_id"),
        _cancelled=Case(
            When(status=Event.Status.CANCELLED, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        ),
        _capacity=F("capacity"),
        _registered=party(status__in=seated),
        _attended=party(status=Registration.Status.ATTENDED),
        _no_shows=party(status=Registration.Status.NO_SHOW),
        _walk_ins=Coalesce(
            Subquery(
                WalkIn.objects.filter(event=OuterRef("pk"))
                .order_by()
                .values("event")
                .annotate(n=Sum("party_size"))
                .values("n")
            ),
            0,
        ),
        _personnel=Coalesce(
            Subquery(
                EventPersonnel.objects.filter(event=OuterRef("pk"))
                .order_by()
                .values("event")
                .annotate(n=Count("user", distinct=True))
                .values("n")
            ),
            0,
        ),
        _accommodations=accommodations(),
        _arranged=accommodations(fulfilled=True),
    ).values(
        "_event",
        "_day",
        "_program",
        "_neighbourhood",
        "_cancelled",
        "_capacity",
        "_registered",
        "_attended",
        "_no_shows",
        "_walk_ins",
        "_personnel",
        "_accommodations",
        "_arranged",
    )
    sql, params = _compiled(events)
    return _insert(
        EventSummary,
        [
            "event",
            "day",
            "program",
            "engagement_type",
            "tier",
            "neighbourhood",
            "cancelled",
            "capacity",
            "registered",
            "attended",
            "no_shows",
            "walk_ins",
            "personnel",
            "accommodations",
            "accommodations_arranged",
        ],
        'SELECT s."_event", s."_day", s."_program", p."engagement_type_id", t."number", '
        's."_neighbourhood", s."_cancelled", s."_capacity", s."_registered", s."_attended", '
        's."_no_shows", s."_walk_ins", s."_personnel", s."_accommodations", s."_arranged" '
        f"FROM ({sql}) s {_PROGRAM}",
        params,
    )


def _rebuild_personnel() -> int:
    """PersonnelDay: the distinct (program, day, user) of events that were held."""
    from events.models import EventPersonnel

    source = SOURCES[0]  # as _personnel_rows: any event-based source has the day rules
    rows = (
        EventPersonnel.objects.filter(~Q(event__status="cancelled"))
        .annotate(
            _program=F("event__program_id"),
            _day=source.day_expression(),
            _user=F("user_id"),
            _outreach=F("user__unit__is_community_outreach"),
        )
        .values("_program", "_day", "_user", "_outreach")
        .distinct()
        .order_by()
    )
    sql, params = _compiled(rows)
    return _insert(
        PersonnelDay,
        ["day", "program", "tier", "user", "outside_outreach"],
        'SELECT s."_day", s."_program", t."number", s."_user", '
        'CASE WHEN s."_outreach" THEN FALSE ELSE TRUE END '
        f"FROM ({sql}) s {_PROGRAM}",
        params,
    )


def _rebuild_participation_rollups() -> int:
    """ParticipationDayType and ParticipationDayArea from ParticipationDay (rebuilt)."""
    _clear(ParticipationDayType, ParticipationDayArea)
    by_type = (
        ParticipationDay.objects.values("day", "engagement_type_id", "tier", "kind")
        .annotate(
            _rows=Count("pk"),
            _participations=Sum("participations"),
            _people=Sum("people"),
            _minutes=Sum("minutes"),
        )
        .order_by()
    )
    sql, params = _compiled(by_type)
    written = _insert(
        ParticipationDayType,
        ["day", "engagement_type", "tier", "kind", "rows", "participations", "people", "minutes"],
        'SELECT s."day", s."engagement_type_id", s."tier", s."kind", s."_rows", '
        f's."_participations", s."_people", s."_minutes" FROM ({sql}) s',
        params,
    )
    by_area = (
        ParticipationDay.objects.values("day", "neighbourhood_id")
        .annotate(_participations=Sum("participations"), _people=Sum("people"))
        .order_by()
    )
    sql, params = _compiled(by_area)
    written += _insert(
        ParticipationDayArea,
        ["day", "neighbourhood", "participations", "people"],
        f'SELECT s."day", s."neighbourhood_id", s."_participations", s."_people" FROM ({sql}) s',
        params,
    )
    return written + rebuild_months()


def rebuild_months() -> int:
    """ParticipationMonthType and ParticipationMonthArea from the daily rollups."""
    _clear(ParticipationMonthType)
    by_type = (
        ParticipationDayType.objects.annotate(_month=TruncMonth("day", output_field=DateField()))
        .values("_month", "engagement_type_id", "tier", "kind")
        .annotate(
            _rows=Sum("rows"),
            _participations=Sum("participations"),
            _people=Sum("people"),
            _minutes=Sum("minutes"),
        )
        .order_by()
    )
    sql, params = _compiled(by_type)
    written = _insert(
        ParticipationMonthType,
        ["month", "engagement_type", "tier", "kind", "rows", "participations", "people", "minutes"],
        'SELECT s."_month", s."engagement_type_id", s."tier", s."kind", s."_rows", '
        f's."_participations", s."_people", s."_minutes" FROM ({sql}) s',
        params,
    )
    return written + rebuild_month_area()


def rebuild_month_area() -> int:
    """ParticipationMonthArea from ParticipationDayArea."""
    _clear(ParticipationMonthArea)
    by_month = (
        ParticipationDayArea.objects.annotate(
            _month=TruncMonth("day", output_field=DateField()),
            _area=Coalesce(F("neighbourhood_id"), Value(0), output_field=BigIntegerField()),
        )
        .values("_month", "_area")
        .annotate(_people=Sum("people"))
        .order_by()
    )
    sql, params = _compiled(by_month)
    return _insert(
        ParticipationMonthArea,
        ["month", "area", "people"],
        f'SELECT s."_month", s."_area", s."_people" FROM ({sql}) s',
        params,
    )


# --- Surveys: standard questions and invitations -------------------------------------------


def _month(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def standard_answers_changed(survey_id: int, day: date, neighbourhood_id: int | None) -> None:
    """Recompute one (survey, month, neighbourhood) bucket of standard-question answers.

    Identified surveys call it when a response is stored; anonymous ones only from the
    transaction that publishes them in groups (surveys.services.release_held_responses)."""
    from surveys.models import Answer, Survey
    from surveys.results import AGREE_FROM

    month = _month(day)
    next_month = (month + timedelta(days=32)).replace(day=1)
    _lock(STANDARD_ANSWERS, survey_id, month.toordinal())
    bucket = {"survey_id": survey_id, "month": month, "neighbourhood_id": neighbourhood_id}
    StandardAnswerMonth.objects.filter(**bucket).delete()
    program_id = Survey.objects.filter(pk=survey_id).values_list("program_id", flat=True).first()
    rows = (
        Answer.objects.filter(
            response__survey_id=survey_id,
            response__submitted_on__gte=month,
            response__submitted_on__lt=next_month,
            response__neighbourhood_id=neighbourhood_id,
            question__standard_item__isnull=False,
            number__isnull=False,
            declined=False,
        )
        .values("question__standard_item_id")
        .annotate(
            n=Count("pk"),
            total=Sum("number"),
            total_sq=Sum(F("number") * F("number")),
            agree=Count("pk", filter=Q(number__gte=AGREE_FROM)),
        )
        .order_by()
    )
    StandardAnswerMonth.objects.bulk_create(
        StandardAnswerMonth(
            **bucket,
            item_id=row["question__standard_item_id"],
            program_id=program_id,
            n=row["n"],
            total=row["total"] or 0,
            total_sq=row["total_sq"] or 0,
            agree=row["agree"],
        )
        for row in rows
    )
    _refresh_standard_rollups(survey_id, program_id, month, neighbourhood_id)


SUMS = {"n": Sum("n"), "total": Sum("total"), "total_sq": Sum("total_sq"), "agree": Sum("agree")}


def _refresh_standard_rollups(
    survey_id: int, program_id: int | None, month: date, neighbourhood_id: int | None
) -> None:
    """Recompute the rollups that one (survey, month, neighbourhood) bucket feeds, from
    StandardAnswerMonth: the survey's month (under the survey's lock, already held) and
    the neighbourhood's month across every survey (under its own lock, taken after the
    survey's, so whoever recomputes last sees every committed survey)."""
    StandardAnswerSurveyMonth.objects.filter(survey_id=survey_id, month=month).delete()
    StandardAnswerSurveyMonth.objects.bulk_create(
        StandardAnswerSurveyMonth(survey_id=survey_id, program_id=program_id, month=month, **row)
        for row in StandardAnswerMonth.objects.filter(survey_id=survey_id, month=month)
        .values("item_id")
        .annotate(**SUMS)
        .order_by()
    )
    _lock(AREA_ANSWERS, neighbourhood_id or 0, month.toordinal())
    area = {"month": month, "neighbourhood_id": neighbourhood_id}
    StandardAnswerArea.objects.filter(**area).delete()
    StandardAnswerArea.objects.bulk_create(
        StandardAnswerArea(**area, **row)
        for row in StandardAnswerMonth.objects.filter(**area)
        .values("item_id")
        .annotate(**SUMS)
        .order_by()
    )


def rebuild_standard_answers() -> int:
    """StandardAnswerMonth (as standard_answers_changed groups one bucket) and its rollups,
    set-based. Returns the StandardAnswerMonth rows written."""
    from django.db.models.functions import TruncMonth

    from surveys.models import Answer
    from surveys.results import AGREE_FROM

    _clear(StandardAnswerMonth)
    rows = (
        Answer.objects.filter(
            question__standard_item__isnull=False, number__isnull=False, declined=False
        )
        .annotate(
            _month=TruncMonth("response__submitted_on"),
            _survey=F("response__survey_id"),
            _program=F("response__survey__program_id"),
            _neighbourhood=F("response__neighbourhood_id"),
            _item=F("question__standard_item_id"),
        )
        .values("_month", "_survey", "_program", "_neighbourhood", "_item")
        .annotate(
            _n=Count("pk"),
            _total=Sum("number"),
            _total_sq=Sum(F("number") * F("number")),
            _agree=Count("pk", filter=Q(number__gte=AGREE_FROM)),
        )
        .order_by()
    )
    sql, params = _compiled(rows)
    month = 'CAST(s."_month" AS date)' if connection.vendor == "postgresql" else 's."_month"'
    written = _insert(
        StandardAnswerMonth,
        ["month", "survey", "program", "neighbourhood", "item", "n", "total", "total_sq", "agree"],
        f'SELECT {month}, s."_survey", s."_program", s."_neighbourhood", s."_item", s."_n", '
        'COALESCE(s."_total", 0), COALESCE(s."_total_sq", 0), s."_agree" '
        f"FROM ({sql}) s",
        params,
    )
    rebuild_standard_rollups()
    return written


def rebuild_standard_rollups() -> None:
    """StandardAnswerSurveyMonth and StandardAnswerArea from StandardAnswerMonth."""
    _clear(StandardAnswerSurveyMonth, StandardAnswerArea)
    sums = {f"_{name}": aggregate for name, aggregate in SUMS.items()}
    for model, by in (
        (StandardAnswerSurveyMonth, ["month", "item", "survey", "program"]),
        (StandardAnswerArea, ["month", "item", "neighbourhood"]),
    ):
        grouped = (
            StandardAnswerMonth.objects.values(
                *(f"{name}_id" if name != "month" else name for name in by)
            )
            .annotate(**sums)
            .order_by()
        )
        sql, params = _compiled(grouped)
        columns = ", ".join(f's."{name}_id"' if name != "month" else 's."month"' for name in by)
        _insert(
            model,
            [*by, "n", "total", "total_sq", "agree"],
            f'SELECT {columns}, s."_n", s."_total", s."_total_sq", s."_agree" FROM ({sql}) s',
            params,
        )


def invitation_used(invitation_id: int, delta: int) -> None:
    """An invitation was claimed (+1) or released (-1): adjust its survey's count. Runs in
    the claim's own transaction, never in the one that stores an anonymous response."""
    from surveys.models import Invitation

    survey_id = Invitation.objects.filter(pk=invitation_id).values_list("survey_id", flat=True)
    SurveySummary.objects.filter(survey_id__in=survey_id).update(
        invitations_used=F("invitations_used") + delta
    )


@transaction.atomic
def invitations_changed(survey_id: int) -> None:
    """Recompute a survey's invitation counts (when a sending run stops or finishes)."""
    from surveys.models import Invitation, Survey

    _lock(INVITATIONS, survey_id)
    sent_statuses = [Invitation.Status.QUEUED, Invitation.Status.SENT]
    counts = Invitation.objects.filter(survey_id=survey_id).aggregate(
        sent=Count("pk", filter=Q(status__in=sent_statuses)),
        used=Count("pk", filter=Q(used=True)),
        first=Min("last_sent_at"),
        last=Max("last_sent_at"),
    )
    program_id = Survey.objects.filter(pk=survey_id).values_list("program_id", flat=True).first()
    SurveySummary.objects.update_or_create(
        survey_id=survey_id,
        defaults={
            "program_id": program_id,
            "invitations_sent": counts["sent"],
            "invitations_used": counts["used"],
            "first_sent_on": local_day(counts["first"]) if counts["first"] else None,
            "last_sent_on": local_day(counts["last"]) if counts["last"] else None,
        },
    )


def rebuild_survey_summaries() -> int:
    from surveys.models import Survey

    SurveySummary.objects.all().delete()
    ids = list(
        Survey.objects.filter(invitations__isnull=False).distinct().values_list("pk", flat=True)
    )
    for survey_id in ids:
        invitations_changed(survey_id)
    return len(ids)
