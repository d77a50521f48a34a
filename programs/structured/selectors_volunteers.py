"""Reads for volunteers: the roster with certification states and hours, shifts, the hours
queue, the volunteer's own page, and approved-hour totals for pages and dashboards."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import TruncMonth
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.core.tokens import hash_token
from programs.models import Program
from programs.structured.models_applications import Application
from programs.structured.models_volunteers import (
    Certification,
    HoursEntry,
    Shift,
    ShiftSignup,
    Volunteer,
)

EXPIRING_WITHIN_DAYS = 30

APPROVED = HoursEntry.Status.APPROVED
SUBMITTED = HoursEntry.Status.SUBMITTED


def _duration(prefix: str = ""):
    return ExpressionWrapper(
        F(f"{prefix}ended_at") - F(f"{prefix}started_at"), output_field=DurationField()
    )


def as_hours(duration: timedelta | None) -> float:
    if not duration:
        return 0.0
    return round(duration.total_seconds() / 3600, 2)


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


# --- Tokens and single records -----------------------------------------------------------


def volunteer_by_token(token: str) -> Volunteer | None:
    if not token or len(token) > 64:
        return None
    return (
        Volunteer.objects.select_related("resident", "role", "program")
        .filter(token_hash=hash_token(token))
        .first()
    )


def volunteer_for_staff(pk: int) -> Volunteer | None:
    return (
        Volunteer.objects.select_related("resident", "role", "program", "application")
        .prefetch_related(
            "role__required_trainings",
            Prefetch(
                "certifications",
                queryset=Certification.objects.select_related("training", "recorded_by"),
            ),
        )
        .filter(pk=pk)
        .first()
    )


# --- Certifications ----------------------------------------------------------------------


@dataclass
class CertificationState:
    """Where a volunteer stands with their trainings on a given day."""

    state: str  # ok | expiring | missing | expired (the worst of the items)
    items: list[dict] = field(default_factory=list)

    LABELS = {
        "ok": gettext_lazy("Up to date"),
        "expiring": gettext_lazy("Expiring soon"),
        "missing": gettext_lazy("Missing a required training"),
        "expired": gettext_lazy("Expired"),
    }
    RANK = {"ok": 0, "expiring": 1, "missing": 2, "expired": 3}

    @property
    def label(self) -> str:
        return str(self.LABELS[self.state])

    @property
    def problems(self) -> list[dict]:
        return [item for item in self.items if item["state"] != "ok"]


def current_certifications(volunteer: Volunteer) -> dict[int, Certification]:
    """Per training, the certification that lasts longest (no expiry beats any date).

    Uses the prefetched certifications, so it adds no query when they are prefetched.
    """
    best: dict[int, Certification] = {}
    for certification in volunteer.certifications.all():
        held = best.get(certification.training_id)
        if held is None or _lasts_longer(certification, held):
            best[certification.training_id] = certification
    return best


def _lasts_longer(a: Certification, b: Certification) -> bool:
    if b.expires_on is None:
        return False
    return a.expires_on is None or a.expires_on > b.expires_on


def certification_state(volunteer: Volunteer, today: date) -> CertificationState:
    """The volunteer's certifications on `today`: each held one (ok, expiring within 30 days,
    expired) and each training their role requires that they lack (missing)."""
    current = current_certifications(volunteer)
    required = {training.pk: training for training in volunteer.role.required_trainings.all()}
    soon = today + timedelta(days=EXPIRING_WITHIN_DAYS)
    items = []
    for certification in sorted(current.values(), key=lambda c: c.training.name):
        expires = certification.expires_on
        if expires is None or expires > soon:
            state = "ok"
        elif expires >= today:
            state = "expiring"
        else:
            state = "expired"
        items.append(
            {
                "training": certification.training,
                "certification": certification,
                "state": state,
                "required": certification.training_id in required,
                "expires_on": expires,
            }
        )
    for training_id, training in sorted(required.items(), key=lambda kv: kv[1].name):
        if training_id not in current:
            items.append(
                {
                    "training": training,
                    "certification": None,
                    "state": "missing",
                    "required": True,
                    "expires_on": None,
                }
            )
    worst = max((item["state"] for item in items), key=CertificationState.RANK.get, default="ok")
    return CertificationState(worst, items)


def certification_problems(volunteer: Volunteer, on: date) -> list[str]:
    """Why the volunteer may not serve on `on`: each training their role requires that they
    lack, or whose certification has lapsed by that day. Empty when nothing stops them."""
    current = current_certifications(volunteer)
    problems = []
    for training in sorted(volunteer.role.required_trainings.all(), key=lambda t: t.name):
        certification = current.get(training.pk)
        if certification is None:
            problems.append(
                _("Your role needs “%(training)s” and there is no record of it yet.")
                % {"training": training.name}
            )
        elif certification.expires_on is not None and certification.expires_on < on:
            params = {
                "training": training.name,
                "date": formats.date_format(certification.expires_on, "DATE_FORMAT"),
            }
            if certification.expires_on < timezone.localdate():
                message = _("Your “%(training)s” certification expired on %(date)s.")
            else:
                message = _(
                    "Your “%(training)s” certification expires on %(date)s, before this shift."
                )
            problems.append(message % params)
    return problems


def signup_problem(shift: Shift, volunteer: Volunteer, *, now: datetime) -> str:
    """Why the volunteer may not sign up for the shift, or "" (capacity is checked apart)."""
    if shift.program_id != volunteer.program_id:
        return _("This shift belongs to another program.")
    if volunteer.status != Volunteer.Status.ACTIVE:
        return _("Only active volunteers can sign up for shifts.")
    if shift.starts_at <= now:
        return _("This shift has already started.")
    if shift.role_id is not None and shift.role_id != volunteer.role_id:
        return _("This shift is for volunteers in the role “%(role)s”.") % {"role": shift.role.name}
    problems = certification_problems(volunteer, timezone.localdate(shift.starts_at))
    return " ".join(problems)


# --- The roster --------------------------------------------------------------------------


def roster(
    program: Program, *, role=None, status: str = "", today: date | None = None
) -> QuerySet[Volunteer]:
    """The program's volunteers with approved hours this month, this year and in total, and
    hours waiting for approval: one query, plus two for certifications and required trainings.
    """
    today = today or timezone.localdate()
    month = _month_start(today)
    year = date(today.year, 1, 1)
    approved = Q(hours__status=APPROVED)
    since_month = Q(hours__started_at__gte=_local_midnight(month))
    since_year = Q(hours__started_at__gte=_local_midnight(year))
    volunteers = (
        Volunteer.objects.filter(program=program)
        .select_related("resident", "role")
        .prefetch_related(
            "role__required_trainings",
            Prefetch("certifications", queryset=Certification.objects.select_related("training")),
        )
        .annotate(
            hours_month=Sum(_duration("hours__"), filter=approved & since_month),
            hours_year=Sum(_duration("hours__"), filter=approved & since_year),
            hours_total=Sum(_duration("hours__"), filter=approved),
            hours_waiting=Sum(_duration("hours__"), filter=Q(hours__status=SUBMITTED)),
        )
        .order_by("resident__name", "pk")
    )
    if role is not None:
        volunteers = volunteers.filter(role=role)
    if status:
        volunteers = volunteers.filter(status=status)
    return volunteers


def roster_rows(volunteers, today: date) -> list[Volunteer]:
    """Evaluate the roster and attach each volunteer's certification state."""
    rows = list(volunteers)
    for volunteer in rows:
        volunteer.cert = certification_state(volunteer, today)
        for name in ("hours_month", "hours_year", "hours_total", "hours_waiting"):
            setattr(volunteer, name, as_hours(getattr(volunteer, name)))
    return rows


