"""Reads for cohorts: sessions with attendance counts, members' progress against the
completion rule, the attendance sheet of a session, certificates, and where alumni can go."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from events.models import Event
from programs.models import Program
from programs.structured.models_cohorts import AlumniInvitation, Attendance, Cohort, CohortMember


def cohorts_for_staff() -> QuerySet[Cohort]:
    return Cohort.objects.select_related("program__engagement_type__tier", "program__owner")


def cohort_sessions(cohort: Cohort) -> QuerySet[Event]:
    """All the cohort's sessions, oldest first, each with `present_count`."""
    return Event.objects.filter(cohort_session__cohort=cohort).annotate(
        present_count=Count("attendance", filter=Q(attendance__present=True)),
        recorded_count=Count("attendance"),
    )


def held_sessions(cohort: Cohort, now: datetime | None = None) -> QuerySet[Event]:
    """Sessions that count towards completion: started by `now` and not cancelled."""
    now = now or timezone.now()
    return Event.objects.filter(cohort_session__cohort=cohort, starts_at__lte=now).exclude(
        status=Event.Status.CANCELLED
    )


def sessions_ahead(cohort: Cohort, now: datetime | None = None) -> QuerySet[Event]:
    """Sessions not held yet and not cancelled, soonest first: closing the cohort now would
    leave them out of everyone's completion."""
    now = now or timezone.now()
    return (
        Event.objects.filter(cohort_session__cohort=cohort, starts_at__gt=now)
        .exclude(status=Event.Status.CANCELLED)
        .order_by("starts_at", "pk")
    )


@dataclass
class MemberProgress:
    member: CohortMember
    attended: int
    held: int
    completion_percent: int

    @property
    def percent(self) -> int:
        """Whole percent, rounded down so that it never shows more than the rule counts."""
        return self.attended * 100 // self.held if self.held else 0

    @property
    def meets_rule(self) -> bool:
        return self.held > 0 and self.attended * 100 >= self.completion_percent * self.held


def cohort_progress(cohort: Cohort, now: datetime | None = None) -> list[MemberProgress]:
    """Every member with sessions attended out of sessions held. Three queries, whatever
    the number of members and sessions."""
    now = now or timezone.now()
    held = held_sessions(cohort, now)
    held_count = held.count()
    members = list(
        CohortMember.objects.filter(cohort=cohort).select_related("resident", "application")
    )
    attended = dict(
        Attendance.objects.filter(
            event__in=held, present=True, resident_id__in=[m.resident_id for m in members]
        )
        .values("resident_id")
        .annotate(n=Count("pk"))
        .values_list("resident_id", "n")
    )
    return [
        MemberProgress(
            member=member,
            attended=attended.get(member.resident_id, 0),
            held=held_count,
            completion_percent=cohort.completion_percent,
        )
        for member in members
    ]


@dataclass
class SheetRow:
    member: CohortMember
    present: bool | None  # None: nothing recorded yet


def attendance_sheet(cohort: Cohort, session: Event) -> list[SheetRow]:
    """The active members with what is recorded for them at `session`. Two queries."""
    members = list(
        CohortMember.objects.filter(cohort=cohort, status=CohortMember.Status.ACTIVE)
        .select_related("resident")
        .order_by("resident__name", "pk")
    )
    recorded = dict(
        Attendance.objects.filter(
            event=session, resident_id__in=[m.resident_id for m in members]
        ).values_list("resident_id", "present")
    )
    return [SheetRow(member, recorded.get(member.resident_id)) for member in members]


def member_for_certificate(certificate_id: str) -> CohortMember | None:
    """The completed membership a certificate id belongs to; None for anything else."""
    if not certificate_id or len(certificate_id) > 16:
        return None
    return (
        CohortMember.objects.select_related("resident", "cohort__program__engagement_type")
        .filter(certificate_id=certificate_id, status=CohortMember.Status.COMPLETED)
        .first()
    )


@dataclass
class CertificateFacts:
    first_session: datetime | None
    last_session: datetime | None
    attended: int
    held: int


def certificate_facts(member: CohortMember) -> CertificateFacts:
    """Dates of the sessions held up to completion, and how many the member attended."""
    until = member.completed_at or member.cohort.closed_at or timezone.now()
    held = held_sessions(member.cohort, until)
    span = held.aggregate(first=Min("starts_at"), last=Max("starts_at"), n=Count("pk"))
    attended = Attendance.objects.filter(
        event__in=held, resident_id=member.resident_id, present=True
    ).count()
    return CertificateFacts(span["first"], span["last"], attended, span["n"])


def alumni_target_programs(cohort: Cohort, now: datetime | None = None) -> QuerySet[Program]:
    """Active programs, other than the cohort's own, taking applications right now."""
    now = now or timezone.now()
    return (
        Program.objects.filter(
            status=Program.Status.ACTIVE,
            engagement_type__selective_application=True,
            application_form__opens_at__lte=now,
            application_form__closes_at__gt=now,
        )
        .exclude(pk=cohort.program_id)
        .select_related("engagement_type")
        .order_by("engagement_type__position", "title")
    )


def invitations_by_program(cohort: Cohort) -> list[dict]:
    """How many of the cohort's members were invited to each program."""
    return list(
        AlumniInvitation.objects.filter(member__cohort=cohort)
        .values("program__title")
        .annotate(n=Count("pk"))
        .order_by("program__title")
    )
