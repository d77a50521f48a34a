"""Events in a real browser.

A resident on a phone, in Spanish and with the keyboard only, joins the waiting list of a
full event and cancels through the private manage link; a program-staff officer checks
people in at the door on a phone, records a walk-in, then works the roster on a desktop.
axe runs on every page visited.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from events import services
from events.models import AccommodationRequest, Event, Registration, WalkIn

from ..factories import NeighbourhoodFactory, ProgramFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE_WIDTH = 375
WAITING_POSITION = (
    "You are number %(n)s on the waiting list. We will tell you as soon as a place frees up."
)
Status = Registration.Status


def es(message: str) -> str:
    """What the Spanish catalogue says for message (the English text while it has none)."""
    with translation.override("es"):
        return translation.gettext(message)


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, target, *, backwards: bool = False, limit: int = 60) -> None:
    """Press Tab (or Shift+Tab) until target has the focus, as a keyboard user would.

    Fails if target is not in the tab order: a control the keyboard cannot reach.
    """
    key = "Shift+Tab" if backwards else "Tab"
    for _ in range(limit):
        if is_focused(target):
            return
        page.keyboard.press(key)
    focused = page.evaluate("document.activeElement && document.activeElement.outerHTML")
    raise AssertionError(
        f"{limit} presses of {key} never reached {target}; the focus is on {str(focused)[:200]}"
    )


def assert_fits_phone(page, label: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{label} scrolls sideways on a phone ({width}px wide)"


@pytest.fixture
def full_event():
    """An event with one seat, taken, and one person already on the waiting list."""
    hillcrest = NeighbourhoodFactory(name="Hillcrest", code="hc")
    program = ProgramFactory(title="Coffee in Hillcrest", slug="coffee-in-hillcrest")
    start = timezone.now() + timedelta(days=7)
    event = Event.objects.create(
        program=program,
        title="Coffee with a Cop at the bakery",
        description="Coffee, pastries and questions.",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        venue_name="Hillcrest bakery",
        address="12 Main Street",
        neighbourhood=hillcrest,
        accessibility_notes="Step-free entrance.",
        capacity=1,
        waitlist_enabled=True,
    )
    services.register(event=event, name="Ada First", email="ada@example.net")
    services.register(event=event, name="Ben Second", email="ben@example.net")
    return event


def test_resident_joins_the_waiting_list_and_cancels_in_spanish_by_keyboard_on_a_phone(
    phone_page, live_server, full_event, assert_accessible
):
    page = phone_page

    def check(label: str) -> None:
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    check("home (English, phone)")

    # The language switcher hides behind the menu button: open it with the keyboard.
    menu = page.get_by_role("button", name="Menu")
    tab_to(page, menu)
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    language = page.get_by_label("Language", exact=True)
    tab_to(page, language)
    page.keyboard.press("ArrowDown")
    expect(language).to_have_value("es")
    # Back and forth: Shift+Tab leaves the switcher and Tab returns to it unchanged.
    page.keyboard.press("Shift+Tab")
    tab_to(page, language)
    expect(language).to_have_value("es")
    tab_to(page, page.get_by_role("button", name="Change", exact=True))
    page.keyboard.press("Enter")

    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page).to_have_url(re.compile(r"/$"))
    check("home (Spanish, phone)")

    # The events list, through the main navigation.
    menu = page.get_by_role("button", name=es("Menu"))
    tab_to(page, menu)
    page.keyboard.press("Enter")
    expect(menu).to_have_attribute("aria-expanded", "true")
    events_link = page.get_by_role("navigation", name=es("Main")).get_by_role(
        "link", name=es("Events"), exact=True
    )
    tab_to(page, events_link)
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/events/$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(es("Upcoming events"))
    main = page.get_by_role("main")
    expect(main).to_contain_text(es("Full — waiting list open"))
    check("events list (Spanish, phone)")

    tab_to(page, main.get_by_role("link", name=full_event.title))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/events/{full_event.public_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(full_event.title)
    expect(main).to_contain_text(es("Full — waiting list open"))
    check("event page, full (Spanish, phone)")

    # First try, from the form on the event page: the name is left empty.
    name = page.locator("#id_name")
    email = page.locator("#id_email")
    accessibility = page.locator("#id_accessibility")
    reminders = page.locator("#id_wants_reminders")
    register = main.get_by_role("button", name=es("Register"), exact=True)
    expect(page.get_by_label(es("Your name"))).to_have_id("id_name")
    tab_to(page, email)
    page.keyboard.type("rosa@example.net")
    tab_to(page, accessibility)
    page.keyboard.type("Un asiento cerca de la puerta")
    tab_to(page, reminders)
    page.keyboard.press("Space")
    expect(reminders).to_be_checked()
    tab_to(page, register)
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(rf"/events/{full_event.public_id}/register/$"))
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text(es("Please correct the following:"))
    expect(name).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_value("rosa@example.net")
    expect(accessibility).to_have_value("Un asiento cerca de la puerta")
    expect(reminders).to_be_checked()
    assert full_event.registrations.count() == 2
    check("registration form with an error (Spanish, phone)")

    # The summary's link takes the keyboard straight to the field to fix.
    page.keyboard.press("Tab")
    expect(summary.get_by_role("link", name=es("Your name"))).to_be_focused()
    page.keyboard.press("Enter")
    expect(name).to_be_focused()
    page.keyboard.type("Rosa Martínez")
    tab_to(page, main.get_by_role("button", name=es("Register"), exact=True))
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/events/r/[^/]+/(#.*)?$"))
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(es("Your registration"))
    notice = page.get_by_role("status")
    expect(notice).to_contain_text(
        es("The event is full: you are number %(n)d on the waiting list.") % {"n": 2}
    )
    expect(main).to_contain_text(es(WAITING_POSITION) % {"n": 2})
    expect(main).to_contain_text(es("On the waiting list"))
    expect(main).to_contain_text("Un asiento cerca de la puerta")
    registration = full_event.registrations.get(resident__name="Rosa Martínez")
    assert registration.status == Status.WAITLISTED
    assert registration.wants_reminders
    assert registration.language == "es"
    assert services.waitlist_position(registration) == 2
    check("manage page, waiting list (Spanish, phone)")

    # Cancel through the manage link, by keyboard.
    tab_to(page, main.get_by_role("link", name=es("Cancel my registration")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/events/r/[^/]+/cancel/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(es("Cancel your registration?"))
    check("cancel confirmation (Spanish, phone)")

    tab_to(page, main.get_by_role("button", name=es("Yes, cancel my registration")))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/events/r/[^/]+/$"))
    expect(page.get_by_role("status")).to_contain_text(es("Your registration is cancelled."))
    expect(main.locator("dd").first).to_contain_text(es("Cancelled"))
    expect(main.get_by_role("link", name=es("Cancel my registration"))).to_have_count(0)
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    check("manage page, cancelled (Spanish, phone)")

    # The pages must really be in Spanish, not English with lang="es" on them.
    untranslated = [
        message
        for message in (
            "Cancelled",
            "Your registration",
            "Cancel your registration?",
            "The event is full: you are number %(n)d on the waiting list.",
            WAITING_POSITION,
        )
        if es(message) == message
    ]
    assert not untranslated, (
        f"locale/es/LC_MESSAGES/django.mo has no Spanish for {untranslated} (run compilemessages)"
    )


@pytest.fixture
def door_event(alice):
    program = ProgramFactory(owner=alice, title="Coffee on Main Street", slug="coffee-on-main")
    start = timezone.now() + timedelta(hours=1)
    event = Event.objects.create(
        program=program,
        title="Coffee with a Cop",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        venue_name="Main Street diner",
        capacity=20,
    )
    services.register(
        event=event,
        name="Maria Lopez",
        email="maria@example.net",
        accessibility="Step-free access, please",
    )
    services.register(event=event, name="John Smith", email="john@example.net")
    return event


def count(page, label: str):
    """The number under label in the door page's counters."""
    return page.locator(".door-counts > div").filter(has_text=label).locator("dd")


