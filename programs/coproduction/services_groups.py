"""Writes for standing groups: members and their terms, meeting records and attendance,
items under review with their documents, public comments and their moderation, and the
audit entries written whenever confidential case material is seen.

Membership changes lock the resident's row first, so two staff adding the same person at
once cannot give them overlapping terms: the second sees the first one's term.
"""

from datetime import date, datetime, timedelta
from pathlib import PurePosixPath

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Neighbourhood, Resident
from engagement_portal.accounts.services import find_or_create_resident
from engagement_portal.core import ledger
from engagement_portal.core.links import base_url
from engagement_portal.core.services import audit
from engagement_portal.core.tokens import new_public_id
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import queue_message
from events.models import Event
from programs.coproduction.models_groups import (
    GroupMember,
    MeetingRecord,
    PublicComment,
    ReviewDocument,
    ReviewItem,
)
from programs.coproduction.selectors_groups import is_standing_group, meeting_day, serving_members
from programs.models import Program
from programs.selectors import user_can_manage_program
from programs.structured.models_applications import Application
from programs.structured.models_cohorts import Attendance

Status = ReviewItem.Status
MODERATION_ACTIONS = {
    "approve": PublicComment.Status.PUBLISHED,
    "reject": PublicComment.Status.REJECTED,
}
# Forward only: an item is prepared, reviewed, then concluded.
NEXT_STATUS = {Status.DRAFT: Status.UNDER_REVIEW, Status.UNDER_REVIEW: Status.CONCLUDED}


def _require_group(program: Program) -> None:
    if not is_standing_group(program):
        raise ValidationError(_("This program is not a standing group."))


# --- Members ---------------------------------------------------------------------------


def _last_day(member: GroupMember) -> date:
    """The last day a member serves: the day before leaving early, or the term's end."""
    if member.ended_early_on:
        return min(member.term_ends, member.ended_early_on - timedelta(days=1))
    return member.term_ends


def _check_term(
    *,
    program: Program,
    resident: Resident,
    term_starts: date,
    term_ends: date,
    ended_early_on: date | None = None,
    exclude_pk: int | None = None,
) -> None:
    if term_ends <= term_starts:
        raise ValidationError({"term_ends": _("The term must end after it starts.")})
    if ended_early_on and not term_starts <= ended_early_on <= term_ends:
        raise ValidationError(
            {"ended_early_on": _("The day they left must fall within their term.")}
        )
    new_last = term_ends
    if ended_early_on:
        new_last = min(term_ends, ended_early_on - timedelta(days=1))
    others = GroupMember.objects.filter(program=program, resident=resident).exclude(pk=exclude_pk)
    for other in others:
        if other.term_starts <= new_last and _last_day(other) >= term_starts:
            raise ValidationError(
                _(
                    "%(name)s already serves on this group from %(start)s to %(end)s: "
                    "terms of the same person cannot overlap."
                )
                % {
                    "name": resident.name,
                    "start": other.term_starts.isoformat(),
                    "end": _last_day(other).isoformat(),
                }
            )


def members_area_url(program: Program) -> str:
    return base_url() + reverse("groups:member-home", args=[program.slug])


def _welcome(member: GroupMember) -> None:
    """Tell a new member their role and term, once per membership (the outbox key).

    Essential: it is about the seat they applied for or accepted, not marketing.
    """
    resident = member.resident
    if resident.email_normalised:
        channel, recipient = OutboxMessage.Channel.EMAIL, resident.email
    elif resident.phone_normalised:
        channel, recipient = OutboxMessage.Channel.SMS, resident.phone_normalised
    else:
        return
    language = member.application.language if member.application_id else resident.preferred_language
    queue_message(
        key=f"group-member:{member.pk}:welcome",
        channel=channel,
        recipient=recipient,
        language=language,
        template="group_welcome",
        context={
            "member": member,
            "resident": resident,
            "program": member.program,
            "members_area_url": members_area_url(member.program),
            "signup_url": base_url() + reverse("signup"),
        },
        resident=resident,
        essential=True,
    )


