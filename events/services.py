"""Writes for events: registration, waitlist, check-in, walk-ins, cancellation, reminders.

Every change to who holds a seat happens inside one transaction that first locks the
event row (select_for_update). That lock serialises registrations, cancellations and
capacity changes for one event, so the count of seats taken read inside it is exact.
On SQLite the whole database is locked by the transaction instead (IMMEDIATE mode).
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Consent
from engagement_portal.accounts.services import find_or_create_resident, record_consent
from engagement_portal.accounts.services_claims import person_on_file, resident_for_public_form
from engagement_portal.core import ledger
from engagement_portal.core.tokens import hash_token, new_token

from .models import AccommodationRequest, AgeGroup, Event, Registration, Reminder, WalkIn
from .selectors import waitlist_position  # noqa: F401 (the views ask the service module)

Status = Registration.Status


class RegistrationClosed(ValidationError):
    """Registration is not open for this event (not yet, no longer, or cancelled)."""


class EventFull(ValidationError):
    """No seat left and no waiting list."""


def registration_by_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return (
        Registration.objects.select_related(
            "event__program__engagement_type__tier", "event__neighbourhood", "resident"
        )
        .filter(token_hash=hash_token(token))
        .first()
    )


def _lock_event(event_id: int) -> Event:
    # Honour the test-only switch that proves the race tests can catch a missing lock.
    queryset = Event.objects.all()
    if not getattr(settings, "EVENTS_DISABLE_SEAT_LOCK_FOR_TESTS", False):
        queryset = queryset.select_for_update()
    return queryset.get(pk=event_id)


def seats_taken(event: Event) -> int:
    return (
        event.registrations.filter(status__in=Registration.HOLDS_SEAT).aggregate(
            n=Sum("party_size")
        )["n"]
        or 0
    )


def seats_left(event: Event) -> int | None:
    if event.capacity is None:
        return None
    return max(event.capacity - seats_taken(event), 0)


def registration_problem(event: Event, now=None, *, by_staff: bool = False) -> str | None:
    """Why registration is not possible right now, in words for the resident; None if open.

    Staff adding someone by hand are not bound by the public registration window (a phone
    call the day before), but nobody joins a cancelled or finished event.
    """
    now = now or timezone.now()
    if event.status == Event.Status.CANCELLED:
        return _("This event was cancelled.")
    if event.status == Event.Status.COMPLETED or event.ends_at <= now:
        return _("This event has already taken place.")
    if by_staff:
        return None
    if event.registration_opens_at and now < event.registration_opens_at:
        return _("Registration has not opened yet.")
    if now >= event.closes_at:
        return _("Registration for this event has closed.")
    return None


@dataclass
class RegistrationResult:
    registration: Registration
    token: str | None  # None when an existing registration was recognised
    created: bool
    position: int | None = None  # place on the waiting list when it was joined


# Stand-ins for the three values the seat decision's statement depends on: it is built
# with them once per process and then sent with the real values (see _decision_sql).
_EVENT, _ROOT, _NOW = -7_000_000_001, -7_000_000_002, datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
_decision: dict[str, tuple[str, tuple]] = {}


def _decision_query(event_id: int, root: int, now):
    """The event as it is now, with `taken` (seats held), `existing_id` (an active
    registration of the same person: their record on file or a provisional one that gave
    their details) and `waiting_ahead` (people already on the waiting list, who stay
    ahead of us)."""
    from engagement_portal.accounts.models import Resident

    same_person = Resident.objects.filter(Q(pk=root) | Q(provisional_for_id=root)).values("pk")
    active = ~Q(registrations__status=Status.CANCELLED)
    return Event.objects.filter(pk=event_id).annotate(
        taken=Sum(
            "registrations__party_size",
            filter=Q(registrations__status__in=Registration.HOLDS_SEAT),
            default=0,
        ),
        existing_id=Min(
            "registrations__pk", filter=active & Q(registrations__resident_id__in=same_person)
        ),
        # A registration committed under the lock has a smaller id than ours will, so only
        # queued_at decides who is ahead of us (see waitlist_position).
        waiting_ahead=Count(
            "registrations",
            filter=Q(registrations__status=Status.WAITLISTED, registrations__queued_at__lte=now),
        ),
    )


def _decision_sql(event_id: int, root: int, now) -> tuple[str, tuple]:
    """The lock and the decision's read as one statement string and its parameters.

    Building and compiling the queryset costs a registration more Python than PostgreSQL
    spends answering it, and its SQL never changes: only the event, the person and the
    moment do. So it is compiled once, with stand-ins for those three, and each call swaps
    the stand-ins in the parameters for the real values."""
    found = _decision.get(connection.vendor)
    if found is None:
        lock_sql, lock_params = (
            Event.objects.filter(pk=_EVENT)
            .order_by()
            .select_for_update()
            .values("pk")
            .query.sql_with_params()
        )
        read_sql, read_params = _decision_query(_EVENT, _ROOT, _NOW).query.sql_with_params()
        found = _decision[connection.vendor] = (
            f"{lock_sql}; {read_sql}",
            (*lock_params, *read_params),
        )
        # Every stand-in must reach the parameters, or a real value would be left out.
        assert {_EVENT, _ROOT, _NOW} <= set(found[1]), found[1]
    sql, template = found
    values = {_EVENT: event_id, _ROOT: root, _NOW: now}
    return sql, tuple(values.get(p, p) if isinstance(p, int | datetime) else p for p in template)


def _lock_for_decision(event_id: int, resident, now) -> Event:
    """Lock the event row and read what the seat decision needs (_decision_query), in one
    round trip.

    Every round trip under the lock is paid by all the registrations queued behind it, so
    on PostgreSQL both statements go in one: the read runs once the lock is held, with a
    snapshot of its own (READ COMMITTED), and sees everything committed by the
    transactions that held the lock before us. On SQLite the transaction already holds
    the database's write lock and the read goes alone."""
    root = resident.provisional_for_id or resident.pk
    # Honour the test-only switch that proves the race tests can catch a missing lock.
    if connection.vendor != "postgresql" or getattr(
        settings, "EVENTS_DISABLE_SEAT_LOCK_FOR_TESTS", False
    ):
        return _decision_query(event_id, root, now).get()
    found = list(Event.objects.raw(*_decision_sql(event_id, root, now)))
    if not found:
        raise Event.DoesNotExist
    return found[0]


