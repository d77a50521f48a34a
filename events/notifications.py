"""Messages about events, all through the outbox. Keys make each one at most once."""

import secrets
from dataclasses import dataclass

from django.urls import reverse

from engagement_portal.core.links import base_url
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import build_message, queue_built, queue_message

from . import hooks
from .calendar import check_in_qr_attachment, event_ics
from .models import Event, Registration, Reminder


def _address(registration: Registration) -> tuple[str, str] | None:
    resident = registration.resident
    if resident.email_normalised:
        return OutboxMessage.Channel.EMAIL, resident.email
    if resident.phone_normalised:
        return OutboxMessage.Channel.SMS, resident.phone_normalised
    return None


def _context(registration: Registration, token: str | None = None) -> dict:
    event = registration.event
    base = base_url()
    context = {
        "registration": registration,
        "event": event,
        "resident": registration.resident,
        "event_url": base + event.get_absolute_url(),
    }
    if token:
        context["manage_url"] = base + reverse("events:manage", args=[token])
    return context


def _send(
    registration,
    *,
    key,
    template,
    context,
    essential,
    attachments=(),
    send_now=True,
    new_key=False,
):
    address = _address(registration)
    if address is None:
        return None
    channel, recipient = address
    return queue_message(
        key=key,
        channel=channel,
        recipient=recipient,
        language=registration.language,
        template=template,
        context=context,
        resident=registration.resident,
        essential=essential,
        attachments=attachments if channel == OutboxMessage.Channel.EMAIL else (),
        send_now=send_now,
        new_key=new_key,
    )


@dataclass
class PreparedReceipt:
    """The confirmation (or waiting-list notice) of a registration, rendered before its
    seat is decided, for the outcome the caller expects (see prepare_receipt)."""

    status: str
    message: OutboxMessage | None  # None: no address to write to
    marker: str  # stands for the place on the waiting list until it is known


def prepare_receipt(
    registration: Registration, token: str, *, status: str, ics: bytes | None = None
) -> PreparedReceipt:
    """Render the message with the private link, calendar file and QR code as it will be
    if the registration ends up `status`, before its row exists.

    Rendering takes milliseconds and needs neither the registration's id nor the seat
    count, so the registration renders it before it takes the event's lock; the place on
    the waiting list, known only under the lock, is a marker that queue_receipt fills in.
    The QR image is drawn when the message is sent."""
    marker = f"position-{secrets.token_hex(8)}"
    decided = registration.status
    registration.status = status
    try:
        address = _address(registration)
        if address is None:
            return PreparedReceipt(status, None, marker)
        channel, recipient = address
        context = _context(registration, token)
        context["position"] = marker
        attachments = []
        if channel == OutboxMessage.Channel.EMAIL:
            attachments.append(("event.ics", ics or event_ics(registration.event), "text/calendar"))
            if status == Registration.Status.CONFIRMED:
                attachments.append(
                    ("check-in.png", check_in_qr_attachment(registration), "image/png")
                )
        message = build_message(
            key="",
            channel=channel,
            recipient=recipient,
            language=registration.language,
            template="event_registered",
            context=context,
            resident=registration.resident,
            essential=True,
            attachments=attachments,
        )
    finally:
        registration.status = decided
    return PreparedReceipt(status, message, marker)


def queue_receipt(
    prepared: PreparedReceipt, registration: Registration, position: int | None
) -> OutboxMessage | None:
    """Queue the prepared message for the registration its caller's transaction has just
    written, which must have the status it was prepared for."""
    if prepared.status != registration.status:
        raise ValueError("the receipt was prepared for another outcome")
    message = prepared.message
    if message is None:
        return None
    place = "" if position is None else str(position)
    message.key = f"registration:{registration.pk}:received"
    message.subject = message.subject.replace(prepared.marker, place)
    message.body_text = message.body_text.replace(prepared.marker, place)
    message.body_html = message.body_html.replace(prepared.marker, place)
    return queue_built(message)


def promoted_from_waitlist(registration: Registration) -> None:
    _send(
        registration,
        key=f"registration:{registration.pk}:promoted",
        template="event_promoted",
        context=_context(registration),
        essential=True,
        attachments=[
            ("event.ics", event_ics(registration.event), "text/calendar"),
            ("check-in.png", check_in_qr_attachment(registration), "image/png"),
        ],
    )


def event_cancelled(registration: Registration) -> None:
    _send(
        registration,
        key=f"registration:{registration.pk}:event-cancelled",
        template="event_cancelled",
        context=_context(registration),
        essential=True,
    )


def follow_up_survey_url(event: Event) -> str:
    """The survey to ask about in the thank-you, from the apps that offer one (surveys)."""
    return hooks.follow_up_url(event)


def reminder_due(reminder: Reminder, *, now) -> bool:
    """Queue a claimed reminder if it still applies; True if queued (the sweep skips the rest)."""
    registration = reminder.registration
    event = registration.event
    applies = (
        event.status != Event.Status.CANCELLED
        and registration.wants_reminders
        and (
            registration.status in (Registration.Status.CONFIRMED,)
            if reminder.kind == Reminder.Kind.BEFORE
            else registration.status == Registration.Status.ATTENDED
        )
    )
    address = _address(registration)
    if applies and address:
        consents = [
            c
            for c in registration.resident.consents.all()
            if c.channel == address[0] and c.withdrawn_at is None
        ]
        # Only reminders that fall due after the resident agreed to them are sent.
        applies = bool(consents) and min(c.granted_at for c in consents) <= reminder.due_at
    if reminder.kind == Reminder.Kind.BEFORE and now >= event.starts_at:
        applies = False  # too late to remind: the sweep was down past the start time
    if not applies or address is None:
        return False  # the sweep marks it skipped
    context = _context(registration)
    context["reminder"] = reminder
    context["follow_up_url"] = (
        follow_up_survey_url(event) if reminder.kind != Reminder.Kind.BEFORE else ""
    )
    template = "event_reminder" if reminder.kind == Reminder.Kind.BEFORE else "event_follow_up"
    _send(
        registration,
        key=f"reminder:{reminder.pk}",
        template=template,
        context=context,
        essential=False,
        send_now=False,  # the sweep starts one send for the whole batch
    )
    return True
