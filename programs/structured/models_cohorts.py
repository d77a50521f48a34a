"""Cohorts: structured programs run as a group of people through a run of sessions.

An academy class, an Explorer post's year, a set of role-players for an in-service week.
Its sessions are events (linked by `CohortSession`), unlisted so residents cannot register for
them one by one. Staff record attendance per session; a member completes when they attended
at least `completion_percent` of the sessions held, and can print a certificate in their
language. Alumni can be invited into volunteer programs.

`Attendance` is per (session, resident) and is also how standing groups record who came to
a meeting.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.languages import interface_languages
from engagement_portal.core.tokens import new_public_id


class Cohort(models.Model):
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="cohorts",
    )
    name = models.CharField(_("name"), max_length=150, help_text=_("For example: Spring 2027."))
    completion_percent = models.PositiveSmallIntegerField(
        _("sessions to attend to complete (%)"),
        default=80,
        help_text=_("Members who attend at least this share of the sessions held complete it."),
    )
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(
        _("closed"),
        null=True,
        blank=True,
        help_text=_("When staff closed the cohort and completion was worked out."),
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("cohort")
        verbose_name_plural = _("cohorts")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(completion_percent__gte=1, completion_percent__lte=100),
                name="cohort_completion_percent_range",
            )
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.name}"


class CohortSession(models.Model):
    """One of a cohort's sessions. The event is the building block's; that it belongs to a
    cohort (and takes attendance from its members, not registrations) is the tier's."""

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="session_links")
    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="cohort_session"
    )

    class Meta:
        verbose_name = _("cohort session")
        verbose_name_plural = _("cohort sessions")

    def __str__(self) -> str:
        return f"{self.cohort} · {self.event}"


class CohortMember(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", _("Taking part")
        COMPLETED = "completed", _("Completed")
        NOT_COMPLETED = "not_completed", _("Did not complete")
        LEFT = "left", _("Left the cohort")

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="members")
    resident = models.ForeignKey(
        "accounts.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="cohort_memberships",
    )
    application = models.OneToOneField(
        "structured.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cohort_member",
    )
    language = models.CharField(
        _("language"), max_length=10, choices=interface_languages, default="en"
    )
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.ACTIVE
    )
    certificate_id = models.CharField(
        max_length=16, unique=True, default=new_public_id, editable=False
    )
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["resident__name", "pk"]
        verbose_name = _("cohort member")
        verbose_name_plural = _("cohort members")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "resident"], name="one_membership_per_cohort")
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.cohort}"


class Attendance(models.Model):
    """Whether a roster member (cohort member or group member) came to a session."""

    event = models.ForeignKey("events.Event", on_delete=models.CASCADE, related_name="attendance")
    resident = models.ForeignKey(
        "accounts.Resident", on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField(_("present"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["event", "resident"], name="attendance_once_per_session"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} @ {self.event}: {self.present}"


class AlumniInvitation(models.Model):
    """A completed cohort member invited to apply to another program (often volunteering)."""

    member = models.ForeignKey(CohortMember, on_delete=models.CASCADE, related_name="invitations")
    program = models.ForeignKey(
        "programs.Program", on_delete=models.CASCADE, related_name="alumni_invitations"
    )
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("alumni invitation")
        verbose_name_plural = _("alumni invitations")
        constraints = [
            models.UniqueConstraint(fields=["member", "program"], name="invite_alumnus_once")
        ]

    def __str__(self) -> str:
        return f"{self.member} → {self.program}"
