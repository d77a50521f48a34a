"""Reads for standing groups: who serves, who may see what, and what each page shows.

Who may see what:
- The staff pages: the program's staff (owner, team) and administrators.
- The members' area: the group's current members who are logged in (a Resident linked to
  the user, serving today), the program's staff and administrators.
- Confidential items (review-board case material): current members, staff named on the
  item and administrators, never other program staff.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from engagement_portal.accounts.models import Neighbourhood
from events.models import Event
from programs.coproduction.models_groups import (
    GroupMember,
    MeetingRecord,
    PublicComment,
    ReviewItem,
)
from programs.models import Program
from programs.selectors import user_can_manage_program
from programs.structured.models_applications import Application
from programs.structured.models_cohorts import Attendance

ENDING_SOON_DAYS = 60
# A type that says nothing about its term length gets one year.
DEFAULT_TERM_MONTHS = 12
# A neighbourhood this many percentage points below its population share is flagged.
UNDER_REPRESENTED_POINTS = 10

Status = ReviewItem.Status


def is_standing_group(program: Program) -> bool:
    return program.engagement_type.standing_membership


def user_is_administrator(user) -> bool:
    return user.is_authenticated and user.has_perm("programs.manage_all_programs")


def serving_on(day: date) -> Q:
    """GroupMember rows serving that day: within the term and before leaving early."""
    return Q(term_starts__lte=day, term_ends__gte=day) & (
        Q(ended_early_on__isnull=True) | Q(ended_early_on__gt=day)
    )


def serving_members(program: Program, day: date) -> QuerySet[GroupMember]:
    return (
        GroupMember.objects.filter(serving_on(day), program=program)
        .select_related("resident__neighbourhood")
        .order_by("resident__name", "pk")
    )


def user_is_current_member(user, program: Program, day: date | None = None) -> bool:
    """A logged-in user whose Resident record serves on the group today."""
    if not user.is_authenticated:
        return False
    day = day or timezone.localdate()
    return GroupMember.objects.filter(
        serving_on(day), program=program, resident__user=user
    ).exists()


def user_can_open_member_area(user, program: Program, day: date | None = None) -> bool:
    if not user.is_authenticated:
        return False
    return user_can_manage_program(user, program) or user_is_current_member(user, program, day)


def user_is_named_on(user, item: ReviewItem) -> bool:
    if not user.is_authenticated:
        return False
    return item.created_by_id == user.pk or item.named_staff.filter(pk=user.pk).exists()


def user_can_see_confidential(user, item: ReviewItem, day: date | None = None) -> bool:
    """Current members, staff named on the item and administrators. Not other staff."""
    if not user.is_authenticated:
        return False
    return (
        user_is_administrator(user)
        or user_is_named_on(user, item)
        or user_is_current_member(user, item.program, day)
    )


def user_can_open_staff_item(user, item: ReviewItem) -> bool:
    """The staff page of an item: for a confidential one only named staff and admins."""
    if item.confidential:
        return user_is_administrator(user) or (
            user.has_perm("programs.change_program") and user_is_named_on(user, item)
        )
    return user_can_manage_program(user, item.program)


def user_can_open_member_item(user, item: ReviewItem, day: date | None = None) -> bool:
    if item.confidential:
        return user_can_see_confidential(user, item, day)
    return user_can_open_member_area(user, item.program, day)


def staff_who_can_be_named() -> QuerySet:
    """Staff who may change programs: the people a confidential item can be shown to."""
    can_change = Q(
        groups__permissions__codename="change_program",
        groups__permissions__content_type__app_label="programs",
    ) | Q(
        user_permissions__codename="change_program",
        user_permissions__content_type__app_label="programs",
    )
    return (
        get_user_model()
        .objects.filter(can_change | Q(is_superuser=True), is_active=True)
        .distinct()
        .order_by("full_name", "email")
    )


# --- Members -----------------------------------------------------------------------------


@dataclass
class MemberRow:
    member: GroupMember
    ending_soon: bool


def members_for_staff_page(program: Program, today: date) -> dict[str, list]:
    """Current, upcoming and past members; current ones whose term ends within 60 days are
    flagged. One query."""
    current, upcoming, past = [], [], []
    members = (
        GroupMember.objects.filter(program=program)
        .select_related("resident__neighbourhood", "application")
        .order_by("resident__name", "term_starts", "pk")
    )
    for member in members:
        if member.serving_on(today):
            ending_soon = member.term_ends <= today + timedelta(days=ENDING_SOON_DAYS)
            current.append(MemberRow(member, ending_soon))
        elif member.term_starts > today and not member.ended_early_on:
            upcoming.append(MemberRow(member, False))
        else:
            past.append(MemberRow(member, False))
    past.sort(key=lambda row: row.member.ended_early_on or row.member.term_ends, reverse=True)
    return {"current": current, "upcoming": upcoming, "past": past}


def accepted_applicants_to_add(program: Program) -> QuerySet[Application]:
    """Accepted applications whose applicant has no membership from that application and
    no current or future term in the group."""
    today = timezone.localdate()
    serving_or_due = GroupMember.objects.filter(
        Q(term_ends__gte=today) & (Q(ended_early_on__isnull=True) | Q(ended_early_on__gt=today)),
        program=program,
        resident=OuterRef("resident"),
    )
    return (
        Application.objects.filter(
            program=program, status=Application.Status.ACCEPTED, group_member__isnull=True
        )
        .exclude(Exists(serving_or_due))
        .select_related("resident__neighbourhood")
        .order_by("resident__name", "pk")
    )


def default_term(program: Program, start: date) -> tuple[date, date]:
    months = program.engagement_type.term_months or DEFAULT_TERM_MONTHS
    return start, start + relativedelta(months=months)


# --- Representation --------------------------------------------------------------------


@dataclass
class RepresentationRow:
    name: str
    members: int
    member_share: float | None
    population: int | None
    population_share: float | None

    @property
    def gap(self) -> float | None:
        if self.member_share is None or self.population_share is None:
            return None
        return self.member_share - self.population_share

    # Percentages and percentage points, for display.
    @property
    def member_percent(self) -> float | None:
        return None if self.member_share is None else self.member_share * 100

    @property
    def population_percent(self) -> float | None:
        return None if self.population_share is None else self.population_share * 100

    @property
    def gap_points(self) -> float | None:
        return None if self.gap is None else self.gap * 100

    @property
    def under_represented(self) -> bool:
        return self.gap is not None and self.gap * 100 <= -UNDER_REPRESENTED_POINTS


def representation(program: Program, today: date) -> dict:
    """Current members per neighbourhood against each neighbourhood's share of the
    population of the area the group serves (its neighbourhoods, or the whole service area).

    Members' shares are of the members whose neighbourhood is recorded, so both columns add
    up to 100 %; members without one are counted on their own row. Two queries.
    """
    counts = dict(
        GroupMember.objects.filter(serving_on(today), program=program)
        .values("resident__neighbourhood")
        .annotate(n=Count("resident", distinct=True))
        .values_list("resident__neighbourhood", "n")
    )
    area_ids = [n.pk for n in program.neighbourhoods.all()]
    neighbourhoods = Neighbourhood.objects.filter(
        Q(pk__in=area_ids) if area_ids else Q(pk__isnull=False)
    ) | Neighbourhood.objects.filter(pk__in=[pk for pk in counts if pk is not None])
    neighbourhoods = list(neighbourhoods.distinct().order_by("name"))
    in_area = set(area_ids) if area_ids else {n.pk for n in neighbourhoods}
    area_population = sum(n.population for n in neighbourhoods if n.pk in in_area)
    not_recorded = counts.get(None, 0)
    recorded = sum(n for pk, n in counts.items() if pk is not None)
    rows = []
    for neighbourhood in neighbourhoods:
        members = counts.get(neighbourhood.pk, 0)
        inside = neighbourhood.pk in in_area
        rows.append(
            RepresentationRow(
                name=neighbourhood.name,
                members=members,
                member_share=members / recorded if recorded else None,
                population=neighbourhood.population if inside else None,
                population_share=(
                    neighbourhood.population / area_population
                    if inside and area_population
                    else None
                ),
            )
        )
    total = recorded + not_recorded
    return {
        "rows": rows,
        "not_recorded": RepresentationRow(
            name="",
            members=not_recorded,
            member_share=not_recorded / total if total else None,
            population=None,
            population_share=None,
        ),
        "total_members": total,
        "recorded_members": recorded,
        "area_population": area_population,
        "whole_area": not area_ids,
    }


# --- Meetings --------------------------------------------------------------------------


def meeting_event(pk: int) -> Event | None:
    return (
        Event.objects.select_related("program__engagement_type__tier", "program__owner")
        .filter(pk=pk)
        .first()
    )


def meeting_record(event: Event) -> MeetingRecord:
    """The event's record, unsaved and empty if none was written yet."""
    return MeetingRecord.objects.filter(event=event).first() or MeetingRecord(event=event)


