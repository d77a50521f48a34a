from celery import shared_task
from django.utils import timezone

from programs.in_person import services_partners


@shared_task
def remind_agreement_renewals() -> int:
    """Remind staff of partner agreements due for renewal. Run twice: one message per date."""
    return services_partners.remind_agreement_renewals(today=timezone.localdate())
