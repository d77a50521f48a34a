"""Messages about events, all through the outbox. Keys make each one at most once."""

from django.conf import settings
from django.urls import reverse

from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import queue_message

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
    base = settings.PORTAL_BASE_URL.rstrip("/")
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


def registration_received(
    registration: Registration,
    token: str,
    *,
    ics: bytes | None = None,
    position: int | None = None,
) -> None:
    """Confirmation (or waiting-list notice) with the private link, calendar file and QR code.

    Called for a registration created in the caller's transaction, which may pass the
    calendar file made in advance and the place on the waiting list it already counted,
    outside or under its lock. The QR image is drawn when the message is sent.
    """
    from .selectors import waitlist_position

    context = _context(registration, token)
    context["position"] = position if position is not None else waitlist_position(registration)
    attachments = [("event.ics", ics or event_ics(registration.event), "text/calendar")]
    if registration.status == Registration.Status.CONFIRMED:
        attachments.append(("check-in.png", check_in_qr_attachment(registration), "image/png"))
    _send(
        registration,
        key=f"registration:{registration.pk}:received",
        template="event_registered",
        context=context,
        essential=True,
        attachments=attachments,
        new_key=True,
    )


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
