"""Celery wiring: in-process by default, a real worker on Redis when a broker is configured."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from engagement_portal.celery import app
from engagement_portal.core import tasks
from tests.conftest import skip_or_fail


def test_tasks_use_json_late_acks_and_a_visibility_timeout_longer_than_any_task():
    conf = app.conf
    assert conf.task_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    visibility = conf.broker_transport_options["visibility_timeout"]
    assert visibility > conf.task_time_limit > conf.task_soft_time_limit


def test_messaging_tasks_go_to_the_mail_queue_and_others_to_default():
    router = app.amqp.router
    assert router.route({}, "engagement_portal.messaging.tasks.send_pending")["queue"].name == (
        "mail"
    )
    assert router.route({}, "engagement_portal.core.tasks.ping")["queue"].name == "default"


def test_without_a_broker_tasks_run_in_process():
    if settings.CELERY_BROKER_URL:
        pytest.skip("a broker is configured; the eager path is the embedded default")
    assert tasks.ping.delay("hello").get() == "hello"


def test_every_scheduled_task_exists_and_beat_stores_the_schedule(db):
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
    DatabaseScheduler(app=app)  # syncs CELERY_BEAT_SCHEDULE into the database
    stored = PeriodicTask.objects.get(name="clear-expired-sessions")
    assert stored.task == "engagement_portal.core.tasks.clear_expired_sessions"
    assert stored.enabled


def test_clear_expired_sessions_deletes_once(db):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + timedelta(1))
    assert tasks.clear_expired_sessions() == 1
    assert tasks.clear_expired_sessions() == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.celery_worker
def test_a_real_worker_on_redis_runs_a_task():
    if not os.environ.get("CELERY_BROKER_URL"):
        skip_or_fail("CELERY_BROKER_URL is not set; no Redis broker to test against")
    from celery.contrib.testing.worker import start_worker

    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for the ping check)

    assert app.conf.task_always_eager is False
    with start_worker(app, pool="solo", perform_ping_check=True, shutdown_timeout=30):
        result = tasks.ping.apply_async(args=["through redis"])
        assert result.get(timeout=30) == "through redis"
