#!/usr/bin/env python
"""Fault and fleet harness (issue 16): the portal as a fleet on one machine, with faults.

    .venv/bin/python bench/fleet_faults.py [--residents 300] [--seats 100]

Starts a private redis-server (cache and broker), an SMTP sink (aiosmtpd), and against
one scratch PostgreSQL database: two gunicorn instances, two Celery workers and two
beats (one leads, one stands by). Then, for about a minute and a half:

- residents register for one event through both instances, alternately, and one in five
  cancels through their private link;
- a survey distribution (--contacts invitations) and a reminder sweep (--reminders due
  reminders) run on the workers;
- faults: Redis is killed for --outage seconds, then the SMTP sink is stopped for as long,
  then one worker is killed with SIGKILL (and not restarted), each after the previous one
  has recovered.

It prints: registrations confirmed against seats (no oversell), waitlisted, error pages
(answers >= 500 or no answer: must be 0), messages lost (outbox rows that never reached
the sink: must be 0), duplicates (Message-IDs the sink got more than once: at most the
messages in flight when the worker was killed), and for each fault the time from its end
to full recovery: every message queued so far delivered.

BENCH_FLEET_PORTS (default 8801), BENCH_DATABASE (default portal_bench_fleet) keep runs
apart. Needs redis-server on the PATH and PostgreSQL as `.ci/run` starts it.
"""

import argparse
import collections
import http.client
import os
import re
import signal
import socket
import subprocess
import tempfile
import threading
import time
from urllib.parse import urlencode

import _harness as h

BASE_PORT = int(os.environ.get("BENCH_FLEET_PORTS", "8801"))

SETUP = """
import json
from datetime import timedelta
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask
from engagement_portal.accounts.models import User
from events import services
from events.models import Event
from surveys import distribution as d
from surveys.models import Question, Survey
from tests.factories import ProgramFactory

now = timezone.now()
start = now + timedelta(days=7)
busy = Event.objects.create(program=ProgramFactory(), title="Town hall", capacity={seats},
                            starts_at=start, ends_at=start + timedelta(hours=2))
soon = now + timedelta(minutes=90)
coffee = Event.objects.create(program=ProgramFactory(), title="Coffee with a Cop",
                              capacity=100000, starts_at=soon, ends_at=soon + timedelta(hours=2))
for i in range({reminders}):
    services.register(event=coffee, name=f"Early {{i}}", email=f"early{{i}}@example.net",
                      wants_reminders=True, now=now - timedelta(days=2))
# The reminder sweep last ran yesterday: the first beat to lead sends it at once.
every, _ = IntervalSchedule.objects.get_or_create(every=5, period=IntervalSchedule.MINUTES)
PeriodicTask.objects.update_or_create(name="send-due-reminders", defaults={{
    "task": "events.tasks.send_due_reminders", "interval": every,
    "last_run_at": now - timedelta(days=1)}})
owner = User.objects.create_user(email="bench@example.org", full_name="Bench")
survey = Survey.objects.create(owner=owner, title={{"en": "How are we doing?"}},
                               languages=["en"], status="open")
Question.objects.create(survey=survey, kind="rating", text={{"en": "Rate us"}})
with open({csv!r}, "w") as f:
    f.write("name,email,phone,language\\n")
    for i in range({contacts}):
        f.write(f"Resident {{i}},invited{{i}}@example.net,,en\\n")
with open({csv!r}, "rb") as f:
    contacts = d.read_contacts_csv(f)
dist = d.create_distribution(survey=survey, audience="csv", user=owner,
                             parameters={{"channel": "email"}}, contacts=contacts.contacts)
print(json.dumps({{"event": busy.public_id, "distribution": dist.pk}}))
"""

START_DISTRIBUTION = """
from surveys import distribution as d
from surveys.models import Distribution
d.start_distribution(Distribution.objects.get(pk={pk}))
print("started")
"""

OUTBOX = """
import json
from django.db.models import Count
from engagement_portal.messaging.models import OutboxMessage as M
from events.models import Registration as R
counts = dict(M.objects.values_list("status").annotate(n=Count("pk")))
seats = dict(
    R.objects.filter(event__public_id={event!r}).values_list("status").annotate(n=Count("pk"))
)
print(json.dumps({{"outbox": counts, "registrations": seats}}))
"""


