"""Shared set-up for the benchmarks: a scratch PostgreSQL database, the project's settings
in production mode, and helpers to run manage.py and wait for a server."""

import os
import secrets
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import psycopg2

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
BIN = Path(PYTHON).parent


def scratch_database(name: str) -> str:
    """Drop and create database `name` on the server of DATABASE_URL (default: local)."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    parsed = urlparse(base)
    conn = psycopg2.connect(
        dbname="postgres",
        user=parsed.username or "postgres",
        password=parsed.password,
        host=parsed.hostname or "127.0.0.1",
        port=parsed.port or 5432,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return parsed._replace(path=f"/{name}").geturl()


def production_env(database_url: str, **extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "CELERY_"))}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DATABASE_URL=database_url,
        DJANGO_LOG_LEVEL="WARNING",
    )
    env.update(extra)
    return env


def manage(env: dict, *args: str, capture: bool = False) -> str:
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    # `shell` prints a banner line first ("N objects imported automatically"): keep the last.
    return result.stdout.strip().splitlines()[-1] if capture else ""


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within {timeout} s")
        time.sleep(0.2)


class SmtpSink:
    """A local SMTP server (aiosmtpd) that counts the messages it receives."""

    def __init__(self, port: int):
        from aiosmtpd.controller import Controller

        self.count = 0
        self.arrivals: list[float] = []  # time.perf_counter() of each message, in order
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=port)

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        with self._lock:
            self.count += 1
            self.arrivals.append(time.perf_counter())
        return "250 OK"

    def start(self) -> "SmtpSink":
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    def wait_for(self, n: int, timeout: float) -> float:
        """Wait until n messages arrived (or timeout); returns time.perf_counter() then."""
        deadline = time.perf_counter() + timeout
        while self.count < n and time.perf_counter() < deadline:
            time.sleep(0.05)
        return time.perf_counter()


def start_worker(env: dict, concurrency: int, *extra: str) -> subprocess.Popen:
    """A real Celery worker on both queues, as production runs it."""
    return subprocess.Popen(
        [
            str(BIN / "celery"),
            "-A",
            "engagement_portal",
            "worker",
            "-Q",
            "default,mail",
            "-c",
            str(concurrency),
            *extra,
            "--loglevel",
            "warning",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
    )
