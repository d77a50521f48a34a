#!/usr/bin/env python
"""Benchmark: a survey distribution to N contacts with a real Celery worker and an SMTP sink.

    .venv/bin/python bench/survey_distribution.py [--contacts 100000] [--concurrency 2]

Creates a scratch PostgreSQL database, an open survey and a CSV of --contacts contacts;
starts an SMTP sink (aiosmtpd) and a Celery worker on Redis (db 3) with EMAIL_URL pointing
at the sink. Then, in one run, measures:

- creating the invitations: reading the CSV, resolving the audience, inserting the rows;
- the distribution end to end: from Start until the sink has every invitation;
- baseline (a): the same number of equivalent messages sent by a raw
  `get_connection().send_messages` loop to the same sink;
- baseline (b): round trips of an empty Celery task (celery.ping) through the same broker.

and prints both distribution figures as ratios to the two baselines.
"""

import argparse
import os
import subprocess
import tempfile
import time

import _harness as h

SMTP_PORT = 8026
BROKER = "redis://127.0.0.1:6379/3"
PING_ROUND_TRIPS = 1000


SETUP = """
from engagement_portal.accounts.models import User
from surveys.models import Question, Survey
owner = User.objects.create_user(email="bench@example.org", full_name="Bench")
survey = Survey.objects.create(owner=owner, title={{"en": "How are we doing?"}}, languages=["en"],
                               status="open")
Question.objects.create(survey=survey, kind="rating", text={{"en": "Rate us"}})
with open({path!r}, "w") as f:
    f.write("name,email,phone,language\\n")
    for i in range({n}):
        f.write(f"Resident {{i}},resident{{i}}@example.net,,en\\n")
print(survey.pk)
"""

CREATE = """
import time
from engagement_portal.accounts.models import User
from surveys import distribution as d
from surveys.models import Survey
started = time.perf_counter()
with open({path!r}, "rb") as f:
    result = d.read_contacts_csv(f)
assert result.ok, result.problem or result.errors[:3]
dist = d.create_distribution(survey=Survey.objects.get(pk={survey}), audience="csv",
    user=User.objects.get(email="bench@example.org"), parameters={{"channel": "email"}},
    contacts=result.contacts)
print(dist.pk, dist.invitations.count(), round(time.perf_counter() - started, 3))
"""

START = """
from surveys import distribution as d
from surveys.models import Distribution
d.start_distribution(Distribution.objects.get(pk={pk}))
print("started")
"""

RAW_SEND = """
import time
from django.core import mail
body = "x" * {body_length}
messages = [mail.EmailMessage(subject="Your views, please: How are we doing?", body=body,
            to=[f"raw{{i}}@example.net"]) for i in range({n})]
started = time.perf_counter()
with mail.get_connection() as connection:
    for i in range(0, {n}, 500):
        connection.send_messages(messages[i:i + 500])
print(round(time.perf_counter() - started, 3))
"""

PING = """
import time
from celery.contrib.testing.tasks import ping
ping.apply_async(queue="default").get(timeout=30)  # warm up
started = time.perf_counter()
for _ in range({k}):
    ping.apply_async(queue="default").get(timeout=30)
print(round(time.perf_counter() - started, 3))
"""

