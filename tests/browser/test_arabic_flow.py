"""Arabic, written right to left, in a real browser (issue 18).

A resident on a phone, with the keyboard only, chooses العربيّة in the header, registers for
an event and answers a survey offered in Arabic. Every page is laid out right to left
(dir="rtl", Bootstrap's RTL stylesheet), passes axe with no WCAG 2.1 A/AA violation, and
never scrolls sideways at 375 px.
"""

import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone, translation
from playwright.sync_api import expect

from events.models import Event, Registration
from surveys.models import HeldResponse, Question, Survey

from ..factories import ProgramFactory
from .test_event_flows import assert_fits_phone, tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Its dates are days from "now": pinned, so that it runs the same on any day.
    pytest.mark.as_of("2027-03-09T10:00"),
]


def ar(message: str) -> str:
    with translation.override("ar"):
        return translation.gettext(message)


@pytest.fixture(autouse=True)
def arabic_enabled(settings):
    if "ar" not in dict(settings.LANGUAGES):
        settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "Arabic")]
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def coffee(alice):
    program = ProgramFactory(title="Coffee with a Cop", owner=alice)
    start = timezone.now() + timedelta(days=6)
    event = Event.objects.create(
        program=program,
        title="Coffee with a Cop — Eastgate",
        description="Coffee and questions.",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        venue_name="Eastgate library",
        capacity=20,
    )
    survey = Survey.objects.create(
        owner=alice,
        program=program,
        title={"en": "How was it?", "ar": "كيف كانت؟"},
        languages=["en", "ar"],
        mode=Survey.Mode.ANONYMOUS,
        status=Survey.Status.OPEN,
    )
    Question.objects.create(
        survey=survey,
        kind=Question.Kind.YES_NO,
        required=True,
        text={"en": "Would you come again?", "ar": "هل ستأتي مرة أخرى؟"},
    )
    return event, survey


def test_a_resident_registers_and_answers_in_arabic_by_keyboard_on_a_phone(
    phone_page, live_server, coffee, assert_accessible
):
    event, survey = coffee
    page = phone_page

    def check(label: str) -> None:
        expect(page.locator("html")).to_have_attribute("dir", "rtl")
        assert "bootstrap.rtl.min.css" in page.content()
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    page.goto("/")
    menu = page.get_by_role("button", name="Menu")
    tab_to(page, menu)
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    language = page.get_by_label("Language", exact=True)
    tab_to(page, language)
    page.keyboard.press("End")  # Arabic comes last in the menu
    expect(language).to_have_value("ar")
    tab_to(page, page.get_by_role("button", name="Change", exact=True))
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    check("home (Arabic, phone)")

    page.goto(event.get_absolute_url())
    main = page.get_by_role("main")
    check("event page (Arabic, phone)")
    name, email = page.locator("#id_name"), page.locator("#id_email")
    tab_to(page, name)
    page.keyboard.type("ليلى حداد")
    tab_to(page, email)
    page.keyboard.type("layla@example.net")
    tab_to(page, main.get_by_role("button", name=ar("Register"), exact=True))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/events/r/[^/]+/(#.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(ar("Your registration"))
    check("registration confirmed (Arabic, phone)")
    registration = Registration.objects.get()
    assert registration.language == "ar" and registration.resident.name == "ليلى حداد"

    page.goto(survey.get_absolute_url())
    expect(page.get_by_role("heading", level=1)).to_have_text("كيف كانت؟")
    check("survey (Arabic, phone)")
    yes = page.get_by_role("radio", name=ar("Yes"), exact=True)
    tab_to(page, yes)
    page.keyboard.press("Space")
    expect(yes).to_be_checked()
    tab_to(page, main.get_by_role("button", name=ar("Send my answers")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/thanks/$"))
    check("survey thanks (Arabic, phone)")
    assert HeldResponse.objects.count() == 1

    untranslated = [m for m in ("Register", "Your registration", "Send my answers") if ar(m) == m]
    assert not untranslated, f"no Arabic for {untranslated}"
