"""The monthly report and the open data page in a real browser.

Command staff open last month's report, read its figures, move to the month before and
check what paper would show (print emulation: no menus, tabs or controls). Anyone opens the
open data page, on a desktop and on a phone, and downloads the CSV file. axe runs on every
page visited.
"""

import csv
import io
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.dashboard.selectors_report import last_full_month, previous_month

from ..dashboard.test_outputs import harbour
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # "Last month" is worked out in the fixture and again in the tests: a run across the
    # end of a month would build one month and look for the next. Mid-May: last month is
    # April 2027.
    pytest.mark.as_of("2027-05-12T10:00"),
]


@pytest.fixture
def town(alice):
    """The hand-built city, its "March" being last month."""
    return harbour(alice, month=last_full_month(timezone.localdate()))


def test_command_staff_read_and_print_the_monthly_report(
    desktop_page, live_server, carol, password, town, log_in, assert_accessible
):
    page = desktop_page
    log_in(page, carol, password)
    page.goto(f"{live_server.url}/command/dashboard/report/")
    month = last_full_month(timezone.localdate())
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Community engagement: {month:%B %Y}"
    )
    headline = page.get_by_role("region", name="Headline figures")
    expect(headline.get_by_role("row", name="Participations")).to_contain_text("162")
    expect(headline.get_by_role("row", name="Survey responses")).to_contain_text("fewer than 10")
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # print.js ran
    assert_accessible(page, "monthly report")

    page.get_by_role("link", name="Previous month").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"{previous_month(month):%B %Y}")
    assert_accessible(page, "the month before")

    page.emulate_media(media="print")
    for hidden in (".site-header", ".site-footer", ".nav-tabs", ".report-controls"):
        expect(page.locator(hidden).first).to_be_hidden()
    expect(page.get_by_role("heading", name="Headline figures")).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")


def test_anyone_reads_open_data_and_downloads_the_csv(
    desktop_page, phone_page, live_server, town, assert_accessible, tmp_path: Path
):
    month = last_full_month(timezone.localdate())
    for page, label in ((desktop_page, "desktop"), (phone_page, "phone")):
        page.goto(f"{live_server.url}/")
        page.get_by_role("link", name="Open data").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Open data: community participation"
        )
        table = page.get_by_role("table", name="People who took part in the last 12 months")
        row = table.get_by_role("row", name=f"{month:%B %Y}")
        expect(row).to_contain_text("fewer than 10")
        expect(row).to_contain_text("30")
        assert_accessible(page, f"open data ({label})")
    assert_fits_phone(phone_page, "open data")

    with desktop_page.expect_download() as download:
        desktop_page.get_by_role(
            "link", name="Participation by month, tier and neighbourhood (CSV)"
        ).click()
    path = tmp_path / "participation.csv"
    download.value.save_as(path)
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    assert rows[0][:3] == ["month", "tier", "tier_name"]
    assert any(r[3] == "south" and r[5] == "<10" for r in rows[1:])


def test_the_report_fits_a_phone(phone_page, live_server, carol, password, town, log_in):
    log_in(phone_page, carol, password)
    phone_page.goto(f"{live_server.url}/command/dashboard/report/")
    expect(phone_page.get_by_role("heading", name="Headline figures")).to_be_visible()
    assert_fits_phone(phone_page, "monthly report")