STATS = """
from engagement_portal.messaging.models import OutboxMessage as M
from surveys.distribution import progress
from surveys.models import Distribution
dist = Distribution.objects.get(pk={pk})
p = progress(dist)
body = M.objects.filter(key__startswith="survey-invitation:").first().body_text
print(dist.status, p["sent"], p["failed"], p["total"], len(body))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes sharing the outbox"
    )
    args = parser.parse_args()
    n = args.contacts

    db = h.scratch_database("portal_bench_survey_distribution")
    env = h.production_env(db, CELERY_BROKER_URL=BROKER, EMAIL_URL=f"smtp://127.0.0.1:{SMTP_PORT}")
    subprocess.run(["redis-cli", "-n", "3", "flushdb"], capture_output=True, check=True)
    h.manage(env, "migrate", "--noinput")
    csv_path = os.path.join(tempfile.mkdtemp(prefix="bench-survey-"), "contacts.csv")
    survey = h.manage(env, "shell", "-c", SETUP.format(path=csv_path, n=n), capture=True)

    sink = h.SmtpSink(SMTP_PORT).start()
    workers = [
        h.start_worker(
            env, args.concurrency, "-I", "celery.contrib.testing.tasks", "-n", f"bench{i}@%h"
        )
        for i in range(args.workers)
    ]
    try:
        time.sleep(3)
        # Baseline (b): empty task round trips through the broker and result backend.
        ping_seconds = float(
            h.manage(env, "shell", "-c", PING.format(k=PING_ROUND_TRIPS), capture=True)
        )
        ping_rate = PING_ROUND_TRIPS / ping_seconds

        # The distribution: create the invitations, then start and wait for the sink.
        pk, invited, create_seconds = h.manage(
            env, "shell", "-c", CREATE.format(path=csv_path, survey=survey), capture=True
        ).split()
        create_seconds = float(create_seconds)
        sink.count = 0
        started = time.perf_counter()
        h.manage(env, "shell", "-c", START.format(pk=pk))
        done = sink.wait_for(n, timeout=3600)
        send_seconds = done - started
        received = sink.count
        arrivals = list(sink.arrivals)
        status, sent, failed, total, body_length = h.manage(
            env, "shell", "-c", STATS.format(pk=pk), capture=True
        ).split()

        # Baseline (a): the same number of equivalent messages, raw, to the same sink.
        sink.count = 0
        raw_seconds = float(
            h.manage(
                env,
                "shell",
                "-c",
                RAW_SEND.format(n=n, body_length=int(body_length)),
                capture=True,
            )
        )
        raw_received = sink.count
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        sink.stop()

    sent_rate = received / send_seconds
    raw_rate = raw_received / raw_seconds
    tenth = max(len(arrivals) // 10, 2)
    first_rate = (tenth - 1) / max(arrivals[tenth - 1] - arrivals[0], 1e-9)
    last_rate = (tenth - 1) / max(arrivals[-1] - arrivals[-tenth], 1e-9)
    print(
        f"contacts:                   {n} (CSV), {args.workers} worker(s), "
        f"prefork concurrency {args.concurrency} each"
    )
    print(f"invitations created:        {invited} in {create_seconds:.1f} s")
    print(
        f"distribution:               {received} of {n} received by the sink in "
        f"{send_seconds:.1f} s = {sent_rate:.0f} invitations/s "
        f"(status {status}; outbox {sent} sent, {failed} failed of {total})"
    )
    print(
        f"(a) raw send_messages loop: {raw_received} messages in {raw_seconds:.1f} s "
        f"= {raw_rate:.0f} messages/s"
    )
    print(
        f"(b) empty Celery task:      {ping_rate:.0f} round trips/s ({PING_ROUND_TRIPS} sequential)"
    )
    print(
        f"creation vs (a):            {create_seconds / raw_seconds:.2f}× the raw loop's time "
        f"for the same number of messages"
    )
    print(
        f"creation vs (b):            {create_seconds / (n / ping_rate):.3f}× the time of "
        f"{n} empty task round trips"
    )
    print(f"sending vs (a):             {sent_rate / raw_rate:.2f}× the raw loop's rate")
    print(
        f"first tenth / last tenth:   {first_rate:.0f} / {last_rate:.0f} invitations/s "
        f"(last/first {last_rate / first_rate:.2f}; {tenth} messages each, between arrivals)"
    )
    print(f"sending vs (b):             {sent_rate / ping_rate:.2f}× the empty task rate")
    raise SystemExit(0 if received == n and int(sent) == n else 1)


if __name__ == "__main__":
    main()