def test_staff_checks_people_in_at_the_door_and_works_the_roster(
    phone_page, desktop_page, live_server, alice, password, door_event, log_in, assert_accessible
):
    page = phone_page

    def check(label: str) -> None:
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    log_in(page, alice, password)
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.goto(f"/staff/events/{door_event.pk}/door/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Door check-in")
    expect(count(page, "Checked in")).to_have_text("0")
    expect(count(page, "Walk-ins")).to_have_text("0")
    check("door page (phone)")

    search = page.get_by_role("search")
    search.get_by_label("Name, email, phone or check-in code").fill("maria")
    search.get_by_role("button", name="Search").tap()
    expect(page).to_have_url(re.compile(r"/door/\?q=maria$"))
    results = page.get_by_role("list", name="1 match")
    expect(results.get_by_role("listitem")).to_have_count(1)
    expect(results).to_contain_text("Maria Lopez")
    check("door page, search results (phone)")

    results.get_by_role("button", name="Check in Maria Lopez").tap()
    expect(page.get_by_role("status")).to_contain_text("Maria Lopez checked in at")
    maria = page.get_by_role("listitem").filter(has_text="Maria Lopez")
    expect(maria).to_contain_text("Checked in ✓")
    expect(maria.get_by_role("button", name="Undo — Maria Lopez")).to_be_visible()
    expect(count(page, "Checked in")).to_have_text("1")
    registration = door_event.registrations.get(resident__name="Maria Lopez")
    assert registration.status == Status.ATTENDED
    check("door page, checked in (phone)")

    page.get_by_role("link", name="+ Walk-in").tap()
    expect(page).to_have_url(re.compile(rf"/staff/events/{door_event.pk}/walk-in/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Record a walk-in")
    check("walk-in form (phone)")

    page.get_by_label("Number of people").fill("1")
    age = page.get_by_role("group", name="Age group")
    age.get_by_role("radio", name="Prefer not to say").check()
    page.get_by_role("button", name="Record walk-in").tap()

    expect(page).to_have_url(re.compile(rf"/staff/events/{door_event.pk}/door/$"))
    expect(page.get_by_role("status")).to_contain_text("1 walk-in so far.")
    expect(count(page, "Walk-ins")).to_have_text("1")
    walk_in = WalkIn.objects.get(event=door_event)
    assert walk_in.age_group == WalkIn.AgeGroup.UNDISCLOSED
    assert walk_in.recorded_by == alice
    check("door page after a walk-in (phone)")

    # At the desk afterwards: the roster on a desktop.
    page = desktop_page
    log_in(page, alice, password)
    page.goto(f"/staff/events/{door_event.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(door_event.title)
    row = page.get_by_role("row").filter(has_text="Maria Lopez")
    expect(row).to_contain_text("Attended")
    expect(row).to_contain_text("Step-free access, please")
    expect(row.locator(".badge")).to_have_text("Not arranged yet")
    expect(page.get_by_role("row").filter(has_text="John Smith")).to_contain_text("Confirmed")
    assert_accessible(page, "roster (desktop)")

    row.get_by_role("button", name="Mark arranged — Maria Lopez, Accessibility").click()
    expect(page).to_have_url(re.compile(rf"/staff/events/{door_event.pk}/#requests$"))
    expect(page.get_by_role("status")).to_contain_text("Request marked as arranged.")
    row = page.get_by_role("row").filter(has_text="Maria Lopez")
    expect(row.locator(".badge")).to_have_text("Arranged")
    expect(
        row.get_by_role("button", name="Mark not arranged — Maria Lopez, Accessibility")
    ).to_be_visible()
    request = AccommodationRequest.objects.get(registration=registration)
    assert request.fulfilled
    assert_accessible(page, "roster after marking a request arranged (desktop)")


def test_staff_delete_an_event_made_by_mistake(
    desktop_page, live_server, alice, password, log_in, assert_accessible
):
    program = ProgramFactory(owner=alice, title="Coffee on Main Street", slug="coffee-main")
    start = timezone.now() + timedelta(days=3)
    mistake = Event.objects.create(
        program=program,
        title="Coffee with a Cop (duplicate)",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        venue_name="Main Street diner",
    )
    page = desktop_page
    log_in(page, alice, password)
    page.goto(f"/staff/events/{mistake.pk}/")
    page.get_by_role("link", name="Delete event").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Delete Coffee with a Cop (duplicate)"
    )
    expect(page.get_by_text("This cannot be undone.")).to_be_visible()
    assert_accessible(page, "delete an event (desktop)")
    page.get_by_role("button", name="Delete the event").click()
    expect(page).to_have_url(re.compile(rf"/staff/programs/{program.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text(
        "The event “Coffee with a Cop (duplicate)” is deleted."
    )
    assert_accessible(page, "program after deleting an event (desktop)")
    assert not Event.objects.filter(pk=mistake.pk).exists()
