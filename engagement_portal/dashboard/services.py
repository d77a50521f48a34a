"""Keep the dashboard summaries current.

Services that record participation call `participation_changed(program_id, day)` (or
`event_changed(event)` for anything that changes an event's registrations, walk-ins or
personnel) inside their own transaction. The summary of that one bucket is recomputed from
the source rows, so it can never drift, and doing it twice changes nothing. Buckets are
serialised with a PostgreSQL advisory lock, so concurrent writers to the same program and
day cannot interleave their delete and insert.

`rebuild()` recomputes everything; `manage.py rebuild_dashboard` runs it.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.utils import timezone

from .models import (
    EventSummary,
    ParticipationDay,
    PersonnelDay,
    ReachDay,
    StandardAnswerMonth,
    SurveySummary,
)
from .sources import SOURCES, minutes_of

BATCH = 5000


def local_day(moment: datetime | date) -> date:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date()
    return moment


PARTICIPATION, STANDARD_ANSWERS, INVITATIONS = 1, 2, 3


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
    _lock(PARTICIPATION, program_id, day.toordinal())
    ParticipationDay.objects.filter(program_id=program_id, day=day).delete()
    ReachDay.objects.filter(program_id=program_id, day=day).delete()
    facts = _program_facts([program_id]).get(program_id)
    if facts is None:
        return
    type_id, tier = facts
    rows, reach = [], {}
    for source in SOURCES:
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
    ParticipationDay.objects.bulk_create(rows)
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


def _program_q(source, program_id: int):
    return Q(**{source.program: program_id})


def _residents(source, q):
    neighbourhood = F(source.neighbourhood) if source.neighbourhood else None
    queryset = source.queryset.filter(q).filter(**{f"{source.resident}__isnull": False})
    if neighbourhood is None:
        return ((r, None) for r in queryset.values_list(source.resident, flat=True).distinct())
    return (
        queryset.annotate(_n=neighbourhood)
        .values_list(source.resident, "_n")
        .order_by(source.resident)
        .distinct()
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
    _refresh_event_summary(event)
    if not participation:
        return
    participation_changed(event.program_id, event.starts_at)
    _refresh_personnel(event.program_id, local_day(event.starts_at))
    if previous_start and local_day(previous_start) != local_day(event.starts_at):
        participation_changed(event.program_id, previous_start)
        _refresh_personnel(event.program_id, local_day(previous_start))


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


def _refresh_event_summary(event) -> None:
    from events.models import Registration

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


@transaction.atomic
def rebuild() -> dict[str, int]:
    """Recompute every summary from the source tables. Returns the rows written per table."""
    from events.models import Event

    for model in (ParticipationDay, ReachDay, EventSummary, PersonnelDay):
        model.objects.all().delete()
    standard_answers = rebuild_standard_answers()
    surveys = rebuild_survey_summaries()
    from programs.models import Program

    programs = _program_facts(Program.objects.values_list("pk", flat=True))
    written = {
        "participation": 0,
        "reach": 0,
        "events": 0,
        "personnel": 0,
        "standard answers": standard_answers,
        "surveys": surveys,
    }

    batch = []
    for source in SOURCES:
        for row in source.aggregate(
            source.on_days(None, None), ("_program", "_day", "_neighbourhood")
        ):
            if not row["participations"]:
                continue
            type_id, tier = programs[row["_program"]]
            batch.append(
                ParticipationDay(
                    day=row["_day"],
                    program_id=row["_program"],
                    engagement_type_id=type_id,
                    tier=tier,
                    neighbourhood_id=row["_neighbourhood"],
                    kind=source.kind,
                    participations=row["participations"],
                    people=row["people"] or 0,
                    minutes=minutes_of(row),
                )
            )
            if len(batch) >= BATCH:
                written["participation"] += len(ParticipationDay.objects.bulk_create(batch))
                batch = []
    written["participation"] += len(ParticipationDay.objects.bulk_create(batch))

    written["reach"] = _rebuild_reach(programs)

    from events.models import Registration

    seated = [
        Registration.Status.CONFIRMED,
        Registration.Status.ATTENDED,
        Registration.Status.NO_SHOW,
    ]
    events = Event.objects.annotate(
        _registered=Sum("registrations__party_size", filter=Q(registrations__status__in=seated)),
        _attended=Sum(
            "registrations__party_size",
            filter=Q(registrations__status=Registration.Status.ATTENDED),
        ),
        _no_shows=Sum(
            "registrations__party_size",
            filter=Q(registrations__status=Registration.Status.NO_SHOW),
        ),
    ).values_list(
        "pk",
        "starts_at",
        "program_id",
        "neighbourhood_id",
        "status",
        "capacity",
        "_registered",
        "_attended",
        "_no_shows",
    )
    walk_ins = dict(
        Event.objects.annotate(n=Sum("walk_ins__party_size"))
        .filter(n__isnull=False)
        .values_list("pk", "n")
    )
    personnel = dict(
        Event.objects.annotate(n=Count("personnel_links__user", distinct=True))
        .filter(n__gt=0)
        .values_list("pk", "n")
    )
    batch = []
    for (
        pk,
        starts_at,
        program_id,
        hood,
        status,
        capacity,
        registered,
        attended,
        no_shows,
    ) in events.iterator(chunk_size=BATCH):
        type_id, tier = programs[program_id]
        batch.append(
            EventSummary(
                event_id=pk,
                day=local_day(starts_at),
                program_id=program_id,
                engagement_type_id=type_id,
                tier=tier,
                neighbourhood_id=hood,
                cancelled=status == Event.Status.CANCELLED,
                capacity=capacity,
                registered=registered or 0,
                attended=attended or 0,
                no_shows=no_shows or 0,
                walk_ins=walk_ins.get(pk, 0),
                personnel=personnel.get(pk, 0),
            )
        )
        if len(batch) >= BATCH:
            written["events"] += len(EventSummary.objects.bulk_create(batch))
            batch = []
    written["events"] += len(EventSummary.objects.bulk_create(batch))

    batch = [
        PersonnelDay(
            day=day,
            program_id=program,
            tier=programs[program][1],
            user_id=user,
            outside_outreach=not outreach,
        )
        for program, day, user, outreach in _personnel_rows()
    ]
    written["personnel"] = len(PersonnelDay.objects.bulk_create(batch, batch_size=BATCH))
    if connection.vendor == "postgresql":
        # Every row was replaced: fresh statistics, or the planner guesses a tiny table.
        with connection.cursor() as cursor:
            for model in (ParticipationDay, ReachDay, EventSummary, PersonnelDay):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
            for model in (StandardAnswerMonth, SurveySummary):
                cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    return written


def _rebuild_reach(programs) -> int:
    """Distinct (program, day, resident) over every identified source, year by year so a
    city's five years never sit in memory at once."""
    first, last = None, None
    for source in SOURCES:
        if not source.resident:
            continue
        span = source.queryset.aggregate(a=Min(source.when), b=Max(source.when))
        for value in (span["a"], span["b"]):
            if value is None:
                continue
            value = local_day(value)
            first = value if first is None or value < first else first
            last = value if last is None or value > last else last
    if first is None:
        return 0
    written = 0
    for year in range(first.year, last.year + 1):
        seen: dict[tuple[int, date, int], int | None] = {}
        for source in SOURCES:
            if not source.resident:
                continue
            q = source.on_days(date(year, 1, 1), date(year, 12, 31))
            rows = (
                source.queryset.filter(q)
                .filter(**{f"{source.resident}__isnull": False})
                .annotate(
                    _program=F(source.program),
                    _day=source.day_expression(),
                )
                .values_list("_program", "_day", source.resident, source.neighbourhood)
                .distinct()
                .order_by()
            )
            for program, day, resident, hood in rows.iterator(chunk_size=BATCH):
                seen.setdefault((program, day, resident), hood)
        batch = []
        for (program, day, resident), hood in seen.items():
            type_id, tier = programs[program]
            batch.append(
                ReachDay(
                    day=day,
                    program_id=program,
                    engagement_type_id=type_id,
                    tier=tier,
                    neighbourhood_id=hood,
                    resident_id=resident,
                )
            )
        written += len(ReachDay.objects.bulk_create(batch, batch_size=BATCH))
    return written


