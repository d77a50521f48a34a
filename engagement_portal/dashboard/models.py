"""Summary tables behind the command dashboards.

Dashboards never read raw participation rows per request. The services that record
participation refresh the summary of the (program, day) or event they touched, inside
their own transaction (see services.py); `manage.py rebuild_dashboard` recomputes all of
it from the source tables. Tests prove the two always agree.
"""

from django.conf import settings
from django.db import models


class ParticipationDay(models.Model):
    """How many times people took part, per day, program, home neighbourhood and kind.

    `participations` counts records (a registration, a response, an hours entry);
    `people` counts people (a registration for three that came is three).
    """

    day = models.DateField()
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    engagement_type = models.ForeignKey(
        "programs.EngagementType", on_delete=models.CASCADE, related_name="+"
    )
    tier = models.PositiveSmallIntegerField()
    neighbourhood = models.ForeignKey(
        "accounts.Neighbourhood", null=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=24)
    participations = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)  # volunteer time, approved

    class Meta:
        indexes = [
            models.Index(fields=["day", "tier"]),
            models.Index(fields=["program", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.program_id} {self.kind}: {self.people}"


class ReachDay(models.Model):
    """Which identified residents took part in a program on a day: unique reach over any
    period is a COUNT(DISTINCT resident) here. Anonymous survey answers never appear."""

    day = models.DateField()
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    engagement_type = models.ForeignKey(
        "programs.EngagementType", on_delete=models.CASCADE, related_name="+"
    )
    tier = models.PositiveSmallIntegerField()
    neighbourhood = models.ForeignKey(
        "accounts.Neighbourhood", null=True, on_delete=models.CASCADE, related_name="+"
    )
    resident = models.ForeignKey("accounts.Resident", on_delete=models.CASCADE, related_name="+")

    class Meta:
        indexes = [
            models.Index(fields=["day", "resident"]),
            models.Index(fields=["program", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.program_id} {self.resident_id}"


class EventSummary(models.Model):
    """One row per event: seats, registrations, who came, walk-ins, personnel."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    engagement_type = models.ForeignKey(
        "programs.EngagementType", on_delete=models.CASCADE, related_name="+"
    )
    tier = models.PositiveSmallIntegerField()
    neighbourhood = models.ForeignKey(
        "accounts.Neighbourhood", null=True, on_delete=models.CASCADE, related_name="+"
    )
    cancelled = models.BooleanField(default=False)
    capacity = models.PositiveIntegerField(null=True)
    registered = models.PositiveIntegerField(default=0)  # people with a seat (not waitlisted)
    attended = models.PositiveIntegerField(default=0)  # people checked in
    no_shows = models.PositiveIntegerField(default=0)  # people marked as not coming
    walk_ins = models.PositiveIntegerField(default=0)  # people
    personnel = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "tier"])]

    def __str__(self) -> str:
        return f"{self.event_id} {self.day}"


class PersonnelDay(models.Model):
    """Agency personnel who took part in an engagement on a day (distinct per program)."""

    day = models.DateField()
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    tier = models.PositiveSmallIntegerField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    outside_outreach = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["day", "user"])]

    def __str__(self) -> str:
        return f"{self.day} {self.user_id}"


class SurveySummary(models.Model):
    """Per survey: invitations sent and used, responses. Refreshed when a distribution
    batch is sent and when an invitation is claimed (never in the transaction that stores
    an anonymous response)."""

    survey = models.OneToOneField("surveys.Survey", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", null=True, on_delete=models.CASCADE, related_name="+"
    )
    invitations_sent = models.PositiveIntegerField(default=0)
    invitations_used = models.PositiveIntegerField(default=0)
    first_sent_on = models.DateField(null=True)
    last_sent_on = models.DateField(null=True)

    def __str__(self) -> str:
        return f"{self.survey_id}: {self.invitations_used}/{self.invitations_sent}"


class StandardAnswerMonth(models.Model):
    """Answers to an agency-standard question, per survey, month and the respondent's
    neighbourhood: count, sum and sum of squares, enough for a mean and its confidence
    interval without reading answers."""

    month = models.DateField()  # the first day of the month
    item = models.ForeignKey("surveys.StandardItem", on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", null=True, on_delete=models.CASCADE, related_name="+"
    )
    neighbourhood = models.ForeignKey(
        "accounts.Neighbourhood", null=True, on_delete=models.CASCADE, related_name="+"
    )
    n = models.PositiveIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    total_sq = models.BigIntegerField(default=0)
    agree = models.PositiveIntegerField(default=0)  # answers at or above "agree"

    class Meta:
        indexes = [
            models.Index(fields=["item", "month"]),
            models.Index(fields=["survey", "month"]),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.item_id} n={self.n}"
