"""Survey tasks: thin wrappers over surveys.distribution and surveys.services."""

from celery import shared_task
from django.db import OperationalError

from . import distribution

# A runner hands the rest of a long distribution to a fresh task before the soft time limit
# (CELERY_TASK_SOFT_TIME_LIMIT, 5 minutes) could cut it off mid-batch.
TIME_BUDGET_SECONDS = 120


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def run_distribution(distribution_id: int) -> str:
    """Queue a distribution's invitations batch by batch. Twice or at once: each goes once."""
    outcome = distribution.send_distribution(distribution_id, time_budget=TIME_BUDGET_SECONDS)
    if outcome == "more":
        run_distribution.delay(distribution_id)
    return outcome


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def remind_non_responders() -> int:
    """Queue due reminders to non-responders. Run twice, each reminder is queued once."""
    return distribution.remind_non_responders()


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def release_held_responses(survey_id: int | None = None) -> int:
    """Publish held anonymous responses whose group is complete. Run twice: published once."""
    from . import services

    return services.release_held_responses(survey_id=survey_id)
