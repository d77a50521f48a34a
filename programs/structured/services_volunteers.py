"""Writes for volunteers: roles, the roster, certifications, shifts, hours and reminders.

Sign-ups lock the shift row, so the last place of a shift goes to one volunteer however many
press the button at once. Logging hours locks the volunteer row, so two entries logged at
the same moment (two tabs, or the volunteer and staff) cannot both miss the other's overlap.
Approvals are conditional updates on the entry's status: approving twice changes nothing.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from engagement_portal.accounts.services import find_or_create_resident
from engagement_portal.core import ledger
from engagement_portal.core.dates import abbr_date
from engagement_portal.core.links import base_url
from engagement_portal.core.services import audit
from engagement_portal.core.tokens import new_token
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import build_message, queue_message, queue_messages
from events.models import Event
from programs.models import Program
from programs.structured import selectors_volunteers as selectors
from programs.structured.models_applications import Application
from programs.structured.models_volunteers import (
    Certification,
    HoursEntry,
    Shift,
    ShiftSignup,
    Training,
    Volunteer,
    VolunteerRole,
)

MAX_ENTRY = timedelta(hours=16)
REMIND_DAYS_BEFORE = selectors.EXPIRING_WITHIN_DAYS
# A lapse is announced the day after the expiry date. Looking back a week instead of one
# day means a day the task did not run (a worker outage) still gets its notice; the outbox
# key keeps it to one message however many runs see it.
LAPSED_LOOKBACK_DAYS = 7


def private_url(token: str) -> str:
    return base_url() + reverse("volunteers:home", args=[token])


def _staff_url(volunteer: Volunteer) -> str:
    return base_url() + reverse("volunteers:staff-detail", args=[volunteer.pk])


def _reach(resident) -> tuple[str, str] | None:
    if resident.email_normalised:
        return OutboxMessage.Channel.EMAIL, resident.email
    if resident.phone_normalised:
        return OutboxMessage.Channel.SMS, resident.phone_normalised
    return None


def _send_link(volunteer: Volunteer, token: str, *, new_link: bool) -> None:
    reach = _reach(volunteer.resident)
    if reach is None:
        return
    channel, recipient = reach
    # The token hash is unique per link: a replacement link is a new message, a retry of the
    # same one is not.
    queue_message(
        key=f"volunteer-link:{volunteer.pk}:{volunteer.token_hash[:16]}",
        channel=channel,
        recipient=recipient,
        language=volunteer.language,
        template="volunteer_welcome",
        context={
            "volunteer": volunteer,
            "resident": volunteer.resident,
            "program": volunteer.program,
            "role": volunteer.role,
            "url": private_url(token),
            "new_link": new_link,
        },
        resident=volunteer.resident,
        essential=True,  # their own volunteering: the link is how they take part
    )


# --- Trainings and roles -----------------------------------------------------------------


@transaction.atomic
def save_training(*, form, user) -> Training:
    """Save a valid TrainingForm. Saving the same values twice writes the same row.

    Raises ValidationError when another training took the name meanwhile.
    """
    try:
        with transaction.atomic():
            training = form.save()
    except IntegrityError as error:
        raise ValidationError(_("A training with this name already exists.")) from error
    audit(actor=user, action="volunteers.training-saved", target=training)
    return training


@transaction.atomic
def save_role(*, form, program: Program, user) -> VolunteerRole:
    """Save a valid VolunteerRoleForm for `program`, with its required trainings.

    Raises ValidationError when another role of the program took the name meanwhile.
    """
    role = form.save(commit=False)
    role.program = program
    try:
        with transaction.atomic():
            role.save()
    except IntegrityError as error:
        raise ValidationError(_("This program already has a role with that name.")) from error
    form.save_m2m()
    audit(actor=user, action="volunteers.role-saved", target=role, program=program.pk)
    return role


# --- The roster --------------------------------------------------------------------------


@dataclass
class AddResult:
    volunteer: Volunteer
    created: bool
    token: str | None  # the private link's token, only when this call created the volunteer


@transaction.atomic
def add_volunteer(
    *,
    program: Program,
    role: VolunteerRole,
    user,
    application: Application | None = None,
    name: str = "",
    email: str = "",
    phone: str = "",
    language: str | None = None,
) -> AddResult:
    """Put a person on the program's roster and send them their private link.

    From an accepted application of the program, or by hand (the Resident is found or
    created from the email or phone). Run twice for the same person, it keeps one volunteer
    and sends one welcome. Raises ValidationError for a role of another program or an
    application that is not an accepted one of this program.
    """
    if role.program_id != program.pk:
        raise ValidationError(_("Choose one of this program's roles."))
    if application is not None:
        # Lock the application so a withdrawal cannot slip in between the check and the add.
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.program_id != program.pk or application.status != (
            Application.Status.ACCEPTED
        ):
            raise ValidationError(_("Only accepted applicants of this program can be added."))
        resident = application.resident
        language = language or application.language
    else:
        resident, _created = find_or_create_resident(
            name=name, email=email, phone=phone, preferred_language=language
        )
    language = language or resident.preferred_language or settings.LANGUAGE_CODE
    existing = Volunteer.objects.filter(program=program, resident=resident).first()
    if existing:
        if application is not None and existing.application_id is None:
            existing.application = application
            existing.save(update_fields=["application"])
        return AddResult(existing, False, None)
    token, token_hash = new_token()
    try:
        with transaction.atomic():
            volunteer = Volunteer.objects.create(
                program=program,
                resident=resident,
                role=role,
                application=application,
                language=language,
                token_hash=token_hash,
            )
    except IntegrityError:
        # Added by another staff member between our lookup and our insert.
        return AddResult(Volunteer.objects.get(program=program, resident=resident), False, None)
    audit(actor=user, action="volunteers.added", target=volunteer, program=program.pk)
    _send_link(volunteer, token, new_link=False)
    return AddResult(volunteer, True, token)


@transaction.atomic
def send_new_link(*, volunteer: Volunteer, user) -> str:
    """Replace the volunteer's private link (the old one stops working) and send the new one.

    Each call makes a new link and one message for it. Returns the new token.
    """
    locked = (
        Volunteer.objects.select_for_update()
        .select_related("resident", "role")
        .get(pk=volunteer.pk)
    )
    token, locked.token_hash = new_token()
    locked.save(update_fields=["token_hash"])
    audit(actor=user, action="volunteers.new-link", target=locked)
    _send_link(locked, token, new_link=True)
    return token


@transaction.atomic
def update_volunteer(
    *, volunteer: Volunteer, role: VolunteerRole, status: str, language: str, user
) -> Volunteer:
    """Change a volunteer's role, status or language. Run twice, the second run writes nothing."""
    if role.program_id != volunteer.program_id:
        raise ValidationError(_("Choose one of this program's roles."))
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    changes = {
        name: value
        for name, value in (("role", role), ("status", status), ("language", language))
        if getattr(locked, name) != value
    }
    if not changes:
        return locked
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(changes))
    audit(
        actor=user,
        action="volunteers.changed",
        target=locked,
        changes={k: getattr(v, "pk", v) for k, v in changes.items()},
    )
    return locked


