"""Writes for cohorts: a group of people taken through a run of sessions together.

Staff create a cohort for a program, add its sessions (unlisted events of the program with
`cohort` set), add members (accepted applicants, or residents by hand), record attendance per
session, close the cohort (which works out who completed and sends them their certificate
link) and invite alumni to apply to other programs.

Every write that depends on the cohort's state locks the cohort row first, so two members of
staff acting at once are serialised: the second sees what the first did.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Resident
from engagement_portal.accounts.services import find_or_create_resident
from engagement_portal.core import ledger
from engagement_portal.core.links import base_url
from engagement_portal.core.services import audit
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import queue_message
from events.models import Event, EventSeries
from events.services import series_dates
from programs.models import Program
from programs.selectors import user_can_manage_program
from programs.structured.models_applications import Application
from programs.structured.models_cohorts import (
    AlumniInvitation,
    Attendance,
    Cohort,
    CohortMember,
    CohortSession,
)
from programs.structured.selectors_cohorts import held_sessions, sessions_ahead

MemberStatus = CohortMember.Status

MAX_SESSIONS_AT_ONCE = 52


def _lock(cohort: Cohort) -> Cohort:
    return Cohort.objects.select_for_update().select_related("program").get(pk=cohort.pk)


def _refuse_if_closed(cohort: Cohort) -> None:
    if cohort.closed_at is not None:
        raise ValidationError(_("This cohort is closed; it can no longer be changed."))


def _require_manager(user, program: Program) -> None:
    if not user_can_manage_program(user, program):
        raise PermissionDenied


def certificate_url(member: CohortMember) -> str:
    return base_url() + reverse("cohorts:certificate", args=[member.certificate_id])


# --- Cohort and sessions ----------------------------------------------------------------


@transaction.atomic
def create_cohort(
    *, program: Program, name: str, completion_percent: int = 80, user, now=None
) -> Cohort:
    """Start a cohort of `program`. Not idempotent: each call adds a cohort."""
    _require_manager(user, program)
    if program.status == Program.Status.ARCHIVED:
        raise ValidationError(_("This program is archived; it cannot take a new cohort."))
    if not 1 <= completion_percent <= 100:
        raise ValidationError(
            {"completion_percent": _("Give a share of sessions between 1 and 100 %.")}
        )
    return Cohort.objects.create(
        program=program,
        name=name.strip(),
        completion_percent=completion_percent,
        created_at=now or timezone.now(),
    )


@transaction.atomic
def add_sessions(
    *,
    cohort: Cohort,
    first_start: datetime,
    duration_minutes: int,
    count: int = 1,
    every_weeks: int = 1,
    title: str = "",
    venue_name: str = "",
    address: str = "",
    user,
) -> list[Event]:
    """Add `count` sessions, every `every_weeks` weeks from `first_start`, as unlisted events.

    Dates come from events.services.series_dates, so a 6 pm session stays at 6 pm across a
    daylight-saving change. Not idempotent: each call adds sessions (a cohort may meet on
    more than one evening a week). Sessions are numbered after those the cohort already has.
    """
    locked = _lock(cohort)
    program = locked.program
    _require_manager(user, program)
    _refuse_if_closed(locked)
    if not 1 <= count <= MAX_SESSIONS_AT_ONCE:
        raise ValidationError(
            _("Add between 1 and %(n)d sessions at a time.") % {"n": MAX_SESSIONS_AT_ONCE}
        )
    if duration_minutes <= 0:
        raise ValidationError(_("A session must last at least a minute."))
    frequency = (
        EventSeries.Frequency.WEEKLY if every_weeks <= 1 else EventSeries.Frequency.EVERY_N_WEEKS
    )
    starts, rule = series_dates(
        first_start=first_start, frequency=frequency, interval=every_weeks, occurrences=count
    )
    series = None
    if count > 1:
        series = EventSeries.objects.create(
            program=program,
            frequency=frequency,
            interval=max(every_weeks, 1),
            occurrences=count,
            rule=rule.replace("\n", " ")[:200],
        )
    already = Event.objects.filter(cohort_session__cohort=locked).count()
    base_title = title.strip() or locked.name
    duration = timedelta(minutes=duration_minutes)
    sessions = []
    for number, start in enumerate(starts, start=already + 1):
        session_title = _("%(title)s — session %(n)d") % {"title": base_title, "n": number}
        sessions.append(
            Event(
                program=program,
                series=series,
                title=session_title[:200],
                starts_at=start,
                # Elapsed time, added in UTC: on the wall clock of the agency's zone a session
                # over the night the clocks change would be an hour too long or too short.
                ends_at=start.astimezone(UTC) + duration,
                venue_name=venue_name.strip(),
                address=address.strip(),
                # Members do not register one session at a time: only the link opens it.
                visibility=Event.Visibility.UNLISTED,
                # Nobody registers, so there is nobody to remind.
                reminder_offsets=[],
                is_sensitive=program.is_sensitive,
            )
        )
    for session in sessions:
        session.save()
        CohortSession.objects.create(cohort=locked, event=session)
        ledger.record(ledger.SEATS_CHANGED, event_id=session.pk, program_id=session.program_id)
    return sessions


# --- Members ------------------------------------------------------------------------------


def _member_residents_of_program(program: Program):
    return CohortMember.objects.filter(cohort__program=program).values("resident_id")


def addable_applications(cohort: Cohort):
    """Accepted applications to the cohort's program whose applicant is in none of its cohorts."""
    return (
        Application.objects.filter(program_id=cohort.program_id, status=Application.Status.ACCEPTED)
        .exclude(resident_id__in=_member_residents_of_program(cohort.program))
        .filter(cohort_member__isnull=True)
        .select_related("resident")
        .order_by("resident__name", "pk")
    )