def status_counts(program: Program) -> dict[str, int]:
    counts = dict(
        Volunteer.objects.filter(program=program)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Volunteer.Status.values}


# --- Totals ------------------------------------------------------------------------------


def hours_totals(
    program: Program | None = None,
    volunteer: Volunteer | None = None,
    by_month: bool = False,
    since: date | None = None,
) -> list[dict]:
    """Approved hours summed in the database, per program (and per month of the start, in the
    agency's time zone, with `by_month`), for one program, one volunteer, or all of them.

    Each row: program_id, month (a date, with by_month), hours, entries, volunteers.
    """
    entries = HoursEntry.objects.filter(status=APPROVED)
    if program is not None:
        entries = entries.filter(volunteer__program=program)
    if volunteer is not None:
        entries = entries.filter(volunteer=volunteer)
    if since is not None:
        entries = entries.filter(started_at__gte=_local_midnight(since))
    group = ["volunteer__program"]
    if by_month:
        entries = entries.annotate(
            month=TruncMonth("started_at", tzinfo=timezone.get_current_timezone())
        )
        group.append("month")
    rows = (
        entries.values(*group)
        .annotate(
            duration=Sum(_duration()),
            entries=Count("pk"),
            volunteers=Count("volunteer", distinct=True),
        )
        .order_by(*group)
    )
    result = []
    for row in rows:
        item = {
            "program_id": row["volunteer__program"],
            "hours": as_hours(row["duration"]),
            "entries": row["entries"],
            "volunteers": row["volunteers"],
        }
        if by_month:
            month = row["month"]
            item["month"] = month.date() if isinstance(month, datetime) else month
        result.append(item)
    return result


