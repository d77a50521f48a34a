"""Models of this tier."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.tokens import new_public_id


class Recommendation(models.Model):
    """Something residents asked the agency to do, and the agency's dated answer to it.

    Any group, listening session, town hall or survey can produce one. The answer is due
    by `response_due`; overdue ones are flagged to the responsible staff by a periodic task.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", _("Received: awaiting the agency's answer")
        UNDER_REVIEW = "under_review", _("Under review")
        ADOPTED = "adopted", _("Adopted")
        PARTIALLY_ADOPTED = "partially_adopted", _("Partially adopted")
        NOT_ADOPTED = "not_adopted", _("Not adopted")

    ANSWERED = (Status.ADOPTED, Status.PARTIALLY_ADOPTED, Status.NOT_ADOPTED)
    OPEN = (Status.RECEIVED, Status.UNDER_REVIEW)

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("from program"),
        on_delete=models.PROTECT,
        related_name="recommendations",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("from session"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )
    survey = models.ForeignKey(
        "surveys.Survey",
        verbose_name=_("from survey"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("what residents recommended"))
    received_on = models.DateField(_("received on"))
    public = models.BooleanField(
        _("show on “You said, we did”"),
        default=True,
        help_text=_("Untick only for material that cannot be public, e.g. a review-board case."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    rationale = models.TextField(_("the agency's answer and why"), blank=True)
    responsible_unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recommendations",
    )
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible staff member"),
        on_delete=models.PROTECT,
        related_name="recommendations_responsible",
    )
    response_due = models.DateField(_("answer due by"))
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-received_on", "-pk"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        indexes = [models.Index(fields=["status", "response_due"])]

    def __str__(self) -> str:
        return self.title


class RecommendationUpdate(models.Model):
    """A dated step in a recommendation's history: a status change or a progress note."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="updates"
    )
    on = models.DateField(_("date"))
    status = models.CharField(_("status"), max_length=20, choices=Recommendation.Status.choices)
    text = models.TextField(_("progress"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")

    def __str__(self) -> str:
        return f"{self.recommendation} · {self.on}"


class RecommendationFollower(models.Model):
    """A resident who asked to hear when a recommendation's status changes."""

    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="followers"
    )
    resident = models.ForeignKey(
        "accounts.Resident", on_delete=models.CASCADE, related_name="followed_recommendations"
    )
    language = models.CharField(max_length=10)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("follower")
        verbose_name_plural = _("followers")
        constraints = [
            models.UniqueConstraint(
                fields=["recommendation", "resident"], name="follow_recommendation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.recommendation}"