def meeting_day(event: Event) -> date:
    return timezone.localtime(event.starts_at).date()


@dataclass
class AttendanceRow:
    member: GroupMember
    present: bool
    recorded: bool


def meeting_attendance(event: Event) -> dict:
    """Members serving on the meeting's day, whether each was marked present, and quorum
    (more than half of those serving). Two queries."""
    day = meeting_day(event)
    members = list(serving_members(event.program, day))
    marks = dict(
        Attendance.objects.filter(
            event=event, resident__in=[m.resident_id for m in members]
        ).values_list("resident_id", "present")
    )
    rows = [
        AttendanceRow(m, bool(marks.get(m.resident_id)), m.resident_id in marks) for m in members
    ]
    present = sum(1 for row in rows if row.present)
    needed = len(rows) // 2 + 1
    return {
        "rows": rows,
        "serving": len(rows),
        "present": present,
        "needed": needed,
        "quorum": bool(rows) and present >= needed,
        "recorded": bool(marks),
    }


def group_meetings(program: Program) -> QuerySet[Event]:
    return (
        Event.objects.filter(program=program)
        .select_related("meeting_record")
        .annotate(present_n=Count("attendance", filter=Q(attendance__present=True), distinct=True))
        .order_by("-starts_at", "-pk")
    )


