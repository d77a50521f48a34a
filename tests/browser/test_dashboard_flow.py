"""The command dashboard in a real browser.

Command staff (carol) log in, open the dashboard from the command home, filter to one
neighbourhood (the figures change), follow a figure to the list behind it, export it as
CSV, open the spectrum and the printable monthly report. On a phone the same pages fit the
screen. axe runs on every page visited.
"""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from ..dashboard.test_overview import city
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def town(outreach_unit, alice):
    """The hand-built city, its period ending today (inside the default 90 days)."""
    return city(outreach_unit, alice, start=timezone.localdate() - timedelta(days=29))


def card_value(page, label: str) -> str:
    card = page.locator(".figure-card").filter(
        has=page.get_by_role("heading", name=label, exact=True)
    )
    return card.locator(".figure-card-value").inner_text().strip()


def query_of(url: str) -> dict:
    return {key: values[-1] for key, values in parse_qs(urlparse(url).query).items()}


def is_placeholder(page, url: str) -> bool:
    """The export and report views are built in parallel; until then they answer 404."""
    return page.request.get(url).status == 404


def test_command_staff_filter_drill_down_and_export(
    desktop_page, live_server, carol, password, town, log_in, assert_accessible
):
    page = desktop_page

    log_in(page, carol, password)
    expect(page).to_have_url(re.compile(r"/command/$"))
    assert_accessible(page, "command home")
    page.get_by_role("link", name="Open the participation dashboard").click()

    expect(page).to_have_url(re.compile(r"/command/dashboard/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Overview")
    assert card_value(page, "Unique residents reached") == "27"
    assert card_value(page, "Events held") == "4"  # both periods are in the last 90 days
    assert_accessible(page, "overview")

    filters = page.get_by_role("form", name="Filter")
    filters.get_by_label("Neighbourhood").select_option(label="Northside")
    filters.get_by_role("button", name="Apply").click()

    expect(page).to_have_url(re.compile(rf"neighbourhood={town.north.pk}"))
    expect(page.get_by_text("Showing Northside only.")).to_be_visible()
    assert card_value(page, "Unique residents reached") == "11"
    assert card_value(page, "Events held") == "2"
    assert_accessible(page, "overview, one neighbourhood")

    page.get_by_role("link", name="Participations", exact=True).click()
    expect(page).to_have_url(re.compile(r"/command/dashboard/list/participations/\?"))
    assert query_of(page.url)["neighbourhood"] == str(town.north.pk)
    expect(page.get_by_role("heading", level=1)).to_have_text("Participations")
    programs = page.get_by_role("table", name="Participations, by program")
    expect(programs.get_by_role("rowheader", name="Coffee on Main")).to_be_visible()
    expect(programs.get_by_role("rowheader", name="Spring academy")).to_have_count(0)
    assert_accessible(page, "drill-down")

    export = page.get_by_role("link", name="Download “Participations, by program” (CSV)")
    href = export.get_attribute("href")
    assert href.startswith("/command/dashboard/export/drill-participations.csv?")
    assert query_of(href)["neighbourhood"] == str(town.north.pk)
    if not is_placeholder(page, href):
        with page.expect_download() as download:
            export.click()
        csv = Path(download.value.path()).read_text(encoding="utf-8-sig")
        assert "Coffee on Main" in csv
        assert "Spring academy" not in csv

    page.get_by_role("link", name="The spectrum").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("The spectrum")
    assert query_of(page.url)["neighbourhood"] == str(town.north.pk)
    expect(page.get_by_role("heading", name="No activity in this period")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile(r"^Participations by tier:"))).to_be_visible()
    assert_accessible(page, "spectrum")

    report = page.get_by_role("navigation", name="Dashboards").get_by_role(
        "link", name="Monthly report"
    )
    report_href = report.get_attribute("href")
    assert report_href == "/command/dashboard/report/"
    if not is_placeholder(page, report_href):
        report.click()
        expect(page).to_have_url(re.compile(r"/command/dashboard/report/"))
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, "monthly report")


def test_dashboard_pages_fit_a_phone(
    phone_page, live_server, carol, password, town, log_in, assert_accessible
):
    page = phone_page
    log_in(page, carol, password)
    expect(page).to_have_url(re.compile(r"/command/$"))
    query = f"start={town.start}&end={town.start + timedelta(days=29)}"

    for path, label in [
        (f"/command/dashboard/?{query}", "overview"),
        (f"/command/dashboard/spectrum/?{query}", "spectrum"),
        (f"/command/dashboard/list/events/?{query}", "events drill-down"),
        (f"/command/dashboard/list/personnel/?{query}", "personnel drill-down"),
    ]:
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page, f"{label} on a phone")
        assert_fits_phone(page, label)
        assert_tables_that_scroll_say_so(page, label)
        if label == "spectrum":
            assert min(chart_label_heights(page)) >= 11, "chart labels too small on a phone"
    assert card_value_on(page, f"/command/dashboard/?{query}", "Participations") == "54"
    page.goto("/command/dashboard/reach/")
    assert min(chart_label_heights(page)) >= 11, "ranked bars' labels too small on a phone"


def chart_label_heights(page) -> list[float]:
    """The drawn height, in CSS pixels, of each label of the bar charts that show."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.dashboard-chart svg'))
            .filter(svg => svg.getBoundingClientRect().width > 0)
            .flatMap(svg => Array.from(svg.querySelectorAll('.chart-label')))
            .map(text => text.getBoundingClientRect().height)"""
    )


def assert_tables_that_scroll_say_so(page, label: str) -> None:
    """Issue 17, item 12: a table cut off at the screen's edge says it scrolls."""
    silent = page.evaluate(
        """() => Array.from(document.querySelectorAll('.table-responsive'))
            .filter(w => w.scrollWidth > w.clientWidth + 1)
            .filter(w => !(w.previousElementSibling
                           && w.previousElementSibling.classList.contains('scroll-hint')))
            .length"""
    )
    assert silent == 0, f"{label}: {silent} table(s) scroll sideways without saying so"


def card_value_on(page, path: str, label: str) -> str:
    page.goto(path)
    return card_value(page, label)