def register(
    *,
    event: Event,
    name: str,
    email: str = "",
    phone: str = "",
    neighbourhood=None,
    age_group: str = "",
    party_size: int = 1,
    language: str = "en",
    accessibility: str = "",
    interpretation: str = "",
    wants_reminders: bool = False,
    user=None,
    source: str = Registration.Source.WEB,
    is_sensitive: bool = False,
    now=None,
) -> RegistrationResult:
    """Give the resident a seat, or a place on the waiting list when the event is full.

    Run twice for the same person (same email or phone) it returns the first registration
    and counts them once. Raises RegistrationClosed or EventFull with a message to show.
    Call it outside a transaction: the event's lock lasts until the outermost one commits.
    """
    now = now or timezone.now()
    by_staff = source == Registration.Source.STAFF
    if party_size < 1 or party_size > event.max_party_size:
        raise ValidationError(
            _("You can register up to %(n)d people for this event.") % {"n": event.max_party_size}
        )
    # Registrations for one event queue on its row lock, and a row lock is held until the
    # transaction commits. So everything that does not depend on the seat count happens
    # before taking it: a first check of the window (repeated under the lock), the resident
    # lookup (safe on its own under concurrency), the private token, the check-in code, the
    # calendar file, the confirmation's text and the ledger fact. Under the lock: one query
    # for the seats and the person's registrations, the INSERT, and the rows that need the
    # new registration's id or its outcome (requests, consent, reminders, the confirmation's
    # row: no look-ups, no rendering, no drawing: the QR image is drawn when it is sent).
    problem = registration_problem(event, now, by_staff=by_staff)
    if problem:
        raise RegistrationClosed(problem)
    if by_staff:
        resident, _created = find_or_create_resident(
            name=name,
            email=email,
            phone=phone,
            preferred_language=language,
            neighbourhood=neighbourhood,
        )
    else:
        on_file = person_on_file(email=email, phone=phone)
        existing = (
            event.registrations.filter(resident=on_file).exclude(status=Status.CANCELLED).first()
            if on_file
            else None
        )
        if existing:
            return RegistrationResult(existing, None, False)
        # What a public form says about someone on file waits for them to confirm it.
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
    from . import notifications
    from .calendar import event_ics

    ics = event_ics(event)
    registration = Registration(
        event=event,
        resident=resident,
        token_hash=token_hash,
        check_in_code=secrets.token_hex(5).upper(),
        party_size=party_size,
        age_group=age_group if age_group in AgeGroup.values else "",
        language=language,
        wants_reminders=wants_reminders,
        source=source,
        # Staff taking a registration may say the person must never be surveyed.
        is_sensitive=is_sensitive and by_staff,
        created_at=now,
        queued_at=now,
    )
    requests = [
        AccommodationRequest(registration=registration, kind=kind, details=details.strip())
        for kind, details in (
            (AccommodationRequest.Kind.ACCESSIBILITY, accessibility),
            (AccommodationRequest.Kind.INTERPRETATION, interpretation),
        )
        if details.strip()
    ]

    # The message is rendered now, for the outcome this event's last registration in this
    # process had (a hint: the decision below is made under the lock, and a wrong guess
    # only means rendering again there).
    guess = _last_outcome.get(event.pk, Status.CONFIRMED)
    receipt = notifications.prepare_receipt(registration, token, status=guess, ics=ics)

    existing_id = None
    with transaction.atomic():
        # Rolled back with everything else if no registration is written below.
        ledger.record(ledger.REGISTERED, event_id=event.pk, program_id=event.program_id)
        locked = _lock_for_decision(event.pk, resident, now)
        problem = registration_problem(locked, now, by_staff=by_staff)
        if problem:
            raise RegistrationClosed(problem)
        if locked.existing_id:
            existing_id = locked.existing_id
            transaction.set_rollback(True)  # nothing of this submission is kept
        else:
            if locked.capacity is None or locked.taken + party_size <= locked.capacity:
                registration.status, registration.confirmed_at = Status.CONFIRMED, now
                position = None
            elif locked.waitlist_enabled:
                registration.status, position = Status.WAITLISTED, locked.waiting_ahead + 1
            else:
                raise EventFull(_("Sorry, this event is full."))
            registration.event = locked
            registration.save(force_insert=True)
            if requests:
                AccommodationRequest.objects.bulk_create(requests)
            if wants_reminders:
                channel = (
                    Consent.Channel.EMAIL if resident.email_normalised else Consent.Channel.SMS
                )
                record_consent(
                    resident=resident, channel=channel, granted=True, source="event", now=now
                )
            if registration.status == Status.CONFIRMED:
                schedule_reminders(registration, now)
            _remember_outcome(locked.pk, registration.status)
            if receipt.status != registration.status:
                receipt = notifications.prepare_receipt(
                    registration, token, status=registration.status, ics=ics
                )
            notifications.queue_receipt(receipt, registration, position)
    if existing_id:
        existing = Registration.objects.select_related("resident").get(pk=existing_id)
        return RegistrationResult(existing, None, False)
    return RegistrationResult(registration, token, True, position)