def upcoming_and_past_meetings(program: Program, now: datetime) -> tuple[list, list]:
    meetings = list(group_meetings(program))
    upcoming = [m for m in meetings if m.ends_at >= now]
    upcoming.reverse()
    past = [m for m in meetings if m.ends_at < now]
    return upcoming, past


def published_meetings(program: Program) -> QuerySet[MeetingRecord]:
    return (
        MeetingRecord.objects.filter(event__program=program, minutes_published_at__isnull=False)
        .select_related("event")
        .order_by("-event__starts_at", "-pk")
    )


# --- Items -----------------------------------------------------------------------------


def visible_items_for_staff(program: Program, user) -> tuple[list[ReviewItem], int]:
    """The group's items for the staff overview, with comments waiting; confidential items
    only for staff named on them and administrators. Returns the items and how many
    confidential items were left out."""
    items = (
        ReviewItem.objects.filter(program=program)
        .annotate(
            waiting_n=Count("comments", filter=Q(comments__status=PublicComment.Status.SUBMITTED)),
            named=Exists(
                ReviewItem.named_staff.through.objects.filter(
                    reviewitem_id=OuterRef("pk"), user_id=user.pk
                )
            ),
        )
        .order_by("-created_at", "-pk")
    )
    admin = user_is_administrator(user)
    shown, hidden = [], 0
    for item in items:
        if item.confidential and not (admin or item.named or item.created_by_id == user.pk):
            hidden += 1
        else:
            shown.append(item)
    return shown, hidden


def item_for_staff(pk: int) -> ReviewItem | None:
    return (
        ReviewItem.objects.select_related(
            "program__engagement_type", "program__owner", "created_by"
        )
        .prefetch_related("named_staff", "documents")
        .filter(pk=pk)
        .first()
    )


