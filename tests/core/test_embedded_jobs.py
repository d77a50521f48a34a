"""The embedded default runs its jobs (issue 16, finding 5): `make run` starts a Celery
worker with its beat beside the web server, the queue kept in files (CELERY_BROKER_URL=
filesystem://), on SQLite with console e-mail, nothing to install. Here the same worker
and beat run against a scratch SQLite file, and a reminder that is due is sent and shows
on the worker's console with no manual step."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
from datetime import timedelta
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from events import services
from events.models import Event
from tests.factories import ProgramFactory

now = timezone.now()
start = now + timedelta(minutes=90)
event = Event.objects.create(program=ProgramFactory(), title="Coffee with a Cop",
                             capacity=10, starts_at=start, ends_at=start + timedelta(hours=2))
services.register(event=event, name="Rosa Diaz", email="rosa@example.net",
                  wants_reminders=True, now=now - timedelta(days=2))
# The beat's reminder sweep last ran a day ago (as after a restart), so it is due at once.
every, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
PeriodicTask.objects.update_or_create(
    name="send-due-reminders",
    defaults={"task": "events.tasks.send_due_reminders", "interval": every,
              "last_run_at": now - timedelta(days=1)},
)
print("ready")
"""


@pytest.mark.celery_worker
def test_the_embedded_worker_and_beat_send_a_due_reminder(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'portal.sqlite3'}",
        CELERY_BROKER_URL="filesystem://",
        PORTAL_BROKER_DIR=str(tmp_path / "broker"),
        DJANGO_EMAIL_BACKEND="django.core.mail.backends.console.EmailBackend",
    )

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=True,
        ).stdout

    manage("migrate", "--noinput")
    assert "ready" in manage("shell", "-c", SETUP)
    console = tmp_path / "worker.log"
    with console.open("w") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "engagement_portal",
                "worker",
                "--beat",
                "-Q",
                "default,mail",
                "--pool",
                "solo",
                "--loglevel",
                "info",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 120
        while "Reminder: Coffee with a Cop" not in console.read_text():
            assert worker.poll() is None, console.read_text()[-3000:]
            assert time.monotonic() < deadline, console.read_text()[-3000:]
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    printed = console.read_text()
    assert "To: rosa@example.net" in printed
    assert "You are registered: Coffee with a Cop" in printed  # the confirmation, by the worker
    assert printed.count("Reminder: Coffee with a Cop") == 1  # the 2-hour one; the 24-hour skipped