def last_twelve_months(program: Program, today: date | None = None) -> list[dict]:
    """Approved hours per month for the twelve months up to this one, newest first, with the
    months without hours shown as zero."""
    today = today or timezone.localdate()
    first = _add_months(_month_start(today), -11)
    found = {row["month"]: row for row in hours_totals(program=program, by_month=True, since=first)}
    months = []
    for offset in range(11, -1, -1):
        month = _add_months(first, offset)
        row = found.get(month, {"hours": 0.0, "entries": 0, "volunteers": 0})
        months.append({"month": month, **{k: row[k] for k in ("hours", "entries", "volunteers")}})
    return months


def volunteer_totals(volunteer: Volunteer) -> dict[str, float]:
    """The volunteer's approved and waiting hours, in one query."""
    sums = volunteer.hours.aggregate(
        approved=Sum(_duration(), filter=Q(status=APPROVED)),
        waiting=Sum(_duration(), filter=Q(status=SUBMITTED)),
    )
    return {name: as_hours(value) for name, value in sums.items()}


# --- Adding volunteers -------------------------------------------------------------------


def accepted_applicants(program: Program) -> QuerySet[Application]:
    """Accepted applications of the program whose applicant is not on its roster yet."""
    on_roster = Volunteer.objects.filter(program=program).values("resident")
    return (
        Application.objects.filter(program=program, status=Application.Status.ACCEPTED)
        .exclude(resident__in=on_roster)
        .select_related("resident")
        .order_by("resident__name", "pk")
    )


# --- Shifts ------------------------------------------------------------------------------


def program_shifts(program: Program, *, past: bool = False, now: datetime | None = None):
    """The program's shifts still to finish (or finished, with `past`) with their sign-ups."""
    now = now or timezone.now()
    shifts = (
        Shift.objects.filter(program=program)
        .select_related("role", "event")
        .annotate(taken=Count("signups"))
        .prefetch_related(
            Prefetch(
                "signups",
                queryset=ShiftSignup.objects.select_related("volunteer__resident").order_by(
                    "volunteer__resident__name", "pk"
                ),
            )
        )
    )
    if past:
        return shifts.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    return shifts.filter(ends_at__gt=now).order_by("starts_at", "pk")


def upcoming_signups(volunteer: Volunteer, now: datetime) -> list[ShiftSignup]:
    return list(
        ShiftSignup.objects.filter(volunteer=volunteer, shift__ends_at__gt=now)
        .select_related("shift__role", "shift__event")
        .annotate(taken=Count("shift__signups"))
        .order_by("shift__starts_at", "pk")
    )


def open_shifts(volunteer: Volunteer, now: datetime, limit: int = 30) -> list[Shift]:
    """Shifts the volunteer could take: not started, their role or any role, not signed up.

    Each carries `full` and `problem` (why they cannot sign up, or "")."""
    shifts = list(
        Shift.objects.filter(program_id=volunteer.program_id, starts_at__gt=now)
        .filter(Q(role__isnull=True) | Q(role_id=volunteer.role_id))
        .exclude(signups__volunteer=volunteer)
        .select_related("role", "event")
        .annotate(taken=Count("signups"))
        .order_by("starts_at", "pk")[:limit]
    )
    for shift in shifts:
        shift.full = shift.taken >= shift.capacity
        shift.problem = signup_problem(shift, volunteer, now=now)
    return shifts


def recent_shifts_for_hours(volunteer: Volunteer, now: datetime, days: int = 60) -> list[Shift]:
    """Shifts the volunteer signed up for in the last `days`, to attach logged hours to."""
    return list(
        Shift.objects.filter(
            signups__volunteer=volunteer,
            starts_at__lte=now,
            starts_at__gte=now - timedelta(days=days),
        ).order_by("-starts_at", "-pk")
    )


def program_shifts_for_hours(program: Program, now: datetime, days: int = 60) -> list[Shift]:
    return list(
        Shift.objects.filter(
            program=program, starts_at__lte=now, starts_at__gte=now - timedelta(days=days)
        ).order_by("-starts_at", "-pk")
    )


# --- Hours -------------------------------------------------------------------------------


def hours_queue(program: Program) -> QuerySet[HoursEntry]:
    """Entries of the program waiting for approval, oldest work first."""
    return (
        HoursEntry.objects.filter(volunteer__program=program, status=SUBMITTED)
        .select_related("volunteer__resident", "volunteer__role", "shift", "logged_by")
        .order_by("started_at", "pk")
    )


def volunteer_hours(volunteer: Volunteer) -> QuerySet[HoursEntry]:
    return volunteer.hours.select_related("shift", "logged_by", "reviewed_by").order_by(
        "-started_at", "-pk"
    )
