"""Press questions in a real browser (issue 17, item 3).

A resident on a phone sends a question in advance for a press briefing, from the event's
page. Alice, who runs the briefings, finds it on her home page under "Waiting for you",
opens the moderation page from there (and finds it from the event's staff page too),
approves it, and the resident sees it among the questions taken. axe runs on every page.
"""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from programs.information.models import PressQuestion
from programs.models import EngagementType

from ..factories import ProgramFactory
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Its dates are days from "now": pinned, so that it runs the same on any day.
    pytest.mark.as_of("2027-03-09T10:00"),
]

QUESTION = "Will the new traffic cameras on River Road issue tickets from January?"


@pytest.fixture
def briefing(alice):
    program = ProgramFactory(
        title="Chief's press briefings",
        engagement_type=EngagementType.objects.get(slug="press-conferences"),
        owner=alice,
    )
    start = timezone.now() + timedelta(days=5)
    return Event.objects.create(
        program=program,
        title="Chief's quarterly press briefing",
        description="The chief reports on the quarter and answers questions.",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        venue_name="Police Headquarters",
        address="1 Civic Plaza",
        capacity=40,
    )


def test_a_resident_s_question_reaches_the_moderator_and_is_published(
    desktop_page, phone_page, live_server, alice, password, briefing, log_in, assert_accessible
):
    phone = phone_page
    phone.goto(briefing.get_absolute_url())
    assert_accessible(phone, "press briefing")
    phone.get_by_role("link", name="Send a question in advance").click()
    assert_accessible(phone, "question form")
    assert_fits_phone(phone, "question form")
    phone.get_by_label("Your question").fill(QUESTION)
    phone.get_by_role("button", name="Send my question").click()
    expect(phone.get_by_role("status")).to_contain_text("Thank you")
    expect(phone.get_by_text("No question has been approved yet.")).to_be_visible()
    assert_accessible(phone, "question sent")

    page = desktop_page
    log_in(page, alice, password)
    page.goto("/staff/")
    waiting = page.get_by_role("region", name="Waiting for you")
    link = waiting.get_by_role("link", name=f"{briefing.title}: 1 question to moderate")
    expect(link).to_be_visible()
    assert_accessible(page, "staff home")

    # The event's staff page leads there too.
    page.goto(briefing.get_staff_url())
    expect(page.get_by_role("link", name="Moderate the questions")).to_be_visible()
    assert_accessible(page, "event staff page")
    page.get_by_role("link", name="Moderate the questions").click()
    expect(page.get_by_text(QUESTION)).to_be_visible()
    assert_accessible(page, "moderation page")
    page.get_by_role("article", name=QUESTION).get_by_role("button", name="Approve").click()
    expect(page.get_by_role("heading", name="Approved")).to_be_visible()
    assert_accessible(page, "moderation page after approving")
    assert PressQuestion.objects.get().status == PressQuestion.Status.APPROVED

    page.goto("/staff/")
    expect(page.get_by_role("region", name="Waiting for you")).to_have_count(0)

    phone.reload()
    expect(phone.get_by_text(QUESTION)).to_be_visible()
    assert_accessible(phone, "question published")
