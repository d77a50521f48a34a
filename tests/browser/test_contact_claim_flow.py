"""Rosa is told that someone used her address, checks it was her, and adds it to her
record: on a phone, with axe on every page, in Spanish too."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from engagement_portal.messaging.models import OutboxMessage
from events import services as event_services

from ..factories import EventFactory, ResidentFactory, UserFactory
from ..mailbox import delivered

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def es(message: str) -> str:
    with translation.override("es"):
        return translation.gettext(message)


@pytest.fixture
def rosa(password):
    user = UserFactory(email="rosa@example.net", full_name="Rosa Diaz", password=password)
    return ResidentFactory(name="Rosa Diaz", email="rosa@example.net", user=user)


def test_rosa_confirms_a_registration_made_with_her_address(
    phone_page, rosa, password, log_in, assert_accessible
):
    start = timezone.now() + timedelta(days=7)
    event = EventFactory(
        title="Coffee on Elm Street", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    event_services.register(event=event, name="R. Diaz", email="rosa@example.net")
    message = OutboxMessage.objects.get(key__startswith="contact-claim:")
    link = re.search(r"https?://\S+", delivered(message)).group(0)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    page = phone_page

    log_in(page, rosa.user, password)
    page.goto("/me/")
    expect(page.get_by_text("Coffee on Elm Street")).to_have_count(0)

    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("Was this you?")
    expect(page.get_by_text("R. Diaz")).to_be_visible()
    assert_accessible(page, "was this you (phone)")
    page.get_by_role("button", name="Yes, this was me").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Added to your record")
    assert_accessible(page, "added to your record (phone)")

    page.goto("/me/")
    expect(page.get_by_text("Coffee on Elm Street").first).to_be_visible()

    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_have_text("This link has already been used")
    assert_accessible(page, "link already used (phone)")


def test_an_unknown_link_is_refused_politely_in_spanish(phone_page, live_server, assert_accessible):
    page = phone_page
    page.context.add_cookies([{"name": "django_language", "value": "es", "url": live_server.url}])
    page.goto("/accounts/is-this-you/not-a-real-token/")
    # The 404 status is the point; the browser logs it as an error, which is not one here.
    page.console_errors[:] = [e for e in page.console_errors if "status of 404" not in e]
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(es("This link does not work"))
    assert_accessible(page, "unknown link (Spanish, phone)")
