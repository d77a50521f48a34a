"""Writes for resident requests: a resident asks for a front-porch line-up, a neighbourhood
briefing or a ride-out slot; staff accept (creating the event), propose another time or
decline; the resident agrees to a proposed time or withdraws through their private link.

Every change locks the request row first, so two staff deciding at once cannot both act:
the second sees the first one's decision and changes nothing.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.accounts.services_claims import resident_for_public_form
from engagement_portal.core import ledger
from engagement_portal.core.links import base_url
from engagement_portal.core.tokens import hash_token, new_token
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import queue_message
from events.models import Event
from programs.in_person.models import ResidentRequest
from programs.models import Program

Status = ResidentRequest.Status


def request_by_token(token: str) -> ResidentRequest | None:
    if not token or len(token) > 64:
        return None
    return (
        ResidentRequest.objects.select_related("resident", "neighbourhood", "created_event")
        .filter(token_hash=hash_token(token))
        .first()
    )


def status_url(token: str) -> str:
    return base_url() + reverse("requests:status", args=[token])


def _notify(request: ResidentRequest, step: str, *, token: str | None = None) -> None:
    """Tell the resident about `step`, once per request and step (the outbox key).

    Essential: it answers the resident's own request, so it goes without marketing consent.
    """
    resident = request.resident
    if resident.email_normalised:
        channel, recipient = OutboxMessage.Channel.EMAIL, resident.email
    elif resident.phone_normalised:
        channel, recipient = OutboxMessage.Channel.SMS, resident.phone_normalised
    else:
        return
    # A time can be proposed more than once; each proposal is its own message.
    suffix = f":{request.proposed_start.isoformat()}" if step == "proposed" else ""
    queue_message(
        key=f"resident-request:{request.pk}:{step}{suffix}",
        channel=channel,
        recipient=recipient,
        language=request.language,
        template="resident_request",
        context={
            "request": request,
            "resident": resident,
            "step": step,
            "status_url": status_url(token) if token else "",
            "event": request.created_event,
        },
        resident=resident,
        essential=True,
    )


def _lock(request: ResidentRequest) -> ResidentRequest:
    return ResidentRequest.objects.select_for_update().get(pk=request.pk)


@transaction.atomic
def submit_request(
    *,
    kind: str,
    name: str,
    email: str = "",
    phone: str = "",
    neighbourhood: Neighbourhood | None = None,
    address: str = "",
    topic: str = "",
    details: str = "",
    preferred_times: list[str],
    language: str,
    user=None,
    now: datetime | None = None,
) -> tuple[ResidentRequest, str]:
    """Record a request and send its confirmation with the private status link.

    Each call records one new request (a resident may ask for several visits) and queues
    exactly one confirmation for it. Returns the request and the token of its link.
    """
    now = now or timezone.now()
    times = [t.strip() for t in preferred_times if t and t.strip()][:3]
    if not times:
        raise ValidationError(_("Give at least one time that suits you."))
    resident = resident_for_public_form(
        name=name,
        email=email,
        phone=phone,
        preferred_language=language,
        neighbourhood=neighbourhood,
        user=user,
        now=now,
    )
    token, token_hash = new_token()
    times += [""] * (3 - len(times))
    request = ResidentRequest.objects.create(
        kind=kind,
        resident=resident,
        topic=topic.strip(),
        details=details.strip(),
        address=address.strip(),
        neighbourhood=neighbourhood,
        preferred_time_1=times[0],
        preferred_time_2=times[1],
        preferred_time_3=times[2],
        language=language,
        token_hash=token_hash,
        created_at=now,
    )
    _notify(request, "received", token=token)
    return request, token


def _event_title(request: ResidentRequest) -> str:
    label = {
        ResidentRequest.Kind.FRONT_PORCH: _("Front-porch line-up"),
        ResidentRequest.Kind.BRIEFING: _("Neighbourhood briefing"),
        ResidentRequest.Kind.RIDE_OUT: _("Ride-out"),
    }[request.kind]
    place = request.topic if request.kind == ResidentRequest.Kind.BRIEFING else ""
    place = place or (request.neighbourhood.name if request.neighbourhood else "")
    return f"{label}: {place}"[:200] if place else label


@transaction.atomic
def accept_request(
    *,
    request: ResidentRequest,
    program: Program,
    start: datetime,
    end: datetime,
    user,
    message: str = "",
    now: datetime | None = None,
) -> Event:
    """Create the event for the request in `program` and tell the resident.

    Accepting twice returns the event made the first time and sends nothing again.
    Raises ValidationError when the request is closed or the program does not fit.
    """
    now = now or timezone.now()
    locked = _lock(request)
    if locked.status == Status.ACCEPTED and locked.created_event_id:
        return locked.created_event
    if not locked.is_open:
        raise ValidationError(_("This request is closed; it can no longer be accepted."))
    if program.engagement_type.slug != locked.type_slug:
        raise ValidationError(_("Choose a program of the kind the resident asked for."))
    if program.status != Program.Status.ACTIVE:
        raise ValidationError(_("Choose an active program."))
    if end <= start:
        raise ValidationError(_("The end must be after the start."))
    if start <= now:
        raise ValidationError(_("The start must be in the future."))
    with translation.override(locked.language):
        title = _event_title(locked)
    event = Event.objects.create(
        program=program,
        title=title,
        description=locked.details,
        starts_at=start,
        ends_at=end,
        address=locked.address,
        neighbourhood=locked.neighbourhood,
        # A resident's porch or a ride-out is not a public listing: only the link opens it.
        visibility=Event.Visibility.UNLISTED,
        is_sensitive=program.is_sensitive,
    )
    locked.status = Status.ACCEPTED
    locked.program = program
    locked.created_event = event
    locked.staff_reply = message.strip()
    locked.handled_by = user
    locked.handled_at = now
    locked.save()
    ledger.record(ledger.SEATS_CHANGED, event_id=event.pk, program_id=event.program_id)
    ledger.record(ledger.PARTICIPATED, program_id=program.pk, day=locked.created_at)
    _notify(locked, "accepted")
    return event


@transaction.atomic
def propose_time(
    *,
    request: ResidentRequest,
    start: datetime,
    message: str,
    user,
    now: datetime | None = None,
) -> ResidentRequest:
    """Offer the resident another time. Proposing the same time twice changes nothing and
    sends one message; a different time replaces the first and is sent."""
    now = now or timezone.now()
    locked = _lock(request)
    if not locked.is_open:
        raise ValidationError(_("This request is closed."))
    if start <= now:
        raise ValidationError(_("The proposed time must be in the future."))
    if locked.status == Status.TIME_PROPOSED and locked.proposed_start == start:
        return locked
    locked.status = Status.TIME_PROPOSED
    locked.proposed_start = start
    locked.staff_reply = message.strip()
    locked.handled_by = user
    locked.handled_at = now
    locked.save()
    _notify(locked, "proposed")
    return locked


@transaction.atomic
def decline_request(
    *, request: ResidentRequest, reason: str, user, now: datetime | None = None
) -> ResidentRequest:
    """Decline with a reason the resident sees. Declining twice keeps the first reason and
    sends one message."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("Tell the resident why the request is declined."))
    locked = _lock(request)
    if locked.status == Status.DECLINED:
        return locked
    if not locked.is_open:
        raise ValidationError(_("This request is closed."))
    locked.status = Status.DECLINED
    locked.staff_reply = reason
    locked.handled_by = user
    locked.handled_at = now or timezone.now()
    locked.save()
    _notify(locked, "declined")
    return locked


@transaction.atomic
def agree_to_proposed_time(*, request: ResidentRequest) -> ResidentRequest:
    """The resident agrees to the time staff proposed; staff then accept to create the event.
    Agreeing twice changes nothing."""
    locked = _lock(request)
    if locked.status == Status.TIME_AGREED:
        return locked
    if locked.status != Status.TIME_PROPOSED:
        raise ValidationError(_("There is no proposed time to agree to."))
    locked.status = Status.TIME_AGREED
    locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def withdraw_request(*, request: ResidentRequest) -> ResidentRequest:
    """The resident withdraws an open request. Withdrawing twice changes nothing.

    An accepted request is not withdrawn here: its event exists and staff must cancel it.
    """
    locked = _lock(request)
    if locked.status == Status.WITHDRAWN:
        return locked
    if not locked.is_open:
        raise ValidationError(
            _("This request can no longer be withdrawn. Contact the agency to change it.")
        )
    locked.status = Status.WITHDRAWN
    locked.save(update_fields=["status"])
    return locked
