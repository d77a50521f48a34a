"""An anonymous resident on a phone switches to Spanish and finds a program near them."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from engagement_portal.accounts.models import Language
from programs.models import EngagementType

from ..factories import NeighbourhoodFactory, ProgramFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def es(message: str) -> str:
    """What the Spanish catalogue says for message (the English text while it has none)."""
    with translation.override("es"):
        return translation.gettext(message)


@pytest.fixture
def programs():
    hillcrest = NeighbourhoodFactory(name="Hillcrest", code="hc")
    lakeside = NeighbourhoodFactory(name="Lakeside", code="ls")
    coffee = ProgramFactory(title="Coffee in Hillcrest", slug="coffee-in-hillcrest")
    coffee.neighbourhoods.set([hillcrest])
    coffee.languages.set([Language.objects.get(code="es")])
    walk = ProgramFactory(title="Lakeside walk and talk", slug="lakeside-walk")
    walk.neighbourhoods.set([lakeside])
    ProgramFactory(
        title="City-wide safety survey",
        slug="city-survey",
        engagement_type=EngagementType.objects.get(slug="community-surveys"),
    )
    return coffee


def test_resident_browses_the_catalogue_in_spanish_on_a_phone(
    phone_page, live_server, programs, assert_accessible
):
    page = phone_page
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert_accessible(page, "home (English, phone)")

    # On a phone the navigation, language switcher included, hides behind the menu button.
    language = page.get_by_label("Language", exact=True)
    expect(language).to_be_hidden()
    menu = page.get_by_role("button", name="Menu")
    menu.click()
    expect(menu).to_have_attribute("aria-expanded", "true")
    # Wait for the menu to finish opening: a click while it still slides open can land on
    # the button's old place and submit nothing (seen once in CI on a loaded machine).
    expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    language.select_option("es")
    with page.expect_navigation():
        page.get_by_role("button", name="Change", exact=True).click()

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(re.compile(r"/$"))
    assert_accessible(page, "home (Spanish, phone)")

    page.get_by_role("main").locator("a[href='/programs/']").first.click()
    expect(page).to_have_url(re.compile(r"/programs/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(es("Programs you can join"))
    main = page.get_by_role("main")
    for title in ("Coffee in Hillcrest", "Lakeside walk and talk", "City-wide safety survey"):
        expect(main.get_by_role("link", name=title)).to_be_visible()
    assert_accessible(page, "catalogue (Spanish, phone)")

    filters = page.get_by_role("form", name=es("Narrow the list"))
    filters.get_by_label(es("Neighbourhood")).select_option(label="Hillcrest")
    filters.get_by_role("button", name=es("Show")).click()

    expect(page).to_have_url(re.compile(r"/programs/\?.*neighbourhood="))
    expect(main.get_by_role("link", name="Coffee in Hillcrest")).to_be_visible()
    # A program that names no neighbourhood is open to everyone, so it still shows.
    expect(main.get_by_role("link", name="City-wide safety survey")).to_be_visible()
    expect(main.get_by_role("link", name="Lakeside walk and talk")).to_have_count(0)
    expect(main.get_by_role("link", name=es("Clear filters"))).to_be_visible()
    assert_accessible(page, "catalogue filtered (Spanish, phone)")

    main.get_by_role("link", name="Coffee in Hillcrest").click()
    expect(page).to_have_url(re.compile(r"/programs/coffee-in-hillcrest/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Coffee in Hillcrest")
    expect(page.get_by_role("heading", name=es("Why we run it"))).to_be_visible()
    expect(main).to_contain_text(programs.intention)
    assert_accessible(page, "program page (Spanish, phone)")

    # Nothing on these pages may be wider than the phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the program page scrolls sideways on a phone ({width}px wide)"

    # The page must really be in Spanish, not English with lang="es" on it.
    assert es("Why we run it") != "Why we run it", (
        "locale/es/LC_MESSAGES/django.mo has no Spanish for the resident pages "
        "(run compilemessages)"
    )