@transaction.atomic
def add_members_from_applications(*, cohort: Cohort, application_ids, user, now=None) -> int:
    """Make the chosen accepted applicants members, each in their application's language.

    Running it twice adds nobody twice: anyone already in a cohort of the program is skipped.
    Returns how many became members.
    """
    locked = _lock(cohort)
    _require_manager(user, locked.program)
    _refuse_if_closed(locked)
    now = now or timezone.now()
    applications = list(addable_applications(locked).filter(pk__in=list(application_ids)))
    seen: set[int] = set()
    members = []
    for application in applications:
        if application.resident_id in seen:
            continue
        seen.add(application.resident_id)
        members.append(
            CohortMember(
                cohort=locked,
                resident_id=application.resident_id,
                application=application,
                language=application.language,
                joined_at=now,
            )
        )
    CohortMember.objects.bulk_create(members)
    if members:
        audit(actor=user, action="add_cohort_members", target=locked, count=len(members))
    return len(members)


@transaction.atomic
def add_member_by_hand(
    *,
    cohort: Cohort,
    name: str,
    email: str = "",
    phone: str = "",
    language: str = "en",
    user,
    now=None,
) -> tuple[CohortMember, bool]:
    """Add a resident by name and contact, finding them on file or creating them.

    Adding the same person twice returns their one membership (and puts someone who had
    left back in the cohort). Returns the membership and whether anything changed.
    """
    locked = _lock(cohort)
    _require_manager(user, locked.program)
    _refuse_if_closed(locked)
    resident, _created = find_or_create_resident(
        name=name, email=email, phone=phone, preferred_language=language
    )
    member, created = CohortMember.objects.get_or_create(
        cohort=locked,
        resident=resident,
        defaults={"language": language, "joined_at": now or timezone.now()},
    )
    if not created and member.status == MemberStatus.LEFT:
        member.status = MemberStatus.ACTIVE
        member.save(update_fields=["status"])
        return member, True
    return member, created


def _member_locked(member: CohortMember, user) -> tuple[Cohort, CohortMember]:
    cohort = _lock(member.cohort)
    _require_manager(user, cohort.program)
    _refuse_if_closed(cohort)
    return cohort, CohortMember.objects.select_for_update().get(pk=member.pk)


@transaction.atomic
def mark_member_left(*, member: CohortMember, user) -> CohortMember:
    """Record that a member left. Marking twice changes nothing."""
    _cohort, locked = _member_locked(member, user)
    if locked.status != MemberStatus.LEFT:
        locked.status = MemberStatus.LEFT
        locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def restore_member(*, member: CohortMember, user) -> CohortMember:
    """Put a member who left back in the cohort. Restoring twice changes nothing."""
    _cohort, locked = _member_locked(member, user)
    if locked.status != MemberStatus.ACTIVE:
        locked.status = MemberStatus.ACTIVE
        locked.save(update_fields=["status"])
    return locked


@transaction.atomic
def remove_member(*, member: CohortMember, user) -> None:
    """Remove someone added by mistake. Refused once attendance is recorded for them
    (mark them as left instead, so the record stays true)."""
    cohort, locked = _member_locked(member, user)
    if Attendance.objects.filter(
        event__cohort_session__cohort=cohort, resident_id=locked.resident_id
    ).exists():
        raise ValidationError(
            _("Attendance is recorded for this member: mark them as left instead.")
        )
    locked.delete()


# --- Attendance ---------------------------------------------------------------------------


