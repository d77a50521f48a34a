"""Summary tables behind the command dashboards.

Dashboards never read raw participation rows per request. The services that record
participation refresh the summary of the (program, day) or event they touched, inside
their own transaction (see services.py); `manage.py rebuild_dashboard` recomputes all of
it from the source tables. Tests prove the two always agree.
"""

from datetime import date

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
            # Which programs were active, per type (the spectrum): from the index alone.
            models.Index(
                fields=["day", "engagement_type", "program"], name="dashboard_pd_day_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.program_id} {self.kind}: {self.people}"


class ReachDay(models.Model):
    """Which identified residents took part in a program on a day: unique reach over any
    period is a COUNT(DISTINCT resident) here. Anonymous survey answers never appear.

    The `previous_*` days chain each resident's rows (ordered by day, then program): the
    day of the row before this one, among all of the resident's rows, those of the same
    tier, of the same type, or of the same neighbourhood (None: the first). A resident
    took part in a period [a, b] exactly once at their first row in it, the one whose
    previous day is before a; so unique reach is a count of those rows, with no DISTINCT
    (see uniques.py)."""

    day = models.DateField()
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    engagement_type = models.ForeignKey(
        "programs.EngagementType", on_delete=models.CASCADE, related_name="+"
    )
    tier = models.PositiveSmallIntegerField()
    neighbourhood = models.ForeignKey(
        "accounts.Neighbourhood", null=True, on_delete=models.CASCADE, related_name="+"
    )
    # No database constraint and no cascade: when a provisional record is merged into the
    # resident it was about and deleted, its rows must outlive it until the refresh of the
    # ledger's RESIDENT_MOVED fact recounts their days (and takes them out). A cascade
    # would delete them first, and the recount would never learn those days.
    resident = models.ForeignKey(
        "accounts.Resident",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    previous_day = models.DateField(null=True)
    previous_in_tier = models.DateField(null=True)
    previous_in_type = models.DateField(null=True)
    previous_in_area = models.DateField(null=True)
    # Among the resident's rows with a neighbourhood (None on a row without one).
    previous_located = models.DateField(null=True)

    class Meta:
        indexes = [
            # Counting first rows per period (uniques.py), one narrow index per chain:
            # the count reads the period from the index alone.
            models.Index(fields=["day", "previous_day"], name="dashboard_reach_first"),
            models.Index(
                fields=["day", "tier", "previous_in_tier"], name="dashboard_reach_first_tier"
            ),
            models.Index(
                fields=["day", "engagement_type", "previous_in_type"],
                name="dashboard_reach_first_type",
            ),
            models.Index(
                fields=["day", "neighbourhood", "previous_in_area"],
                name="dashboard_reach_first_area",
            ),
            models.Index(fields=["day", "previous_located"], name="dashboard_reach_first_located"),
            # Unique reach over a period is a DISTINCT over every row of the period: the
            # columns the filters use are in the index too, so PostgreSQL answers it from
            # the index alone (an index-only scan) rather than from the table. (Key
            # columns rather than INCLUDE, which SQLite does not have.)
            models.Index(
                fields=["day", "resident", "tier", "engagement_type", "neighbourhood", "program"],
                name="dashboard_reach_day_cover",
            ),
            models.Index(fields=["program", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.program_id} {self.resident_id}"


class ProgramDay(models.Model):
    """The days a program was active: any participation (ParticipationDay) or an event
    of it not cancelled (EventSummary). `previous_day` chains each program's days, as
    ReachDay's chains do residents', so that "programs active in a period" is counted
    from ReachLastSeen and ReachGap (chain 5, by type; see reach_gaps.py)."""

    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    engagement_type = models.ForeignKey(
        "programs.EngagementType", on_delete=models.CASCADE, related_name="+"
    )
    tier = models.PositiveSmallIntegerField()
    previous_day = models.DateField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["program", "day"], name="dashboard_program_day")
        ]
        indexes = [models.Index(fields=["day", "previous_day"], name="dashboard_program_day_first")]

    def __str__(self) -> str:
        return f"{self.day} {self.program_id}"


class ReachLastSeen(models.Model):
    """How many residents were last seen on each day (fine) and in each month (coarse),
    per chain of ReachDay rows (reach_gaps.CHAINS: all rows, or those of one tier, type
    or neighbourhood, or those with a neighbourhood) and its key (the tier, type or
    neighbourhood; 0 for none). Each resident is counted once per chain and key, at
    both grains. Chain 5 counts programs instead, along ProgramDay. Together with
    ReachGap it answers unique reach over any period from a number of rows that depends
    on the calendar, not on the city (see uniques.py)."""

    chain = models.PositiveSmallIntegerField()
    key = models.BigIntegerField()
    fine = models.BooleanField()  # day is the last day; otherwise the first of its month
    day = models.DateField()
    residents = models.IntegerField()  # not Positive: a CHECK would refuse the negative
    # additions reach_gaps.refresh upserts, before ON CONFLICT applies them

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "fine", "day", "key"], name="dashboard_reach_last_seen"
            )
        ]

    def __str__(self) -> str:
        return f"{self.chain}/{self.key} {self.day}: {self.residents}"


