"""Redis stops while residents register (issue 16, finding 1).

The portal runs as it does in production, in a process of its own (`manage.py shell`
with DEBUG off, the cache and the broker on Redis), against this test's database: one
registration while Redis is up, then Redis is killed and five more arrive. Each must
answer with the confirmation's redirect, never an error page, and each registration and
its confirmation must be on record; once Redis is back the outbox's sweep sends them.
Three outages: the Redis that holds the cache and the broker, the broker's alone, and the
cache's alone (the rate limits count there: they let residents through while it is down).
"""

import json
import os
import socket
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.utils import timezone

from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import send_pending
from events.models import Event, Registration
from tests.conftest import skip_or_fail
from tests.factories import ProgramFactory
from tests.local_servers import free_port

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, os, signal, time
from datetime import datetime
import time_machine
from django.test import Client

# The portal's clock is the test's (which an --as-of run moves).
time_machine.travel(datetime.fromisoformat(os.environ["FAULT_NOW"]), tick=True).start()

client = Client(HTTP_HOST="localhost", raise_request_exception=False)
path = "/events/%s/register/" % os.environ["FAULT_EVENT"]

def post(n):
    started = time.monotonic()
    response = client.post(path, {
        "name": "Resident %d" % n, "email": "fault%d@example.net" % n,
        "language": "en", "party_size": "1",
    })
    return [response.status_code, response.get("Location", ""), time.monotonic() - started]

before = post(0)
os.kill(int(os.environ["FAULT_REDIS_PID"]), signal.SIGKILL)
time.sleep(0.5)
during = [post(n) for n in range(1, 6)]
print(json.dumps({"before": before, "during": during}))
"""


def _start_redis(port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    server.kill()
    raise RuntimeError("redis-server did not start")


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.fixture
def shared_redis_url():
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("redis://"):
        skip_or_fail("CELERY_BROKER_URL is not a Redis: no second Redis to keep up")
    return url


@pytest.mark.parametrize("down", ["cache and broker", "broker", "cache"])
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_redis_outage_shows_no_error_page_and_loses_no_registration(down, shared_redis_url):
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        skip_or_fail("the portal's process shares this test's database: PostgreSQL only")
    if not any(
        os.access(os.path.join(p, "redis-server"), os.X_OK)
        for p in os.environ["PATH"].split(os.pathsep)
    ):
        skip_or_fail("redis-server is not installed")
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(
        program=ProgramFactory(),
        title="Coffee with a Cop",
        capacity=3,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    port = free_port()
    doomed = f"redis://127.0.0.1:{port}/0"
    redis = _start_redis(port)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
        env.update(
            DJANGO_DEBUG="0",
            DJANGO_SECRET_KEY=settings.SECRET_KEY,
            DJANGO_ALLOWED_HOSTS="localhost",
            DJANGO_SECURE_SSL_REDIRECT="0",
            DATABASE_URL=_database_url(),
            DJANGO_CACHE_URL=doomed if "cache" in down else shared_redis_url,
            CELERY_BROKER_URL=doomed if "broker" in down else shared_redis_url,
            FAULT_EVENT=event.public_id,
            FAULT_NOW=timezone.now().isoformat(),
            FAULT_REDIS_PID=str(redis.pid),
        )
        out = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", SCRIPT],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert out.returncode == 0, out.stderr[-3000:]
        answers = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        redis.kill()
        redis.wait()

    assert answers["before"][0] == 302
    assert [a[0] for a in answers["during"]] == [302] * 5, answers
    assert all("/events/r/" in a[1] for a in answers["during"])  # each one's private link
    print(f"{down} down: answers in", ", ".join(f"{a[2]:.2f} s" for a in answers["during"]))

    registrations = Registration.objects.filter(event=event)
    assert registrations.count() == 6
    assert sorted(registrations.values_list("status", flat=True)) == (
        ["confirmed"] * 3 + ["waitlisted"] * 3
    )
    keys = {f"registration:{pk}:received" for pk in registrations.values_list("pk", flat=True)}
    assert set(OutboxMessage.objects.values_list("key", flat=True)) >= keys
    # Redis is back: the 30-second sweep (send_pending_messages) sends what waited.
    mail.outbox = []
    send_pending(batch_size=50, now=timezone.now() + timedelta(minutes=1))
    assert OutboxMessage.objects.filter(key__in=keys, status=OutboxMessage.Status.SENT).count() == 6
