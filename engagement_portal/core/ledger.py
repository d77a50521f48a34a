"""The participation ledger: one row per fact, written in the transaction of the change.

Domain services call `record()` with what happened (a registration confirmed, a walk-in,
a response published, hours logged, ...) and where it counts. Nothing else happens in
their transaction: after it commits, `facts_recorded` tells whoever listens (the
dashboards, which derive their summaries from the ledger in a Celery task) that there is
something new. The ledger is the foundation's; it knows no app above it.
"""

from datetime import date, datetime

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from .models import LedgerEntry

# Sent once per committed transaction that recorded facts. Receivers must never raise:
# the facts are already stored and a sweep picks them up whatever happens here.
facts_recorded = Signal()

# What the domain can say happened. Dashboards decide what each one means for them.
REGISTERED = "registered"  # a registration confirmed, waitlisted, cancelled or promoted
SEATS_CHANGED = "seats_changed"  # an event created, rescheduled in place or resized
EVENT_CHANGED = "event_changed"  # attendance, walk-ins, check-in, status or time of an event
EVENT_DELETED = "event_deleted"
STAFFED = "staffed"  # personnel added to or removed from an event
PARTICIPATED = "participated"  # any other participation of a program on a day
RESPONDED = "responded"  # survey answers published (identified, or a released group)
INVITED = "invited"  # a survey's invitations were sent or stopped
INVITATION_USED = "invitation_used"
PROGRAM_RETYPED = "program_retyped"
RESIDENT_MOVED = "resident_moved"

FACTS = {
    REGISTERED,
    SEATS_CHANGED,
    EVENT_CHANGED,
    EVENT_DELETED,
    STAFFED,
    PARTICIPATED,
    RESPONDED,
    INVITED,
    INVITATION_USED,
    PROGRAM_RETYPED,
    RESIDENT_MOVED,
}


def _day(moment: datetime | date | None) -> date | None:
    if isinstance(moment, datetime):
        return timezone.localtime(moment).date()
    return moment


def record(
    fact: str,
    *,
    program_id: int | None = None,
    day: datetime | date | None = None,
    previous_day: datetime | date | None = None,
    event_id: int | None = None,
    survey_id: int | None = None,
    resident_id: int | None = None,
    neighbourhood_id: int | None = None,
) -> LedgerEntry:
    """Record one fact in the current transaction; after commit, tell the listeners once.
    Recording the same fact twice is harmless: summaries are recomputed, not incremented."""
    if fact not in FACTS:
        raise ValueError(f"unknown ledger fact {fact!r}")
    entry = LedgerEntry.objects.create(
        fact=fact,
        program_id=program_id,
        day=_day(day),
        previous_day=_day(previous_day),
        event_id=event_id,
        survey_id=survey_id,
        resident_id=resident_id,
        neighbourhood_id=neighbourhood_id,
    )
    _announce_after_commit()
    return entry


def _announce_after_commit() -> None:
    connection = transaction.get_connection()
    # One announcement per outermost transaction, however many facts it recorded.
    if any(entry[1] is _announce for entry in connection.run_on_commit):
        return
    transaction.on_commit(_announce)


def _announce() -> None:
    for _receiver, response in facts_recorded.send_robust(sender=LedgerEntry):
        if isinstance(response, Exception):
            import logging

            logging.getLogger(__name__).warning(
                "a ledger listener failed; the periodic sweep will catch up: %r", response
            )


def pending_since() -> datetime | None:
    """When the oldest fact not yet summarised happened (None when all are)."""
    entry = LedgerEntry.objects.filter(summarised_at=None).order_by("pk").only("at").first()
    return entry.at if entry else None
