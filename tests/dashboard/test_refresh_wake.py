"""The summaries follow the ledger off the request path: after a commit that recorded facts
one refresh is queued, a burst of commits queues one refresh rather than one each, and a
real worker turns the facts into dashboard figures."""

import time
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from engagement_portal.core import jobs
from events import services
from events.models import Event
from programs.dashboard import tasks
from programs.dashboard.models import EventSummary
from tests.factories import ProgramFactory


@pytest.fixture
def queued(monkeypatch):
    sent = []
    monkeypatch.setattr(jobs, "enqueue", lambda name: sent.append(name))
    return sent


def test_a_burst_of_commits_queues_one_refresh_until_it_starts(db, queued):
    for _ in range(50):
        tasks.wake_refresh()
    assert queued == ["programs.dashboard.tasks.refresh_summaries"]
    tasks.refresh_summaries()  # the queued refresh starts: later commits need another
    tasks.wake_refresh()
    tasks.wake_refresh()
    assert len(queued) == 2


def test_a_broker_that_refuses_leaves_the_next_commit_free_to_try_again(db, monkeypatch):
    attempts = []

    def refuse(name):
        attempts.append(name)
        raise ConnectionError("broker down")

    monkeypatch.setattr(jobs, "enqueue", refuse)
    tasks.wake_refresh()  # logs, never raises into the request
    tasks.wake_refresh()
    assert len(attempts) == 2


def test_a_cache_that_is_down_still_queues_the_refresh(db, queued, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "add", down)
    tasks.wake_refresh()
    assert len(queued) == 1


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_summarises_committed_registrations(celery_worker):
    start = timezone.now() + timedelta(days=3)
    event = Event.objects.create(
        program=ProgramFactory(),
        title="Coffee with a Cop",
        capacity=2,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    for n in range(3):  # each commits on its own and announces its facts
        services.register(event=event, name=f"Resident {n}", email=f"r{n}@example.net")
    deadline = time.monotonic() + 30
    while not EventSummary.objects.filter(event=event, registered=2).exists():
        assert time.monotonic() < deadline, "the worker did not summarise within 30 s"
        time.sleep(0.2)
