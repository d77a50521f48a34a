"""Cohorts and readiness in a real browser.

Program staff on a desktop complete the readiness checklist of a youth program and activate
it, create a cohort, add its sessions and its accepted applicants; then on a phone they take
attendance at a session that has been held, close the cohort and open a member's certificate,
which shows in the member's language although the browser is in English. axe runs on every
page visited.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from events.models import Event
from programs.models import EngagementType, Program, ReadinessCheck
from programs.structured.models_applications import Application
from programs.structured.models_cohorts import Cohort, CohortMember

from ..factories import ApplicationFactory, ProgramFactory, ResidentFactory
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

CHECKLIST = [
    "Governing policy recorded and approved by command",
    "Supervising staff member named",
    "Participant training planned",
    "Insurance and liability reviewed",
    "Background checks for every adult working with youth",
    "Guardian consent form approved",
]


def es(message: str) -> str:
    with translation.override("es"):
        return translation.gettext(message)


@pytest.fixture
def explorers(alice):
    """A draft youth program with two accepted applicants, one who speaks Spanish."""
    program = ProgramFactory(
        title="Explorer Post 12",
        slug="explorer-post-12",
        engagement_type=EngagementType.objects.get(slug="youth-engagement"),
        owner=alice,
        status=Program.Status.DRAFT,
    )
    for name, language in (("Rosa Díaz", "es"), ("Tom Becker", "en")):
        ApplicationFactory(
            program=program,
            resident=ResidentFactory(name=name),
            status=Application.Status.ACCEPTED,
            language=language,
        )
    return program


def test_staff_prepare_run_and_close_a_youth_cohort(
    desktop_page, phone_page, live_server, alice, password, explorers, log_in, assert_accessible
):
    page = desktop_page
    log_in(page, alice, password)
    page.goto(f"/staff/programs/{explorers.pk}/")
    assert_accessible(page, "program page (draft)")

    # --- Readiness: a first try ticks the approval without recording the policy.
    page.get_by_role("link", name="Readiness before launch").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Readiness before launch")
    missing = page.get_by_role("region", name="Can it launch?")
    expect(missing).to_contain_text("Guardian consent form approved")
    assert_accessible(page, "readiness page")
    page.get_by_label(CHECKLIST[0]).check()
    page.get_by_label(CHECKLIST[1]).check()
    page.get_by_role("button", name="Save", exact=True).click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Record the policy before marking it approved.")
    expect(page.get_by_label(CHECKLIST[1])).to_be_checked()
    assert not ReadinessCheck.objects.exists()
    assert_accessible(page, "readiness page with errors")

    page.get_by_label("Policy number and title").fill("GO 7.3 Explorer Program")
    page.get_by_label("Link to the policy").fill("https://policies.example.org/go-7-3")
    for label in CHECKLIST:
        page.get_by_label(label).check()
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Readiness saved.")
    expect(page.get_by_text("Ticked by Alice Adams").first).to_be_visible()
    assert ReadinessCheck.objects.filter(program=explorers).count() == len(CHECKLIST)
    assert_accessible(page, "readiness page, ready")

    page.get_by_role("button", name="Activate the program").click()
    expect(page).to_have_url(re.compile(rf"/staff/programs/{explorers.pk}/$"))
    expect(page.get_by_role("status").first).to_contain_text("now active")
    explorers.refresh_from_db()
    assert explorers.status == Program.Status.ACTIVE
    assert_accessible(page, "program page (active)")

    # --- A cohort, its sessions and its members.
    page.get_by_role("link", name="New cohort").click()
    expect(page.get_by_label("Sessions to attend to complete (%)")).to_have_value("80")
    assert_accessible(page, "new cohort")
    page.get_by_label("Name").fill("Spring 2026")
    page.get_by_role("button", name="Create the cohort").click()
    cohort = Cohort.objects.get()
    expect(page).to_have_url(re.compile(rf"/staff/cohorts/{cohort.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Cohort: Spring 2026")
    expect(page.get_by_text("at least 80 % of the sessions held")).to_be_visible()
    assert_accessible(page, "cohort page (empty)")

    page.get_by_role("link", name="Add sessions").click()
    assert_accessible(page, "add sessions")
    run = page.get_by_role("region", name="A run of sessions")
    first = timezone.localtime() + timedelta(days=2)
    run.get_by_label("First session starts").fill(first.strftime("%Y-%m-%dT18:00"))
    run.get_by_label("Number of sessions").fill("4")
    run.get_by_label("Place").fill("Station 3 community room")
    run.get_by_role("button", name="Add these sessions").click()
    expect(page.get_by_role("status").first).to_contain_text("4 sessions added.")
    sessions = list(Event.objects.filter(cohort_session__cohort=cohort).order_by("starts_at"))
    assert len(sessions) == 4
    assert {s.visibility for s in sessions} == {Event.Visibility.UNLISTED}
    expect(page.get_by_role("cell", name="Not held yet")).to_have_count(4)
    assert_accessible(page, "cohort page with sessions")

    page.get_by_role("link", name="Add members").click()
    applicants = page.get_by_role("region", name="From the applications")
    applicants.get_by_label("Rosa Díaz (Spanish)").check()
    applicants.get_by_label("Tom Becker (English)").check()
    assert_accessible(page, "members page")
    applicants.get_by_role("button", name="Add the people ticked").click()
    expect(page.get_by_role("status").first).to_contain_text("2 members added.")
    assert CohortMember.objects.filter(cohort=cohort).count() == 2
    assert CohortMember.objects.get(resident__name="Rosa Díaz").language == "es"
    assert_accessible(page, "members page with members")

    # The first session has now taken place.
    held = sessions[0]
    held.starts_at = timezone.now() - timedelta(hours=3)
    held.ends_at = timezone.now() - timedelta(hours=1)
    held.save()

    # --- On a phone: attendance, closing, the certificate.
    phone = phone_page
    log_in(phone, alice, password)
    phone.goto(f"/staff/cohorts/{cohort.pk}/")
    assert_accessible(phone, "cohort page (phone)")
    assert_fits_phone(phone, "cohort page")
    phone.get_by_role("link", name=f"Record attendance — {held.title}").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Attendance")
    assert_accessible(phone, "attendance (phone)")
    assert_fits_phone(phone, "attendance")
    rosa = phone.get_by_label("Rosa Díaz")
    expect(rosa).not_to_be_checked()
    # Every name is a big touch target: the whole row toggles the box.
    row = phone.locator("label.door-person").first
    assert row.bounding_box()["height"] >= 44
    assert row.bounding_box()["width"] >= 300
    phone.get_by_role("link", name="Mark all present").click()
    expect(rosa).to_be_checked()
    expect(phone.get_by_label("Tom Becker")).to_be_checked()
    phone.locator("label.door-person", has_text="Tom Becker").click()  # Tom was late: untick
    expect(phone.get_by_label("Tom Becker")).not_to_be_checked()
    phone.locator("label.door-person", has_text="Tom Becker").click()  # he came after all
    assert_accessible(phone, "attendance ticked (phone)")
    phone.get_by_role("button", name="Save attendance").click()
    expect(phone.get_by_role("status").first).to_contain_text("2 of 2 present")
    assert held.attendance.filter(present=True).count() == 2
    assert_accessible(phone, "cohort page after attendance (phone)")
    assert_fits_phone(phone, "cohort page after attendance")

    # Three sessions are still ahead: the page says so, and closing needs a confirmation.
    expect(phone.get_by_text("3 sessions are still ahead:")).to_be_visible()
    close = phone.get_by_role("button", name="Close the cohort and work out completion")
    close.click()  # the box is required: nothing is sent
    assert Cohort.objects.get().closed_at is None
    phone.get_by_label("Yes, close it before those sessions").check()
    close.click()
    expect(phone.get_by_role("status").first).to_contain_text("2 completed, 0 did not")
    assert set(CohortMember.objects.values_list("status", flat=True)) == {"completed"}
    assert_accessible(phone, "closed cohort (phone)")
    assert_fits_phone(phone, "closed cohort")

    phone.get_by_role("link", name="Certificate — Rosa Díaz").click()
    expect(phone.locator("html")).to_have_attribute("lang", "es")
    expect(phone.get_by_role("heading", level=1)).to_have_text(es("Certificate of completion"))
    expect(phone.get_by_role("link", name=es("Skip to main content"))).to_be_attached()
    assert es("Skip to main content") == "Saltar al contenido principal"
    certificate = phone.locator("article.certificate")
    expect(certificate).to_contain_text("Rosa Díaz")
    expect(certificate).to_contain_text("Explorer Post 12")
    expect(certificate).to_contain_text(
        CohortMember.objects.get(resident__name="Rosa Díaz").certificate_id
    )
    month = timezone.localtime(held.starts_at)
    with translation.override("es"):
        from django.utils.formats import date_format

        expect(certificate).to_contain_text(date_format(month, "DATE_FORMAT"))
    expect(phone.get_by_role("button", name=es("Print"))).to_be_visible()
    assert_accessible(phone, "certificate (phone, Spanish)")
    assert_fits_phone(phone, "certificate")

    # Printed: no navigation or footer, only the certificate.
    phone.emulate_media(media="print")
    expect(phone.locator(".site-header")).to_be_hidden()
    expect(phone.locator(".site-footer")).to_be_hidden()
    expect(phone.get_by_role("button", name=es("Print"))).to_be_hidden()
    expect(certificate).to_be_visible()
