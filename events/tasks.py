from celery import shared_task

from . import services


@shared_task
def send_due_reminders() -> int:
    """Queue due reminders into the outbox. Run twice, even at once: each is queued once."""
    return services.queue_due_reminders()