# --- Certifications ----------------------------------------------------------------------


def default_expiry(training: Training, completed_on: date) -> date | None:
    if not training.valid_for_months:
        return None
    return completed_on + relativedelta(months=training.valid_for_months)


def _certification_dates(
    training: Training, completed_on: date, expires_on: date | None, today: date
) -> date | None:
    if completed_on > today:
        raise ValidationError(_("The completion date cannot be in the future."))
    expires_on = expires_on or default_expiry(training, completed_on)
    if expires_on is not None and expires_on <= completed_on:
        raise ValidationError(_("The expiry date must be after the completion date."))
    return expires_on


@transaction.atomic
def record_certification(
    *,
    volunteer: Volunteer,
    training: Training,
    completed_on: date,
    expires_on: date | None = None,
    user,
    today: date | None = None,
) -> Certification:
    """Record that the volunteer completed a training; the expiry date is worked out from the
    training's validity unless given. Recording the same completion twice keeps one row (with
    the latest expiry date); a renewal is a new row and re-arms the expiry reminder."""
    today = today or timezone.localdate()
    expires_on = _certification_dates(training, completed_on, expires_on, today)
    # Lock the volunteer so a double submit cannot record the same completion twice.
    Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
    existing = Certification.objects.filter(
        volunteer=volunteer, training=training, completed_on=completed_on
    ).first()
    if existing:
        if existing.expires_on != expires_on:
            existing.expires_on = expires_on
            existing.save(update_fields=["expires_on"])
        return existing
    certification = Certification.objects.create(
        volunteer=volunteer,
        training=training,
        completed_on=completed_on,
        expires_on=expires_on,
        recorded_by=user if getattr(user, "is_authenticated", False) else None,
    )
    audit(actor=user, action="volunteers.certification-recorded", target=certification)
    return certification


