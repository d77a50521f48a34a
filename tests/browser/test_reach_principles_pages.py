"""Command staff read the reach and four-principles dashboards in a real browser, on a
desktop and on a phone, with a city's worth of realistic figures; axe runs on every page.

Set DASHBOARD_SHOTS=/some/dir to keep full-page screenshots of each page."""

import itertools
import json
import os
import random
import re
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagement_portal.accounts.boundaries import load_boundaries
from engagement_portal.accounts.models import Language, Neighbourhood, Resident
from engagement_portal.demo.loader.boundaries import demo_outlines
from engagement_portal.demo.management.commands.seed_demo import NEIGHBOURHOODS
from programs.dashboard.services import rebuild
from programs.models import EngagementType
from surveys import builder
from surveys.models import Answer, Response, StandardItem

from ..factories import (
    AccommodationRequestFactory,
    AnnouncementFactory,
    EventCoFacilitatorFactory,
    EventFactory,
    PartnerOrganisationFactory,
    ProgramFactory,
    RecommendationFactory,
    RegistrationFactory,
    SurveyFactory,
)
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Answers per month from each neighbourhood: a city where the riverside takes part far
# more than the east, Mill District hardly at all and Lakeside little.
MONTHLY = {"rn": 40, "rs": 22, "ot": 30, "eg": 12, "hc": 45, "md": 1, "wb": 9, "ls": 4}


def shoot(page, name: str) -> None:
    folder = os.environ.get("DASHBOARD_SHOTS")
    if folder:
        os.makedirs(folder, exist_ok=True)
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)
        height = page.evaluate("document.documentElement.scrollHeight")
        width = page.viewport_size["width"]
        for part, top in enumerate(range(0, height, 1400)):
            page.screenshot(
                path=os.path.join(folder, f"{name}-{part + 1}.png"),
                full_page=True,
                clip={"x": 0, "y": top, "width": width, "height": min(1400, height - top)},
            )


def program_of(slug: str, title: str):
    return ProgramFactory(engagement_type=EngagementType.objects.get(slug=slug), title=title)


@pytest.fixture
def city():
    rng = random.Random(6)
    hoods = {}
    for name, code, population, demographics in NEIGHBOURHOODS:
        hoods[code] = Neighbourhood.objects.create(
            name=name, code=code, population=population, demographics=demographics
        )
    today = timezone.localdate()
    survey = SurveyFactory(
        program=program_of("community-surveys", "Neighbourhood safety survey"),
        mode="identified",
    )
    age = builder.add_standard_item(survey=survey, item=StandardItem.objects.get(key="age-group"))
    # Outlines for every neighbourhood but Lakeside: the map, and its note on the missing one.
    outlines = json.loads(demo_outlines())
    outlines["features"] = [f for f in outlines["features"] if f["properties"]["code"] != "ls"]
    assert load_boundaries(json.dumps(outlines)).ok
    emails = itertools.count()
    residents, responses = [], []
    for code, per_month in MONTHLY.items():
        for month in range(12):
            for _ in range(max(0, per_month + rng.randint(-3, 3)) if per_month else 0):
                n = next(emails)
                residents.append(
                    Resident(
                        name=f"Resident {n}",
                        email=f"r{n}@example.net",
                        email_normalised=f"r{n}@example.net",
                        neighbourhood=hoods[code],
                    )
                )
                responses.append(today - timedelta(days=month * 30 + rng.randint(0, 29)))
    residents = Resident.objects.bulk_create(residents)
    stored = Response.objects.bulk_create(
        Response(
            survey=survey,
            language="en",
            source="web",
            submitted_on=day,
            neighbourhood=resident.neighbourhood,
            resident=resident,
        )
        for resident, day in zip(residents, responses, strict=True)
    )
    # About two in three say their age group; the young are under-represented.
    choices = list(age.choices.all())
    answers = []
    for response in stored:
        roll = rng.random()
        if roll < 0.1:
            answers.append(Answer(response=response, question=age, declined=True))
        elif roll < 0.68:
            choice = rng.choices(choices, [3, 18, 47, 32])[0]
            answers.append(Answer(response=response, question=age, choice=choice))
    Answer.objects.bulk_create(answers)
    Response.objects.bulk_create(
        Response(survey=survey, language="es", source="paper", submitted_on=today)
        for _ in range(14)
    )

    def at(days_ago: int):
        moment = timezone.make_aware(
            datetime.combine(today - timedelta(days=days_ago), datetime.min.time())
        )
        return moment + timedelta(hours=18)

    town_hall = program_of("town-hall-meetings", "Eastgate town halls")
    town_hall.languages.add(*Language.objects.filter(code__in=["en", "es", "vi"]))
    town_hall.partners.add(PartnerOrganisationFactory(name="Eastgate Faith Council"))
    listening = program_of("listening-sessions", "Listening sessions on stops")
    listening.languages.add(*Language.objects.filter(code__in=["en", "es"]))
    press = program_of("press-conferences", "Chief's press briefings")
    for days_ago, program in ((10, town_hall), (40, town_hall), (25, press), (60, listening)):
        session = EventFactory(
            program=program,
            starts_at=at(days_ago),
            ends_at=at(days_ago) + timedelta(hours=2),
            neighbourhood=hoods["eg"],
        )
        if program == listening:
            EventCoFacilitatorFactory.create_batch(2, event=session)
        for i in range(5):
            AccommodationRequestFactory(
                registration=RegistrationFactory(event=session, resident=residents[i]),
                kind="interpretation" if i % 2 else "accessibility",
                fulfilled=i != 3,
            )
    for days_ago in (3, 12, 33, 70):
        AnnouncementFactory(published_at=at(days_ago))
    SurveyFactory(closed_at=at(20), results_published=True, status="closed")
    SurveyFactory(closed_at=at(50), status="closed")
    for due, answered in ((60, 62), (40, 45), (30, 20), (15, None)):
        RecommendationFactory(
            program=town_hall,
            received_on=today - timedelta(days=80),
            response_due=today - timedelta(days=due),
            answered_on=today - timedelta(days=answered) if answered else None,
            status="adopted" if answered else "received",
        )
    rebuild()
    return hoods


