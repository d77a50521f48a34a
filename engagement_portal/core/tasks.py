"""Project-wide Celery tasks."""

from celery import shared_task
from django.contrib.sessions.models import Session
from django.utils import timezone


@shared_task
def ping(value: str = "pong") -> str:
    """Echo a value back: proves a worker runs tasks. Safe to run any number of times."""
    return value


@shared_task
def clear_expired_sessions() -> int:
    """Delete expired sessions; running it twice deletes nothing the second time."""
    deleted, _by_model = Session.objects.filter(expire_date__lt=timezone.now()).delete()
    return deleted
