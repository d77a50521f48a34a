"""Command staff read the trust and satisfaction dashboard in a real browser, on a desktop
and on a phone, with six months of realistic answers from eight neighbourhoods and an
academy surveyed at intake and at graduation; axe runs on every page.

Set DASHBOARD_SHOTS=/some/dir to keep full-page screenshots of each page."""

import os
import random
import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.demo.management.commands.seed_demo import NEIGHBOURHOODS
from programs.dashboard.services import rebuild
from programs.models import EngagementType
from surveys.models import Answer, Question, Response, StandardItem

from ..factories import ProgramFactory, SurveyFactory
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # The six months below are laid out around this day: the paused month (three months
    # back) must hold fewer than 10 answers, and the youth academy's answers 70 and 150 days
    # back must land in other months. On some days (7 December 2026) they did not.
    pytest.mark.as_of("2026-11-20T10:00"),
]

# Answers a month from each neighbourhood, and how much it trusts the police (a mean).
HOODS = {
    "rn": (16, 3.9),
    "rs": (11, 3.6),
    "ot": (13, 3.4),
    "eg": (9, 2.7),
    "hc": (15, 4.1),
    "md": (1, 3.0),
    "wb": (5, 3.2),
    "ls": (3, 3.5),
}
CITY_ITEMS = ["trust-neighbourhood", "fair-treatment", "listens", "last-contact-satisfaction"]


