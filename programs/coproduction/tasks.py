from celery import shared_task
from django.utils import timezone

from programs.coproduction import services_recommendations


@shared_task
def flag_overdue_recommendations() -> int:
    """Remind responsible staff of overdue answers. Run twice: one message per week each."""
    return services_recommendations.flag_overdue(today=timezone.localdate())
