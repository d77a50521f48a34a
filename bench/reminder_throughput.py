#!/usr/bin/env python
"""Benchmark: reminders through the outbox with a real Celery worker into a local SMTP sink.

    .venv/bin/python bench/reminder_throughput.py [--reminders 10000] [--concurrency 2]

Creates a scratch PostgreSQL database with --reminders confirmed registrations whose
24-hour reminder is due, starts an SMTP sink (aiosmtpd) and a Celery worker on Redis
with EMAIL_URL pointing at the sink, runs the reminder sweep task once, and waits until
the sink has every message. Prints the time to queue the reminders into the outbox, the
time until the last message reached the sink, and messages per second end to end.
"""

import argparse
import subprocess
import time

import _harness as h

SMTP_PORT = 8025
BROKER = "redis://127.0.0.1:6379/14"


SETUP = """
from datetime import timedelta
from django.utils import timezone
from engagement_portal.accounts.models import Consent, Resident
from events.models import Event, Registration, Reminder
from tests.factories import ProgramFactory
n = {n}
now = timezone.now()
start = now + timedelta(hours=20)
event = Event.objects.create(program=ProgramFactory(), title="Bench", starts_at=start,
                             ends_at=start + timedelta(hours=2))
Resident.objects.bulk_create([Resident(name=f"R{{i}}", email=f"r{{i}}@example.net",
    email_normalised=f"r{{i}}@example.net") for i in range(n)], batch_size=2000)
residents = list(Resident.objects.order_by("pk"))
past = now - timedelta(days=2)
Consent.objects.bulk_create([Consent(resident=r, channel="email", granted_at=past)
                             for r in residents], batch_size=2000)
Registration.objects.bulk_create([Registration(event=event, resident=r, token_hash=f"{{i:064d}}",
    check_in_code=f"C{{i:09d}}", status="confirmed", language="en", wants_reminders=True,
    created_at=past, queued_at=past, confirmed_at=past) for i, r in enumerate(residents)],
    batch_size=2000)
Reminder.objects.bulk_create([Reminder(registration=r, kind="before", offset_minutes=1440,
    due_at=start - timedelta(hours=24)) for r in Registration.objects.all()], batch_size=2000)
print(Reminder.objects.count())
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--reminders", type=int, default=10000)
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    db = h.scratch_database("portal_bench_reminders")
    env = h.production_env(db, CELERY_BROKER_URL=BROKER, EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}")
    subprocess.run(["redis-cli", "-n", "14", "flushdb"], capture_output=True, check=True)
    h.manage(env, "migrate", "--noinput")
    created = h.manage(env, "shell", "-c", SETUP.format(n=args.reminders), capture=True)
    print(f"set-up:               {created} reminders due")

    sink = h.SmtpSink(SMTP_PORT).start()
    worker = h.start_worker(env, args.concurrency)
    try:
        time.sleep(3)
        start = time.perf_counter()
        h.manage(
            env,
            "shell",
            "-c",
            "from events.tasks import send_due_reminders as t; print(t.delay().get(timeout=600))",
        )
        queued_at = time.perf_counter()
        deadline = start + 1800
        while sink.count < args.reminders and time.perf_counter() < deadline:
            time.sleep(0.1)
        done = time.perf_counter()
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        sink.stop()
    sent = h.manage(
        env,
        "shell",
        "-c",
        "from engagement_portal.messaging.models import OutboxMessage as M; "
        "print(M.objects.filter(status='sent').count(), M.objects.count())",
        capture=True,
    ).split()
    print(f"worker:               celery prefork, concurrency {args.concurrency}")
    print(f"queued into outbox:   {queued_at - start:.1f} s")
    print(
        f"received by sink:     {sink.count} of {args.reminders} "
        f"(outbox: {sent[0]} sent of {sent[1]} rows)"
    )
    print(
        f"end to end:           {done - start:.1f} s, {sink.count / (done - start):.0f} messages/s"
    )
    raise SystemExit(0 if sink.count == args.reminders else 1)


if __name__ == "__main__":
    main()
