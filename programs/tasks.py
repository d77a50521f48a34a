from celery import shared_task
from django.utils import timezone

from . import services_partners, services_recommendations, services_volunteers


@shared_task
def flag_overdue_recommendations() -> int:
    """Remind responsible staff of overdue answers. Run twice: one message per week each."""
    return services_recommendations.flag_overdue(today=timezone.localdate())


@shared_task
def remind_agreement_renewals() -> int:
    """Remind staff of partner agreements due for renewal. Run twice: one message per date."""
    return services_partners.remind_agreement_renewals(today=timezone.localdate())


@shared_task
def remind_expiring_certifications() -> int:
    """Remind volunteers and program owners of certifications about to lapse or just lapsed.
    Run twice: one message per certification, expiry date, kind and recipient."""
    return services_volunteers.remind_expiring_certifications(today=timezone.localdate())
