"""Writes for information sharing: announcements, residents' replies to them, and
questions sent ahead of press conferences."""

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.accounts.services import normalise_phone
from engagement_portal.core import ledger
from engagement_portal.core.links import base_url
from engagement_portal.core.services import audit
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import queue_message
from programs.information.models import Announcement, AnnouncementReply, PressQuestion
from programs.models import Program
from programs.selectors import user_can_manage_program
from surveys.models import pick

PRESS_CONFERENCES = "press-conferences"

# The moderation actions staff may take, by the word used in the URL.
MODERATION_ACTIONS: dict[str, str] = {
    "approve": PressQuestion.Status.APPROVED,
    "reject": PressQuestion.Status.REJECTED,
    "answered": PressQuestion.Status.ANSWERED,
}
PUBLIC_QUESTION_STATUSES = (PressQuestion.Status.APPROVED, PressQuestion.Status.ANSWERED)


# --- Who may do what -------------------------------------------------------------------


def user_can_edit_announcement(user, announcement: Announcement) -> bool:
    """Its author, the staff who run its program, and those who manage all programs."""
    if not user.is_authenticated or not user.has_perm("accounts.access_staff_portal"):
        return False
    if user.has_perm("programs.manage_all_programs") or announcement.author_id == user.pk:
        return True
    return announcement.program is not None and user_can_manage_program(user, announcement.program)


def is_press_conference(event) -> bool:
    return event.program.engagement_type.slug == PRESS_CONFERENCES


# --- Announcements ---------------------------------------------------------------------


def _clean_texts(texts: dict[str, str]) -> dict[str, str]:
    """Keep the portal's languages only, stripped, and drop empty ones."""
    codes = {code for code, _name in settings.LANGUAGES}
    return {code: text.strip() for code, text in texts.items() if code in codes and text.strip()}


def _check_announcement(
    *, user, titles: dict[str, str], bodies: dict[str, str], program: Program | None
) -> None:
    default = settings.LANGUAGE_CODE
    if not titles.get(default) or not bodies.get(default):
        raise ValidationError(_("Write at least the title and the text in English."))
    if program is not None and not user_can_manage_program(user, program):
        raise PermissionDenied


@transaction.atomic
def create_announcement(
    *,
    author,
    titles: dict[str, str],
    bodies: dict[str, str],
    kind: str = Announcement.Kind.NEWS,
    program: Program | None = None,
    neighbourhoods: Iterable[Neighbourhood] = (),
) -> Announcement:
    """Save a new draft announcement. Not idempotent: each call adds a draft."""
    titles, bodies = _clean_texts(titles), _clean_texts(bodies)
    _check_announcement(user=author, titles=titles, bodies=bodies, program=program)
    announcement = Announcement.objects.create(
        author=author, title=titles, body=bodies, kind=kind, program=program
    )
    announcement.neighbourhoods.set(neighbourhoods)
    return announcement


@transaction.atomic
def update_announcement(
    *,
    announcement: Announcement,
    user,
    titles: dict[str, str],
    bodies: dict[str, str],
    kind: str,
    program: Program | None,
    neighbourhoods: Iterable[Neighbourhood] = (),
) -> Announcement:
    """Replace the texts, kind, program and places. Saving the same values twice is one edit."""
    # Lock and re-read: the permission must be judged on the saved program, not the posted one.
    saved = (
        Announcement.objects.select_for_update(of=("self",))
        .select_related("program")
        .get(pk=announcement.pk)
    )
    if not user_can_edit_announcement(user, saved):
        raise PermissionDenied
    titles, bodies = _clean_texts(titles), _clean_texts(bodies)
    # Keeping the program it already has is allowed even to an author no longer on its team.
    new_program = None if program is not None and program.pk == saved.program_id else program
    _check_announcement(user=user, titles=titles, bodies=bodies, program=new_program)
    saved.title, saved.body, saved.kind, saved.program = titles, bodies, kind, program
    saved.save()
    saved.neighbourhoods.set(neighbourhoods)
    return saved


