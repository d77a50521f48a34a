"""Queue a Celery task by its registered name, and wake a task once for a burst of commits.

A service that asks a worker for something must not import the task module that calls it
back (that is an import circle); it names the task instead. In the embedded default (no
broker) the task runs in-process, as `.delay()` would.

`wake` is for tasks that drain whatever is waiting (the outbox, the participation ledger):
a burst of commits needs one run queued, not one per commit. The task calls `woken(key)`
before it reads, so a commit that finds a run queued and not started can rely on that run
to see its rows, and a commit after the run started queues the next one.
"""

import logging
from importlib import import_module

from celery import current_app
from django.core.cache import cache

logger = logging.getLogger(__name__)

# How long a queued run holds the door shut if it never starts (a message the broker
# lost): after that the next commit queues another. The beat schedule covers the gap.
WAKE_EXPIRES = 30  # seconds
LOCAL_WAKE_EXPIRES = 2


def _cache_is_local() -> bool:
    from django.conf import settings

    return settings.CACHES["default"]["BACKEND"].endswith("LocMemCache")


def enqueue(task_name: str, *args, **kwargs):
    """Send the task; raises what the broker raises (callers after commit catch it)."""
    if task_name not in current_app.tasks:
        # A web process imports task modules only when something needs them; the task's
        # own module registers it (the worker discovers them all at start).
        import_module(task_name.rsplit(".", 1)[0])
    return current_app.tasks[task_name].delay(*args, **kwargs)


def wake(task_name: str, *, key: str) -> bool:
    """Queue `task_name` unless a run is already queued and has not started. Never raises
    (it runs after a commit, in a resident's request): when the broker refuses, it logs and
    the task's beat schedule catches up. Returns whether a run was queued."""
    # A cache in this process's memory cannot be cleared by a worker in another process
    # (the embedded default's worker): there it only spares the publishes of one burst.
    expires = LOCAL_WAKE_EXPIRES if _cache_is_local() else WAKE_EXPIRES
    try:
        # False: a run is queued. None: the cache did not answer (django-redis ignores the
        # error), so nobody knows: queue the run anyway, as when the cache raises.
        if cache.add(key, True, timeout=expires) is False:
            return False
    except Exception:
        logger.warning("cache unavailable; queueing %s without checking", task_name)
    try:
        enqueue(task_name)
        return True
    except Exception:
        woken(key)  # the next commit may try again
        logger.warning(
            "could not queue %s; its beat schedule will run it", task_name, exc_info=True
        )
        return False


def woken(key: str) -> None:
    """Called by a woken task before it reads what is waiting."""
    try:
        cache.delete(key)
    except Exception:  # cache down: commits queue their own runs meanwhile
        logger.warning("cache unavailable; could not clear %s", key)
