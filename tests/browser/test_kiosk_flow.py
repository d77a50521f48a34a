"""A survey kiosk in a real browser (issue 17, item 8).

A tablet at an event shows only the survey: no site menu, no "Log in", no footer links. A
resident answers the first page and stops touching it: the tablet warns, and "I am still
here" keeps the answers. Left alone again, it clears them for the next person, who starts on
a clean first page; after the last person's "Thank you" it returns to the start by itself.
The idle times are shortened to seconds. axe runs on every state of the page.
"""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from surveys.models import HeldResponse

from .test_survey_flows import safety_survey  # noqa: F401  (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TABLET = {"width": 820, "height": 1180}


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def quick_kiosk(settings):
    settings.PORTAL_KIOSK_IDLE_SECONDS = 4
    settings.PORTAL_KIOSK_WARNING_SECONDS = 4


def answer_first_page(page) -> None:
    agree_group = page.get_by_role("group", name=re.compile("I feel safe walking"))
    agree_group.get_by_role("radio", name="Agree", exact=True).check()
    contact_group = page.get_by_role("group", name=re.compile("contact with the police"))
    contact_group.get_by_role("radio", name="No").check()
    page.get_by_role("button", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()


def test_a_kiosk_shows_only_the_survey_warns_and_clears_itself(
    desktop_page,
    live_server,
    safety_survey,  # noqa: F811
    quick_kiosk,
    assert_accessible,
):
    page = desktop_page
    page.set_viewport_size(TABLET)
    kiosk = f"/surveys/{safety_survey.public_id}/kiosk/"
    page.goto(kiosk)
    expect(page.get_by_role("heading", level=1)).to_have_text("Community safety survey")
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Main")).to_have_count(0)
    expect(page.get_by_role("link", name="You said, we did")).to_have_count(0)
    assert_accessible(page, "kiosk page 1")

    # Someone answers the first page, then pauses: the tablet asks, and they are still here.
    answer_first_page(page)
    warning = page.get_by_role("dialog", name="Are you still there?")
    expect(warning).to_be_visible(timeout=8_000)
    assert_accessible(page, "kiosk warning")
    warning.get_by_role("button", name="I am still here").click()
    expect(warning).to_be_hidden()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()

    # They walk away: after the warning the survey starts again, with nothing of theirs.
    expect(warning).to_be_visible(timeout=8_000)
    expect(page.get_by_text("Page 1 of 2")).to_be_visible(timeout=12_000)
    expect(page.get_by_role("radio", checked=True)).to_have_count(0)
    assert_accessible(page, "kiosk page 1 after the reset")

    # The next person answers everything; the thank-you page returns to the start alone.
    answer_first_page(page)
    page.get_by_label("How many years have you lived in your neighbourhood?").fill("12")
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", name="Thank you for your answers")).to_be_visible()
    assert_accessible(page, "kiosk thank-you page")
    expect(page.get_by_text("Page 1 of 2")).to_be_visible(timeout=12_000)
    assert HeldResponse.objects.count() == 1