# --- Surveys: standard questions and invitations -------------------------------------------


def _month(day: date) -> date:
    return day.replace(day=1)


@transaction.atomic
def standard_answers_changed(survey_id: int, day: date, neighbourhood_id: int | None) -> None:
    """Recompute one (survey, month, neighbourhood) bucket of standard-question answers.

    Identified surveys call it when a response is stored; anonymous ones only from the
    mixing sweep (surveys.services.mix_recent_anonymous_rows), in its transaction."""
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


def rebuild_standard_answers() -> int:
    from django.db.models.functions import TruncMonth

    from surveys.models import Answer
    from surveys.results import AGREE_FROM

    StandardAnswerMonth.objects.all().delete()
    rows = (
        Answer.objects.filter(
            question__standard_item__isnull=False, number__isnull=False, declined=False
        )
        .annotate(_month=TruncMonth("response__submitted_on"))
        .values(
            "_month",
            "response__survey_id",
            "response__survey__program_id",
            "response__neighbourhood_id",
            "question__standard_item_id",
        )
        .annotate(
            n=Count("pk"),
            total=Sum("number"),
            total_sq=Sum(F("number") * F("number")),
            agree=Count("pk", filter=Q(number__gte=AGREE_FROM)),
        )
        .order_by()
    )
    batch, written = [], 0
    for row in rows.iterator(chunk_size=BATCH):
        month = row["_month"]
        month = month.date() if isinstance(month, datetime) else month
        batch.append(
            StandardAnswerMonth(
                month=month,
                survey_id=row["response__survey_id"],
                program_id=row["response__survey__program_id"],
                neighbourhood_id=row["response__neighbourhood_id"],
                item_id=row["question__standard_item_id"],
                n=row["n"],
                total=row["total"] or 0,
                total_sq=row["total_sq"] or 0,
                agree=row["agree"],
            )
        )
        if len(batch) >= BATCH:
            written += len(StandardAnswerMonth.objects.bulk_create(batch))
            batch = []
    return written + len(StandardAnswerMonth.objects.bulk_create(batch))


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
