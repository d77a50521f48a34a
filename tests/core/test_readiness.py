"""/readyz: the database, the broker and the cache, each checked within about a second."""

import pytest
from django.urls import reverse

from engagement_portal.core import readiness
from tests.local_servers import free_port


def _dead_redis() -> str:
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


def test_ready_in_the_embedded_default(client, settings, db):
    settings.CELERY_BROKER_URL = ""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    response = client.get(reverse("core:readyz"))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = response.content.decode()
    assert "database: ok" in body
    assert "broker: not configured" in body and "cache: not configured" in body


def test_a_broker_and_cache_that_are_down_are_reported_but_the_instance_stays_ready(
    client, settings, db, monkeypatch
):
    from celery import current_app

    dead = _dead_redis()
    settings.CELERY_BROKER_URL = dead
    monkeypatch.setattr(current_app, "connection_for_write", lambda: current_app.connection(dead))
    settings.CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.5},
        }
    }
    response = client.get(reverse("core:readyz"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "database: ok" in body
    assert "broker: down" in body and "cache: down" in body


def test_a_database_that_is_down_makes_the_instance_unready(client, db, monkeypatch):
    def down():
        raise ConnectionError("database down")

    monkeypatch.setattr(readiness, "_database", down)
    response = client.get(reverse("core:readyz"))
    assert response.status_code == 503
    assert "database: down: ConnectionError" in response.content.decode()


@pytest.mark.celery_worker
def test_the_broker_is_ok_when_redis_answers(client, settings, db):
    import os

    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        pytest.skip("no Redis broker")
    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    assert readiness.checks()["broker"] == "ok"
