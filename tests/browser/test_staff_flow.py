"""A program-staff officer creates a program on a desktop browser and makes it active."""

import re

import pytest
from playwright.sync_api import expect

from programs.models import Program

from ..factories import NeighbourhoodFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

INTENTION = "Meet residents of Hillcrest over coffee and learn what worries them most."


def test_staff_creates_a_program_and_sees_it_on_the_spectrum(
    desktop_page, live_server, alice, password, log_in, assert_accessible
):
    page = desktop_page
    NeighbourhoodFactory(name="Hillcrest", code="hc")

    log_in(page, alice, password)
    expect(page).to_have_url(re.compile(r"/staff/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My programs")
    assert_accessible(page, "staff home")

    page.get_by_role("main").get_by_role("link", name="New program").click()
    expect(page).to_have_url(re.compile(r"/staff/programs/new/$"))
    assert_accessible(page, "new program form")

    # First try: the intention is missing.
    page.get_by_label("Title").fill("Coffee on the corner")
    page.get_by_label("Engagement type").select_option(
        label="Unstructured engagement (Coffee with a Cop, National Night Out)"
    )
    page.get_by_role("button", name="Create program").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name="Intention")).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value("Coffee on the corner")
    expect(page.get_by_label("Intention")).to_have_attribute("aria-invalid", "true")
    assert not Program.objects.exists()
    assert_accessible(page, "new program form with errors")

    # The summary links to the field that needs fixing.
    summary.get_by_role("link", name="Intention").click()
    expect(page.get_by_label("Intention")).to_be_focused()

    page.get_by_label("Intention").fill(INTENTION)
    page.get_by_label("Description").fill("Every second Saturday at the Hillcrest bakery.")
    page.get_by_role("group", name="Neighbourhoods served").get_by_label("Hillcrest").check()
    page.get_by_role("group", name="Languages offered").get_by_label("Spanish").check()
    page.get_by_role("button", name="Create program").click()

    program = Program.objects.get()
    # The fragment from the error-summary link survives the redirect; it is harmless.
    expect(page).to_have_url(re.compile(rf"/staff/programs/{program.pk}/(#.*)?$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Coffee on the corner")
    expect(page.get_by_role("status").first).to_contain_text("created as a draft")
    assert program.owner == alice
    assert program.status == Program.Status.DRAFT
    assert_accessible(page, "staff program page (draft)")

    status = page.get_by_role("region", name="Change status")
    status.get_by_label("New status").select_option(label="Active")
    status.get_by_role("button", name="Update status").click()
    expect(page.get_by_role("status").first).to_contain_text("now active")
    program.refresh_from_db()
    assert program.status == Program.Status.ACTIVE
    assert_accessible(page, "staff program page (active)")

    main_nav = page.get_by_role("navigation", name="Main")
    main_nav.get_by_role("button", name="Manage").click()
    main_nav.get_by_role("link", name="Spectrum").click()
    expect(page).to_have_url(re.compile(r"/staff/spectrum/$"))
    tier = page.get_by_role("region", name=re.compile(r"In-person interactions"))
    expect(tier.get_by_role("link", name="Coffee on the corner")).to_be_visible()
    assert_accessible(page, "spectrum")