def moderation_queue(item: ReviewItem) -> list[tuple[str, str, list[PublicComment]]]:
    comments = list(item.comments.select_related("neighbourhood", "moderated_by"))
    return [
        (value, label, [c for c in comments if c.status == value])
        for value, label in PublicComment.Status.choices
    ]


def member_area(program: Program, user, now: datetime) -> dict:
    """What the members' area shows: the member's own term, upcoming meetings with agendas,
    past meetings with minutes (published or not), and items under review or concluded.

    Confidential items are listed for current members, named staff and administrators only.
    """
    today = timezone.localdate(now)
    membership = (
        GroupMember.objects.filter(serving_on(today), program=program, resident__user=user).first()
        if user.is_authenticated
        else None
    )
    meetings = list(
        Event.objects.filter(program=program)
        .exclude(status=Event.Status.CANCELLED)
        .select_related("meeting_record")
        .order_by("starts_at", "pk")
    )
    upcoming = [m for m in meetings if m.ends_at >= now]
    past = [m for m in reversed(meetings) if m.ends_at < now]
    items = (
        ReviewItem.objects.filter(program=program)
        .exclude(status=Status.DRAFT)
        .prefetch_related("documents")
        .annotate(
            named=Exists(
                ReviewItem.named_staff.through.objects.filter(
                    reviewitem_id=OuterRef("pk"), user_id=user.pk
                )
            )
        )
        .order_by("status", "-created_at", "-pk")
    )
    sees_all = membership is not None or user_is_administrator(user)
    visible = [
        item
        for item in items
        if not item.confidential or sees_all or item.named or item.created_by_id == user.pk
    ]
    return {
        "membership": membership,
        "upcoming": upcoming,
        "past": past,
        "under_review": [i for i in visible if i.status == Status.UNDER_REVIEW],
        "concluded": [i for i in visible if i.status == Status.CONCLUDED],
    }


# --- Public ----------------------------------------------------------------------------


def public_items() -> QuerySet[ReviewItem]:
    """Items residents may read and comment on: non-confidential, past draft, with a comment
    period, in an active public program."""
    return ReviewItem.objects.filter(
        confidential=False,
        status__in=[Status.UNDER_REVIEW, Status.CONCLUDED],
        comment_opens_at__isnull=False,
        program__status=Program.Status.ACTIVE,
        program__visibility=Program.Visibility.PUBLIC,
    ).select_related("program")


def public_item_list(*, now: datetime, group: str = "") -> QuerySet[ReviewItem]:
    """Open periods first (closing soonest first), then those not yet open, then closed
    ones, most recently closed first."""
    items = public_items()
    if group:
        items = items.filter(program__slug=group)
    return items.annotate(
        state=Case(
            When(status=Status.CONCLUDED, then=Value(2)),
            When(comment_opens_at__lte=now, comment_closes_at__gt=now, then=Value(0)),
            When(comment_opens_at__gt=now, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        published_n=Count("comments", filter=Q(comments__status=PublicComment.Status.PUBLISHED)),
    ).order_by("state", "comment_closes_at", "-pk")


def public_item(public_id: str) -> ReviewItem | None:
    if not public_id or len(public_id) > 16:
        return None
    return (
        public_items()
        .select_related("program__engagement_type")
        .prefetch_related(
            "documents",
            Prefetch(
                "comments",
                queryset=PublicComment.objects.filter(
                    status=PublicComment.Status.PUBLISHED
                ).select_related("neighbourhood"),
                to_attr="published_comments",
            ),
        )
        .filter(public_id=public_id)
        .first()
    )


def public_group(slug: str) -> Program | None:
    """An active public standing group, for its public pages."""
    return (
        Program.objects.filter(
            slug=slug,
            status=Program.Status.ACTIVE,
            visibility=Program.Visibility.PUBLIC,
            engagement_type__standing_membership=True,
        )
        .select_related("engagement_type__tier")
        .first()
    )
