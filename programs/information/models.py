"""Models of this tier."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core.tokens import new_public_id


class Announcement(models.Model):
    """News, a traffic update, a request for help or a good story, published on the portal
    and in its Atom feed (which social-media tools can read). Texts per language."""

    class Kind(models.TextChoices):
        NEWS = "news", _("News")
        TRAFFIC = "traffic", _("Traffic update")
        HELP = "help", _("Request for help")
        STORY = "story", _("Positive story")
        EVENT = "event", _("Upcoming event")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="announcements",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NEWS)
    title = models.JSONField(_("title"), default=dict)
    body = models.JSONField(_("text"), default=dict)
    neighbourhoods = models.ManyToManyField(
        Neighbourhood, verbose_name=_("neighbourhoods"), blank=True, related_name="announcements"
    )
    published_at = models.DateTimeField(
        _("published"), null=True, blank=True, help_text=_("Empty while it is a draft.")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="announcements"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        indexes = [models.Index(fields=["published_at"])]

    def __str__(self) -> str:
        return next(iter((self.title or {}).values()), self.public_id)


class PressQuestion(models.Model):
    """A resident's question sent in advance of a press conference, moderated by staff."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Waiting for moderation")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Not taken")
        ANSWERED = "answered", _("Answered")

    event = models.ForeignKey(
        "events.Event", on_delete=models.CASCADE, related_name="press_questions"
    )
    question = models.TextField(_("your question"), max_length=1000)
    name = models.CharField(_("your name (optional)"), max_length=150, blank=True)
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED
    )
    answer_note = models.TextField(_("answer given"), blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    submitted_on = models.DateField(_("submitted on"), default=timezone.localdate)

    class Meta:
        ordering = ["submitted_on", "pk"]
        verbose_name = _("press-conference question")
        verbose_name_plural = _("press-conference questions")

    def __str__(self) -> str:
        return self.question[:60]


class AnnouncementReply(models.Model):
    """A resident's answer to an announcement, above all to a request for help identifying
    someone: a tip, a sighting, an offer. Staff on the announcement's program read them."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="replies")
    message = models.TextField(_("what you know"), max_length=5000)
    name = models.CharField(_("your name (optional)"), max_length=150, blank=True)
    contact = models.CharField(
        _("how we can reach you (optional)"),
        max_length=200,
        blank=True,
        help_text=_("An email address or phone number. Leave it empty to stay anonymous."),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("followed up"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(_("received"), default=timezone.now)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("reply to an announcement")
        verbose_name_plural = _("replies to announcements")

    def __str__(self) -> str:
        return self.message[:60]
