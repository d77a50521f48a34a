"""Briefing and ride-out requests in a real browser (issue 17, item 2).

A resident on a phone asks for a neighbourhood briefing. No briefing program is running, but
the administrators named the outreach unit for briefings, so Alice, who is in it, finds the
request on her home page, proposes a time, and, once the resident has agreed through the
private link and a briefing program has started, accepts it into that program. A ride-out
request that reaches nobody shows on the administrator's home page, with the way to name who
handles it. axe runs on every portal page visited.
"""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from events.models import Event
from programs.in_person.models import RequestRoute, ResidentRequest
from programs.models import EngagementType

from ..factories import NeighbourhoodFactory, ProgramFactory
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    # Its dates are days from "now": pinned, so that it runs the same on any day.
    pytest.mark.as_of("2027-03-09T10:00"),
]


def _evening(days: int) -> datetime:
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(18, 30)))


def _local(value: datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def ask(page, assert_accessible, *, kind: str, name: str, email: str, topic: str = "") -> str:
    """Send a request from the public form; return the private status page's address."""
    page.goto("/take-part/request/")
    assert_accessible(page, "request form")
    assert_fits_phone(page, "request form")
    page.get_by_label(kind).check()
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email", exact=True).fill(email)
    if topic:
        page.get_by_label("Topic", exact=True).fill(topic)
    page.get_by_label("A time that suits you").fill("A weekday evening")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your request")
    assert_accessible(page, "request status")
    assert_fits_phone(page, "request status")
    return page.url


def test_a_briefing_request_reaches_the_named_unit_and_becomes_an_event(
    desktop_page, phone_page, live_server, alice, password, log_in, assert_accessible
):
    NeighbourhoodFactory(name="Lakeside", code="ls")
    RequestRoute.objects.create(kind=ResidentRequest.Kind.BRIEFING, unit=alice.unit)
    status_url = ask(
        phone_page,
        assert_accessible,
        kind="A neighbourhood briefing on a topic",
        name="Rosa Díaz",
        email="rosa@example.net",
        topic="Car break-ins near the park",
    )

    # Alice finds it as work to do, though she runs no briefing program.
    page = desktop_page
    log_in(page, alice, password)
    page.goto("/staff/")
    assert_accessible(page, "staff home")
    page.get_by_role("link", name="1 resident request to answer").click()
    assert_accessible(page, "request queue")
    page.get_by_role("link", name="A neighbourhood briefing on a topic").click()
    expect(page.get_by_text("No program of this kind is active")).to_be_visible()
    assert_accessible(page, "request (no program yet)")
    proposed = _evening(9)
    page.get_by_label("Proposed time").fill(_local(proposed))
    page.get_by_label("Message to the resident").fill("The library room is free then.")
    page.get_by_role("button", name="Propose").click()
    expect(page.get_by_text("The new time is sent to the resident.")).to_be_visible()

    # The resident agrees through the private link.
    phone_page.goto(status_url)
    expect(phone_page.get_by_role("heading", name="Another time is proposed")).to_be_visible()
    assert_accessible(phone_page, "request status (time proposed)")
    phone_page.get_by_role("button", name="This time suits me").click()
    expect(phone_page.get_by_text("Staff will confirm the time")).to_be_visible()
    assert_accessible(phone_page, "request status (time agreed)")

    # A briefing program starts; Alice accepts the request into it at the agreed time.
    briefings = ProgramFactory(
        title="District briefings",
        engagement_type=EngagementType.objects.get(slug="neighbourhood-briefings"),
    )
    page.reload()
    expect(page.get_by_label("Starts")).to_have_value(_local(proposed))
    page.get_by_label("Program").select_option(label="District briefings")
    page.get_by_label("Ends").fill(_local(proposed + timedelta(hours=1)))
    assert_accessible(page, "request (ready to accept)")
    page.get_by_role("button", name="Accept", exact=True).click()
    expect(page.get_by_text("Accepted: the event is created.")).to_be_visible()
    assert_accessible(page, "request (accepted)")
    event = Event.objects.get()
    assert event.program == briefings and event.starts_at == proposed

    phone_page.goto(status_url)
    expect(phone_page.get_by_role("link", name="See the event")).to_be_visible()
    assert_accessible(phone_page, "request status (booked)")


def test_a_ride_out_request_that_reaches_nobody_shows_to_the_administrator(
    desktop_page, phone_page, live_server, root, password, log_in, assert_accessible
):
    ask(
        phone_page,
        assert_accessible,
        kind="A ride-out slot",
        name="Tom Becker",
        email="tom@example.net",
    )

    page = desktop_page
    log_in(page, root, password)
    page.goto("/administration/")
    assert_accessible(page, "administrator home")
    page.get_by_role("link", name="1 resident request reaches nobody").click()
    expect(page.get_by_text("Tom Becker")).to_be_visible()
    assert_accessible(page, "requests that reach nobody")
    expect(page.get_by_role("link", name="Name who handles each kind of request")).to_be_visible()
