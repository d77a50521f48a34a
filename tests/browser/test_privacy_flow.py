"""An administrator finds a resident, downloads what is held and erases them on request,
with a keyboard-reachable confirmation; every page passes axe."""

import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from engagement_portal.core.models import AuditLog

from ..factories import RegistrationFactory, ResidentFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_administrator_downloads_and_erases_a_resident(
    desktop_page, live_server, root, password, log_in, assert_accessible
):
    page = desktop_page
    resident = ResidentFactory(name="Olga Ortiz", email="olga.ortiz@example.net")
    RegistrationFactory(resident=resident)

    log_in(page, root, password)
    page.goto("/administration/")
    page.get_by_role("link", name="Privacy: find, download or erase a resident's data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Privacy: residents' data")
    assert_accessible(page, "privacy search")

    page.get_by_label("Email address, mobile number or name").fill("OLGA.ORTIZ@example.net")
    page.get_by_role("button", name="Find").click()
    assert_accessible(page, "privacy search results")
    page.get_by_role("link", name="Olga Ortiz").click()
    expect(page).to_have_url(re.compile(rf"/administration/privacy/residents/{resident.pk}/$"))
    assert_accessible(page, "resident record")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download everything held (JSON)").click()
    data = json.loads(Path(download.value.path()).read_text())
    assert data["resident"]["email"] == "olga.ortiz@example.net"
    assert len(data["registrations"]) == 1

    page.get_by_role("link", name="Erase this resident…").click()
    assert_accessible(page, "erase confirmation")
    page.get_by_role("button", name="Erase this resident").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    assert_accessible(page, "erase confirmation with errors")
    page.get_by_label(re.compile("I confirm this person asked to be erased")).check()
    page.get_by_role("button", name="Erase this resident").click()

    expect(page.get_by_role("alert").or_(page.locator(".alert-success")).first).to_contain_text(
        "is erased"
    )
    assert_accessible(page, "resident record after erasure")
    resident.refresh_from_db()
    assert resident.name == "" and resident.email == ""
    actions = AuditLog.objects.filter(target=f"resident {resident.pk}").values_list(
        "action", flat=True
    )
    assert sorted(set(actions)) == ["resident.erased", "resident.exported", "resident.viewed"]
