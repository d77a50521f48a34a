"""What /readyz reports: the database, the broker and the cache, each "ok", "down: ..." or
"not configured" (the embedded default has no broker or shared cache). Each check gives up
within about a second, so a probe never hangs on a service that is down."""

import logging

from celery import current_app
from django.conf import settings
from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)

PROBE_KEY = "readyz:probe"


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "not configured (tasks run in-process)"
    with current_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=1)
    return "ok"


def _cache() -> str:
    backend = settings.CACHES["default"]["BACKEND"]
    if backend.endswith("LocMemCache"):
        return "not configured (per-process memory)"
    # django-redis answers a miss when Redis is down: a value written and read back says
    # whether it is up.
    cache.set(PROBE_KEY, "1", timeout=10)
    if cache.get(PROBE_KEY) != "1":
        raise ConnectionError("the cache did not keep a value")
    return "ok"


def checks() -> dict[str, str]:
    results = {}
    for name, check in (("database", _database), ("broker", _broker), ("cache", _cache)):
        try:
            results[name] = check()
        except Exception as exc:  # noqa: BLE001 — reported, never raised
            logger.warning("readiness: %s is down", name, exc_info=True)
            results[name] = f"down: {type(exc).__name__}"
    return results
