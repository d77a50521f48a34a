"""What the administrators' machinery page shows: the outbox (waiting, being sent, failed,
the oldest waiting), the periodic jobs' last runs, and whether a worker answers. Counts,
times and kinds of error only: no recipient and no message text."""

from dataclasses import dataclass
from datetime import datetime

from celery import current_app
from django.conf import settings
from django.db.models import Count, Min
from django_celery_beat.models import PeriodicTask

from .models import OutboxMessage

PING_TIMEOUT = 1.0  # seconds the page waits for workers to answer


@dataclass(frozen=True)
class OutboxState:
    pending: int
    sending: int
    failed: int
    oldest_pending: datetime | None
    next_attempt: datetime | None
    latest_error: (
        str  # the kind of the newest error on a waiting message, e.g. "ConnectionRefusedError"
    )


def outbox_state() -> OutboxState:
    counts = dict(
        OutboxMessage.objects.filter(
            status__in=[
                OutboxMessage.Status.PENDING,
                OutboxMessage.Status.SENDING,
                OutboxMessage.Status.FAILED,
            ]
        )
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    waiting = OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).aggregate(
        oldest=Min("created_at"), next=Min("not_before")
    )
    error = (
        OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING)
        .exclude(last_error="")
        .order_by("-not_before")
        .values_list("last_error", flat=True)
        .first()
    )
    return OutboxState(
        pending=counts.get(OutboxMessage.Status.PENDING, 0),
        sending=counts.get(OutboxMessage.Status.SENDING, 0),
        failed=counts.get(OutboxMessage.Status.FAILED, 0),
        oldest_pending=waiting["oldest"],
        next_attempt=waiting["next"],
        latest_error=error_kind(error or ""),
    )


def error_kind(error: str) -> str:
    """'SMTPRecipientsRefused({...})' -> 'SMTPRecipientsRefused': the kind, never the text
    (which may hold an address)."""
    return error.split("(", 1)[0].strip()[:80]


def periodic_jobs() -> list[PeriodicTask]:
    """Every scheduled job with its last run (when beat last sent it) and run count."""
    return list(PeriodicTask.objects.exclude(name__startswith="celery.").order_by("name"))


def workers_answering() -> list[str] | None:
    """The workers that answered a ping within PING_TIMEOUT, or None in the embedded
    default without a broker (tasks run in the web process: no worker to ask)."""
    if not settings.CELERY_BROKER_URL:
        return None
    try:
        replies = current_app.control.ping(timeout=PING_TIMEOUT)
    except Exception:  # noqa: BLE001 — a broker that is down: nobody answered
        return []
    return sorted(name for reply in replies for name in reply)
