"""Where participation comes from: one definition per kind, read by the summary refresh,
the full rebuild and programs.dashboard.selectors_participation alike, and by the
retention of applications (whose birth date the age groups read).

A participation is one person (or one party) taking part once. Each kind names its
source model, the rows that count, the path to the program, the date it happened on, the
participant's home neighbourhood and, when the participant is identified, the resident.
Models are named, not imported: the tiers sit above this module and read it too.
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.apps import apps
from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

NOT_SAID = ""
# Identified sources whose person may have applied to the same program: their age group
# is that of the application's date of birth on the day of the row.
APPLICANT_SOURCES = {"session_attendance", "volunteer_shift", "group_membership"}


def age_group_on(born: date | None, day: date) -> str:
    """The age group (AgeGroup code) of someone born on `born`, on `day`."""
    if born is None:
        return NOT_SAID
    age = day.year - born.year - ((day.month, day.day) < (born.month, born.day))
    if age < 18:
        return "under-18"
    if age < 35:
        return "18-34"
    if age < 65:
        return "35-64"
    return "65+"


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    model: str
    program: str  # path to the program id
    when: str  # path to the date or datetime it happened on
    when_is_date: bool = False
    neighbourhood: str | None = None  # path to the home neighbourhood id
    resident: str | None = None  # path to the resident id, when identified
    people: str | None = None  # field summed for people; None counts rows
    minutes: bool = False  # sum ended_at - started_at (volunteer hours)
    condition: Q = field(default_factory=Q)

    @property
    def queryset(self):
        return apps.get_model(self.model)._default_manager.filter(self.condition)

    def day_expression(self):
        if self.when_is_date:
            return F(self.when)
        return TruncDate(self.when, tzinfo=timezone.get_current_timezone())

    def on_days(self, first: date | None, last: date | None) -> Q:
        """Rows that happened from `first` to `last`, both included (None: open)."""
        q = Q()
        if self.when_is_date:
            if first:
                q &= Q(**{f"{self.when}__gte": first})
            if last:
                q &= Q(**{f"{self.when}__lte": last})
            return q
        tz = timezone.get_current_timezone()
        if first:
            q &= Q(**{f"{self.when}__gte": datetime.combine(first, time.min, tzinfo=tz)})
        if last:
            end = datetime.combine(last + timedelta(days=1), time.min, tzinfo=tz)
            q &= Q(**{f"{self.when}__lt": end})
        return q

    def aggregate(self, q: Q, by: tuple[str, ...]):
        """Rows of (by..., participations, people, minutes) for the rows matching q."""
        rows = self.queryset.filter(q).annotate(
            _program=F(self.program),
            _day=self.day_expression(),
            _neighbourhood=F(self.neighbourhood) if self.neighbourhood else _null(),
        )
        measures = {"participations": Count("pk")}
        measures["people"] = Sum(self.people) if self.people else Count("pk")
        if self.minutes:
            measures["duration"] = Sum(
                ExpressionWrapper(F("ended_at") - F("started_at"), output_field=DurationField())
            )
        if not by:
            return [rows.aggregate(**measures)]
        return rows.values(*by).annotate(**measures).order_by()


def _null():
    from django.db.models import IntegerField, Value

    return Value(None, output_field=IntegerField())


def _sources() -> list[Source]:
    not_cancelled = ~Q(event__status="cancelled")
    return [
        Source(
            "event_attendance",
            _("Came to an event"),
            "events.Registration",
            program="event__program_id",
            when="event__starts_at",
            neighbourhood="resident__neighbourhood_id",
            resident="resident_id",
            people="party_size",
            condition=Q(status="attended") & not_cancelled,
        ),
        Source(
            "walk_in",
            _("Walked in to an event"),
            "events.WalkIn",
            program="event__program_id",
            when="event__starts_at",
            neighbourhood="neighbourhood_id",
            people="party_size",
            condition=not_cancelled,
        ),
        Source(
            "session_attendance",
            _("Attended a cohort session or group meeting"),
            "structured.Attendance",
            program="event__program_id",
            when="event__starts_at",
            neighbourhood="resident__neighbourhood_id",
            resident="resident_id",
            condition=Q(present=True) & not_cancelled,
        ),
        Source(
            "survey_response",
            _("Answered a survey"),
            "surveys.Response",
            program="survey__program_id",
            when="submitted_on",
            when_is_date=True,
            neighbourhood="neighbourhood_id",
            resident="resident_id",
            condition=Q(survey__program__isnull=False),
        ),
        Source(
            "press_question",
            _("Sent a question to a press conference"),
            "information.PressQuestion",
            program="event__program_id",
            when="submitted_on",
            when_is_date=True,
            neighbourhood="neighbourhood_id",
        ),
        Source(
            "announcement_reply",
            _("Replied to an announcement"),
            "information.AnnouncementReply",
            program="announcement__program_id",
            when="received_at",
            neighbourhood="neighbourhood_id",
            condition=Q(announcement__program__isnull=False),
        ),
        Source(
            "public_comment",
            _("Commented on an item under review"),
            "coproduction.PublicComment",
            program="item__program_id",
            when="submitted_at",
            neighbourhood="neighbourhood_id",
            condition=~Q(status="rejected"),
        ),
        Source(
            "resident_request",
            _("Asked the agency to come (request accepted)"),
            "in_person.ResidentRequest",
            program="program_id",
            when="created_at",
            neighbourhood="neighbourhood_id",
            resident="resident_id",
            condition=Q(status="accepted", program__isnull=False),
        ),
        Source(
            "volunteer_shift",
            _("Volunteered (approved hours)"),
            "structured.HoursEntry",
            program="volunteer__program_id",
            when="started_at",
            neighbourhood="volunteer__resident__neighbourhood_id",
            resident="volunteer__resident_id",
            minutes=True,
            condition=Q(status="approved"),
        ),
        Source(
            "group_membership",
            _("Joined a standing group"),
            "coproduction.GroupMember",
            program="program_id",
            when="term_starts",
            when_is_date=True,
            neighbourhood="resident__neighbourhood_id",
            resident="resident_id",
        ),
        Source(
            "co_facilitation",
            _("Co-facilitated a training session"),
            "personnel.EventCoFacilitator",
            program="event__program_id",
            when="event__starts_at",
            condition=not_cancelled,
        ),
    ]


SOURCES: list[Source] = _sources()
BY_KIND: dict[str, Source] = {source.kind: source for source in SOURCES}
KINDS: dict[str, str] = {source.kind: source.label for source in SOURCES}


def minutes_of(row) -> int:
    duration = row.get("duration")
    return int(duration.total_seconds() // 60) if duration else 0