@transaction.atomic
def add_member(
    *,
    program: Program,
    resident: Resident,
    role: str,
    term_starts: date,
    term_ends: date,
    application: Application | None = None,
    user=None,
) -> GroupMember:
    """Seat a resident on the group for a term and welcome them.

    Adding the same person for the same term twice (or the same application twice) returns
    the first membership and sends one welcome. An overlapping term is refused.
    """
    _require_group(program)
    Resident.objects.select_for_update().get(pk=resident.pk)
    if application is not None:
        application = Application.objects.select_for_update().get(pk=application.pk)
        existing = GroupMember.objects.filter(application=application).first()
        if existing:
            return existing
        if application.program_id != program.pk or application.resident_id != resident.pk:
            raise ValidationError(_("This application is for another program or person."))
        if application.status != Application.Status.ACCEPTED:
            raise ValidationError(_("Only accepted applicants can be added as members."))
    same = GroupMember.objects.filter(
        program=program, resident=resident, term_starts=term_starts, term_ends=term_ends
    ).first()
    if same:
        return same
    _check_term(program=program, resident=resident, term_starts=term_starts, term_ends=term_ends)
    member = GroupMember.objects.create(
        program=program,
        resident=resident,
        application=application,
        role=role,
        term_starts=term_starts,
        term_ends=term_ends,
    )
    audit(actor=user, action="group_member.add", target=member, program=program.pk)
    ledger.record(ledger.PARTICIPATED, program_id=program.pk, day=term_starts)
    _welcome(member)
    return member


@transaction.atomic
def add_member_by_hand(
    *,
    program: Program,
    name: str,
    email: str = "",
    phone: str = "",
    neighbourhood: Neighbourhood | None = None,
    language: str | None = None,
    role: str,
    term_starts: date,
    term_ends: date,
    user=None,
) -> GroupMember:
    """Find or create the resident by email or phone, then add_member (same guarantees)."""
    resident, _created = find_or_create_resident(
        name=name,
        email=email,
        phone=phone,
        neighbourhood=neighbourhood,
        preferred_language=language,
    )
    return add_member(
        program=program,
        resident=resident,
        role=role,
        term_starts=term_starts,
        term_ends=term_ends,
        user=user,
    )


@transaction.atomic
def add_accepted_applicants(
    *,
    program: Program,
    applications: list[Application],
    role: str,
    term_starts: date,
    term_ends: date,
    user=None,
) -> list[GroupMember]:
    """Seat each accepted applicant. Running it twice seats each of them once."""
    return [
        add_member(
            program=program,
            resident=application.resident,
            application=application,
            role=role,
            term_starts=term_starts,
            term_ends=term_ends,
            user=user,
        )
        for application in applications
    ]


@transaction.atomic
def update_member(
    *,
    member: GroupMember,
    role: str,
    term_starts: date,
    term_ends: date,
    ended_early_on: date | None,
    user=None,
) -> GroupMember:
    """Change a member's role, term or the day they left. Saving the same values twice
    changes nothing the second time."""
    Resident.objects.select_for_update().get(pk=member.resident_id)
    locked = GroupMember.objects.select_for_update().get(pk=member.pk)
    values = {
        "role": role,
        "term_starts": term_starts,
        "term_ends": term_ends,
        "ended_early_on": ended_early_on,
    }
    if all(getattr(locked, field) == value for field, value in values.items()):
        return locked
    _check_term(
        program=locked.program,
        resident=locked.resident,
        term_starts=term_starts,
        term_ends=term_ends,
        ended_early_on=ended_early_on,
        exclude_pk=locked.pk,
    )
    old_start = locked.term_starts
    for field, value in values.items():
        setattr(locked, field, value)
    locked.save(update_fields=list(values))
    ledger.record(ledger.PARTICIPATED, program_id=locked.program_id, day=term_starts)
    if old_start != term_starts:
        ledger.record(ledger.PARTICIPATED, program_id=locked.program_id, day=old_start)
    audit(
        actor=user,
        action="group_member.change",
        target=locked,
        **{k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()},
    )
    return locked


