"""Outbox tasks; routed to the `mail` queue (CELERY_TASK_ROUTES)."""

from smtplib import SMTPConnectError, SMTPServerDisconnected

from celery import shared_task

from engagement_portal.core import jobs

from . import services


@shared_task(
    autoretry_for=(SMTPConnectError, SMTPServerDisconnected, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_pending_messages(batch_size: int = 200) -> dict[str, int]:
    """Send due messages in batches until none is due. Safe to run any number of times at once."""
    jobs.woken(services.SEND_WAKE_KEY)
    totals = {"sent": 0, "retry": 0, "failed": 0, "suppressed": 0}
    while True:
        counts = services.send_pending(batch_size=batch_size)
        for name, value in counts.items():
            totals[name] += value
        if not any(counts.values()):
            return totals
