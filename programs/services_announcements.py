"""Writes for information sharing: announcements and questions sent ahead of press
conferences."""

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Neighbourhood

from .models import Announcement, PressQuestion, Program
from .selectors import user_can_manage_program

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
    return PressQuestion.objects.create(
        event=event,
        question=question,
        name=name.strip(),
        neighbourhood=neighbourhood,
        submitted_on=today,
    )


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