def attendance_problem(session: Event, now: datetime | None = None) -> str | None:
    """Why attendance cannot be recorded for a session now, or None."""
    now = now or timezone.now()
    if session.status == Event.Status.CANCELLED:
        return _("This session was cancelled, so there is no attendance to record.")
    if session.starts_at > now:
        return _("This session has not started yet. Record attendance once it has begun.")
    return None


@transaction.atomic
def record_attendance(
    *, cohort: Cohort, session: Event, present: set[int], user, now: datetime | None = None
) -> int:
    """Record who came to `session`: members whose resident id is in `present` were there,
    every other active member was not. One row per session and resident, so saving the same
    list twice changes nothing. Returns how many rows were added or changed.
    """
    now = now or timezone.now()
    locked = _lock(cohort)
    _require_manager(user, locked.program)
    if not CohortSession.objects.filter(cohort=locked, event=session).exists():
        raise ValidationError(_("This session is not one of this cohort's sessions."))
    _refuse_if_closed(locked)
    # Re-read the session under the cohort lock: it may have been cancelled or moved.
    session = Event.objects.get(pk=session.pk)
    problem = attendance_problem(session, now)
    if problem:
        raise ValidationError(problem)
    residents = set(
        CohortMember.objects.filter(cohort=locked, status=MemberStatus.ACTIVE).values_list(
            "resident_id", flat=True
        )
    )
    existing = {
        row.resident_id: row
        for row in Attendance.objects.filter(event=session, resident_id__in=residents)
    }
    to_create, to_update = [], []
    for resident_id in residents:
        was_there = resident_id in present
        row = existing.get(resident_id)
        if row is None:
            to_create.append(
                Attendance(
                    event=session,
                    resident_id=resident_id,
                    present=was_there,
                    recorded_by=user,
                    recorded_at=now,
                )
            )
        elif row.present != was_there:
            row.present, row.recorded_by, row.recorded_at = was_there, user, now
            to_update.append(row)
    # The cohort lock serialises writers, so no other request inserts these rows meanwhile.
    Attendance.objects.bulk_create(to_create)
    Attendance.objects.bulk_update(to_update, ["present", "recorded_by", "recorded_at"])
    if to_create or to_update:
        ledger.record(ledger.PARTICIPATED, program_id=session.program_id, day=session.starts_at)
    return len(to_create) + len(to_update)


# --- Closing and certificates -------------------------------------------------------------


def meets_completion_rule(attended: int, held: int, percent: int) -> bool:
    """attended / held ≥ percent %, in whole numbers (8 of 10 is exactly 80 %)."""
    return held > 0 and attended * 100 >= percent * held


@dataclass
class CloseResult:
    cohort: Cohort
    completed: int = 0
    not_completed: int = 0
    already_closed: bool = False


def _contact(resident: Resident) -> tuple[str, str] | None:
    if resident.email_normalised:
        return OutboxMessage.Channel.EMAIL, resident.email
    if resident.phone_normalised:
        return OutboxMessage.Channel.SMS, resident.phone_normalised
    return None


def _notify_completed(member: CohortMember, cohort: Cohort) -> None:
    """Send the certificate link, once per membership (the outbox key).

    Essential: it is the participant's own record of what they did.
    """
    contact = _contact(member.resident)
    if contact is None:
        return
    channel, recipient = contact
    queue_message(
        key=f"cohort-completed:{member.pk}",
        channel=channel,
        recipient=recipient,
        language=member.language,
        template="cohort_completed",
        context={
            "member": member,
            "resident": member.resident,
            "cohort": cohort,
            "program": cohort.program,
            "certificate_url": certificate_url(member),
        },
        resident=member.resident,
        essential=True,
    )


def describe_sessions(sessions: list[Event]) -> str:
    """'“Session 7” (Tue 8 Dec 2026)' for each, joined: for messages about sessions."""
    return ", ".join(
        _("“%(title)s” (%(date)s)")
        % {
            "title": session.title,
            "date": formats.date_format(timezone.localtime(session.starts_at), "SHORT_DATE_FORMAT"),
        }
        for session in sessions
    )


