from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Language, Neighbourhood, Resident
from engagement_portal.core.languages import interface_languages
from engagement_portal.core.tokens import new_public_id  # noqa: F401 (migrations)
from programs.models import Program

DEFAULT_REMINDER_OFFSETS = [24 * 60, 2 * 60]  # minutes before the start


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS)


class EventSeries(models.Model):
    """A recurring series of sessions created in one step (weekly, every N weeks, monthly)."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Every week")
        EVERY_N_WEEKS = "every_n_weeks", _("Every few weeks")
        MONTHLY_BY_WEEKDAY = (
            "monthly_weekday",
            _("Monthly on the same weekday (the second Tuesday, the last Friday…)"),
        )
        MONTHLY_BY_DAY = (
            "monthly_day",
            _("Monthly on the same day of the month (the 15th…; the last day of shorter months)"),
        )

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="series")
    frequency = models.CharField(_("repeats"), max_length=20, choices=Frequency.choices)
    interval = models.PositiveSmallIntegerField(_("every how many weeks"), default=1)
    occurrences = models.PositiveSmallIntegerField(_("number of sessions"))
    rule = models.CharField(_("recurrence rule"), max_length=200, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("event series")
        verbose_name_plural = _("event series")

    def __str__(self) -> str:
        return f"{self.program} · {self.get_frequency_display()}"


class Event(models.Model):
    """A scheduled session of a program: a town hall, academy week 3, a ride-out slot."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        COMPLETED = "completed", _("Completed")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: listed on the events page")
        UNLISTED = "unlisted", _("Unlisted: only people with the link")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.PROTECT, related_name="events"
    )
    series = models.ForeignKey(
        EventSeries, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    venue_name = models.CharField(_("place"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    accessibility_notes = models.TextField(
        _("accessibility notes"),
        blank=True,
        help_text=_("Step-free access, parking, hearing loop, seating, quiet room..."),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
    )
    online_url = models.URLField(_("online link"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Blank means unlimited.")
    )
    registration_opens_at = models.DateTimeField(_("registration opens"), null=True, blank=True)
    registration_closes_at = models.DateTimeField(
        _("registration closes"),
        null=True,
        blank=True,
        help_text=_("Blank means registration closes when the event starts."),
    )
    waitlist_enabled = models.BooleanField(_("waiting list when full"), default=True)
    max_party_size = models.PositiveSmallIntegerField(
        _("largest party per registration"),
        default=1,
        help_text=_("1 means no guests; more lets residents bring family or friends."),
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages spoken"), blank=True, related_name="events"
    )
    interpretation_available = models.CharField(
        _("interpretation available"),
        max_length=200,
        blank=True,
        help_text=_("For example: Spanish and ASL interpretation on request."),
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SCHEDULED
    )
    cancellation_reason = models.TextField(_("reason for cancelling"), blank=True)
    reminder_offsets = models.JSONField(
        _("reminders (minutes before the start)"), default=default_reminder_offsets, blank=True
    )
    is_sensitive = models.BooleanField(
        _("sensitive participants"),
        default=False,
        help_text=_(
            "Victim services, youth without guardian consent and the like: the people "
            "registered are never sent surveys automatically."
        ),
    )
    personnel = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="EventPersonnel",
        verbose_name=_("agency personnel"),
        blank=True,
        related_name="events_staffed",
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["status", "visibility", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="event_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(max_party_size__gte=1), name="event_party_size_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", args=[self.public_id])

    def get_staff_url(self) -> str:
        return reverse("events:staff-detail", args=[self.pk])

    @property
    def closes_at(self):
        return self.registration_closes_at or self.starts_at

    @property
    def allows_guests(self) -> bool:
        return self.max_party_size > 1

    @property
    def status_label(self) -> str:
        """The event's state as staff read it: a scheduled event that has ended was held
        (nothing needs to mark it so; a cancelled one stays cancelled)."""
        if self.status == self.Status.SCHEDULED and self.ends_at <= timezone.now():
            return str(_("Held"))
        return self.get_status_display()


class EventPersonnel(models.Model):
    """An officer or civilian employee who took part in an event, with their part in it."""

    class Role(models.TextChoices):
        LEAD = "lead", _("Lead")
        PRESENTER = "presenter", _("Presenter")
        SUPPORT = "support", _("Support")
        ATTENDEE = "attendee", _("Took part")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="personnel_links")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_links"
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.SUPPORT)

    class Meta:
        verbose_name = _("agency participant")
        verbose_name_plural = _("agency participants")
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="event_personnel_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.event} ({self.get_role_display()})"


class AgeGroup(models.TextChoices):
    """Age groups asked (optionally) of people who take part. The codes are the groups of
    the "age" category in neighbourhood demographic shares, so participants can be set
    against the population."""

    UNDISCLOSED = "", _("Prefer not to say")
    UNDER_18 = "under-18", _("Under 18")
    AGE_18_34 = "18-34", _("18 to 34")
    AGE_35_64 = "35-64", _("35 to 64")
    AGE_65_PLUS = "65+", _("65 or older")


class Registration(models.Model):
    """A resident's place (or place in line) at an event, for themselves and any guests."""

    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", _("Cancelled")
        ATTENDED = "attended", _("Attended")
        NO_SHOW = "no_show", _("Did not come")

    class Source(models.TextChoices):
        WEB = "web", _("Online")
        STAFF = "staff", _("Added by staff")

    ACTIVE = (Status.CONFIRMED, Status.WAITLISTED, Status.ATTENDED, Status.NO_SHOW)
    HOLDS_SEAT = (Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW)

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="registrations")
    # Only a hash of the private manage token is stored; the token itself lives in the link.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    check_in_code = models.CharField(max_length=12, unique=True, editable=False)
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    # Optional, of the person registering (not of the rest of the party).
    age_group = models.CharField(
        _("age group"), max_length=10, choices=AgeGroup.choices, blank=True, default=""
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices)
    language = models.CharField(_("language"), max_length=10, choices=interface_languages)
    wants_reminders = models.BooleanField(_("reminders"), default=False)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WEB)
    is_sensitive = models.BooleanField(
        _("sensitive contact"),
        default=False,
        help_text=_(
            "A victim, a young person without guardian consent, or anyone who must not be "
            "surveyed automatically."
        ),
    )
    created_at = models.DateTimeField(_("registered"), default=timezone.now)
    # Place in line: the waiting list is served in order of this time (then id).
    queued_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)

    class Meta:
        ordering = ["queued_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "resident"],
                condition=~models.Q(status="cancelled"),
                name="registration_one_active_per_resident",
            ),
            models.CheckConstraint(
                condition=models.Q(party_size__gte=1), name="registration_party_positive"
            ),
        ]
        indexes = [models.Index(fields=["event", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.resident} · {self.event}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class AccommodationRequest(models.Model):
    """An accessibility or interpretation need: a task for staff, fulfilled or not."""

    class Kind(models.TextChoices):
        ACCESSIBILITY = "accessibility", _("Accessibility")
        INTERPRETATION = "interpretation", _("Interpretation")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="accommodations"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    details = models.TextField(_("what is needed"))
    fulfilled = models.BooleanField(_("arranged"), default=False)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    fulfilled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("accommodation request")
        verbose_name_plural = _("accommodation requests")

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.details[:40]}"


class WalkIn(models.Model):
    """Someone who came without registering, counted at the door with an optional short card."""

    AgeGroup = AgeGroup

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="walk_ins")
    party_size = models.PositiveSmallIntegerField(_("people"), default=1)
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(_("language"), max_length=10, blank=True)
    age_group = models.CharField(
        _("age group"), max_length=10, choices=AgeGroup.choices, blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("walk-in")
        verbose_name_plural = _("walk-ins")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(party_size__gte=1), name="walkin_party_positive"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_size} · {self.event}"


class Reminder(models.Model):
    """One message due to one registration at one time. A periodic sweep finds due rows.

    Rows rather than countdown tasks: a Redis broker redelivers tasks scheduled further ahead
    than its visibility timeout, and rows survive restarts and time changes.
    """

    class Kind(models.TextChoices):
        BEFORE = "before", _("Reminder before the event")
        FOLLOW_UP = "follow_up", _("Thank-you after the event")

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="reminders"
    )
    kind = models.CharField(max_length=10, choices=Kind.choices)
    offset_minutes = models.IntegerField()
    due_at = models.DateTimeField()
    queued_at = models.DateTimeField(null=True, blank=True)
    skipped = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind", "offset_minutes"], name="reminder_once"
            )
        ]
        indexes = [models.Index(fields=["queued_at", "due_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.registration} · {self.due_at:%Y-%m-%d %H:%M}"
