#!/usr/bin/env python
"""Benchmark: concurrent registration POSTs against gunicorn and PostgreSQL on loopback.

    .venv/bin/python bench/registration_load.py [--requests 500] [--seats 100] [--workers 4]

Creates a scratch database, one event with --seats seats, starts gunicorn in production
mode, has --requests residents (one thread each) load the registration form, then POST it
all at once and follow the redirect to the confirmation page, as a browser does. Prints
how many were confirmed (must equal the seats), waitlisted, errors (must be 0),
registrations per second (whole resident path: POST and confirmation page), that rate as
a ratio to a minimal Django view (/healthz) hit with the same concurrency by the same
gunicorn in the same run, and each resident's wait: from sending the POST to receiving the
confirmation page (max, p95, median), and to the POST's answer alone. `--no-follow` POSTs
only (the figure this script printed before it followed the redirect).
Tasks go to a Redis broker (as in production) that nothing consumes; its db is flushed.

Several engineers share the machine: BENCH_REDIS_DB (default 15), BENCH_PORT (default
8765) and BENCH_DATABASE (default portal_bench_registration) keep runs apart.
"""

import argparse
import http.client
import os
import re
import signal
import subprocess
import threading
import time
from urllib.parse import urlencode

import _harness as h

PORT = int(os.environ.get("BENCH_PORT", "8765"))
REDIS_DB = os.environ.get("BENCH_REDIS_DB", "15")


def request(method, path, body=None, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=120)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.getheaders(), response.read()
    finally:
        conn.close()