@transaction.atomic
def update_certification(
    *,
    certification: Certification,
    completed_on: date,
    expires_on: date | None,
    user,
    today: date | None = None,
) -> Certification:
    """Correct a certification's dates. Run twice with the same dates, it writes nothing."""
    today = today or timezone.localdate()
    expires_on = _certification_dates(certification.training, completed_on, expires_on, today)
    if (certification.completed_on, certification.expires_on) == (completed_on, expires_on):
        return certification
    certification.completed_on = completed_on
    certification.expires_on = expires_on
    certification.save(update_fields=["completed_on", "expires_on"])
    audit(actor=user, action="volunteers.certification-changed", target=certification)
    return certification


@transaction.atomic
def remove_certification(*, certification: Certification, user) -> None:
    """Delete a certification recorded by mistake. Removing it twice removes it once."""
    deleted, _rows = Certification.objects.filter(pk=certification.pk).delete()
    if deleted:
        audit(actor=user, action="volunteers.certification-removed", target=certification)


def _expiry_key(certification: Certification, kind: str, audience: str) -> str:
    return (
        f"volunteer-certification:{certification.pk}:{certification.expires_on.isoformat()}"
        f":{kind}:{audience}"
    )


def remind_expiring_certifications(today: date | None = None) -> int:
    """Remind active volunteers, and their program's owner, of certifications that expire
    within 30 days ("expiring") or have just expired ("lapsed").

    One message per certification, expiry date, kind and recipient however often it runs; a
    renewal (a later expiry date) earns new reminders. Returns how many this run queued.
    """
    today = today or timezone.localdate()
    renewed = Certification.objects.filter(
        volunteer=OuterRef("volunteer"), training=OuterRef("training")
    ).filter(Q(expires_on__isnull=True) | Q(expires_on__gt=OuterRef("expires_on")))
    due = list(
        Certification.objects.filter(
            volunteer__status=Volunteer.Status.ACTIVE,
            expires_on__gte=today - timedelta(days=LAPSED_LOOKBACK_DAYS),
            expires_on__lte=today + timedelta(days=REMIND_DAYS_BEFORE),
        )
        .exclude(Exists(renewed))
        .select_related("training", "volunteer__resident", "volunteer__program__owner")
        .order_by("expires_on", "pk")
    )
    candidates = []
    for certification in due:
        kind = "lapsed" if certification.expires_on < today else "expiring"
        candidates.append((certification, kind, "volunteer"))
        candidates.append((certification, kind, "owner"))
    keys = {c: _expiry_key(*c) for c in candidates}
    already = set(OutboxMessage.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    messages = []
    for candidate in candidates:
        key = keys[candidate]
        if key in already:
            continue
        message = _expiry_message(*candidate, key=key, today=today)
        if message is not None:
            messages.append(message)
    # A concurrent run may build the same keys; the unique key keeps one row each.
    queue_messages(messages)
    return len(messages)


def _expiry_message(
    certification: Certification, kind: str, audience: str, *, key: str, today: date
) -> OutboxMessage | None:
    volunteer = certification.volunteer
    context = {
        "certification": certification,
        "training": certification.training,
        "volunteer": volunteer,
        "resident": volunteer.resident,
        "program": volunteer.program,
        "kind": kind,
        "days_left": (certification.expires_on - today).days,
        "for_owner": audience == "owner",
    }
    if audience == "owner":
        owner = volunteer.program.owner
        if not owner.email or not owner.is_active:
            return None
        context.update(user=owner, url=_staff_url(volunteer))
        return build_message(
            key=key,
            channel=OutboxMessage.Channel.EMAIL,
            recipient=owner.email,
            language=owner.preferred_language or settings.LANGUAGE_CODE,
            template="volunteer_certification",
            context=context,
            essential=True,  # work for staff
        )
    reach = _reach(volunteer.resident)
    if reach is None:
        return None
    channel, recipient = reach
    return build_message(
        key=key,
        channel=channel,
        recipient=recipient,
        language=volunteer.language,
        template="volunteer_certification",
        context=context,
        resident=volunteer.resident,
        essential=True,  # it decides whether they may keep serving
    )


# --- Shifts ------------------------------------------------------------------------------


@transaction.atomic
def create_shift(
    *,
    program: Program,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    user,
    role: VolunteerRole | None = None,
    location: str = "",
    event: Event | None = None,
) -> Shift:
    """Add a shift to the program. Each call adds one shift."""
    if ends_at <= starts_at:
        raise ValidationError(_("The end must be after the start."))
    if capacity < 1:
        raise ValidationError(_("A shift needs at least one volunteer."))
    if role is not None and role.program_id != program.pk:
        raise ValidationError(_("Choose one of this program's roles."))
    if event is not None and event.program_id != program.pk:
        raise ValidationError(_("Choose one of this program's events."))
    shift = Shift.objects.create(
        program=program,
        title=title.strip(),
        role=role,
        starts_at=starts_at,
        ends_at=ends_at,
        capacity=capacity,
        location=location.strip(),
        event=event,
    )
    audit(actor=user, action="volunteers.shift-created", target=shift, program=program.pk)
    return shift


@transaction.atomic
def sign_up(
    *, shift: Shift, volunteer: Volunteer, now: datetime | None = None, user=None
) -> ShiftSignup:
    """Sign the volunteer up for the shift if a place is free and they may serve in it.

    Signing up twice keeps one sign-up. Raises ValidationError with the reason otherwise:
    full, started, another role, not active, or a required certification missing or lapsed.
    Staff (`user`) go through the same rules.
    """
    now = now or timezone.now()
    # The shift row is the lock: concurrent sign-ups queue here and each counts the places
    # after the one before it committed, so a shift is never overfilled.
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    existing = ShiftSignup.objects.filter(shift=locked, volunteer=volunteer).first()
    if existing:
        return existing
    volunteer = (
        Volunteer.objects.select_related("role")
        .prefetch_related("role__required_trainings", "certifications__training")
        .get(pk=volunteer.pk)
    )
    problem = selectors.signup_problem(locked, volunteer, now=now)
    if problem:
        raise ValidationError(problem)
    if ShiftSignup.objects.filter(shift=locked).count() >= locked.capacity:
        raise ValidationError(_("This shift is full."))
    signup = ShiftSignup.objects.create(shift=locked, volunteer=volunteer, created_at=now)
    if user is not None:
        audit(actor=user, action="volunteers.signed-up", target=signup)
    return signup


@transaction.atomic
def cancel_signup(
    *, shift: Shift, volunteer: Volunteer, now: datetime | None = None, user=None
) -> bool:
    """Take the volunteer off the shift. Cancelling twice removes one sign-up; True if this
    call removed it. Volunteers cannot cancel a shift that has started; staff (`user`) can."""
    now = now or timezone.now()
    locked = Shift.objects.select_for_update().get(pk=shift.pk)
    if user is None and locked.starts_at <= now:
        raise ValidationError(
            _("This shift has started, so it can no longer be cancelled here. Tell the staff.")
        )
    deleted, _rows = ShiftSignup.objects.filter(shift=locked, volunteer=volunteer).delete()
    if deleted and user is not None:
        audit(
            actor=user, action="volunteers.sign-up-removed", target=locked, volunteer=volunteer.pk
        )
    return bool(deleted)


# --- Hours -------------------------------------------------------------------------------


def check_hours(started_at: datetime, ended_at: datetime, *, now: datetime) -> None:
    """Raise ValidationError (with a code the form maps to a field) for impossible hours."""
    # Python subtracts two datetimes of one zone by their wall clocks; in UTC it is the time
    # that passed, as the database stores and sums it. They differ across a daylight-saving
    # change: 02:00-03:00 on spring-forward night is no time at all.
    started_at, ended_at = started_at.astimezone(UTC), ended_at.astimezone(UTC)
    if ended_at < started_at:
        raise ValidationError(
            _("The end is before the start: hours cannot be negative."), code="negative"
        )
    if ended_at == started_at:
        raise ValidationError(_("The end must be after the start."), code="end_before_start")
    if ended_at > now:
        raise ValidationError(
            _("Hours cannot be in the future: log them once the work is done."), code="future"
        )
    if ended_at - started_at > MAX_ENTRY:
        raise ValidationError(
            _("One entry cannot be longer than 16 hours. Log longer work as separate days."),
            code="too_long",
        )


@transaction.atomic
def log_hours(
    *,
    volunteer: Volunteer,
    started_at: datetime,
    ended_at: datetime,
    description: str = "",
    shift: Shift | None = None,
    user=None,
    approve: bool = False,
    now: datetime | None = None,
) -> HoursEntry:
    """Record time the volunteer gave, waiting for approval (or approved, when staff log it
    with `approve`). Logging the same times twice keeps one entry.

    Raises ValidationError for negative, zero, future or over-long times, a shift of another
    program, a volunteer who left (unless staff log it), or an overlap with another entry of
    the volunteer that was not rejected (entries that only touch, one ending as the next
    starts, are fine).
    """
    now = now or timezone.now()
    check_hours(started_at, ended_at, now=now)
    if shift is not None and shift.program_id != volunteer.program_id:
        raise ValidationError(_("Choose one of this program's shifts."))
    # Lock the volunteer: two entries logged at once would otherwise each check for overlaps
    # before the other is written, and both would be saved.
    locked = Volunteer.objects.select_for_update().get(pk=volunteer.pk)
    if user is None and locked.status == Volunteer.Status.LEFT:
        raise ValidationError(_("You are no longer on this roster. Ask the staff to log hours."))
    counted = locked.hours.exclude(status=HoursEntry.Status.REJECTED)
    same = counted.filter(started_at=started_at, ended_at=ended_at).first()
    if same:
        return same
    clash = (
        counted.filter(started_at__lt=ended_at, ended_at__gt=started_at)
        .order_by("started_at")
        .first()
    )
    if clash:
        start = timezone.localtime(clash.started_at)
        end = timezone.localtime(clash.ended_at)
        raise ValidationError(
            _(
                "These times overlap hours already logged on %(day)s, %(start)s–%(end)s. "
                "Change the times, or ask the staff to correct the other entry."
            )
            % {
                "day": abbr_date(start, "D j M Y"),
                "start": formats.time_format(start, "H:i"),
                "end": formats.time_format(end, "H:i"),
            },
            code="overlap",
        )
    staff = user if getattr(user, "is_authenticated", False) else None
    entry = HoursEntry.objects.create(
        volunteer=locked,
        shift=shift,
        started_at=started_at,
        ended_at=ended_at,
        description=description.strip(),
        logged_by=staff,
        status=HoursEntry.Status.APPROVED if staff and approve else HoursEntry.Status.SUBMITTED,
        reviewed_by=staff if approve else None,
        reviewed_at=now if staff and approve else None,
        created_at=now,
    )
    if staff:
        audit(actor=staff, action="volunteers.hours-logged", target=entry, approved=approve)
    if entry.status == HoursEntry.Status.APPROVED:
        ledger.record(ledger.PARTICIPATED, program_id=locked.program_id, day=started_at)
    return entry


def review_hours(
    *,
    program: Program,
    entry_ids,
    approve: bool,
    user,
    now: datetime | None = None,
) -> int:
    """Approve or reject the program's entries that still wait for a decision.

    A conditional update on the status: entries already decided (by this call run twice, or
    by another staff member at the same moment) are left alone. Returns how many changed.
    """
    now = now or timezone.now()
    status = HoursEntry.Status.APPROVED if approve else HoursEntry.Status.REJECTED
    with transaction.atomic():
        ids = list(
            HoursEntry.objects.filter(
                pk__in=list(entry_ids),
                volunteer__program=program,
                status=HoursEntry.Status.SUBMITTED,
            ).values_list("pk", flat=True)
        )
        changed = HoursEntry.objects.filter(pk__in=ids, status=HoursEntry.Status.SUBMITTED).update(
            status=status, reviewed_by=user, reviewed_at=now
        )
        if changed:
            audit(
                actor=user,
                action="volunteers.hours-approved" if approve else "volunteers.hours-rejected",
                target=program,
                entries=ids,
            )
            for started_at in HoursEntry.objects.filter(pk__in=ids).values_list(
                "started_at", flat=True
            ):
                ledger.record(ledger.PARTICIPATED, program_id=program.pk, day=started_at)
    return changed
