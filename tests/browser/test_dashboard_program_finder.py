"""Choosing a program in the dashboard filter bar, with the keyboard only.

The filter bar no longer lists every program: a commander types part of a name, presses
Enter, and follows one of the programs found. axe runs on both states of the filter bar.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..dashboard.test_overview import city

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def town(outreach_unit, alice):
    return city(outreach_unit, alice, start=timezone.localdate() - timedelta(days=29))


def test_find_a_program_by_name_and_choose_it_with_the_keyboard(
    desktop_page, live_server, carol, password, town, log_in, assert_accessible
):
    page = desktop_page
    log_in(page, carol, password)
    page.goto(f"{live_server.url}/command/dashboard/")
    filters = page.get_by_role("form", name="Filter")
    expect(filters.get_by_text("All programs")).to_be_visible()

    search = filters.get_by_label("Find a program by name")
    search.focus()
    page.keyboard.type("coffee")
    page.keyboard.press("Enter")

    expect(page.get_by_role("heading", name="Programs matching “coffee”")).to_be_visible()
    found = page.get_by_role("link", name="Coffee on Main")
    expect(found).to_be_visible()
    assert_accessible(page, "overview, programs found")

    found.focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"program={town.coffee.pk}"))
    expect(filters.locator("strong", has_text="Coffee on Main")).to_be_visible()
    expect(page.get_by_role("heading", name=re.compile("Programs matching"))).to_have_count(0)
    assert_accessible(page, "overview, one program")

    filters.get_by_role("link", name="Show all programs").click()
    expect(page).not_to_have_url(re.compile("program="))
    expect(filters.get_by_text("All programs")).to_be_visible()