class ReachGap(models.Model):
    """The gaps between a resident's consecutive rows of a chain: one per ReachDay row,
    counted by the month of its day and by its previous day (fine) or that day's month
    (coarse). A row with no previous day counts under `NO_PREVIOUS`, at the coarse grain
    only. A resident seen on or after day a but not during [a, b] has exactly one gap
    that starts before a and ends after b (uniques.py)."""

    NO_PREVIOUS = date(1, 1, 1)

    chain = models.PositiveSmallIntegerField()
    key = models.BigIntegerField()
    fine = models.BooleanField()  # previous is a day; otherwise the first of its month
    month = models.DateField()  # the first of the month of the row's day
    previous = models.DateField()
    links = models.IntegerField()  # (as ReachLastSeen.residents)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["chain", "fine", "month", "previous", "key"], name="dashboard_reach_gap"
            )
        ]

    def __str__(self) -> str:
        return f"{self.chain}/{self.key} {self.month} after {self.previous}: {self.links}"


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
    # Accessibility and interpretation requests of registrations not cancelled, and how
    # many of them staff arranged.
    accommodations = models.PositiveIntegerField(default=0)
    accommodations_arranged = models.PositiveIntegerField(default=0)

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
        indexes = [
            models.Index(fields=["day", "user"]),
            # Whether each member of staff took part in a period: one probe each, answered
            # from the index alone (the outreach flag is its last column).
            models.Index(
                fields=["user", "day", "outside_outreach"],
                name="dashboard_personnel_user_day",
            ),
        ]

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


class DemographicDay(models.Model):
    """Who took part, by demographic group, per day, program and home neighbourhood.

    For every demographic category the portal asks about (see demographics.py), each person
    counted in ParticipationDay.people is counted once here: under the group they gave, or
    under `group=""` when they did not say (or were not asked). So a category's groups add
    up to the people who took part, and the share who did not disclose is exact.
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
    category = models.CharField(max_length=40)
    group = models.CharField(max_length=40, blank=True)  # "": not disclosed
    people = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["day", "category"]),
            models.Index(fields=["program", "day"]),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.program_id} {self.category}={self.group}: {self.people}"


# --- Rollups: the same figures without the program (and neighbourhood) dimensions ----------
#
# A city has thousands of programs, so the tables above have rows in proportion to the
# activity. Pages that look at the whole city, a tier or a type read these instead: their
# rows are bounded by days × types × kinds (or months × items × neighbourhoods) whatever
# the number of participations. Each is refreshed, bucket by bucket, by the service that
# refreshes the table it rolls up, in the same transaction (services.py).


class DemographicArea(models.Model):
    """DemographicDay without the program, type and tier: people per day (fine) and per
    month (coarse), neighbourhood (`area`, 0 when not recorded, -1 for the whole city),
    category and group. The
    reach page reads whole months from the coarse rows and the days at either end from
    the fine rows when no tier, type or program is chosen: a number of rows set by the
    calendar and the neighbourhoods, not by the city's activity. Refreshed by difference
    (demographics.refresh), rebuilt from DemographicDay."""

    fine = models.BooleanField()
    day = models.DateField()
    area = models.BigIntegerField()
    category = models.CharField(max_length=40)
    group = models.CharField(max_length=40, blank=True)
    people = models.IntegerField()  # not Positive: see counters.py

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["fine", "day", "area", "category", "group"],
                name="dashboard_demographic_area",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.area} {self.category}/{self.group}: {self.people}"


class ParticipationDayType(models.Model):
    """ParticipationDay summed over programs and neighbourhoods: per day, engagement type
    and kind. `rows` counts the ParticipationDay rows summed (program-days per
    neighbourhood)."""

    day = models.DateField()
    engagement_type = models.ForeignKey(
        "programs.EngagementType", on_delete=models.CASCADE, related_name="+"
    )
    tier = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24)
    rows = models.PositiveIntegerField(default=0)
    participations = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)
    minutes = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "tier"], name="dashboard_pdt_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.engagement_type_id} {self.kind}: {self.people}"


class ParticipationMonthType(models.Model):
    """ParticipationDayType per month (its first day): the pages read whole months here
    and the days at either end from ParticipationDayType (grains.py). Refreshed by
    difference with each day's rollup."""

    month = models.DateField()
    engagement_type = models.ForeignKey(
        "programs.EngagementType", on_delete=models.CASCADE, related_name="+"
    )
    tier = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=24)
    # Not Positive: see counters.py.
    rows = models.IntegerField()
    participations = models.IntegerField()
    people = models.IntegerField()
    minutes = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["month", "engagement_type", "tier", "kind"], name="dashboard_pmt_month"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.engagement_type_id} {self.kind}: {self.people}"


