from celery import shared_task
from django.utils import timezone

from programs.structured import services_volunteers


@shared_task
def remind_expiring_certifications() -> int:
    """Remind volunteers and program owners of certifications about to lapse or just lapsed.
    Run twice: one message per certification, expiry date, kind and recipient."""
    return services_volunteers.remind_expiring_certifications(today=timezone.localdate())
