"""Volunteers: a roster with roles, trainings that expire, shifts and approved hours.

Citizens on Patrol, Volunteers in Police Service, event helpers, victim services response.
A `Volunteer` belongs to one program (its roster) in one role. Each role lists the
trainings or certifications it needs; a volunteer's `Certification` records when they got
one and when it lapses, and a periodic task reminds them (and the program's staff) before
it does. Volunteers sign up for shifts up to their capacity, and log hours through their
private link (or staff log for them); staff approve hours before they count.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.languages import interface_languages
from engagement_portal.core.tokens import new_public_id


class Training(models.Model):
    """A training or certification some volunteer roles need (first aid, radio, driving)."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    description = models.TextField(_("description"), blank=True)
    valid_for_months = models.PositiveSmallIntegerField(
        _("valid for (months)"), null=True, blank=True, help_text=_("Blank means it never lapses.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("training or certification")
        verbose_name_plural = _("trainings and certifications")

    def __str__(self) -> str:
        return self.name


class VolunteerRole(models.Model):
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="volunteer_roles"
    )
    name = models.CharField(
        _("role"), max_length=150, help_text=_("For example: Citizens on Patrol.")
    )
    description = models.TextField(_("what the role does"), blank=True)
    required_trainings = models.ManyToManyField(
        Training, verbose_name=_("required trainings"), blank=True, related_name="roles"
    )
    uses_agency_equipment = models.BooleanField(_("uses agency equipment"), default=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("volunteer role")
        verbose_name_plural = _("volunteer roles")
        constraints = [
            models.UniqueConstraint(fields=["program", "name"], name="volunteer_role_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Volunteer(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        PAUSED = "paused", _("Paused")
        LEFT = "left", _("Left")

    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="volunteers"
    )
    resident = models.ForeignKey(
        "accounts.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="volunteering",
    )
    role = models.ForeignKey(
        VolunteerRole, verbose_name=_("role"), on_delete=models.PROTECT, related_name="volunteers"
    )
    application = models.OneToOneField(
        "structured.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE
    )
    language = models.CharField(
        _("language"), max_length=10, choices=interface_languages, default="en"
    )
    joined_on = models.DateField(_("joined on"), default=timezone.localdate)
    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["resident__name", "pk"]
        verbose_name = _("volunteer")
        verbose_name_plural = _("volunteers")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "resident"], name="volunteer_once_per_program"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.role}"


class Certification(models.Model):
    volunteer = models.ForeignKey(
        Volunteer, on_delete=models.CASCADE, related_name="certifications"
    )
    training = models.ForeignKey(
        Training, verbose_name=_("training"), on_delete=models.PROTECT, related_name="+"
    )
    completed_on = models.DateField(_("completed on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["expires_on", "pk"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(expires_on__gt=models.F("completed_on")),
                name="certification_expires_after_completion",
            )
        ]
        indexes = [models.Index(fields=["expires_on"])]

    def __str__(self) -> str:
        return f"{self.training} · {self.volunteer}"


class Shift(models.Model):
    program = models.ForeignKey("programs.Program", on_delete=models.CASCADE, related_name="shifts")
    role = models.ForeignKey(
        VolunteerRole,
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shifts",
        help_text=_("Blank means volunteers in any role can sign up."),
    )
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("where"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("volunteers needed"), default=1)
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("at event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer_shifts",
    )

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="shift_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(capacity__gte=1), name="shift_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.starts_at:%Y-%m-%d %H:%M})"


class ShiftSignup(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="signups")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("shift sign-up")
        verbose_name_plural = _("shift sign-ups")
        constraints = [
            models.UniqueConstraint(fields=["shift", "volunteer"], name="sign_up_once_per_shift")
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.shift}"


class HoursEntry(models.Model):
    """Time a volunteer gave. Counts in totals once staff approve it."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not approved")

    volunteer = models.ForeignKey(Volunteer, on_delete=models.CASCADE, related_name="hours")
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("shift"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="hours",
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"))
    description = models.CharField(_("what you did"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the volunteer logged it themselves."),
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-started_at", "-pk"]
        verbose_name = _("hours entry")
        verbose_name_plural = _("hours entries")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__gt=models.F("started_at")),
                name="hours_end_after_start",
            )
        ]
        indexes = [models.Index(fields=["volunteer", "started_at"])]

    def __str__(self) -> str:
        return f"{self.volunteer} {self.started_at:%Y-%m-%d}"

    @property
    def hours(self) -> float:
        return round((self.ended_at - self.started_at).total_seconds() / 3600, 2)
