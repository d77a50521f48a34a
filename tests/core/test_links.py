"""Absolute links come from one setting, PORTAL_BASE_URL; in development with it unset they
follow the address the portal was reached at (issue 17, item 7)."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from engagement_portal.core.links import base_url
from engagement_portal.messaging.models import OutboxMessage
from tests.mailbox import delivered


@pytest.fixture
def development(settings):
    settings.DEBUG = True
    settings.PORTAL_BASE_URL_SET = False
    settings.PORTAL_BASE_URL = "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["portal.test", "testserver"]
    cache.clear()


def _ask_for_a_ride_out(client, **extra):
    return client.post(
        reverse("requests:form"),
        {
            "kind": "ride_out",
            "name": "Rosa Diaz",
            "email": "rosa@example.net",
            "preferred_time_1": "Any evening",
            "language": "en",
        },
        **extra,
    )


def _status_link() -> str:
    """The private status link in the confirmation the resident received."""
    body = delivered(OutboxMessage.objects.get())
    return next(word for word in body.split() if "/take-part/request/" in word)


def test_in_development_links_follow_the_address_the_portal_was_reached_at(client, db, development):
    response = _ask_for_a_ride_out(client, HTTP_HOST="portal.test:8001")

    assert response.status_code == 302
    assert _status_link().startswith("http://portal.test:8001/take-part/request/")
    assert base_url() == "http://127.0.0.1:8000"  # outside a request: the setting


def test_a_base_url_that_is_set_wins_over_the_request(client, db, development, settings):
    settings.PORTAL_BASE_URL_SET = True
    settings.PORTAL_BASE_URL = "https://engage.example.org/"

    _ask_for_a_ride_out(client, HTTP_HOST="portal.test:8001")

    assert _status_link().startswith("https://engage.example.org/take-part/request/")


def test_in_production_the_request_s_host_is_never_used(client, db, development, settings):
    settings.DEBUG = False

    _ask_for_a_ride_out(client, HTTP_HOST="portal.test:8001")

    assert _status_link().startswith("http://127.0.0.1:8000/take-part/request/")