def publish_announcement(*, announcement: Announcement, user, now=None) -> Announcement:
    """Publish a draft. Publishing twice keeps the first publication date."""
    if not user_can_edit_announcement(user, announcement):
        raise PermissionDenied
    now = now or timezone.now()
    # Conditional update: of two concurrent clicks only the first sets the date.
    Announcement.objects.filter(pk=announcement.pk, published_at__isnull=True).update(
        published_at=now, updated_at=now
    )
    announcement.refresh_from_db()
    return announcement


def unpublish_announcement(*, announcement: Announcement, user) -> Announcement:
    """Take an announcement back to draft. Unpublishing twice leaves one draft."""
    if not user_can_edit_announcement(user, announcement):
        raise PermissionDenied
    Announcement.objects.filter(pk=announcement.pk, published_at__isnull=False).update(
        published_at=None, updated_at=timezone.now()
    )
    announcement.refresh_from_db()
    return announcement


# --- Questions for press conferences ---------------------------------------------------


def press_question_problem(event, *, now=None) -> str | None:
    """Why this event takes no questions now, in words for the resident; None if it does."""
    now = now or timezone.now()
    if not is_press_conference(event):
        return _("This event is not a press conference, so it does not take questions.")
    if event.status != event.Status.SCHEDULED:
        return _("This press conference is no longer taking questions.")
    if event.starts_at <= now:
        return _("This press conference has started or is over, so it takes no more questions.")
    return None


def submit_press_question(
    *, event, question: str, name: str = "", neighbourhood: Neighbourhood | None = None, now=None
) -> PressQuestion:
    """Record a question for moderation. The same question sent twice on a day is kept once."""
    problem = press_question_problem(event, now=now)
    if problem:
        raise ValidationError(problem)
    question = question.strip()
    if not question:
        raise ValidationError(_("Please write your question."))
    if len(question) > 1000:
        raise ValidationError(_("Please keep your question under 1000 characters."))
    today = timezone.localdate(now or timezone.now())
    existing = PressQuestion.objects.filter(
        event=event, question=question, submitted_on=today
    ).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        press_question = PressQuestion.objects.create(
            event=event,
            question=question,
            name=name.strip(),
            neighbourhood=neighbourhood,
            submitted_on=today,
        )
        ledger.record(ledger.PARTICIPATED, program_id=event.program_id, day=today)
    return press_question


@transaction.atomic
def moderate_press_question(
    *, question: PressQuestion, action: str, user, note: str = ""
) -> PressQuestion:
    """Approve, reject or mark a question answered. Doing the same action twice is one change."""
    if action not in MODERATION_ACTIONS:
        raise ValidationError(_("Unknown moderation action."))
    question = (
        PressQuestion.objects.select_for_update(of=("self",))
        .select_related("event__program")
        .get(pk=question.pk)
    )
    if not user_can_manage_program(user, question.event.program):
        raise PermissionDenied
    question.status = MODERATION_ACTIONS[action]
    question.moderated_by = user
    if note.strip():
        question.answer_note = note.strip()
    question.save(update_fields=["status", "moderated_by", "answer_note"])
    return question


# --- Replies to announcements ----------------------------------------------------------

REPLY_MAX_LENGTH = 5000


def clean_reply_contact(contact: str) -> str:
    """An email address as typed (stripped), or a phone number in E.164 form; "" for none.

    Raises ValidationError for anything that is neither.
    """
    contact = (contact or "").strip()
    if not contact:
        return ""
    if "@" in contact:
        try:
            validate_email(contact)
        except ValidationError:
            pass
        else:
            return contact
    else:
        phone = normalise_phone(contact)
        if phone:
            return phone
    raise ValidationError(
        _("Give an email address or a phone number, or leave this empty to stay anonymous.")
    )


def reply_problem(announcement: Announcement) -> str | None:
    """Why residents cannot reply to this announcement, in words for them; None if they can."""
    if announcement.published_at is None:
        return _("This announcement is not published, so it takes no replies.")
    return None