class Resident:
    def __init__(self, n, public_id):
        self.n = n
        self.path = f"/events/{public_id}/register/"

    def load_form(self):
        status, headers, body = request("GET", self.path)
        assert status == 200, (status, body[:300])
        cookie = next(v for k, v in headers if k.lower() == "set-cookie" and "csrftoken" in v)
        self.csrf_cookie = cookie.split(";")[0]
        self.csrf_token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1)

    def register(self, follow=True):
        """POST the form, then load the page it redirects to; returns (status, waits): the
        POST's status and the seconds from sending it to its answer and to the confirmation
        page (None for the latter without `follow` or when the POST was refused)."""
        sent = time.perf_counter()
        status, headers, body = self._post()
        answered = time.perf_counter()
        if status != 302 or not follow:
            return status, (answered - sent, None)
        location = next(v for k, v in headers if k.lower() == "location")
        cookies = [self.csrf_cookie] + [
            v.split(";")[0] for k, v in headers if k.lower() == "set-cookie"
        ]
        page_status, _headers, page = request(
            "GET", location, headers={"Cookie": "; ".join(cookies)}
        )
        received = time.perf_counter()
        if page_status != 200 or b"Your registration" not in page:
            return f"confirmation page {page_status}", (answered - sent, None)
        return status, (answered - sent, received - sent)

    def _post(self):
        data = urlencode(
            {
                "csrfmiddlewaretoken": self.csrf_token.decode(),
                "name": f"Bench Resident {self.n}",
                "email": f"bench{self.n}@example.net",
                "language": "en",
                "party_size": "1",
            }
        )
        return request(
            "POST",
            self.path,
            body=data,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": self.csrf_cookie,
                "Referer": f"http://127.0.0.1:{PORT}{self.path}",
            },
        )


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def burst(n, work):
    """Run work(i) in n threads released together; return (elapsed seconds, results)."""
    barrier = threading.Barrier(n + 1)
    results = [None] * n

    def runner(i):
        barrier.wait()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001
            results[i] = exc

    threads = [threading.Thread(target=runner, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    barrier.wait()
    start = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - start, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--seats", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-follow", action="store_true", help="POST only")
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="DJANGO_CONN_MAX_AGE for gunicorn (60 as in production; 0 connects once per request)",
    )
    args = parser.parse_args()

    db = h.scratch_database(os.environ.get("BENCH_DATABASE", "portal_bench_registration"))
    env = h.production_env(
        db,
        CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{REDIS_DB}",
        PORTAL_PUBLIC_POST_RATE="1000000/m",
        DJANGO_CONN_MAX_AGE=str(args.conn_max_age),
    )
    h.manage(env, "migrate", "--noinput")
    h.manage(env, "collectstatic", "--noinput")
    public_id = (
        h.manage(
            env,
            "shell",
            "-c",
            "from datetime import timedelta; from django.utils import timezone; "
            "from tests.factories import ProgramFactory; from events.models import Event; "
            "s = timezone.now() + timedelta(days=7); "
            "e = Event.objects.create(program=ProgramFactory(), title='Bench', "
            f"capacity={args.seats}, "
            "starts_at=s, ends_at=s + timedelta(hours=2)); print(e.public_id)",
            capture=True,
        )
        .strip()
        .splitlines()[-1]
    )

    server = subprocess.Popen(
        [
            str(h.BIN / "gunicorn"),
            "engagement_portal.wsgi",
            "-b",
            f"127.0.0.1:{PORT}",
            "-w",
            str(args.workers),
            "-k",
            "gthread",
            "--threads",
            str(args.threads),
            "--backlog",
            "2048",
            "--log-level",
            "warning",
        ],
        cwd=h.ROOT,
        env=env,
    )
    try:
        h.wait_for(f"http://127.0.0.1:{PORT}/healthz")
        residents = [Resident(i, public_id) for i in range(args.requests)]
        for resident in residents:
            resident.load_form()
        for _ in range(20):  # warm every worker
            request("GET", "/healthz")

        base_time, base_results = burst(args.requests, lambda i: request("GET", "/healthz")[0])
        reg_time, reg_results = burst(
            args.requests, lambda i: residents[i].register(follow=not args.no_follow)
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    counts = h.manage(
        env,
        "shell",
        "-c",
        "from events.models import Registration as R; "
        "print(R.objects.filter(status='confirmed').count(), "
        "R.objects.filter(status='waitlisted').count())",
        capture=True,
    ).split()
    subprocess.run(["redis-cli", "-n", REDIS_DB, "flushdb"], capture_output=True)
    errors = [r if isinstance(r, Exception) else r[0] for r in reg_results]
    errors = [e for e in errors if e != 302]
    answers = [r[1][0] for r in reg_results if not isinstance(r, Exception) and r[0] == 302]
    pages = [r[1][1] for r in reg_results if not isinstance(r, Exception) and r[1][1]]
    base_errors = [r for r in base_results if r != 200]
    reg_rate = args.requests / reg_time
    base_rate = args.requests / base_time
    print(
        f"requests:             {args.requests} concurrent POSTs, {args.seats} seats, "
        f"gunicorn {args.workers} workers x {args.threads} threads, "
        f"DJANGO_CONN_MAX_AGE={args.conn_max_age}"
    )
    print(f"confirmed:            {counts[0]}  (must be {args.seats})")
    print(f"waitlisted:           {counts[1]}")
    print(
        f"errors:               {len(errors)}  (must be 0)"
        + (f"  first: {errors[:5]}" if errors else "")
    )
    what = "POST only" if args.no_follow else "POST and confirmation page"
    print(f"registrations/s:      {reg_rate:.1f}  ({reg_time:.2f} s for the burst, {what})")
    print(f"/healthz requests/s:  {base_rate:.1f}  ({len(base_errors)} errors)")
    print(f"ratio to /healthz:    {reg_rate / base_rate:.3f}")
    for label, waits in (("POST -> confirmation", pages), ("POST -> its answer", answers)):
        if waits:
            print(
                f"wait {label + ':':22}max {max(waits):.2f} s, p95 {percentile(waits, 0.95):.2f} s,"
                f" median {percentile(waits, 0.5):.2f} s  ({len(waits)} residents)"
            )
    ok = int(counts[0]) == args.seats and not errors
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