# --- Meetings --------------------------------------------------------------------------


def _require_meeting(event: Event) -> None:
    _require_group(event.program)


@transaction.atomic
def save_meeting_record(
    *, event: Event, agenda: str, minutes: str, publish: bool = False, user=None, now=None
) -> MeetingRecord:
    """Write the agenda and minutes; with publish, the minutes (and agenda) go public.

    Publishing twice keeps the first publication time. Minutes must be written to publish.
    """
    _require_meeting(event)
    now = now or timezone.now()
    Event.objects.select_for_update().get(pk=event.pk)
    record, _created = MeetingRecord.objects.get_or_create(event=event)
    record.agenda = agenda.strip()
    record.minutes = minutes.strip()
    if record.minutes and not meeting_has_started(event, now):
        raise ValidationError(
            {"minutes": _not_yet(event, _("Write the agenda now, and the minutes after it."))}
        )
    if publish:
        if not record.minutes:
            raise ValidationError(_("Write the minutes before publishing them."))
        if record.minutes_published_at is None:
            record.minutes_published_at = now
    record.save()
    return record


def meeting_has_started(event: Event, now) -> bool:
    """Minutes and attendance record what happened: a meeting ahead has neither yet."""
    return event.starts_at <= now


def _not_yet(event: Event, advice: str) -> str:
    when = _local_date(event.starts_at)
    return _("This meeting has not taken place yet (it starts %(when)s). %(advice)s") % {
        "when": when,
        "advice": advice,
    }


@transaction.atomic
def unpublish_minutes(*, event: Event) -> MeetingRecord | None:
    """Take the minutes off the public page. Unpublishing twice changes nothing."""
    record = MeetingRecord.objects.select_for_update().filter(event=event).first()
    if record and record.minutes_published_at:
        record.minutes_published_at = None
        record.save(update_fields=["minutes_published_at"])
    return record


@transaction.atomic
def record_meeting_attendance(
    *, event: Event, present_resident_ids, user=None, now=None
) -> dict[str, int]:
    """Mark each member serving on the meeting's day present or absent.

    One Attendance row per member and meeting: saving the same marks again changes nothing.
    Residents who were not serving that day are ignored.
    """
    _require_meeting(event)
    now = now or timezone.now()
    if not meeting_has_started(event, now):
        raise ValidationError(_not_yet(event, _("Take attendance once it has begun.")))
    # One writer per meeting at a time, so two staff saving at once cannot both insert.
    Event.objects.select_for_update().get(pk=event.pk)
    present_ids = {int(pk) for pk in present_resident_ids}
    serving = {m.resident_id for m in serving_members(event.program, meeting_day(event))}
    existing = {a.resident_id: a for a in Attendance.objects.filter(event=event)}
    changed = 0
    for resident_id in serving:
        present = resident_id in present_ids
        row = existing.get(resident_id)
        if row is None:
            Attendance.objects.create(
                event=event,
                resident_id=resident_id,
                present=present,
                recorded_by=user,
                recorded_at=now,
            )
            changed += 1
        elif row.present != present:
            row.present, row.recorded_by, row.recorded_at = present, user, now
            row.save(update_fields=["present", "recorded_by", "recorded_at"])
            changed += 1
    if changed:
        ledger.record(ledger.PARTICIPATED, program_id=event.program_id, day=event.starts_at)
    present_n = len(serving & present_ids)
    return {"serving": len(serving), "present": present_n, "changed": changed}


# --- Items under review ----------------------------------------------------------------


