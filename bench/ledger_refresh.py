#!/usr/bin/env python
"""Benchmark: how long the dashboards take to take in one new fact at city scale (issue 15).

    .venv/bin/python bench/ledger_refresh.py [--database bench_dash_full] [--runs 15]

Needs the city that `bench/dashboard_scale.py --keep` (or `--build-only`) leaves in
PostgreSQL. For each kind of fact the domain records, it picks a bucket at random from the
city, records the fact in the ledger as the services do (a walk-in goes through the real
service), and times `refresh_summaries()`: the Celery task's whole work for that fact
(claiming it, recomputing its buckets from the source rows, marking it summarised). Every
run happens inside a transaction that is rolled back, so the city is left as it was.
Prints the median, p95 and slowest refresh per kind. Nothing here asserts a time.
"""

import argparse
import json
import os

import _harness as h

SCRIPT = """
import json, random, statistics, time
from datetime import timedelta
from django.db import transaction
from django.utils import timezone
from engagement_portal.accounts.models import User
from engagement_portal.core import ledger
from engagement_portal.core.models import LedgerEntry
from events import services as events
from events.models import Event
from programs.dashboard.refresh import refresh_summaries
from surveys.models import Response

rng = random.Random(15)
now = timezone.now()
ended = Event.objects.filter(ends_at__lt=now).exclude(status="cancelled")
past = list(ended.values_list("pk", flat=True)[:5000])
upcoming = list(Event.objects.filter(starts_at__gt=now).values_list("pk", "program_id")[:5000])
answered = list(
    Response.objects.values_list(
        "survey_id", "survey__program_id", "submitted_on", "neighbourhood_id"
    )[:5000]
)
staff = User.objects.filter(is_staff=False, unit__isnull=False).first() or User.objects.first()
LedgerEntry.objects.filter(summarised_at=None).update(summarised_at=now)


def walk_in():
    event = Event.objects.get(pk=rng.choice(past))
    events.record_walk_in(event=event, recorded_by=staff, party_size=2)


def registration():
    event_id, program_id = rng.choice(upcoming)
    ledger.record(ledger.REGISTERED, event_id=event_id, program_id=program_id)


def response():
    survey_id, program_id, day, hood = rng.choice(answered)
    ledger.record(
        ledger.RESPONDED, program_id=program_id, survey_id=survey_id, day=day,
        neighbourhood_id=hood,
    )


def hours():
    event = Event.objects.get(pk=rng.choice(past))
    ledger.record(ledger.PARTICIPATED, program_id=event.program_id, day=event.starts_at)


def invitations():
    survey_id = rng.choice(answered)[0]
    ledger.record(ledger.INVITED, survey_id=survey_id)


out = {}
KINDS = [
    ("walk-in (event and its day)", walk_in),
    ("registration (seats)", registration),
    ("survey response (day, answers)", response),
    ("hours or attendance (day)", hours),
    ("invitations sent (survey)", invitations),
]
for name, make in KINDS:
    times = []
    for _ in range(__RUNS__ + 1):
        with transaction.atomic():
            make()
            started = time.perf_counter()
            done = refresh_summaries()
            times.append(time.perf_counter() - started)
            assert done == 1, done
            transaction.set_rollback(True)
    times = sorted(times[1:])  # the first warms the caches
    out[name] = {"median": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))],
                 "max": times[-1]}
print("RESULT" + json.dumps(out))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="bench_dash_full")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    url = base.rsplit("/", 1)[0] + f"/{args.database}"
    env = h.production_env(url)
    script = SCRIPT.replace("__RUNS__", str(args.runs))
    output = h.manage(env, "shell", "-c", script, capture=True)
    result = json.loads(output.split("RESULT", 1)[1])
    print(f"Refresh of one new fact on {args.database} ({args.runs} runs each):")
    print(f"  {'fact':<34} {'median':>9} {'p95':>9} {'max':>9}")
    for name, s in result.items():
        print(f"  {name:<34} {s['median']:>8.3f}s {s['p95']:>8.3f}s {s['max']:>8.3f}s")


if __name__ == "__main__":
    main()
