"""Two beats in a fleet schedule once (issue 16, point 4): the one holding the lock sends
due tasks, the other stands by, and takes over when the first one's connection is gone."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from engagement_portal.celery import app
from engagement_portal.core.beat import SingleBeatScheduler


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_beats_schedule_once_and_the_standby_takes_over():
    if connection.vendor != "postgresql":
        pytest.skip("the beat lock is a PostgreSQL advisory lock")
    sent = {"first": [], "second": []}
    # Each beat in a thread of its own, as in a process of its own: its own connections.
    threads = {name: ThreadPoolExecutor(max_workers=1) for name in sent}

    def start(name):
        scheduler = SingleBeatScheduler(app=app)
        scheduler.apply_entry = lambda entry, producer=None: sent[name].append(entry.name)
        # Everything is due: the stored schedule says the last runs were two days ago.
        from django_celery_beat.models import PeriodicTask

        PeriodicTask.objects.update(last_run_at=timezone.now() - timedelta(days=2))
        return scheduler

    def run(name, fn, *args):
        return threads[name].submit(fn, *args).result(timeout=60)

    first = second = None
    try:
        first = run("first", start, "first")
        second = run("second", start, "second")
        assert run("first", first.is_leader) is True
        assert run("second", second.is_leader) is False
        for _ in range(30):
            run("first", first.tick)
            run("second", second.tick)
        assert sent["first"] and not sent["second"]

        run("first", first.release)  # the leader's process dies: PostgreSQL drops its lock
        assert run("second", second.is_leader) is True
        for _ in range(30):
            run("second", second.tick)
        assert sent["second"]
        assert run("first", first.is_leader) is False  # back as a standby
    finally:
        for name, scheduler in (("first", first), ("second", second)):
            if scheduler is not None:
                run(name, scheduler.release)
                scheduler._finalize.cancel()  # no sync at exit, into a dropped test database
        for pool in threads.values():
            pool.submit(lambda: connection.close()).result()
            pool.shutdown()
