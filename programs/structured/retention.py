"""What the structured programs keep of residents, and how they let go of it
(engagement_portal.privacy): applications, from their decision (or a program's own
period), and what volunteers wrote on their hours."""

from datetime import date, datetime, timedelta

from django.db.models import Q

from engagement_portal.privacy import retention
from programs.sources import APPLICANT_SOURCES, SOURCES, age_group_on

from .models_applications import Application, ApplicationForm, ApplicationNote
from .models_cohorts import Attendance, CohortMember
from .models_volunteers import HoursEntry, Volunteer


def _coarse_birth_date(application: Application) -> date:
    """A birth date as coarse as the figures allow: 1 January, 1 July, the 1st or the 15th
    of the month, or (rarely) the day itself - the first that gives the same age group as
    the real one on every day the demographics read it for (see programs.sources)."""
    born = application.date_of_birth
    days: set[date] = set()
    for source in SOURCES:
        if source.kind not in APPLICANT_SOURCES:
            continue
        rows = source.queryset.filter(
            **{source.program: application.program_id, source.resident: application.resident_id}
        )
        days.update(rows.annotate(_day=source.day_expression()).values_list("_day", flat=True))
    for candidate in (
        date(born.year, 1, 1),
        date(born.year, 7, 1),
        born.replace(day=1),
        born.replace(day=15),
    ):
        if all(age_group_on(candidate, day) == age_group_on(born, day) for day in days):
            return candidate
    return born


def _anonymise_applications(applications, now: datetime, *, wait: bool = False) -> int:
    changed = 0
    claimed = retention.claim(applications.filter(anonymised_at__isnull=True), wait=wait)
    for application in claimed.only("pk", "program_id", "resident_id", "date_of_birth"):
        changed += Application.objects.filter(pk=application.pk, anonymised_at__isnull=True).update(
            address="",
            answers={},
            guardian_name="",
            guardian_email="",
            guardian_phone="",
            guardian_signature="",
            decision_note="",
            date_of_birth=_coarse_birth_date(application),
            anonymised_at=now,
        )
        # Reviewers' notes are about the person and count towards no figure.
        ApplicationNote.objects.filter(application_id=application.pk).delete()
    return changed


@retention.purges("applications")
def purge_applications(now: datetime) -> int:
    default_cut = retention.cutoff("applications", now)
    own = dict(
        ApplicationForm.objects.filter(retention_days__isnull=False).values_list(
            "program_id", "retention_days"
        )
    )
    changed = 0
    groups = [(~Q(program_id__in=list(own)), default_cut)] + [
        (Q(program_id=program_id), now - timedelta(days=days)) for program_id, days in own.items()
    ]
    for in_programs, cut in groups:
        expired = (
            Application.objects.filter(in_programs, anonymised_at__isnull=True, created_at__lt=cut)
            .filter(Q(decided_at__isnull=True) | Q(decided_at__lt=cut))
            .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__lt=cut))
        )
        changed += _anonymise_applications(expired, now)
    return changed


@retention.purges("volunteers")
def purge_volunteers(now: datetime) -> int:
    return retention.claim(
        HoursEntry.objects.filter(ended_at__lt=retention.cutoff("volunteers", now)).exclude(
            description=""
        )
    ).update(description="")


@retention.keeps_residents
def live_applications(cut: datetime, day: date):
    return Application.objects.filter(anonymised_at__isnull=True)


@retention.keeps_residents
def live_volunteers(cut: datetime, day: date):
    return Volunteer.objects.filter(
        Q(status=Volunteer.Status.ACTIVE) | Q(joined_on__gte=day) | Q(hours__ended_at__gte=cut)
    )


@retention.keeps_residents
def live_attendance(cut: datetime, day: date):
    return Attendance.objects.filter(event__starts_at__gte=cut)


@retention.keeps_residents
def live_cohort_members(cut: datetime, day: date):
    return CohortMember.objects.filter(
        Q(cohort__closed_at__isnull=True) | Q(cohort__closed_at__gte=cut) | Q(joined_at__gte=cut)
    )


@retention.erases
def erase(person: retention.Person) -> dict[str, int]:
    return {
        "applications": _anonymise_applications(
            Application.objects.filter(resident=person.resident), person.now, wait=True
        ),
        "hours": HoursEntry.objects.filter(volunteer__resident=person.resident)
        .exclude(description="")
        .update(description=""),
    }