# Event id -> the status its latest registration in this process got: which message to
# render before the lock (confirmed while seats last, waiting list after). Only a guess.
_last_outcome: dict[int, str] = {}


def _remember_outcome(event_id: int, status: str) -> None:
    if len(_last_outcome) >= 1000 and event_id not in _last_outcome:
        _last_outcome.clear()
    _last_outcome[event_id] = status


def _minutes_before(moment: datetime, minutes: int) -> datetime:
    # Offsets are minutes of elapsed time, so they are taken off in UTC: on a datetime in the
    # agency's zone (as a staff form leaves it) Python would count them on the wall clock,
    # an hour out across a change of clocks or into the hour that does not exist.
    return moment.astimezone(UTC) - timedelta(minutes=minutes)


# A registration made after the last reminder's time still gets one, halfway to the start,
# unless that leaves less than this before the start (the confirmation is enough then).
LATE_REMINDER_LEAD = timedelta(minutes=30)


def schedule_reminders(registration: Registration, now=None) -> None:
    """Create the reminder rows of a confirmed registration. Idempotent (unique per offset).

    Only reminders still ahead are created: one whose time has passed would be skipped by
    the sweep anyway (it is sent only after the resident agreed to it). Someone who
    registers after every reminder's time (an hour and a half before the start, with the
    2-hour reminder the last) gets one reminder halfway between now and the start."""
    now = now or timezone.now()
    event = registration.event
    start = event.starts_at.astimezone(UTC)
    offsets = sorted(set(event.reminder_offsets or []), reverse=True)
    due = {offset: _minutes_before(start, offset) for offset in offsets}
    rows = [
        Reminder(
            registration=registration,
            kind=Reminder.Kind.BEFORE,
            offset_minutes=offset,
            due_at=due[offset],
        )
        for offset in offsets
        if due[offset] > now
    ]
    if offsets and not rows:
        late = now + (start - now) / 2
        if start - late >= LATE_REMINDER_LEAD:
            rows.append(
                Reminder(
                    registration=registration,
                    kind=Reminder.Kind.BEFORE,
                    offset_minutes=int((start - late).total_seconds() // 60),
                    due_at=late,
                )
            )
    rows.append(
        Reminder(
            registration=registration,
            kind=Reminder.Kind.FOLLOW_UP,
            offset_minutes=-120,
            due_at=_minutes_before(event.ends_at, -120),
        )
    )
    Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def _reschedule_reminders(event: Event) -> None:
    """After an edit: unsent reminders follow the new times, reminders for offsets that were
    removed are dropped and new offsets get rows. Sent reminders are history and stay."""
    offsets = set(event.reminder_offsets or [])
    pending = Reminder.objects.filter(
        registration__event=event, queued_at__isnull=True, skipped=False
    )
    pending.filter(kind=Reminder.Kind.BEFORE).exclude(offset_minutes__in=offsets).update(
        skipped=True
    )
    for reminder in pending.filter(skipped=False):
        base = event.starts_at if reminder.kind == Reminder.Kind.BEFORE else event.ends_at
        reminder.due_at = _minutes_before(base, reminder.offset_minutes)
        reminder.save(update_fields=["due_at"])
    for registration in event.registrations.filter(status=Status.CONFIRMED):
        schedule_reminders(registration)


def _promote_waitlist(event: Event, now) -> list[Registration]:
    """Confirm people from the front of the line while their party fits. Caller holds the lock."""
    if event.capacity is None:
        candidates = list(event.registrations.filter(status=Status.WAITLISTED))
    else:
        free = event.capacity - seats_taken(event)
        candidates = []
        for waiting in event.registrations.filter(status=Status.WAITLISTED).order_by(
            "queued_at", "pk"
        ):
            # Strictly in order: a large party at the front is not skipped for a smaller one.
            if waiting.party_size > free:
                break
            free -= waiting.party_size
            candidates.append(waiting)
    from . import notifications

    for registration in candidates:
        registration.status = Status.CONFIRMED
        registration.confirmed_at = now
        registration.save(update_fields=["status", "confirmed_at"])
        schedule_reminders(registration, now)
        notifications.promoted_from_waitlist(registration)
    return candidates


def cancel_registration(*, registration: Registration, now=None) -> Registration:
    """Cancel a registration and give freed seats to the waiting list. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Status.CANCELLED:
            return registration
        if registration.status in (Status.ATTENDED, Status.NO_SHOW):
            raise ValidationError(_("This event has already taken place."))
        registration.status = Status.CANCELLED
        registration.cancelled_at = now
        registration.save(update_fields=["status", "cancelled_at"])
        Reminder.objects.filter(registration=registration, queued_at__isnull=True).update(
            skipped=True
        )
        if event.status == Event.Status.SCHEDULED and event.ends_at > now:
            _promote_waitlist(event, now)
        ledger.record(ledger.REGISTERED, event_id=event.pk, program_id=event.program_id)
    return registration


def change_party_size(*, registration: Registration, party_size: int, now=None) -> Registration:
    """Change the size of a party. A larger party that no longer fits moves to the waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(registration.event_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if party_size < 1 or party_size > event.max_party_size:
            raise ValidationError(
                _("You can register up to %(n)d people for this event.")
                % {"n": event.max_party_size}
            )
        if registration.status not in (Status.CONFIRMED, Status.WAITLISTED):
            raise ValidationError(_("This registration can no longer be changed."))
        if party_size == registration.party_size:
            return registration
        growing = party_size > registration.party_size
        if (
            growing
            and registration.status == Status.CONFIRMED
            and event.capacity is not None
            and seats_taken(event) - registration.party_size + party_size > event.capacity
        ):
            raise EventFull(
                _("There are not enough seats left for %(n)d people.") % {"n": party_size}
            )
        registration.party_size = party_size
        registration.save(update_fields=["party_size"])
        if not growing:
            _promote_waitlist(event, now)
        ledger.record(ledger.REGISTERED, event_id=event.pk, program_id=event.program_id)
    return registration


def set_capacity(*, event: Event, capacity: int | None, now=None) -> Event:
    """Change an event's capacity. Lowering it never removes anyone already confirmed;
    raising it confirms people from the waiting list."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(event.pk)
        event.capacity = capacity
        event.save(update_fields=["capacity", "updated_at"])
        _promote_waitlist(event, now)
        ledger.record(ledger.SEATS_CHANGED, event_id=event.pk, program_id=event.program_id)
    return event


def cancel_event(*, event: Event, reason: str, now=None) -> Event:
    """Cancel an event and tell everyone registered. Cancelling it again changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        event = _lock_event(event.pk)
        if event.status == Event.Status.CANCELLED:
            return event
        event.status = Event.Status.CANCELLED
        event.cancellation_reason = reason.strip()
        event.save(update_fields=["status", "cancellation_reason", "updated_at"])
        Reminder.objects.filter(registration__event=event, queued_at__isnull=True).update(
            skipped=True
        )
        from . import notifications

        for registration in event.registrations.filter(
            status__in=(Status.CONFIRMED, Status.WAITLISTED)
        ).select_related("resident"):
            notifications.event_cancelled(registration)
        ledger.record(ledger.EVENT_CHANGED, event_id=event.pk, program_id=event.program_id)
    return event


def delete_event(*, event: Event, by, allow_registrations: bool = False) -> None:
    """Delete an event made by mistake, with what was recorded at it (walk-ins, staff
    present, session attendance, press questions), and take it out of the dashboards.

    Staff cannot delete an event people registered for: they cancel it, so everyone is
    told. Administrators can (`allow_registrations`), e.g. to remove a test event.
    """
    from engagement_portal.core.services import audit

    with transaction.atomic():
        event = _lock_event(event.pk)
        if not allow_registrations and event.registrations.exists():
            raise ValidationError(
                _(
                    "People have registered for this event, so it cannot be deleted. Cancel "
                    "it instead: everyone registered is told."
                )
            )
        program_id = event.program_id
        days = {event.starts_at, *event.press_questions.values_list("submitted_on", flat=True)}
        audit(
            actor=by,
            action="event.delete",
            target=event,
            event=event.pk,
            program=program_id,
            starts_at=event.starts_at.isoformat(),
            registrations=event.registrations.count(),
        )
        event.delete()
        for day in days:
            ledger.record(ledger.EVENT_DELETED, program_id=program_id, day=day)


def check_in(*, registration: Registration, now=None) -> Registration:
    """Mark a registration as attended. Checking in twice keeps the first time."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Status.ATTENDED:
            return registration
        if registration.status == Status.CANCELLED:
            raise ValidationError(_("This registration was cancelled."))
        if registration.status == Status.WAITLISTED:
            # At the door a waiting-list resident is let in if there is room: staff decide.
            pass
        registration.status = Status.ATTENDED
        registration.checked_in_at = now
        registration.save(update_fields=["status", "checked_in_at"])
        ledger.record(
            ledger.EVENT_CHANGED,
            event_id=registration.event.pk,
            program_id=registration.event.program_id,
        )
    return registration


def undo_check_in(*, registration: Registration) -> Registration:
    """Reverse a mistaken check-in."""
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status == Status.ATTENDED:
            registration.status = Status.CONFIRMED
            registration.checked_in_at = None
            registration.save(update_fields=["status", "checked_in_at"])
            ledger.record(
                ledger.EVENT_CHANGED,
                event_id=registration.event.pk,
                program_id=registration.event.program_id,
            )
    return registration


def mark_no_shows(*, event: Event, now=None) -> int:
    """After the event, mark confirmed registrations that never checked in. Idempotent."""
    now = now or timezone.now()
    if event.ends_at > now:
        raise ValidationError(_("No-shows can be marked only after the event has ended."))
    with transaction.atomic():
        marked = event.registrations.filter(status=Status.CONFIRMED).update(status=Status.NO_SHOW)
        ledger.record(ledger.REGISTERED, event_id=event.pk, program_id=event.program_id)
    return marked


def record_walk_in(
    *, event: Event, recorded_by, party_size: int = 1, neighbourhood=None, language="", age_group=""
) -> WalkIn:
    """Count people who came without registering. Each call records one more walk-in."""
    if party_size < 1:
        raise ValidationError(_("Count at least one person."))
    with transaction.atomic():
        walk_in = WalkIn.objects.create(
            event=event,
            recorded_by=recorded_by,
            party_size=party_size,
            neighbourhood=neighbourhood,
            language=language,
            age_group=age_group,
        )
        ledger.record(ledger.EVENT_CHANGED, event_id=event.pk, program_id=event.program_id)
    return walk_in


def set_accommodation_fulfilled(*, request: AccommodationRequest, fulfilled: bool, user, now=None):
    """Record whether staff arranged an accessibility or interpretation request."""
    now = now or timezone.now()
    with transaction.atomic():
        request.fulfilled = fulfilled
        request.fulfilled_by = user if fulfilled else None
        request.fulfilled_at = now if fulfilled else None
        request.save(update_fields=["fulfilled", "fulfilled_by", "fulfilled_at"])
        # The principles page counts requests arranged from the event's summary.
        ledger.record(
            ledger.SEATS_CHANGED,
            event_id=request.registration.event.pk,
            program_id=request.registration.event.program_id,
        )
    return request


def mark_sensitive(registration: Registration) -> bool:
    """Mark one registration a sensitive contact (never surveyed automatically). Twice,
    it changes nothing the second time; returns whether it changed."""
    changed = Registration.objects.filter(pk=registration.pk, is_sensitive=False).update(
        is_sensitive=True
    )
    registration.is_sensitive = True
    return bool(changed)


def queue_due_reminders(*, now=None, batch_size: int = 500) -> int:
    """Queue every reminder that is due into the outbox, each exactly once.

    Safe to run concurrently: each batch is claimed with SELECT ... FOR UPDATE SKIP LOCKED
    (on SQLite the transaction holds the database's write lock), marked queued in the
    same transaction, and the outbox key (one per reminder) makes even a retried batch
    queue nothing twice. One send task is started per batch, not one per message.
    """
    now = now or timezone.now()
    from django.db.models import Prefetch

    from engagement_portal.accounts.models import Consent
    from engagement_portal.messaging.services import start_sending

    from . import notifications

    queued = 0
    while True:
        with transaction.atomic():
            batch = list(
                Reminder.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(queued_at__isnull=True, skipped=False, due_at__lte=now)
                .select_related("registration__event__program", "registration__resident")
                .prefetch_related(
                    Prefetch(
                        "registration__resident__consents",
                        queryset=Consent.objects.filter(withdrawn_at__isnull=True),
                    )
                )
                .order_by("due_at", "pk")[:batch_size]
            )
            if not batch:
                return queued
            # A sweep that runs late finds the 24-hour and the 2-hour reminders of one
            # registration due together: only the latest one due is sent, the rest skipped.
            latest = dict(
                Reminder.objects.filter(
                    registration_id__in={r.registration_id for r in batch},
                    kind=Reminder.Kind.BEFORE,
                    skipped=False,
                    due_at__lte=now,
                )
                .values("registration_id")
                .annotate(due=Max("due_at"))
                .values_list("registration_id", "due")
            )
            sent_now = [
                r.pk
                for r in batch
                if not (r.kind == Reminder.Kind.BEFORE and r.due_at < latest[r.registration_id])
                and notifications.reminder_due(r, now=now)
            ]
            Reminder.objects.filter(pk__in=[r.pk for r in batch]).update(queued_at=now)
            Reminder.objects.filter(pk__in=[r.pk for r in batch]).exclude(pk__in=sent_now).update(
                skipped=True
            )
            queued += len(sent_now)
            if sent_now:
                start_sending()  # runs when this batch commits


# --- Staff: creating and editing events ------------------------------------------------


@transaction.atomic
def create_event(*, form, program, user) -> Event:
    """Save a new event of `program` from a valid staff form. Each call adds one event."""
    event = form.save(commit=False)
    event.program = program
    event.save()
    form.save_m2m()
    ledger.record(ledger.SEATS_CHANGED, event_id=event.pk, program_id=event.program_id)
    return event


def update_event(*, form, user, now=None) -> Event:
    """Save edits from a valid staff form. A new capacity goes through set_capacity so that
    raising it confirms people from the waiting list; new times move unsent reminders."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock_event(form.instance.pk)
        old_capacity, old_start = locked.capacity, locked.starts_at
        event = form.save()
        if event.capacity != old_capacity:
            _promote_waitlist(event, now)
        _reschedule_reminders(event)
        ledger.record(
            ledger.EVENT_CHANGED,
            event_id=event.pk,
            program_id=event.program_id,
            previous_day=old_start,
        )
    return event


def series_dates(*, first_start, frequency: str, interval: int, occurrences: int) -> list:
    """Start times of a series, computed with dateutil's rrule in the agency's time zone so
    that a 6 pm session stays at 6 pm across daylight-saving changes."""
    from dateutil.rrule import MONTHLY, WEEKLY, rrule
    from dateutil.rrule import weekday as rr_weekday

    from .models import EventSeries

    local = timezone.localtime(first_start)
    naive = local.replace(tzinfo=None)
    if frequency == EventSeries.Frequency.MONTHLY_BY_WEEKDAY:
        nth = (naive.day - 1) // 7 + 1
        rule = rrule(
            MONTHLY,
            dtstart=naive,
            count=occurrences,
            byweekday=rr_weekday(naive.weekday())(nth if nth < 5 else -1),
        )
    elif frequency == EventSeries.Frequency.MONTHLY_BY_DAY:
        # Day N of each month; from the 29th on, a month without day N takes its last day
        # (the first of "day N" and "the last day" that the month has).
        days = (naive.day,) if naive.day <= 28 else (naive.day, -1)
        rule = rrule(MONTHLY, dtstart=naive, count=occurrences, bymonthday=days, bysetpos=1)
    else:
        step = 1 if frequency == EventSeries.Frequency.WEEKLY else max(interval, 1)
        rule = rrule(WEEKLY, dtstart=naive, interval=step, count=occurrences)
    zone = timezone.get_current_timezone()
    return [timezone.make_aware(start, zone) for start in rule], str(rule)


@transaction.atomic
def create_series(
    *, form, program, user, frequency: str, interval: int, occurrences: int
) -> "list[Event]":
    """Create a recurring series of sessions in one step from one valid event form."""
    from .models import EventSeries

    template = form.save(commit=False)
    # The length is elapsed time, worked out in UTC: between two times of one zone Python
    # counts the wall clock, which ignores the hour repeated or skipped when clocks change.
    duration = template.ends_at.astimezone(UTC) - template.starts_at.astimezone(UTC)
    closes_before = (
        template.starts_at - template.registration_closes_at
        if template.registration_closes_at
        else None
    )
    starts, rule = series_dates(
        first_start=template.starts_at,
        frequency=frequency,
        interval=interval,
        occurrences=occurrences,
    )
    series = EventSeries.objects.create(
        program=program,
        frequency=frequency,
        interval=interval,
        occurrences=occurrences,
        rule=rule.replace("\n", " ")[:200],
    )
    languages = list(form.cleaned_data.get("languages") or [])
    events = []
    for number, start in enumerate(starts, start=1):
        event = Event()
        for field in Event._meta.concrete_fields:
            if field.name not in ("id", "public_id", "created_at", "updated_at"):
                setattr(event, field.attname, getattr(template, field.attname))
        event.program = program
        event.series = series
        event.starts_at = start
        event.ends_at = start.astimezone(UTC) + duration
        if closes_before is not None:
            event.registration_closes_at = start - closes_before
        if occurrences > 1:
            event.title = f"{template.title} ({number}/{len(starts)})"
        event.save()
        event.languages.set(languages)
        ledger.record(ledger.SEATS_CHANGED, event_id=event.pk, program_id=event.program_id)
        events.append(event)
    return events


def add_personnel(*, event: Event, user, role: str) -> None:
    """Record that a member of staff took part in an event. Adding them twice keeps one row."""
    from .models import EventPersonnel

    with transaction.atomic():
        EventPersonnel.objects.update_or_create(event=event, user=user, defaults={"role": role})
        ledger.record(ledger.STAFFED, event_id=event.pk, program_id=event.program_id)


def remove_personnel(*, event: Event, user) -> None:
    from .models import EventPersonnel

    with transaction.atomic():
        EventPersonnel.objects.filter(event=event, user=user).delete()
        ledger.record(ledger.STAFFED, event_id=event.pk, program_id=event.program_id)


def export_roster(*, event: Event, user) -> list[list[str]]:
    """Rows of the roster CSV. The export is audit-logged in the same transaction."""
    from engagement_portal.core.services import audit

    from .selectors import roster

    with transaction.atomic():
        rows = [
            [
                "name",
                "email",
                "phone",
                "neighbourhood",
                "party_size",
                "status",
                "language",
                "requests",
                "registered_at",
                "checked_in_at",
            ]
        ]
        registrations = roster(event)
        for r in registrations:
            rows.append(
                [
                    r.resident.name,
                    r.resident.email,
                    r.resident.phone,
                    str(r.resident.neighbourhood or ""),
                    str(r.party_size),
                    r.get_status_display(),
                    r.language,
                    "; ".join(
                        f"{a.get_kind_display()}: {a.details}" + (" ✓" if a.fulfilled else "")
                        for a in r.accommodations.all()
                    ),
                    timezone.localtime(r.created_at).isoformat(timespec="minutes"),
                    timezone.localtime(r.checked_in_at).isoformat(timespec="minutes")
                    if r.checked_in_at
                    else "",
                ]
            )
        audit(
            actor=user,
            action="export_roster",
            target=event,
            residents=[r.resident_id for r in registrations],
            event_id=event.pk,
            rows=len(rows) - 1,
        )
    return rows


# --- Residents: what the private manage link still allows --------------------------------


def manage_problem(registration: Registration, now=None) -> str | None:
    """Why the resident can no longer change or cancel this registration through their
    private link, in words for them; None while they can. Read-only."""
    now = now or timezone.now()
    event = registration.event
    if registration.status == Status.CANCELLED:
        return _("This registration is cancelled.")
    if registration.status not in (Status.CONFIRMED, Status.WAITLISTED):
        return _("This event has already taken place.")
    if event.status == Event.Status.CANCELLED:
        return _("This event was cancelled.")
    if event.status == Event.Status.COMPLETED or event.starts_at <= now:
        return _("This event has already started, so the registration can no longer be changed.")
    return None
