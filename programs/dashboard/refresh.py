"""The dashboards' summaries, derived from the participation ledger off the request path.

`refresh_summaries()` takes the facts not yet summarised, in order, works out which
summary buckets they touch (an event, a program's day, a survey's month and
neighbourhood, ...) and recomputes each bucket once from the source rows with the
functions of services.py, then marks the facts summarised, all in one transaction per
batch. It is idempotent (recomputing a bucket twice writes the same rows) and safe to run
concurrently: one PostgreSQL advisory lock lets one batch at a time in, and a second run
waits for it and then finds less (or nothing) to do. Celery runs it after each committed
transaction that recorded facts and on a one-minute beat (tasks.refresh_summaries).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from engagement_portal.core import ledger
from engagement_portal.core.models import LedgerEntry
from programs.dashboard import services

BATCH = 500
KEEP_SUMMARISED = timedelta(days=7)


def _work(entries) -> list[tuple]:
    """The distinct buckets a batch of facts touches, in a stable order, each once."""
    work: dict[tuple, None] = {}
    for e in entries:
        if e.fact in (ledger.REGISTERED, ledger.SEATS_CHANGED):
            work[("seats", e.event_id)] = None
        elif e.fact == ledger.EVENT_CHANGED:
            work[("event", e.event_id)] = None
            if e.previous_day and e.program_id:
                work[("day", e.program_id, e.previous_day)] = None
                work[("personnel", e.program_id, e.previous_day)] = None
        elif e.fact == ledger.EVENT_DELETED:
            work[("day", e.program_id, e.day)] = None
            work[("personnel", e.program_id, e.day)] = None
        elif e.fact == ledger.STAFFED:
            work[("staffed", e.event_id)] = None
        elif e.fact == ledger.PARTICIPATED:
            work[("day", e.program_id, e.day)] = None
        elif e.fact == ledger.RESPONDED:
            work[("day", e.program_id, e.day)] = None
            work[("answers", e.survey_id, e.day, e.neighbourhood_id)] = None
        elif e.fact in (ledger.INVITED, ledger.INVITATION_USED):
            work[("invitations", e.survey_id)] = None
        elif e.fact == ledger.PROGRAM_RETYPED:
            work[("retyped", e.program_id)] = None
        elif e.fact == ledger.RESIDENT_MOVED:
            work[("moved", e.resident_id)] = None
    # A full event refresh covers its seats; a retyped program covers all its buckets.
    events = {key[1] for key in work if key[0] == "event"}
    retyped = {key[1] for key in work if key[0] == "retyped"}
    return [
        key
        for key in work
        if not (key[0] == "seats" and key[1] in events)
        and not (key[0] in ("day", "personnel") and key[1] in retyped)
    ]


def _apply(key: tuple) -> None:
    from events.models import Event

    kind = key[0]
    if kind in ("seats", "event", "staffed"):
        event = Event.objects.filter(pk=key[1]).first()
        if event is None:
            return  # deleted since: its EVENT_DELETED fact recomputes its days
        if kind == "seats":
            services.event_changed(event, participation=False)
        elif kind == "event":
            services.event_changed(event)
        else:
            services.personnel_changed(event)
    elif kind == "day":
        services.participation_changed(key[1], key[2])
    elif kind == "personnel":
        services.personnel_refresh(key[1], key[2])
    elif kind == "answers":
        services.standard_answers_changed(key[1], key[2], key[3])
    elif kind == "invitations":
        services.invitations_changed(key[1])
    elif kind == "retyped":
        services.program_retyped(key[1])
    elif kind == "moved":
        services.resident_moved(key[1])


def refresh_summaries(*, batch: int = BATCH) -> int:
    """Summarise every fact recorded so far; returns how many. Running it twice, or two
    at once, leaves the same summaries."""
    done = 0
    while True:
        with transaction.atomic():
            services._lock(services.REFRESH, 0)
            entries = list(
                LedgerEntry.objects.filter(summarised_at=None)
                .order_by("pk")
                .select_for_update(skip_locked=True)[:batch]
            )
            if not entries:
                break
            for key in _work(entries):
                _apply(key)
            LedgerEntry.objects.filter(pk__in=[e.pk for e in entries]).update(
                summarised_at=timezone.now()
            )
            done += len(entries)
        if len(entries) < batch:
            break
    LedgerEntry.objects.filter(summarised_at__lt=timezone.now() - KEEP_SUMMARISED).delete()
    return done


def figures_as_of():
    """The moment up to which the summaries include every fact: the oldest fact still
    waiting, or now when none is."""
    return ledger.pending_since() or timezone.now()