def close_cohort(
    *, cohort: Cohort, user, now: datetime | None = None, early: bool = False
) -> CloseResult:
    """Work out completion for every active member and send the certificate links.

    A member completes when they attended at least `completion_percent` of the sessions
    held (started by `now` and not cancelled). Closing twice changes nothing and sends
    nothing again. Raises ValidationError while no session has been held, and while
    sessions are still ahead unless `early` says staff confirmed closing before them (those
    sessions then count for nobody).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = _lock(cohort)
        _require_manager(user, locked.program)
        if locked.closed_at is not None:
            return CloseResult(cohort=locked, already_closed=True)
        held = list(held_sessions(locked, now).values_list("pk", flat=True))
        if not held:
            raise ValidationError(
                _("No session of this cohort has been held yet, so nobody can complete it.")
            )
        ahead = list(sessions_ahead(locked, now))
        if ahead and not early:
            raise ValidationError(
                _(
                    "Not closed: %(sessions)s still ahead. Close the cohort after the last "
                    "session, or confirm that you want to close it now."
                )
                % {"sessions": describe_sessions(ahead)},
                code="sessions_ahead",
            )
        members = list(
            CohortMember.objects.select_for_update(of=("self",))
            .filter(cohort=locked, status=MemberStatus.ACTIVE)
            .select_related("resident")
        )
        attended: dict[int, int] = {}
        for resident_id in Attendance.objects.filter(
            event_id__in=held, present=True, resident_id__in=[m.resident_id for m in members]
        ).values_list("resident_id", flat=True):
            attended[resident_id] = attended.get(resident_id, 0) + 1
        result = CloseResult(cohort=locked)
        completed = []
        for member in members:
            if meets_completion_rule(
                attended.get(member.resident_id, 0), len(held), locked.completion_percent
            ):
                member.status, member.completed_at = MemberStatus.COMPLETED, now
                completed.append(member)
                result.completed += 1
            else:
                member.status = MemberStatus.NOT_COMPLETED
                result.not_completed += 1
        CohortMember.objects.bulk_update(members, ["status", "completed_at"])
        locked.closed_at = now
        locked.save(update_fields=["closed_at"])
        audit(
            actor=user,
            action="close_cohort",
            target=locked,
            held=len(held),
            completed=result.completed,
            not_completed=result.not_completed,
        )
        for member in completed:
            _notify_completed(member, locked)
    return result


# --- Alumni invitations -------------------------------------------------------------------


def invitation_problem(cohort: Cohort, program: Program, now: datetime | None = None) -> str | None:
    """Why alumni of `cohort` cannot be invited to `program` now, or None."""
    now = now or timezone.now()
    if program.pk == cohort.program_id:
        return _("Choose a program other than this cohort's own.")
    if program.status != Program.Status.ACTIVE:
        return _("Choose an active program.")
    if not program.engagement_type.selective_application:
        return _("Choose a program that takes applications.")
    form = getattr(program, "application_form", None)
    if form is None or not form.is_open(now):
        return _("That program is not taking applications right now.")
    return None


@dataclass
class InvitationResult:
    invited: int = 0
    already: int = 0
    not_sent: int = 0


def invite_alumni(
    *, cohort: Cohort, program: Program, user, now: datetime | None = None
) -> InvitationResult:
    """Invite every member who completed `cohort` to apply to `program`, in their language.

    Each member is invited to a program once (an AlumniInvitation row and the outbox key),
    however often this runs. Not essential: a member who has not agreed to messages on
    their channel is recorded as invited but the message is kept back (counted in not_sent).
    """
    now = now or timezone.now()
    apply_url = base_url() + reverse("applications:apply", args=[program.slug])
    with transaction.atomic():
        locked = _lock(cohort)
        _require_manager(user, locked.program)
        problem = invitation_problem(locked, program, now)
        if problem:
            raise ValidationError(problem)
        alumni = list(
            CohortMember.objects.filter(cohort=locked, status=MemberStatus.COMPLETED)
            .select_related("resident")
            .prefetch_related("resident__consents")
        )
        invited_before = set(
            AlumniInvitation.objects.filter(
                program=program, member__in=[m.pk for m in alumni]
            ).values_list("member_id", flat=True)
        )
        result = InvitationResult(already=len(invited_before))
        new = [m for m in alumni if m.pk not in invited_before]
        AlumniInvitation.objects.bulk_create(
            [AlumniInvitation(member=m, program=program, invited_by=user, sent_at=now) for m in new]
        )
        for member in new:
            result.invited += 1
            contact = _contact(member.resident)
            if contact is None:
                result.not_sent += 1
                continue
            channel, recipient = contact
            message = queue_message(
                key=f"alumni-invitation:{member.pk}:{program.pk}",
                channel=channel,
                recipient=recipient,
                language=member.language,
                template="cohort_alumni_invitation",
                context={
                    "resident": member.resident,
                    "cohort": locked,
                    "from_program": locked.program,
                    "program": program,
                    "apply_url": apply_url,
                },
                resident=member.resident,
                essential=False,
            )
            if message.status == OutboxMessage.Status.SUPPRESSED:
                result.not_sent += 1
        if new:
            audit(
                actor=user,
                action="invite_alumni",
                target=locked,
                program=program.slug,
                invited=result.invited,
            )
    return result
