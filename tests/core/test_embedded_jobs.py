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


def test_make_run_serves_on_the_port_asked_for_and_links_follow_it(tmp_path):
    """Issue 17, item 7: `make run PORT=8011` serves there, and the worker and the demo
    build the links in messages on that address (unless PORTAL_BASE_URL says otherwise).
    The commands are stand-ins that write down how they were called."""
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".runtime").touch()
    calls = tmp_path / "calls.log"
    for name in ("python", "celery"):
        script = venv / "bin" / name
        script.write_text(f'#!/bin/sh\necho "{name} $* | $PORTAL_BASE_URL" >> {calls}\n')
        script.chmod(0o755)
    # The worker starts in the background and make kills it when the server stops; the
    # stand-in server waits (at most 10 s) until the worker has written its line, as the
    # real one runs until Ctrl-C. Without this the kill can beat the worker's echo.
    (venv / "bin" / "python").write_text(
        "#!/bin/sh\n"
        f'echo "python $* | $PORTAL_BASE_URL" >> {calls}\n'
        'case "$*" in *runserver*)\n'
        f"  for _ in $(seq 100); do grep -q ^celery {calls} && break; sleep 0.1; done;;\n"
        "esac\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PORTAL_BASE_URL"}

    def make_run(*args, **extra):
        calls.write_text("")
        subprocess.run(
            ["make", "-s", "run", f"VENV={venv}", *args],
            cwd=ROOT,
            env={**env, **extra},
            check=True,
            timeout=60,
            capture_output=True,
        )
        return calls.read_text().splitlines()

    lines = make_run("PORT=8011")
    assert any("runserver 127.0.0.1:8011" in line for line in lines), lines
    assert all(line.endswith("| http://127.0.0.1:8011") for line in lines), lines
    assert any(line.startswith("celery") for line in lines) and len(lines) == 4
    lines = make_run(PORTAL_BASE_URL="https://portal.example.org")
    assert any("runserver 127.0.0.1:8000" in line for line in lines), lines
    assert all(line.endswith("| https://portal.example.org") for line in lines), lines
