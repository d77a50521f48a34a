"""“You said, we did”, news and press-conference questions in a real browser.

A resident on a phone finds the agency's answers to residents' recommendations from the site
footer, filters them, follows one by keyboard, reads the news and sends a question ahead of a
press conference. The responsible officer answers a recommendation on a desktop and approves
the question. axe runs on every page visited.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.coproduction.models_recommendations import Recommendation, RecommendationFollower
from programs.information.models import PressQuestion
from programs.models import EngagementType

from ..factories import (
    AnnouncementFactory,
    EventFactory,
    ProgramFactory,
    RecommendationFactory,
    RecommendationUpdateFactory,
)
from .test_event_flows import assert_fits_phone, tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The fixture dates the history from today and the tests read today again seconds
    # later, against what the pages wrote: a run across midnight compares two days. A
    # plain Wednesday morning.
    pytest.mark.as_of("2027-05-12T10:00"),
]

Status = Recommendation.Status
ANSWER = "We will publish stop data for each beat every quarter, starting in spring."
QUESTION = "Will the stop data be published by neighbourhood as well as by beat?"
RATIONALE = "Adopted: the records unit will publish the monthly summaries on the portal."


def day(date) -> str:
    """A date the way the recommendation pages show it."""
    return f"{date.day} {date:%b %Y}"


@pytest.fixture
def voice(alice):
    """Alice's program with an answered recommendation (answer and two dated updates), an
    open one she is responsible for, a published announcement and a press conference."""
    today = timezone.localdate()
    program = ProgramFactory(
        title="Chief's press briefings",
        slug="chiefs-press-briefings",
        owner=alice,
        engagement_type=EngagementType.objects.get(slug="press-conferences"),
    )
    answered = RecommendationFactory(
        program=program,
        title="Publish stop data by beat",
        text="Residents asked for stop data every quarter, by beat.",
        received_on=today - timedelta(days=40),
        response_due=today + timedelta(days=20),
        status=Status.PARTIALLY_ADOPTED,
        rationale=ANSWER,
        answered_on=today - timedelta(days=5),
        responsible_user=alice,
    )
    RecommendationUpdateFactory(
        recommendation=answered,
        on=today - timedelta(days=30),
        status=Status.UNDER_REVIEW,
        text="The records unit is checking what can be published.",
    )
    RecommendationUpdateFactory(
        recommendation=answered,
        on=today - timedelta(days=5),
        status=Status.PARTIALLY_ADOPTED,
        text=ANSWER,
    )
    open_one = RecommendationFactory(
        program=program,
        title="Monthly crime summaries online",
        text="Put a short monthly summary of reported crime on the portal.",
        received_on=today - timedelta(days=10),
        responsible_user=alice,
    )
    announcement = AnnouncementFactory(
        title={"en": "Main Street closed on Sunday", "es": "La calle Main cierra el domingo"},
        body={"en": "Main Street is closed on Sunday for the parade.", "es": "Desfile."},
        author=alice,
        program=program,
    )
    event = EventFactory(program=program, title="Quarterly press conference")
    return {
        "program": program,
        "answered": answered,
        "open": open_one,
        "announcement": announcement,
        "event": event,
    }


def test_resident_follows_an_answer_and_asks_a_press_question_on_a_phone(
    phone_page, live_server, voice, assert_accessible
):
    page = phone_page
    answered = voice["answered"]
    main = page.get_by_role("main")

    def check(label: str) -> None:
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    page.goto("/")
    check("home (phone)")

    page.get_by_role("contentinfo").get_by_role("link", name="You said, we did").click()
    expect(page).to_have_url(re.compile(r"/you-said-we-did/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("You said, we did")
    expect(main.get_by_role("link", name=answered.title)).to_be_visible()
    expect(main.get_by_role("link", name=voice["open"].title)).to_be_visible()
    check("you said, we did (phone)")
    # In Spanish a pending recommendation's badge is a whole sentence ("Recibida: en espera
    # de la respuesta de la agencia"): it wraps instead of widening the page.
    language = {"name": "django_language", "url": live_server.url}
    page.context.add_cookies([{**language, "value": "es"}])
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "es")
    check("you said, we did in Spanish (phone)")
    page.context.add_cookies([{**language, "value": "en"}])
    page.reload()

    page.get_by_label("Status", exact=True).select_option(label="Partially adopted")
    main.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"status=partially_adopted"))
    expect(page.get_by_label("Status", exact=True)).to_have_value("partially_adopted")
    expect(main.get_by_role("status")).to_have_text("1 recommendation")
    expect(main.get_by_role("link", name=voice["open"].title)).to_have_count(0)
    check("you said, we did, filtered (phone)")

    main.get_by_role("link", name=answered.title).click()
    expect(page).to_have_url(re.compile(rf"/you-said-we-did/{answered.public_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(answered.title)
    expect(main).to_contain_text(ANSWER)
    history = page.get_by_role("region", name="History")
    entries = history.get_by_role("listitem")
    expect(entries).to_have_count(3)  # two updates and the date it was received
    today = timezone.localdate()
    expect(entries.nth(0)).to_contain_text(day(today - timedelta(days=5)))
    expect(entries.nth(0)).to_contain_text("Partially adopted")
    expect(entries.nth(1)).to_contain_text(day(today - timedelta(days=30)))
    expect(entries.nth(1)).to_contain_text("Under review")
    expect(entries.nth(2)).to_contain_text("Received")
    check("recommendation, public page (phone)")

    # Follow it, with the keyboard only.
    follow = page.get_by_role("region", name="Tell me when this changes")
    tab_to(page, follow.get_by_label("Your name"))
    page.keyboard.type("Rosa Martínez")
    tab_to(page, follow.get_by_label("Email"))
    page.keyboard.type("rosa@example.net")
    tab_to(page, follow.get_by_role("button", name="Tell me"))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/you-said-we-did/{answered.public_id}/$"))
    expect(page.get_by_role("status").first).to_contain_text(
        "Thank you. We will email you when the agency's answer changes."
    )
    follower = RecommendationFollower.objects.get(recommendation=answered)
    assert follower.resident.email == "rosa@example.net"
    check("recommendation, followed (phone)")

    # The news.
    page.goto("/news/")
    expect(page.get_by_role("heading", level=1)).to_have_text("News")
    check("news (phone)")
    main.get_by_role("link", name="Main Street closed on Sunday").click()
    expect(page).to_have_url(re.compile(rf"/news/{voice['announcement'].public_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Main Street closed on Sunday")
    expect(main).to_contain_text("closed on Sunday for the parade")
    check("announcement (phone)")

    # A question ahead of the press conference.
    event = voice["event"]
    page.goto(f"/events/{event.public_id}/questions/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Questions for {event.title}")
    expect(main).to_contain_text("No question has been approved yet.")
    check("press questions (phone)")
    ask = page.get_by_role("region", name="Send a question in advance")
    ask.get_by_label("Question").fill(QUESTION)
    ask.get_by_role("button", name="Send my question").click()
    expect(page).to_have_url(re.compile(rf"/events/{event.public_id}/questions/$"))
    expect(page.get_by_role("status").first).to_contain_text(
        "Staff will read your question before the press conference."
    )
    question = PressQuestion.objects.get(event=event)
    assert question.question == QUESTION
    assert question.status == PressQuestion.Status.SUBMITTED
    # Not shown until staff approve it.
    expect(main).to_contain_text("No question has been approved yet.")
    check("press questions, sent (phone)")


def test_responsible_officer_answers_a_recommendation_and_approves_a_question(
    desktop_page, live_server, voice, alice, password, log_in, assert_accessible
):
    page = desktop_page
    recommendation = voice["open"]
    event = voice["event"]
    PressQuestion.objects.create(
        event=event, question=QUESTION, name="Rosa", submitted_on=timezone.localdate()
    )
    main = page.get_by_role("main")

    log_in(page, alice, password)
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.goto(f"/staff/recommendations/{recommendation.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(recommendation.title)
    expect(main).to_contain_text("Not answered yet.")
    assert_accessible(page, "recommendation, staff page")

    main.get_by_role("link", name="Answer or add progress").click()
    expect(page).to_have_url(re.compile(rf"/staff/recommendations/{recommendation.pk}/respond/$"))
    assert_accessible(page, "respond form")

    # First try: adopted, but without saying why.
    status = page.get_by_role("combobox", name=re.compile(r"^Status"))
    note = page.get_by_label("Progress note")
    rationale = page.get_by_label("The agency's answer and why")
    status.select_option("adopted")
    note.fill("Agreed at the command meeting.")
    page.get_by_role("button", name="Save").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(page.get_by_text("Say what the agency decided and why.").first).to_be_visible()
    expect(rationale).to_have_attribute("aria-invalid", "true")
    expect(status).to_have_value("adopted")
    expect(note).to_have_value("Agreed at the command meeting.")
    recommendation.refresh_from_db()
    assert recommendation.status == Status.RECEIVED
    assert not recommendation.updates.exists()
    assert_accessible(page, "respond form with an error")

    rationale.fill(RATIONALE)
    page.get_by_role("button", name="Save").click()

    expect(page).to_have_url(re.compile(rf"/staff/recommendations/{recommendation.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text("The agency's answer is saved.")
    expect(main).to_contain_text(RATIONALE)
    entries = page.get_by_role("region", name="History").get_by_role("listitem")
    expect(entries).to_have_count(2)
    expect(entries.first).to_contain_text(day(timezone.localdate()))
    expect(entries.first).to_contain_text("Adopted")
    expect(entries.first).to_contain_text("Agreed at the command meeting.")
    recommendation.refresh_from_db()
    assert recommendation.status == Status.ADOPTED
    assert recommendation.rationale == RATIONALE
    assert recommendation.answered_on == timezone.localdate()
    assert_accessible(page, "recommendation, staff page, answered")

    # Moderate the press question.
    page.goto(f"/staff/events/{event.pk}/questions/")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Questions for {event.title}")
    assert_accessible(page, "press question moderation")
    card = page.get_by_role("article", name=QUESTION)
    card.get_by_role("button", name="Approve").click()

    expect(page.get_by_role("status").first).to_contain_text("Question marked “Approved”.")
    approved = page.get_by_role("region", name=re.compile(r"^Approved"))
    expect(approved.get_by_role("article", name=QUESTION)).to_be_visible()
    question = PressQuestion.objects.get(event=event)
    assert question.status == PressQuestion.Status.APPROVED
    assert question.moderated_by == alice
    assert_accessible(page, "press question moderation, approved")

    # It now shows on the public page.
    page.goto(f"/events/{event.public_id}/questions/")
    expect(main).to_contain_text(QUESTION)
    assert_accessible(page, "press questions, public, approved")