class ParticipationDayArea(models.Model):
    """ParticipationDay summed over programs, types and kinds: per day and the
    participants' home neighbourhood."""

    day = models.DateField()
    neighbourhood = models.ForeignKey(
        "accounts.Neighbourhood", null=True, on_delete=models.CASCADE, related_name="+"
    )
    participations = models.PositiveIntegerField(default=0)
    people = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["day", "neighbourhood"], name="dashboard_pda_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.neighbourhood_id}: {self.people}"


class ParticipationMonthArea(models.Model):
    """ParticipationDayArea's people per month (the first day of it) and neighbourhood
    (`area`, 0 when not recorded): the pages read whole months here and the days at
    either end from ParticipationDayArea (grains.py). Refreshed by difference with each
    day's rollup."""

    month = models.DateField()
    area = models.BigIntegerField()
    people = models.IntegerField()  # not Positive: see counters.py

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "area"], name="dashboard_pma_month_area")
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.area}: {self.people}"


class StandardAnswerSurveyMonth(models.Model):
    """StandardAnswerMonth summed over neighbourhoods: per month, standard question and
    survey (with the survey's program)."""

    month = models.DateField()
    item = models.ForeignKey("surveys.StandardItem", on_delete=models.CASCADE, related_name="+")
    survey = models.ForeignKey("surveys.Survey", on_delete=models.CASCADE, related_name="+")
    program = models.ForeignKey(
        "programs.Program", null=True, on_delete=models.CASCADE, related_name="+"
    )
    n = models.PositiveIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    total_sq = models.BigIntegerField(default=0)
    agree = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["month", "item"], name="dashboard_sasm_month"),
            models.Index(fields=["survey", "month"], name="dashboard_sasm_survey"),
        ]

    def __str__(self) -> str:
        return f"{self.month} {self.item_id} {self.survey_id} n={self.n}"


class StandardAnswerArea(models.Model):
    """StandardAnswerMonth summed over surveys (and so programs): per month, standard
    question and the respondent's neighbourhood."""

    month = models.DateField()
    item = models.ForeignKey("surveys.StandardItem", on_delete=models.CASCADE, related_name="+")
    neighbourhood = models.ForeignKey(
        "accounts.Neighbourhood", null=True, on_delete=models.CASCADE, related_name="+"
    )
    n = models.PositiveIntegerField(default=0)
    total = models.BigIntegerField(default=0)
    total_sq = models.BigIntegerField(default=0)
    agree = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["month", "item"], name="dashboard_saa_month")]

    def __str__(self) -> str:
        return f"{self.month} {self.item_id} {self.neighbourhood_id} n={self.n}"
