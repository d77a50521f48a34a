"""iCalendar files (icalendar) and check-in QR codes (segno)."""

import io
from datetime import UTC

import segno
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from engagement_portal.core.links import base_url
from engagement_portal.messaging.services import QrCode, qr_png

from .models import Event, Registration


def _calendar(name: str) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", "-//Engagement Portal//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", name)
    return calendar


def _vevent(event: Event) -> CalendarEvent:
    item = CalendarEvent()
    item.add("uid", f"{event.public_id}@engagement-portal")
    item.add("summary", event.title)
    # In UTC: a time in the agency's zone (an event a staff form just saved) would be written
    # with a TZID the file does not define, which calendar apps are left to guess.
    item.add("dtstart", event.starts_at.astimezone(UTC))
    item.add("dtend", event.ends_at.astimezone(UTC))
    item.add("dtstamp", timezone.now())
    where = ", ".join(p for p in [event.venue_name, event.address] if p) or event.online_url
    if where:
        item.add("location", where)
    item.add("url", base_url() + event.get_absolute_url())
    description = event.description
    if event.accessibility_notes:
        description += "\n\n" + event.accessibility_notes
    if description:
        item.add("description", description.strip())
    if event.status == Event.Status.CANCELLED:
        item.add("status", "CANCELLED")
    return item


def event_ics(event: Event) -> bytes:
    calendar = _calendar(event.title)
    calendar.add_component(_vevent(event))
    return calendar.to_ical()


def feed_ics(name: str, events) -> bytes:
    calendar = _calendar(name)
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def check_in_url(registration: Registration | str) -> str:
    code = registration if isinstance(registration, str) else registration.check_in_code
    path = reverse("events:staff-check-in-code", args=[code])
    return base_url() + path


def check_in_qr_png(registration: Registration | str, scale: int = 6) -> bytes:
    """PNG of the check-in QR code, for a registration or a check-in code."""
    return qr_png(check_in_url(registration), scale=scale)


def check_in_qr_attachment(registration: Registration) -> QrCode:
    """The check-in QR code of a message, drawn when the message is sent (same image)."""
    return QrCode(check_in_url(registration))


def check_in_qr_svg(registration: Registration) -> str:
    out = io.BytesIO()
    segno.make(check_in_url(registration), error="m").save(
        out,
        kind="svg",
        scale=5,
        border=2,
        xmldecl=False,
        svgns=True,
        title=registration.check_in_code,
    )
    return out.getvalue().decode()
