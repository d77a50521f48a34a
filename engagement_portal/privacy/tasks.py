"""The nightly retention purge, as a Celery task."""

from celery import shared_task

from . import retention


@shared_task
def purge_expired_personal_data() -> dict[str, int]:
    """Anonymise personal data past its retention period (privacy.retention); a second run,
    or one at the same time, changes nothing more."""
    return retention.purge_expired_personal_data()
