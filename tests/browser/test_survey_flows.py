"""Surveys in a real browser.

A resident on a phone, in Spanish and with the keyboard only, answers a two-page anonymous
survey, gets an error on the second page, fixes it, sends it and leaves an email for the
follow-up list; a program-staff officer builds a survey with three kinds of question on a
desktop, opens it and reads its results. axe runs on every page visited.
"""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from surveys import sealing, services
from surveys.models import (
    Answer,
    Choice,
    FollowUpContact,
    HeldResponse,
    Question,
    Response,
    Survey,
)

from .test_event_flows import assert_fits_phone, es, tab_to

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Kind = Question.Kind


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    # Public survey POSTs are rate-limited per address in the default cache, which outlives
    # a test: start every test at zero.
    cache.clear()
    yield
    cache.clear()


def settle(page) -> None:
    """Wait for CSS transitions to end, so that axe measures colours as they are shown.

    A button focused on load (the "Move up" button after a move) fades into its focus
    colours over 0.15 s; halfway through, its contrast is briefly below 4.5:1.
    """
    page.wait_for_function(
        "() => document.getAnimations()"
        ".every(a => !(a instanceof CSSTransition) || a.playState !== 'running')"
    )


def add_question(survey, kind, en, es_text, *, page=1, choices=(), **fields):
    question = Question.objects.create(
        survey=survey,
        kind=kind,
        page=page,
        position=survey.questions.count(),
        text={"en": en, "es": es_text},
        **fields,
    )
    for n, (label_en, label_es) in enumerate(choices):
        Choice.objects.create(question=question, position=n, label={"en": label_en, "es": label_es})
    return question


@pytest.fixture
def safety_survey(alice):
    """Two pages, anonymous, in English and Spanish. The last question shows only to those
    who had contact with the police this year."""
    survey = Survey.objects.create(
        owner=alice,
        title={"en": "Community safety survey", "es": "Encuesta de seguridad comunitaria"},
        introduction={
            "en": "Tell us how safe you feel in your neighbourhood.",
            "es": "Díganos qué tan seguro se siente en su barrio.",
        },
        languages=["en", "es"],
        mode=Survey.Mode.ANONYMOUS,
        status=Survey.Status.OPEN,
    )
    add_question(
        survey,
        Kind.AGREEMENT,
        "I feel safe walking in my neighbourhood at night.",
        "Me siento seguro caminando por mi barrio de noche.",
        required=True,
    )
    contact = add_question(
        survey,
        Kind.SINGLE,
        "Did you have contact with the police this year?",
        "¿Tuvo contacto con la policía este año?",
        choices=[("Yes", "Sí"), ("No", "No")],
        required=True,
    )
    add_question(
        survey,
        Kind.SINGLE,
        "What is your age group?",
        "¿Cuál es su grupo de edad?",
        page=2,
        demographic=True,
        choices=[
            ("Under 30", "Menos de 30"),
            ("30 to 59", "De 30 a 59"),
            ("60 or over", "60 o más"),
        ],
    )
    add_question(
        survey,
        Kind.NUMBER,
        "How many years have you lived in your neighbourhood?",
        "¿Cuántos años lleva viviendo en su barrio?",
        page=2,
        required=True,
        min_value=0,
        max_value=120,
    )
    add_question(
        survey,
        Kind.LONG_TEXT,
        "Tell us about that contact.",
        "Cuéntenos sobre ese contacto.",
        page=2,
        condition_choice=contact.choices.get(label__en="Yes"),
    )
    return survey


