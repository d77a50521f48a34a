"""Shared fixtures. Personas: alice and bob run programs, carol is command staff, dave is a
resident with an account, root is an administrator."""

import os
import shutil

import pytest

from engagement_portal.accounts import roles

from .factories import PASSWORD, StaffUserFactory, UnitFactory, UserFactory

pytest_plugins = ["tests.clock", "tests.shards"]

REQUIRE_ALL = os.environ.get("PORTAL_REQUIRE_ALL_TESTS") == "1"


def skip_or_fail(reason: str) -> None:
    """Skip locally when a service or tool is missing; in CI (PORTAL_REQUIRE_ALL_TESTS=1) fail."""
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (required in CI)")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def fresh_rate_limits(monkeypatch):
    """Rate limits count in the cache, per window of the clock (a minute, an hour). Each test
    starts with nobody over a limit, and all of its posts fall in one window: a minute that
    turned over in the middle of a test reset its count, and "the third post is refused"
    failed now and then (seen as of 2026-11-01T01:30 in CI)."""
    from types import SimpleNamespace

    import django_ratelimit.core
    from django.core.cache import cache

    cache.clear()
    now = int(django_ratelimit.core.time.time())
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request through LocaleMiddleware leaves its language active in the thread; the next
    test must not start in Spanish because this one ended there."""
    yield
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """The production hasher is slow on purpose (~0.3 s per user); tests create many users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def outreach_unit(db):
    return UnitFactory(name="Community Outreach", is_community_outreach=True)


@pytest.fixture
def alice(db, outreach_unit):
    return StaffUserFactory(email="alice@example.org", full_name="Alice Adams", unit=outreach_unit)


@pytest.fixture
def bob(db):
    return StaffUserFactory(email="bob@example.org", full_name="Bob Brown")


@pytest.fixture
def carol(db):
    return UserFactory(email="carol@example.org", full_name="Carol Chen", role=roles.COMMAND_STAFF)


@pytest.fixture
def dave(db):
    return UserFactory(email="dave@example.org", full_name="Dave Diaz", role=roles.RESIDENT)


@pytest.fixture
def root(db):
    return UserFactory(email="root@example.org", full_name="Root Admin", role=roles.ADMINISTRATOR)


@pytest.fixture
def chromium_path():
    path = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        skip_or_fail("Debian's chromium package is not installed")
    return path


@pytest.fixture(autouse=True)
def celery_in_process():
    """Tasks run in-process in tests, even when CELERY_BROKER_URL is set; only tests that use
    `celery_worker` below go through the broker. Otherwise every .delay() in an ordinary test
    would leave a task in Redis for the next real worker to pick up."""
    from engagement_portal.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def celery_worker():
    """A real Celery worker (in a thread) consuming both queues from the Redis broker."""
    if not os.environ.get("CELERY_BROKER_URL"):
        skip_or_fail("CELERY_BROKER_URL is not set; no Redis broker to test against")
    import celery.contrib.testing.tasks  # noqa: F401  (registers celery.ping for the ping check)
    from celery.contrib.testing.worker import start_worker

    from engagement_portal.celery import app

    app.conf.task_always_eager = False
    app.control.purge()
    with start_worker(
        app, pool="solo", queues=["default", "mail"], perform_ping_check=True, shutdown_timeout=30
    ) as worker:
        yield worker