def test_command_staff_read_reach_and_principles(
    desktop_page, phone_page, live_server, carol, password, log_in, assert_accessible, city
):
    page = desktop_page
    log_in(page, carol, password)
    page.goto("/command/dashboard/reach/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Reach and representation")
    expect(page.get_by_role("heading", name="Representation score", exact=True)).to_be_visible()
    table = page.get_by_role("region", name="Neighbourhoods")
    expect(table.get_by_role("row", name=re.compile("City-wide rate"))).to_be_visible()
    expect(table.get_by_role("row", name=re.compile("Mill District"))).to_contain_text(
        "fewer than 10"
    )
    expect(page.get_by_role("img", name=re.compile("^Map of 7 neighbourhoods"))).to_be_visible()
    expect(page.get_by_text("No outline is loaded for Lakeside")).to_be_visible()
    expect(
        page.get_by_role("heading", name="Participants against the population, by group")
    ).to_be_visible()
    ages = page.get_by_role("table", name=re.compile("^Age"))
    expect(ages.get_by_role("row", name=re.compile("^65 or older"))).to_be_visible()
    expect(ages.get_by_role("row", name=re.compile("^Did not say"))).to_be_visible()
    assert_accessible(page, "reach")
    shoot(page, "reach-desktop")

    page.get_by_label("Neighbourhood", exact=True).select_option(label="Eastgate")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Eastgate is highlighted")).to_be_visible()
    assert_accessible(page, "reach, Eastgate")

    page.get_by_role("link", name="The four principles").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The four principles")
    for title in (
        "Equitable opportunity",
        "Productive dialogue",
        "Collective solutions",
        "Acting on feedback",
    ):
        expect(page.get_by_role("heading", name=re.compile(title))).to_be_visible()
    assert_accessible(page, "principles, Eastgate")
    # Each "See the list" link says, to a screen reader, which figure's list it opens.
    expect(
        page.get_by_role(
            "link",
            name="See the list for “Accessibility and interpretation requests arranged”",
            exact=True,
        )
    ).to_be_visible()
    expect(
        page.get_by_role("link", name="Reach by neighbourhood for “Representation score”")
    ).to_be_visible()
    page.get_by_role("link", name="Reset").click()
    assert_accessible(page, "principles")
    shoot(page, "principles-desktop")

    phone = phone_page
    log_in(phone, carol, password)
    for path, name in (
        ("/command/dashboard/reach/", "reach"),
        ("/command/dashboard/principles/", "principles"),
    ):
        phone.goto(path)
        assert_accessible(phone, f"{name} on a phone")
        assert_fits_phone(phone, name)
        shoot(phone, f"{name}-phone")
