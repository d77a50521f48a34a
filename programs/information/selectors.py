"""Reads for announcements that staff pages share: residents' replies and who may read them."""

from collections.abc import Iterable

import phonenumbers
from django.conf import settings
from django.db.models import Count, Q, QuerySet

from events.models import Event
from programs.information.models import Announcement, AnnouncementReply, PressQuestion
from programs.models import Program

OPEN = Q(handled_at__isnull=True)


def replies_for_staff(announcement: Announcement, *, show: str = "") -> QuerySet[AnnouncementReply]:
    """An announcement's replies, newest first; `show` is "open", "handled" or "" for all."""
    replies = announcement.replies.select_related("neighbourhood", "handled_by")
    if show == "open":
        replies = replies.filter(OPEN)
    elif show == "handled":
        replies = replies.exclude(OPEN)
    return replies.order_by("-received_at", "-pk")


def reply_counts(announcement: Announcement) -> dict[str, int]:
    """How many replies it has and how many are not followed up yet, in one query."""
    return announcement.replies.aggregate(total=Count("pk"), open=Count("pk", filter=OPEN))


def with_reply_counts(announcements: QuerySet[Announcement]) -> QuerySet[Announcement]:
    """Annotate `reply_count` and `open_reply_count` on each announcement."""
    return announcements.annotate(
        reply_count=Count("replies", distinct=True),
        open_reply_count=Count(
            "replies", filter=Q(replies__handled_at__isnull=True), distinct=True
        ),
    )


def announcements_user_can_edit(user, announcements: Iterable[Announcement]) -> set[int]:
    """The pks among `announcements` that `user` may edit and read replies of, in at most one
    query; the same rule as services_announcements.user_can_edit_announcement."""
    announcements = list(announcements)
    if not user.is_authenticated or not user.has_perm("accounts.access_staff_portal"):
        return set()
    if user.has_perm("programs.manage_all_programs"):
        return {a.pk for a in announcements}
    managed: set[int] = set()
    program_ids = {a.program_id for a in announcements if a.program_id}
    if program_ids and user.has_perm("programs.change_program"):
        managed = set(
            Program.objects.filter(Q(owner=user) | Q(team=user), pk__in=program_ids).values_list(
                "pk", flat=True
            )
        )
    return {a.pk for a in announcements if a.author_id == user.pk or a.program_id in managed}


def contact_link(contact: str) -> tuple[str, str]:
    """How to show a reply's contact to staff, and the mailto:/tel: link that reaches it.

    Phones are stored in E.164; they are shown the way people dial them, in national form
    for the agency's own region.
    """
    if not contact:
        return "", ""
    if "@" in contact:
        return contact, f"mailto:{contact}"
    try:
        number = phonenumbers.parse(contact, settings.PORTAL_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return contact, ""
    local = phonenumbers.region_code_for_number(number) == settings.PORTAL_PHONE_REGION
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if local
        else (phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    )
    return phonenumbers.format_number(number, style), f"tel:{contact}"


# --- Questions sent in advance of a press conference ---------------------------------------

WAITING = Q(press_questions__status=PressQuestion.Status.SUBMITTED)


def question_counts(event: Event) -> dict[str, int]:
    """How many questions an event has and how many wait for moderation, in one query."""
    return event.press_questions.aggregate(
        total=Count("pk"), waiting=Count("pk", filter=Q(status=PressQuestion.Status.SUBMITTED))
    )


def events_with_questions_waiting(programs: QuerySet[Program]) -> QuerySet[Event]:
    """Events of `programs` with questions waiting for moderation (annotated `waiting`),
    soonest first: work to do on a staff member's home page."""
    return (
        Event.objects.filter(WAITING, program__in=programs)
        .annotate(waiting=Count("press_questions", filter=WAITING))
        .select_related("program")
        .order_by("starts_at", "pk")
    )