def shoot(page, name: str) -> None:
    folder = os.environ.get("DASHBOARD_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
        # And screen-sized pieces, easier to look at than one very tall picture.
        width = page.viewport_size["width"]
        height = page.evaluate("document.documentElement.scrollHeight")
        for index, top in enumerate(range(0, height, 1000)):
            page.screenshot(
                path=os.path.join(folder, f"{name}-{index + 1}.png"),
                full_page=True,
                clip={"x": 0, "y": top, "width": width, "height": min(1000, height - top)},
            )


def survey_asking(keys, *, program=None, title="Survey"):
    survey = SurveyFactory(program=program, mode="identified", title={"en": title, "es": title})
    for position, key in enumerate(keys):
        item = StandardItem.objects.get(key=key)
        Question.objects.create(
            survey=survey, kind=item.kind, text=item.text, standard_item=item, position=position
        )
    return survey


def respond(survey, answers: list[tuple[date, Neighbourhood | None, dict[str, int]]]) -> None:
    questions = {q.standard_item.key: q for q in survey.questions.select_related("standard_item")}
    responses = Response.objects.bulk_create(
        Response(survey=survey, language="en", source="web", submitted_on=day, neighbourhood=hood)
        for day, hood, _values in answers
    )
    Answer.objects.bulk_create(
        Answer(response=response, question=questions[key], number=value)
        for response, (_day, _hood, values) in zip(responses, answers, strict=True)
        for key, value in values.items()
    )


def score(rng, mean: float) -> int:
    return min(5, max(1, round(rng.gauss(mean, 0.9))))


@pytest.fixture
def city():
    rng = random.Random(4)
    hoods = {
        code: Neighbourhood.objects.create(name=name, code=code, population=population)
        for name, code, population, _demographics in NEIGHBOURHOODS
    }
    today = timezone.localdate()
    community = ProgramFactory(
        title="Neighbourhood trust survey",
        engagement_type=EngagementType.objects.get(slug="community-surveys"),
    )
    survey = survey_asking(CITY_ITEMS, program=community, title="Neighbourhood trust survey")
    answers = []
    for months_ago in range(6):
        year, month = divmod(today.year * 12 + today.month - 1 - months_ago, 12)
        first = date(year, month + 1, 1)
        for code, (per_month, mean) in HOODS.items():
            trend = 0.12 * (5 - months_ago)  # trust rises slowly
            count = max(0, per_month + rng.randint(-1, 1))
            if months_ago == 3:  # the survey was paused: too few answers to show
                count = 1 if code in ("rn", "hc", "ot") else 0
            for _ in range(count):
                day = first + timedelta(days=rng.randint(0, 27))
                answers.append(
                    (
                        min(day, today),
                        hoods[code],
                        {key: score(rng, mean + trend) for key in CITY_ITEMS},
                    )
                )
    respond(survey, answers)

    academy = ProgramFactory(
        title="Citizen Police Academy, spring class",
        engagement_type=EngagementType.objects.get(slug="citizen-police-academy"),
    )
    keys = ["trust-neighbourhood", "fair-treatment", "listens"]
    intake = survey_asking(keys, program=academy, title="Academy intake")
    graduation = survey_asking([*keys, "event-worthwhile"], program=academy, title="Graduation")
    intake_day = today - timedelta(days=120)
    graduation_day = today - timedelta(days=20)
    respond(
        intake,
        [
            (intake_day, hoods[rng.choice(list(HOODS))], {k: score(rng, 3.1) for k in keys})
            for _ in range(24)
        ],
    )
    respond(
        graduation,
        [
            (
                graduation_day,
                hoods[rng.choice(list(HOODS))],
                {**{k: score(rng, 4.2) for k in keys[:2]}, "listens": score(rng, 3.4)},
            )
            for _ in range(21)
        ],
    )
    youth = ProgramFactory(
        title="Youth academy",
        engagement_type=EngagementType.objects.get(slug="citizen-police-academy"),
    )
    first, last = (
        survey_asking(["trust-neighbourhood"], program=youth, title=title)
        for title in ("Youth intake", "Youth graduation")
    )
    respond(first, [(today - timedelta(days=150), None, {"trust-neighbourhood": 3})] * 12)
    respond(last, [(today - timedelta(days=70), None, {"trust-neighbourhood": 4})] * 8)
    rebuild()
    return today


def test_command_staff_read_trust_and_satisfaction(
    desktop_page, phone_page, live_server, carol, password, log_in, assert_accessible, city
):
    period = f"?start={(city - timedelta(days=179)).isoformat()}&end={city.isoformat()}"
    page = desktop_page
    log_in(page, carol, password)
    page.goto("/command/dashboard/trust/" + period)
    expect(page.get_by_role("heading", level=1)).to_have_text("Trust and satisfaction")
    expect(page.get_by_text("Trust is counted by calendar month")).to_be_visible()
    trust_card = page.get_by_role(
        "article", name="I trust the police who work in my neighbourhood."
    )
    expect(trust_card.first.get_by_role("img")).to_have_attribute(
        "aria-label", re.compile("fewer than 10 answers")
    )
    summary = page.get_by_role("region", name="By neighbourhood")
    trust_row = summary.get_by_role("row", name=re.compile("I trust the police"))
    expect(trust_row).to_contain_text("Hillcrest")  # the highest mean
    expect(page.get_by_label("Program to compare")).to_have_value(
        re.compile(r"\d+")
    )  # the most recently surveyed program
    expect(page.get_by_role("heading", name="Before and after a program")).to_be_visible()
    expect(page.get_by_text("Academy intake").first).to_be_visible()
    assert_accessible(page, "trust")
    shoot(page, "trust-desktop")

    # Each question's tables are a link away, with the same filters.
    trust_row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "I trust the police who work in my neighbourhood."
    )
    expect(page.get_by_role("table", name=re.compile("Mean by month .*: I trust"))).to_contain_text(
        "fewer than 10"
    )
    areas = page.get_by_role("table", name=re.compile("Mean by neighbourhood .*: I trust"))
    expect(areas.get_by_role("row", name=re.compile("Hillcrest"))).to_be_visible()
    assert_accessible(page, "trust, one question")
    shoot(page, "trust-question-desktop")
    # A question only the city's survey asks: Mill District has too few answers to it.
    page.goto("/command/dashboard/trust/question/last-contact-satisfaction/" + period)
    expect(page.locator("p", has_text="Fewer than 10 answers:")).to_contain_text("Mill District")
    page.get_by_role("link", name="Back to trust and satisfaction").click()

    page.get_by_label("Program to compare").select_option(label="Youth academy")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_text("Not compared: fewer than 10 answers on one side.")).to_be_visible()
    assert_accessible(page, "trust, youth academy")

    page.get_by_label("Neighbourhood", exact=True).select_option(label="Eastgate")
    page.get_by_role("button", name="Apply").click()
    summary = page.get_by_role("region", name="By neighbourhood")
    expect(summary.get_by_role("columnheader", name="Highest mean")).to_have_count(0)
    assert_accessible(page, "trust, Eastgate")
    shoot(page, "trust-eastgate-desktop")
    summary.get_by_role("row", name=re.compile("I trust the police")).get_by_role("link").click()
    areas = page.get_by_role("table", name=re.compile("Mean by neighbourhood .*: I trust"))
    expect(areas.get_by_role("row", name=re.compile("Eastgate"))).to_be_visible()
    expect(areas.get_by_role("row", name=re.compile("Hillcrest"))).to_have_count(0)
    assert_accessible(page, "trust, one question, Eastgate")

    phone = phone_page
    log_in(phone, carol, password)
    phone.goto("/command/dashboard/trust/" + period)
    assert_accessible(phone, "trust on a phone")
    assert_fits_phone(phone, "trust")
    shoot(phone, "trust-phone")
    phone.goto("/command/dashboard/trust/question/trust-neighbourhood/" + period)
    assert_accessible(phone, "one question on a phone")
    assert_fits_phone(phone, "trust question")
    shoot(phone, "trust-question-phone")