def _check_comment_period(confidential: bool, opens: datetime | None, closes: datetime | None):
    if (opens is None) != (closes is None):
        raise ValidationError(_("Give both the opening and the closing of the comment period."))
    if opens and closes <= opens:
        raise ValidationError(
            {"comment_closes_at": _("The comment period must close after it opens.")}
        )
    if confidential and opens:
        raise ValidationError(
            _(
                "A confidential item cannot take public comment. Clear the comment period, "
                "or untick “confidential case material”."
            )
        )


@transaction.atomic
def create_review_item(
    *,
    program: Program,
    user,
    kind: str,
    title: str,
    summary: str = "",
    status: str = Status.DRAFT,
    confidential: bool = False,
    named_staff=(),
    comment_opens_at: datetime | None = None,
    comment_closes_at: datetime | None = None,
    now: datetime | None = None,
) -> ReviewItem:
    """Put an item under review; the creator is always named on it. Each call adds one item."""
    _require_group(program)
    _check_comment_period(confidential, comment_opens_at, comment_closes_at)
    if status == Status.CONCLUDED:
        raise ValidationError(_("A new item cannot start concluded."))
    item = ReviewItem.objects.create(
        program=program,
        kind=kind,
        title=title.strip(),
        summary=summary.strip(),
        status=status,
        confidential=confidential,
        comment_opens_at=comment_opens_at,
        comment_closes_at=comment_closes_at,
        created_by=user,
        created_at=now or timezone.now(),
    )
    item.named_staff.set({*named_staff, user})
    audit(
        actor=user,
        action="review_item.create",
        target=item,
        item=item.pk,
        confidential=confidential,
    )
    return item


@transaction.atomic
def set_comment_period(
    *, item: ReviewItem, opens: datetime | None, closes: datetime | None, user=None
) -> ReviewItem:
    """Open, move or clear the public comment period. Setting the same period twice is one
    change."""
    locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
    _check_comment_period(locked.confidential, opens, closes)
    if (locked.comment_opens_at, locked.comment_closes_at) != (opens, closes):
        locked.comment_opens_at, locked.comment_closes_at = opens, closes
        locked.save(update_fields=["comment_opens_at", "comment_closes_at"])
    return locked


@transaction.atomic
def advance_item_status(*, item: ReviewItem, to: str, user=None) -> ReviewItem:
    """Move an item forward: being prepared → under review → concluded.

    Asking for the status it already has changes nothing; going backwards is refused.
    """
    locked = ReviewItem.objects.select_for_update().get(pk=item.pk)
    if locked.status == to:
        return locked
    if NEXT_STATUS.get(locked.status) != to:
        raise ValidationError(_("An item goes from being prepared, to under review, to concluded."))
    locked.status = to
    locked.save(update_fields=["status"])
    audit(actor=user, action="review_item.status", target=locked, item=locked.pk, status=to)
    return locked


def document_download_name(document: ReviewDocument) -> str:
    """The file's name as uploaded, without the random prefix the storage path adds."""
    name = PurePosixPath(document.file.name).name
    # review_document_path puts new_public_id() (11 characters, which may hold "-") and "-"
    # before the name.
    prefix = len(new_public_id()) + 1
    return name[prefix:] if len(name) > prefix and name[prefix - 1] == "-" else name


@transaction.atomic
def add_document(
    *, item: ReviewItem, title: str, file=None, link: str = "", user=None, now=None
) -> ReviewDocument:
    """Attach an uploaded file or a link to an item. Each call adds one document."""
    if bool(file) == bool(link):
        raise ValidationError(_("Upload a file or give a link, not both."))
    document = ReviewDocument(
        item=item,
        title=title.strip(),
        link=link,
        uploaded_by=user,
        uploaded_at=now or timezone.now(),
    )
    if file:
        document.file.save(file.name, file, save=False)
    document.save()
    audit(
        actor=user,
        action="review_document.add",
        target=document,
        item=item.pk,
        confidential=item.confidential,
    )
    return document


