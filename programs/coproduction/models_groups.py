"""Standing groups: advisory groups, policy review committees, review boards, hiring boards.

Members serve a term in a role. Meetings are events of the group's program, with an agenda,
minutes and attendance (`Attendance`, shared with cohorts). Items under review (a policy, a
technology, a curriculum, interview questions, a case) carry documents; staff can open a
public comment period on non-confidential items, and comments are moderated before they
are published.

Confidential items (review-board case material) are shown only to the group's current
members who have an account and to staff named on the item; every view and download is
written to the audit log.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.languages import interface_languages
from engagement_portal.core.tokens import new_public_id


class GroupMember(models.Model):
    class Role(models.TextChoices):
        CHAIR = "chair", _("Chair")
        VICE_CHAIR = "vice_chair", _("Vice-chair")
        MEMBER = "member", _("Member")
        YOUTH = "youth", _("Youth member")
        ALTERNATE = "alternate", _("Alternate")

    program = models.ForeignKey(
        "programs.Program", on_delete=models.PROTECT, related_name="group_members"
    )
    resident = models.ForeignKey(
        "accounts.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="group_memberships",
    )
    application = models.OneToOneField(
        "structured.Application",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="group_member",
    )
    role = models.CharField(_("role"), max_length=12, choices=Role.choices, default=Role.MEMBER)
    term_starts = models.DateField(_("term starts"))
    term_ends = models.DateField(_("term ends"))
    ended_early_on = models.DateField(_("left early on"), null=True, blank=True)

    class Meta:
        ordering = ["resident__name", "term_starts", "pk"]
        verbose_name = _("group member")
        verbose_name_plural = _("group members")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(term_ends__gt=models.F("term_starts")),
                name="member_term_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_role_display()}"

    def serving_on(self, day) -> bool:
        """On the group that day: within the term and before leaving early, if they did."""
        if self.ended_early_on and day >= self.ended_early_on:
            return False
        return self.term_starts <= day <= self.term_ends


class MeetingRecord(models.Model):
    """The agenda and minutes of a group's meeting (an event of the group's program)."""

    event = models.OneToOneField(
        "events.Event", on_delete=models.CASCADE, related_name="meeting_record"
    )
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    minutes_published_at = models.DateTimeField(_("minutes published"), null=True, blank=True)

    class Meta:
        verbose_name = _("meeting record")
        verbose_name_plural = _("meeting records")

    def __str__(self) -> str:
        return str(self.event)


class ReviewItem(models.Model):
    class Kind(models.TextChoices):
        POLICY = "policy", _("Policy")
        TECHNOLOGY = "technology", _("Technology")
        CURRICULUM = "curriculum", _("Training curriculum")
        INTERVIEW_QUESTIONS = "interview_questions", _("Interview questions and criteria")
        INITIATIVE = "initiative", _("New initiative")
        CASE = "case", _("Case for review")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Being prepared")
        UNDER_REVIEW = "under_review", _("Under review")
        CONCLUDED = "concluded", _("Review concluded")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("group"),
        on_delete=models.PROTECT,
        related_name="review_items",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.DRAFT
    )
    confidential = models.BooleanField(
        _("confidential case material"),
        default=False,
        help_text=_(
            "Only the group's current members and the staff named below can see it; "
            "every view is logged. Confidential items never take public comment."
        ),
    )
    named_staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff who may see it"),
        blank=True,
        related_name="review_items_named",
    )
    comment_opens_at = models.DateTimeField(_("public comment opens"), null=True, blank=True)
    comment_closes_at = models.DateTimeField(_("public comment closes"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("item under review")
        verbose_name_plural = _("items under review")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(confidential=False) | models.Q(comment_opens_at__isnull=True),
                name="confidential_items_take_no_public_comment",
            ),
            models.CheckConstraint(
                condition=models.Q(comment_opens_at__isnull=True)
                | models.Q(comment_closes_at__gt=models.F("comment_opens_at")),
                name="comment_period_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def comment_period_open(self, now=None) -> bool:
        now = now or timezone.now()
        return bool(
            self.comment_opens_at
            and self.comment_closes_at
            and self.comment_opens_at <= now < self.comment_closes_at
        )


def review_document_path(instance, filename: str) -> str:
    # Never under a public URL: documents are served by a view that checks who asks.
    return f"review/{instance.item.public_id}/{new_public_id()}-{filename}"


class ReviewDocument(models.Model):
    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=review_document_path, blank=True)
    link = models.URLField(_("or a link to it"), blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title


class PublicComment(models.Model):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for moderation")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Not published")

    item = models.ForeignKey(ReviewItem, on_delete=models.CASCADE, related_name="comments")
    text = models.TextField(_("your comment"), max_length=5000)
    name = models.CharField(_("your name (optional)"), max_length=150, blank=True)
    neighbourhood = models.ForeignKey(
        "accounts.Neighbourhood",
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    language = models.CharField(max_length=10, choices=interface_languages, default="en")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    rejection_reason = models.CharField(_("why it was not published"), max_length=300, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("public comment")
        verbose_name_plural = _("public comments")
        indexes = [models.Index(fields=["item", "status"])]

    def __str__(self) -> str:
        return self.text[:60]
