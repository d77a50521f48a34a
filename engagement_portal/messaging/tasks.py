"""Outbox tasks; routed to the `mail` queue (CELERY_TASK_ROUTES)."""

import time
from smtplib import SMTPConnectError, SMTPServerDisconnected

from celery import shared_task

from engagement_portal.core import jobs

from . import services

# A sender hands what is left to a fresh run before the soft time limit
# (CELERY_TASK_SOFT_TIME_LIMIT, 5 minutes) could cut it off between handing a message to
# the relay and marking it sent: that message would go twice. A 100,000-invitation
# distribution takes several runs.
TIME_BUDGET_SECONDS = 120


@shared_task(
    autoretry_for=(SMTPConnectError, SMTPServerDisconnected, ConnectionError),
    retry_backoff=True,
    max_retries=5,
)
def send_pending_messages(
    batch_size: int = 200, time_budget: float = TIME_BUDGET_SECONDS
) -> dict[str, int]:
    """Send due messages in batches until none is due, or until `time_budget` seconds are
    used (then a fresh run is woken for the rest). Safe to run any number of times at once."""
    jobs.woken(services.SEND_WAKE_KEY)
    deadline = time.monotonic() + time_budget
    totals = {"sent": 0, "retry": 0, "failed": 0, "suppressed": 0}
    while True:
        counts = services.send_pending(batch_size=batch_size)
        for name, value in counts.items():
            totals[name] += value
        if not any(counts.values()):
            return totals
        if time.monotonic() > deadline:
            jobs.wake(
                "engagement_portal.messaging.tasks.send_pending_messages",
                key=services.SEND_WAKE_KEY,
            )
            return totals