class Sink:
    """An SMTP server that records each message's Message-ID; stop() and start() again."""

    def __init__(self, port):
        from aiosmtpd.controller import Controller

        self.ids = collections.Counter()
        self.lock = threading.Lock()
        self.controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        found = re.search(rb"^Message-ID:\s*(\S+)", envelope.content, re.I | re.M)
        with self.lock:
            self.ids[found.group(1).decode() if found else f"none-{len(self.ids)}"] += 1
        return "250 OK"

    def start(self):
        self.controller.start()

    def stop(self):
        self.controller.stop()

    @property
    def received(self):
        with self.lock:
            return sum(self.ids.values())


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(port):
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
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def request(port, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def form(port, path):
    status, headers, body = request(port, "GET", path)
    if status != 200:
        return status, None, None
    cookie = headers.get("Set-Cookie", "")
    cookie = re.search(r"csrftoken=[^;]+", cookie).group(0)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    return status, cookie, token


def post(port, path, cookie, fields):
    return request(
        port,
        "POST",
        path,
        urlencode(fields),
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie,
            "Referer": f"http://127.0.0.1:{port}{path}",
        },
    )


class Load(threading.Thread):
    """Residents registering at a steady rate through both instances; one in five cancels."""

    def __init__(self, ports, event, residents, seconds):
        super().__init__(daemon=True)
        self.ports, self.event, self.residents, self.seconds = ports, event, residents, seconds
        self.answers = collections.Counter()
        self.errors = []
        self.cancelled = 0

    def one(self, n):
        port = self.ports[n % len(self.ports)]
        path = f"/events/{self.event}/register/"
        try:
            status, cookie, token = form(port, path)
            if status != 200:
                self.errors.append((n, "form", status))
                return
            status, headers, _ = post(
                port,
                path,
                cookie,
                {
                    "csrfmiddlewaretoken": token,
                    "name": f"Resident {n}",
                    "email": f"fleet{n}@example.net",
                    "language": "en",
                    "party_size": "1",
                },
            )
            self.answers[status] += 1
            if status >= 500:
                self.errors.append((n, "register", status))
                return
            if status == 302 and n % 5 == 0:
                manage = headers["Location"]
                status, cookie, token = form(port, manage + "cancel/")
                if status == 200:
                    status, _, _ = post(
                        port, manage + "cancel/", cookie, {"csrfmiddlewaretoken": token}
                    )
                self.answers[f"cancel {status}"] += 1
                if status >= 500:
                    self.errors.append((n, "cancel", status))
                else:
                    self.cancelled += 1
        except Exception as exc:  # noqa: BLE001 — no answer is an error page too
            self.errors.append((n, "no answer", repr(exc)[:120]))

    def run(self):
        gap = self.seconds / self.residents
        threads = []
        for n in range(self.residents):
            thread = threading.Thread(target=self.one, args=(n,), daemon=True)
            thread.start()
            threads.append(thread)
            time.sleep(gap)
        for thread in threads:
            thread.join(timeout=120)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=300)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--contacts", type=int, default=2000)
    parser.add_argument("--reminders", type=int, default=200)
    parser.add_argument("--outage", type=float, default=15, help="seconds each outage lasts")
    parser.add_argument("--load-seconds", type=float, default=75)
    args = parser.parse_args()

    redis_port, smtp_port = free_port(), free_port()
    db = h.scratch_database(os.environ.get("BENCH_DATABASE", "portal_bench_fleet"))
    env = h.production_env(
        db,
        CELERY_BROKER_URL=f"redis://127.0.0.1:{redis_port}/0",
        DJANGO_CACHE_URL=f"redis://127.0.0.1:{redis_port}/1",
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        PORTAL_PUBLIC_POST_RATE="1000000/m",
    )
    redis = start_redis(redis_port)
    sink = Sink(smtp_port)
    sink.start()
    h.manage(env, "migrate", "--noinput")
    h.manage(env, "collectstatic", "--noinput")
    csv = os.path.join(tempfile.mkdtemp(), "contacts.csv")
    import json

    ids = json.loads(
        h.manage(
            env,
            "shell",
            "-c",
            SETUP.format(
                seats=args.seats,
                reminders=args.reminders,
                contacts=args.contacts,
                csv=csv,
            ),
            capture=True,
        )
    )
    ports = [BASE_PORT, BASE_PORT + 1]
    web = [
        subprocess.Popen(
            [
                str(h.BIN / "gunicorn"),
                "engagement_portal.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "2",
                "-k",
                "gthread",
                "--threads",
                "8",
                "--log-level",
                "warning",
            ],
            cwd=h.ROOT,
            env=env,
        )
        for port in ports
    ]
    workers = [h.start_worker(env, 2) for _ in range(2)]
    beats = [
        subprocess.Popen(
            [str(h.BIN / "celery"), "-A", "engagement_portal", "beat", "--loglevel", "warning"],
            cwd=h.ROOT,
            env=env,
        )
        for _ in range(2)
    ]
    recoveries = {}

    def outbox():
        return json.loads(
            h.manage(env, "shell", "-c", OUTBOX.format(event=ids["event"]), capture=True)
        )

    def wait_recovered(label, ended):
        """Until every message queued so far is sent (none pending or being sent)."""
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            state = outbox()["outbox"]
            if not state.get("pending") and not state.get("sending"):
                recoveries[label] = time.monotonic() - ended
                return
            time.sleep(2)
        recoveries[label] = None

    try:
        for port in ports:
            h.wait_for(f"http://127.0.0.1:{port}/healthz")
        load = Load(ports, ids["event"], args.residents, args.load_seconds)
        load.start()
        h.manage(env, "shell", "-c", START_DISTRIBUTION.format(pk=ids["distribution"]))
        time.sleep(8)

        print(f"fault 1: Redis (cache and broker) killed for {args.outage:g} s")
        redis.kill()
        redis.wait()
        time.sleep(args.outage)
        redis = start_redis(redis_port)
        wait_recovered("Redis", time.monotonic())

        print(f"fault 2: SMTP sink stopped for {args.outage:g} s")
        sink.stop()
        time.sleep(args.outage)
        sink = _restart(sink, smtp_port)
        wait_recovered("SMTP relay", time.monotonic())

        print("fault 3: one worker killed with SIGKILL")
        workers[0].send_signal(signal.SIGKILL)
        workers[0].wait()
        wait_recovered("worker killed", time.monotonic())

        load.join(timeout=300)
        wait_recovered("end of load", time.monotonic())
        final = outbox()
    finally:
        for process in web + workers[1:] + beats:
            process.send_signal(signal.SIGTERM)
        for process in web + workers[1:] + beats:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        redis.kill()
        sink.stop()

    registrations = final["registrations"]
    sent = final["outbox"].get("sent", 0)
    duplicates = sum(n - 1 for n in sink.ids.values() if n > 1)
    distinct = len(sink.ids)
    print()
    print(
        f"residents:            {args.residents} through 2 instances, {args.seats} seats,"
        f" {load.cancelled} cancelled"
    )
    print(f"confirmed:            {registrations.get('confirmed', 0)}  (at most {args.seats})")
    print(f"waitlisted:           {registrations.get('waitlisted', 0)}")
    print(f"cancelled:            {registrations.get('cancelled', 0)}")
    print(f"answers:              {dict(load.answers)}")
    print(
        f"error pages:          {len(load.errors)}  (must be 0)"
        + (f"  first: {load.errors[:3]}" if load.errors else "")
    )
    print(f"outbox:               {final['outbox']}")
    print(
        f"messages lost:        {max(sent - distinct, 0)}  (sent rows the sink never got;"
        f" must be 0); failed rows: {final['outbox'].get('failed', 0)}"
    )
    print(
        f"sink:                 {sink.received} received, {distinct} distinct Message-IDs,"
        f" {duplicates} duplicates"
    )
    for label, seconds in recoveries.items():
        shown = "not within 5 min" if seconds is None else f"{seconds:.1f} s"
        print(f"recovery after {label + ':':20} {shown}")


def _restart(sink, port):
    fresh = Sink(port)
    fresh.ids = sink.ids  # one count across the outage
    fresh.start()
    return fresh


if __name__ == "__main__":
    main()