def staff_replies_url(announcement: Announcement) -> str:
    path = reverse("announcements:staff-replies", args=[announcement.pk])
    return base_url() + path


def _notify_reply(reply: AnnouncementReply) -> None:
    """Tell the owner of the announcement's program that a reply arrived, once per reply.

    The email carries neither the reply nor the resident's contact: a tip can name people,
    and mailboxes are forwarded and kept; staff read it on the portal, where views are logged.
    """
    announcement = reply.announcement
    program = announcement.program
    owner = program.owner if program is not None else None
    if owner is None or not owner.is_active or not owner.email:
        return
    language = owner.preferred_language or settings.LANGUAGE_CODE
    queue_message(
        key=f"announcement-reply:{reply.pk}",
        channel=OutboxMessage.Channel.EMAIL,
        recipient=owner.email,
        language=language,
        template="announcement_reply",
        context={
            "user": owner,
            "title": pick(announcement.title, language),
            "kind": announcement.kind,
            "program": program,
            "url": staff_replies_url(announcement),
        },
        essential=True,  # work for staff, not a resident's opt-in message
    )


@transaction.atomic
def submit_reply(
    *,
    announcement: Announcement,
    message: str,
    name: str = "",
    contact: str = "",
    neighbourhood: Neighbourhood | None = None,
    now: datetime | None = None,
) -> AnnouncementReply:
    """Record a resident's reply and tell the program's owner it arrived.

    The same reply (message, name, contact, place) sent twice on a day, as a double tap or
    a resend after a lost connection does, is kept once and announced once.
    Raises ValidationError for an unpublished announcement or bad input.
    """
    now = now or timezone.now()
    # Lock the announcement: two identical posts at once must not both pass the check below.
    locked = (
        Announcement.objects.select_for_update(of=("self",))
        .select_related("program__owner")
        .get(pk=announcement.pk)
    )
    problem = reply_problem(locked)
    if problem:
        raise ValidationError(problem)
    message = (message or "").strip()
    if not message:
        raise ValidationError(_("Please write what you know."))
    if len(message) > REPLY_MAX_LENGTH:
        raise ValidationError(_("Please keep your reply under 5000 characters."))
    contact = clean_reply_contact(contact)
    name = (name or "").strip()[:150]
    start_of_day = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    existing = locked.replies.filter(
        message=message,
        name=name,
        contact=contact,
        neighbourhood=neighbourhood,
        received_at__gte=start_of_day,
    ).first()
    if existing is not None:
        return existing
    reply = AnnouncementReply.objects.create(
        announcement=locked,
        message=message,
        name=name,
        contact=contact,
        neighbourhood=neighbourhood,
        received_at=now,
    )
    ledger.record(ledger.PARTICIPATED, program_id=locked.program_id, day=now)
    _notify_reply(reply)
    return reply


def mark_reply_handled(
    *, reply: AnnouncementReply, user, now: datetime | None = None
) -> AnnouncementReply:
    """Record that staff followed a reply up. Marking it twice keeps the first time and person."""
    announcement = Announcement.objects.select_related("program").get(pk=reply.announcement_id)
    if not user_can_edit_announcement(user, announcement):
        raise PermissionDenied
    # Conditional update: of two staff clicking at once, only the first is recorded.
    AnnouncementReply.objects.filter(pk=reply.pk, handled_at__isnull=True).update(
        handled_at=now or timezone.now(), handled_by=user
    )
    reply.refresh_from_db()
    return reply


def log_replies_view(*, user, announcement: Announcement, shown: int, page: int) -> None:
    """Write one audit entry for one view of an announcement's replies (tips can name people).

    Not idempotent on purpose: every page view is its own entry.
    """
    audit(
        actor=user,
        action="announcement_replies.view",
        target=announcement,
        announcement_id=announcement.pk,
        page=page,
        shown=shown,
    )