def record_confidential_view(*, user, item: ReviewItem, page: str) -> None:
    """Audit one view of a confidential item's page: every call is one entry, on purpose."""
    audit(actor=user, action="review_item.view", target=item, item=item.pk, page=page)


def record_document_download(*, user, document: ReviewDocument) -> None:
    """Audit one download of a confidential item's document: every call is one entry."""
    audit(
        actor=user,
        action="review_document.view",
        target=document,
        document=document.pk,
        item=document.item_id,
    )


# --- Public comments -------------------------------------------------------------------


def comment_state(item: ReviewItem, now: datetime | None = None) -> str:
    """ "open", "upcoming", "closed", or "none" for an item without a public period."""
    now = now or timezone.now()
    if item.confidential or item.comment_opens_at is None:
        return "none"
    if item.status == Status.CONCLUDED or now >= item.comment_closes_at:
        return "closed"
    return "upcoming" if now < item.comment_opens_at else "open"


def comment_problem(item: ReviewItem, now: datetime | None = None) -> str:
    """Why a comment cannot be taken now, in words for the resident; empty when it can."""
    now = now or timezone.now()
    if item.confidential or item.comment_opens_at is None or item.status == Status.DRAFT:
        return _("This item does not take public comment.")
    if item.status == Status.CONCLUDED and now < item.comment_closes_at:
        return _("The review of this item is concluded: comments are closed.")
    if now < item.comment_opens_at:
        return _("Comments on this item open on %(date)s.") % {
            "date": _local_date(item.comment_opens_at)
        }
    if now >= item.comment_closes_at:
        return _("Comments on this item closed on %(date)s.") % {
            "date": _local_date(item.comment_closes_at)
        }
    return ""


def _local_date(moment: datetime) -> str:
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


@transaction.atomic
def submit_comment(
    *,
    item: ReviewItem,
    text: str,
    name: str = "",
    neighbourhood: Neighbourhood | None = None,
    language: str | None = None,
    now: datetime | None = None,
) -> PublicComment:
    """Store a resident's comment for moderation. Each call stores one comment.

    Refused outside the comment period, with the reason in the resident's words.
    """
    now = now or timezone.now()
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write your comment.")})
    problem = comment_problem(item, now)
    if problem:
        raise ValidationError(problem)
    with transaction.atomic():
        comment = PublicComment.objects.create(
            item=item,
            text=text,
            name=name.strip(),
            neighbourhood=neighbourhood,
            language=language or translation.get_language() or settings.LANGUAGE_CODE,
            submitted_at=now,
        )
        ledger.record(ledger.PARTICIPATED, program_id=item.program_id, day=now)
    return comment


@transaction.atomic
def moderate_comment(
    *, comment: PublicComment, action: str, user, reason: str = "", now=None
) -> PublicComment:
    """Publish or reject a comment (a rejection needs a reason staff keep on file).

    Moderating the same way twice changes nothing: the first moderator and time stay.
    """
    if action not in MODERATION_ACTIONS:
        raise ValidationError(_("Unknown moderation action."))
    locked = (
        PublicComment.objects.select_for_update(of=("self",))
        .select_related("item__program")
        .get(pk=comment.pk)
    )
    if not user_can_manage_program(user, locked.item.program):
        raise PermissionDenied
    target = MODERATION_ACTIONS[action]
    if locked.status == target:
        return locked
    reason = reason.strip()
    if target == PublicComment.Status.REJECTED and not reason:
        raise ValidationError(_("Give a reason for not publishing the comment."))
    locked.status = target
    locked.rejection_reason = reason if target == PublicComment.Status.REJECTED else ""
    locked.moderated_by = user
    locked.moderated_at = now or timezone.now()
    locked.save(update_fields=["status", "rejection_reason", "moderated_by", "moderated_at"])
    # A rejected comment does not count as participation (see programs/sources.py).
    ledger.record(ledger.PARTICIPATED, program_id=locked.item.program_id, day=locked.submitted_at)
    return locked
