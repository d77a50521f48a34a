"""Celery wiring: in-process by default, a real worker on Redis when a broker is configured."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from engagement_portal.celery import app
from engagement_portal.core import tasks

ROOT = Path(__file__).resolve().parents[2]


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
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); "
            "from django.conf import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER)",
        ],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"},
        cwd=ROOT,
    )
    assert result.stdout.strip() == "True", result.stderr
    assert tasks.ping.delay("hello").get() == "hello"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_every_scheduled_task_exists_and_beat_stores_the_schedule():
    """As `celery beat` does at start-up. Transactional: the scheduler closes connections."""
    from django_celery_beat.models import PeriodicTask
    from django_celery_beat.schedulers import DatabaseScheduler

    app.loader.import_default_modules()  # what a worker does: import every app's tasks.py
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in app.tasks, entry["task"]
    DatabaseScheduler(app=app)  # syncs CELERY_BEAT_SCHEDULE into the database
    for name, entry in settings.CELERY_BEAT_SCHEDULE.items():
        stored = PeriodicTask.objects.get(name=name)
        assert stored.task == entry["task"]
        assert stored.enabled


def test_clear_expired_sessions_deletes_once(db):
    now = timezone.now()
    Session.objects.create(session_key="old", session_data="", expire_date=now - timedelta(1))
    Session.objects.create(session_key="new", session_data="", expire_date=now + timedelta(1))
    assert tasks.clear_expired_sessions() == 1
    assert tasks.clear_expired_sessions() == 0
    assert list(Session.objects.values_list("session_key", flat=True)) == ["new"]


@pytest.mark.celery_worker
def test_a_real_worker_on_redis_runs_a_task(celery_worker):
    result = tasks.ping.apply_async(args=["through redis"])
    assert result.get(timeout=30) == "through redis"