def test_resident_answers_a_survey_in_spanish_by_keyboard_on_a_phone(
    phone_page, live_server, safety_survey, assert_accessible
):
    page = phone_page
    survey = safety_survey
    questions = list(survey.questions.order_by("page", "position"))
    agreement, contact, age, years, story = questions

    def check(label: str) -> None:
        settle(page)
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    page.goto(survey.get_absolute_url())
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Community safety survey")
    check("survey page 1 (English, phone)")

    # The survey's own language choice, by keyboard.
    languages = page.get_by_role("navigation", name="Language of the survey")
    spanish = languages.get_by_role("link", name="Español")
    tab_to(page, spanish)
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    h1 = page.get_by_role("heading", level=1)
    expect(h1).to_have_text("Encuesta de seguridad comunitaria")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Díganos qué tan seguro se siente en su barrio.")
    # The first page says, in Spanish, that the survey is anonymous.
    mode = main.locator(".survey-mode")
    expect(mode).to_contain_text(es("Anonymous:"))
    expect(mode).to_contain_text(
        es(
            "your answers are not linked to your name, email or invitation. We store only "
            "the date you answered, not the time."
        )
    )
    expect(main).to_contain_text(es("Page %(n)s of %(total)s") % {"n": 1, "total": 2})
    expect(
        page.get_by_role("navigation", name=es("Language of the survey")).get_by_role(
            "link", name="Español"
        )
    ).to_have_attribute("aria-current", "true")
    check("survey page 1 (Spanish, phone)")

    # Page 1: the agreement scale with the arrow keys, the choice with Space.
    agree_group = page.get_by_role("group", name=re.compile("Me siento seguro caminando"))
    strongly_agree = agree_group.get_by_role("radio", name=es("Strongly agree"))
    agree = agree_group.get_by_role("radio", name=es("Agree"), exact=True)
    tab_to(page, strongly_agree)
    page.keyboard.press("ArrowDown")
    expect(agree).to_be_checked()
    expect(agree).to_be_focused()

    contact_group = page.get_by_role("group", name=re.compile("Tuvo contacto con la policía"))
    yes = contact_group.get_by_role("radio", name="Sí")
    tab_to(page, yes)
    page.keyboard.press("Space")
    expect(yes).to_be_checked()
    # Shift+Tab goes back into the scale, onto the answer chosen there, still chosen.
    page.keyboard.press("Shift+Tab")
    expect(agree).to_be_focused()
    expect(agree).to_be_checked()

    tab_to(page, main.get_by_role("button", name=es("Next")))
    page.keyboard.press("Enter")

    expect(main).to_contain_text(es("Page %(n)s of %(total)s") % {"n": 2, "total": 2})
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # Only the first page tells the mode.
    expect(main.locator(".survey-mode")).to_have_count(0)
    age_group = page.get_by_role("group", name=re.compile("Cuál es su grupo de edad"))
    declined = age_group.get_by_role("radio", name=es("Prefer not to say"))
    expect(declined).to_be_visible()
    years_input = page.get_by_label(re.compile("Cuántos años lleva viviendo"))
    # Shown because the answer on page 1 was "Sí".
    story_input = page.get_by_label("Cuéntenos sobre ese contacto.")
    expect(story_input).to_be_visible()
    check("survey page 2 (Spanish, phone)")

    # Page 2: "Prefer not to say" (the last choice: the arrow keys wrap round), the
    # required number left out, a story typed.
    first_age = age_group.get_by_role("radio").first
    tab_to(page, first_age)
    page.keyboard.press("Space")
    page.keyboard.press("ArrowUp")
    expect(declined).to_be_checked()
    story_text = "Me ayudaron cuando perdí mi cartera."
    tab_to(page, story_input)
    page.keyboard.type(story_text)
    tab_to(page, main.get_by_role("button", name=es("Send my answers")))
    page.keyboard.press("Enter")

    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(es("Please correct the following:"))
    expect(summary).to_contain_text(es("Please answer this question."))
    expect(page).to_have_title(re.compile("^" + re.escape(es("Error:"))))
    expect(years_input).to_have_attribute("aria-invalid", "true")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    # Every answer typed is kept.
    expect(declined).to_be_checked()
    expect(story_input).to_have_value(story_text)
    assert Response.objects.count() == 0
    check("survey page 2 with an error (Spanish, phone)")

    # The summary's link takes the keyboard to the number to fill.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link")).to_be_focused()
    page.keyboard.press("Enter")
    expect(years_input).to_be_focused()
    page.keyboard.type("12")
    tab_to(page, main.get_by_role("button", name=es("Send my answers")))
    page.keyboard.press("Enter")

    # (The summary link's #fragment may stay on the address, as after any redirect.)
    expect(page).to_have_url(re.compile(rf"/surveys/{survey.public_id}/thanks/(#.*)?$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(h1).to_have_text(es("Thank you for your answers"))
    check("thank-you page (Spanish, phone)")

    # Held, sealed, until 9 more Spanish web answers can be published with it.
    assert not Response.objects.exists()
    held = HeldResponse.objects.get()
    assert held.survey == survey
    assert (held.source, held.language) == (Response.Source.WEB, "es")
    payload = sealing.unseal(held.sealed, purpose=services.HELD)
    answers = {answer["q"]: answer for answer in payload["answers"]}
    assert set(answers) == {agreement.pk, contact.pk, age.pk, years.pk, story.pk}
    assert answers[agreement.pk]["n"] == 4
    assert Choice.objects.get(pk=answers[contact.pk]["c"]).label["en"] == "Yes"
    assert answers[age.pk]["d"] is True
    assert answers[age.pk]["c"] is None
    assert answers[years.pk]["n"] == 12
    assert answers[story.pk]["t"] == story_text

    # The follow-up list, by keyboard.
    email = page.get_by_label(es("Your email"))
    tab_to(page, email)
    page.keyboard.type("rosa@example.net")
    tab_to(page, main.get_by_role("button", name=es("Keep me informed")))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/thanks/\?email=saved(#.*)?$"))
    expect(page.get_by_role("status")).to_contain_text(
        es("Thank you. We will write to you when we publish what we did with the results.")
    )
    check("thank-you page, email saved (Spanish, phone)")

    contact_row = FollowUpContact.objects.get()
    assert contact_row.survey == survey
    assert contact_row.email == "rosa@example.net"
    assert contact_row.language == "es"
    # Unlinked: nothing on the row points at a response, an answer or a person.
    related = {
        field.related_model
        for field in FollowUpContact._meta.get_fields()
        if field.is_relation and field.concrete
    }
    assert related == {Survey}
    assert HeldResponse.objects.count() == 1 and not Answer.objects.exists()


def test_staff_builds_a_survey_with_three_kinds_of_question_and_sees_results(
    desktop_page, live_server, alice, password, log_in, assert_accessible
):
    page = desktop_page

    def check(label: str) -> None:
        settle(page)
        assert_accessible(page, label)

    log_in(page, alice, password)
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.goto("/staff/surveys/new/")
    expect(page.get_by_role("heading", level=1)).to_have_text("New survey")
    check("new survey form")
    page.get_by_label("Title (English)").fill("Feedback on Coffee with a Cop")
    page.get_by_label("Title (Spanish)").fill("Opinión sobre Café con un Policía")
    # Every enabled language is offered at first; this survey is in English and Spanish.
    page.get_by_role("checkbox", name="Arabic").uncheck()
    page.get_by_role("button", name="Create survey").click()

    expect(page).to_have_url(re.compile(r"/staff/surveys/\d+/$"))
    survey = Survey.objects.get()
    expect(page.get_by_role("heading", level=1)).to_have_text("Feedback on Coffee with a Cop")
    expect(page.get_by_role("status")).to_contain_text("created as a draft")
    assert survey.languages == ["en", "es"]
    assert survey.mode == Survey.Mode.ANONYMOUS
    check("builder overview, empty")

    def add(kind: str, en: str, es_text: str = "", choices_en: str = "", choices_es: str = ""):
        page.get_by_role("link", name="Add question", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Add question")
        page.get_by_label("Kind of question").select_option(label=kind)
        page.get_by_label("Question (English)").fill(en)
        if es_text:
            page.get_by_label("Question (Spanish)").fill(es_text)
        if choices_en:
            page.get_by_label("Choices (English)").fill(choices_en)
            page.get_by_label("Choices (Spanish)").fill(choices_es)
        page.get_by_role("main").get_by_role("button", name="Add question").click()
        expect(page.get_by_role("status")).to_contain_text("Question added.")

    page.get_by_role("link", name="Add question", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add question")
    check("question form")
    page.go_back()

    add(
        "Agreement scale (5 points)",
        "The officers listened to me.",
        "Los agentes me escucharon.",
    )
    add(
        "Single choice",
        "How did you hear about the event?",
        "¿Cómo se enteró del evento?",
        "A flyer\nA friend\nSocial media",
        "Un folleto\nUn amigo\nLas redes sociales",
    )
    # In English only: the Spanish comes on the translations page.
    add("Long text", "What should we do differently?")
    expect(page.get_by_role("link", name="Translations (1 missing)")).to_be_visible()
    check("builder overview, three questions")

    agreement, single, long_text = survey.questions.order_by("page", "position", "pk")
    # The long-text question goes up one place, before the single choice.
    page.get_by_role("button", name="Move up question 3").click()
    expect(page.get_by_role("status")).to_contain_text("Moved: it is now question 2, on page 1.")
    # Focus stays on the button moved with, so another press keeps moving the question.
    expect(page.get_by_role("button", name="Move up question 2")).to_be_focused()
    cards = page.locator(".builder-questions > li")
    expect(cards).to_have_count(3)
    expect(cards.nth(1)).to_contain_text("What should we do differently?")
    expect(cards.nth(2)).to_contain_text("How did you hear about the event?")
    assert list(
        survey.questions.order_by("page", "position", "pk").values_list("pk", flat=True)
    ) == [agreement.pk, long_text.pk, single.pk]
    check("builder overview after moving a question")

    page.get_by_role("link", name="Translations (1 missing)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Translations")
    expect(page.get_by_role("heading", name="1 text is missing")).to_be_visible()
    check("translations page with a gap")
    row = page.get_by_role("group", name=re.compile(r"^Question 2\b"))
    expect(row).to_contain_text("Missing")
    expect(row.get_by_label(re.compile("^English"))).to_have_value("What should we do differently?")
    missing = row.get_by_label(re.compile("^Spanish"))
    expect(missing).to_have_value("")
    missing.fill("¿Qué deberíamos hacer de otra manera?")
    page.get_by_role("button", name="Save translations").click()

    expect(page).to_have_url(re.compile(rf"/staff/surveys/{survey.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("Translations saved. Nothing is missing.")
    expect(page.get_by_role("link", name="Translations (complete)")).to_be_visible()

    page.get_by_role("button", name="Open the survey").click()
    expect(page.get_by_role("status")).to_contain_text("The survey is open for answers.")
    survey.refresh_from_db()
    assert survey.status == Survey.Status.OPEN
    assert Question.objects.get(pk=long_text.pk).text == {
        "en": "What should we do differently?",
        "es": "¿Qué deberíamos hacer de otra manera?",
    }
    check("builder overview, open")

    # Twenty residents answer: enough that no count is hidden as "fewer than 10".
    flyer, friend, social = single.choices.order_by("position")
    for n in range(20):
        raw = {
            f"q{agreement.pk}": ["5" if n < 10 else "4"],
            f"q{single.pk}": [str(flyer.pk if n % 2 else friend.pk)],
            f"q{long_text.pk}": [f"More coffee, please ({n})"] if n < 10 else [],
        }
        cleaned = services.clean_answers(survey, raw)
        assert cleaned.ok, cleaned.errors
        services.submit_response(
            survey=survey,
            cleaned=cleaned,
            language="es" if n % 2 else "en",
            source=Response.Source.WEB,
        )

    page.get_by_role("link", name="Results", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/staff/surveys/{survey.pk}/results/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Results: Feedback on Coffee with a Cop"
    )
    totals = page.get_by_role("region", name="Responses", exact=True)
    expect(totals.locator("dd").first).to_have_text("20")

    def count(table, answer: str):
        row = table.get_by_role("row").filter(
            has=page.get_by_role("rowheader", name=answer, exact=True)
        )
        return row.get_by_role("cell").first

    question = page.get_by_role("region", name="3. How did you hear about the event?")
    expect(question).to_contain_text("answered by 20 people")
    expect(question.get_by_role("img")).to_be_visible()
    table = question.get_by_role("table", name=re.compile("^Answers to question 3"))
    expect(table).to_be_visible()
    expect(count(table, "A flyer")).to_have_text("10")
    expect(count(table, "A friend")).to_have_text("10")
    expect(count(table, "Social media")).to_have_text("0")

    scale = page.get_by_role("region", name="1. The officers listened to me.")
    expect(scale.get_by_role("img")).to_be_visible()
    table = scale.get_by_role("table", name=re.compile("^Answers to question 1"))
    expect(count(table, "Strongly agree")).to_have_text("10")
    expect(count(table, "Agree")).to_have_text("10")
    expect(count(table, "Disagree")).to_have_text("0")

    texts = page.get_by_role("region", name="2. What should we do differently?")
    expect(texts).to_contain_text("answered by 10 people")
    expect(texts.get_by_role("listitem").first).to_contain_text("More coffee, please")
    check("results page")
