"""Volunteers in a real browser.

A volunteer on a 375 px phone opens their private link, signs up for a shift, and logs
hours: first overlapping hours they already logged, then a day in the future (each refused
with the reason, keeping what they typed), then the right ones. Staff on a desktop approve
the hours and see them in the roster's totals. axe runs on every page visited.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from programs.structured import services_volunteers as services
from programs.structured.models_volunteers import HoursEntry, ShiftSignup

from ..programs.structured.test_volunteers import at, build_world, future_shift
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # "Yesterday" and "tomorrow" are read in the test and judged by the server seconds
    # later: across midnight, tomorrow becomes today and is no longer refused. A plain
    # Wednesday morning.
    pytest.mark.as_of("2027-05-12T10:00"),
]


def test_volunteer_signs_up_and_logs_hours_on_a_phone_then_staff_approve(
    phone_page, desktop_page, live_server, alice, password, log_in, assert_accessible
):
    world = build_world(alice)
    vera = world.vera
    vera.language = "en"
    vera.save()
    shift = future_shift(world, title="Evening patrol", capacity=3)
    future_shift(world, title="Helpers at the fair", role=world.helper)
    yesterday = timezone.localdate() - timedelta(days=1)
    HoursEntry.objects.create(
        volunteer=vera,
        started_at=at(yesterday, 9),
        ended_at=at(yesterday, 12),
        status=HoursEntry.Status.APPROVED,
        description="Morning patrol",
    )
    token = services.send_new_link(volunteer=vera, user=alice)

    page = phone_page

    def check(label: str) -> None:
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    page.goto(f"/volunteer/{token}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Vera Valdez")
    # Only shifts of her role (or any role) are offered.
    expect(page.get_by_text("Helpers at the fair")).to_have_count(0)
    check("volunteer page (phone)")

    page.get_by_role("button", name="Sign up for Evening patrol").click()
    expect(page.get_by_text("You are signed up for “Evening patrol”.")).to_be_visible()
    coming = page.get_by_role("region", name="Your coming shifts")
    expect(coming.get_by_text("Evening patrol", exact=True)).to_be_visible()
    check("signed up (phone)")
    assert ShiftSignup.objects.filter(shift=shift, volunteer=vera).exists()

    form = page.locator("#log")

    def log_hours(day, start, end, what):
        form.get_by_label("Date").fill(day.isoformat())
        form.get_by_label("Start time").fill(start)
        form.get_by_label("End time").fill(end)
        form.get_by_label("What you did").fill(what)
        form.get_by_role("button", name="Log hours").click()

    # Overlapping the morning patrol she logged already: refused, what she typed stays.
    log_hours(yesterday, "11:00", "14:00", "Park patrol")
    expect(form.get_by_text(re.compile("overlap hours already logged"))).to_be_visible()
    expect(form.get_by_label("Date")).to_have_value(yesterday.isoformat())
    expect(form.get_by_label("Start time")).to_have_value("11:00")
    expect(form.get_by_label("End time")).to_have_value("14:00")
    expect(form.get_by_label("What you did")).to_have_value("Park patrol")
    check("overlapping hours refused (phone)")

    # Tomorrow: in the future, refused next to the date.
    tomorrow = timezone.localdate() + timedelta(days=1)
    log_hours(tomorrow, "12:00", "14:00", "Park patrol")
    date_error = form.get_by_text("Hours cannot be in the future")
    expect(date_error).to_be_visible()
    expect(form.get_by_label("Date")).to_have_value(tomorrow.isoformat())
    expect(form.get_by_label("Date")).to_have_attribute("aria-invalid", "true")
    check("future hours refused (phone)")

    log_hours(yesterday, "12:00", "14:30", "Park patrol")
    expect(page.get_by_text("Your hours are logged and wait for staff approval")).to_be_visible()
    totals = page.get_by_role("region", name="Your hours")
    expect(totals.get_by_text("Waiting for approval", exact=True)).to_be_visible()
    expect(totals.locator("dd").nth(1)).to_have_text("2.50")
    check("hours logged (phone)")
    entry = HoursEntry.objects.get(volunteer=vera, status=HoursEntry.Status.SUBMITTED)

    # Staff on a desktop approve the hours and see the totals.
    page = desktop_page
    log_in(page, alice, password)
    page.goto(f"/staff/programs/{world.program.pk}/hours/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Hours to approve")
    assert_accessible(page, "hours to approve")
    page.locator(f"#entry-{entry.pk}").check()
    page.get_by_role("button", name="Approve selected").click()
    expect(page.get_by_text("1 entry approved.")).to_be_visible()
    expect(page.get_by_text("Nothing to approve.")).to_be_visible()
    assert_accessible(page, "hours approved")

    page.get_by_role("link", name="See the roster and totals").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Volunteers")
    row = page.get_by_role("row", name=re.compile("Vera Valdez"))
    expect(row.get_by_role("cell").last).to_have_text("5.50")  # 3 h + 2.5 h, in total
    assert_accessible(page, "roster")

    page.get_by_role("link", name="Vera Valdez").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Vera Valdez")
    expect(page.get_by_role("button", name="Take off Evening patrol")).to_be_visible()
    assert_accessible(page, "volunteer detail")
    entry.refresh_from_db()
    assert (entry.status, entry.reviewed_by) == (HoursEntry.Status.APPROVED, alice)


def test_a_bad_private_link_is_a_clear_page(phone_page, live_server, assert_accessible):
    page = phone_page
    response = page.goto("/volunteer/not-a-real-token/")
    assert response.status == 404
    # Chromium logs the 404 status itself as a console error: here it is the expected answer.
    page.console_errors[:] = [e for e in page.console_errors if "status of 404" not in e]
    expect(page.get_by_role("heading", level=1)).to_have_text("This link is not valid")
    assert_accessible(page, "invalid volunteer link")
    assert_fits_phone(page, "invalid volunteer link")


def test_staff_set_up_roles_trainings_shifts_and_add_a_volunteer(
    desktop_page, live_server, alice, password, log_in, assert_accessible
):
    world = build_world(alice)
    page = desktop_page
    log_in(page, alice, password)

    page.goto(f"/staff/programs/{world.program.pk}/volunteers/roles/")
    assert_accessible(page, "roles")
    page.get_by_role("link", name="Manage the list of trainings").click()
    assert_accessible(page, "trainings")
    page.get_by_label("Name").fill("Radio procedure")
    page.get_by_label("Valid for (months)").fill("0")
    page.get_by_role("button", name="Save training").click()
    expect(page.get_by_text("between 1 and 240")).to_be_visible()
    expect(page.get_by_label("Name")).to_have_value("Radio procedure")
    assert_accessible(page, "training refused")
    page.get_by_label("Valid for (months)").fill("12")
    page.get_by_role("button", name="Save training").click()
    expect(page.get_by_role("row", name=re.compile("Radio procedure"))).to_contain_text("12 months")

    page.get_by_role("link", name=re.compile("Roles of")).click()
    page.get_by_role("textbox", name="Role*").fill("Victim services response")
    page.get_by_label("Radio procedure").check()
    page.get_by_role("button", name="Save role").click()
    expect(page.get_by_role("heading", name="Victim services response")).to_be_visible()

    page.get_by_role("link", name="Add volunteers").click()
    assert_accessible(page, "add volunteers")
    hand = page.get_by_role("region", name="By hand")
    hand.get_by_label("Name").fill("Hugo Hand")
    hand.get_by_role("button", name="Add to the roster").click()
    expect(hand.get_by_text("Give an email address or a mobile phone number")).to_be_visible()
    expect(hand.get_by_label("Name")).to_have_value("Hugo Hand")
    assert_accessible(page, "add refused")
    hand.get_by_label("Email").fill("hugo@example.net")
    hand.get_by_label("Role").select_option(label="Event helper")
    hand.get_by_role("button", name="Add to the roster").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hugo Hand")
    expect(page.get_by_text("Their private link is on its way")).to_be_visible()

    page.get_by_role("link", name="Shifts", exact=True).click()
    assert_accessible(page, "shifts")
    new = page.get_by_role("region", name="Add a shift")
    start = timezone.localtime() + timedelta(days=3)
    new.get_by_label("Title").fill("Fair helpers")
    new.get_by_label("Starts").fill(start.strftime("%Y-%m-%dT10:00"))
    new.get_by_label("Ends").fill(start.strftime("%Y-%m-%dT09:00"))
    new.get_by_role("button", name="Add shift").click()
    expect(new.get_by_text("The end must be after the start")).to_be_visible()
    expect(new.get_by_label("Title")).to_have_value("Fair helpers")
    assert_accessible(page, "shift refused")
    new.get_by_label("Ends").fill(start.strftime("%Y-%m-%dT13:00"))
    new.get_by_label("Volunteers needed").fill("1")
    new.get_by_role("button", name="Add shift").click()
    card = page.get_by_role("article", name="Fair helpers")
    card.get_by_label("Add a volunteer").select_option(label="Hugo Hand · Event helper")
    card.get_by_role("button", name="Add to shift").click()
    card = page.get_by_role("article", name="Fair helpers")
    expect(card.get_by_text("1 of 1 place taken")).to_be_visible()
    assert_accessible(page, "shift filled")
