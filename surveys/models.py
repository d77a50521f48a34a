"""Surveys: multilingual questions, anonymous or identified responses, invitations.

Texts that residents read are stored per language as {"en": "...", "es": "..."} so that a
survey can be offered in every language of the portal and its gaps can be listed.

Anonymity: an anonymous submission is first a HeldResponse, sealed (encrypted with a key
from settings) and labelled only with its stratum (survey, language, source). Once a
stratum holds 10, they are published together as Response rows, in random order, dated
the day the group was complete, in one transaction (surveys.services). A Response carries
a random UUID key, a day, no IP, no user, no invitation. Invitations keep a hash of their
token and a used flag.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Neighbourhood, Resident
from engagement_portal.core.tokens import new_public_id  # noqa: F401 (migrations)
from programs.models import Program


def pick(texts: dict, language: str | None = None) -> str:
    """The text in `language` (default: the active one), else English, else any."""
    if not texts:
        return ""
    language = (language or get_language() or "en").split("-")[0]
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


class StandardItem(models.Model):
    """An agency-standard question, worded once, reused in any survey so trends compare."""

    key = models.SlugField(_("key"), unique=True)
    kind = models.CharField(_("kind"), max_length=20)
    text = models.JSONField(_("question"), default=dict)
    help = models.JSONField(_("help text"), default=dict, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    # Demographic items: the population category their answers describe ("age"), and
    # their groups as [{"code": ..., "label": {language: text}}]; the codes are the groups
    # of that category in neighbourhood demographic shares.
    category = models.CharField(_("demographic category"), max_length=40, blank=True)
    groups = models.JSONField(_("groups"), default=list, blank=True)

    class Meta:
        ordering = ["position", "key"]
        verbose_name = _("standard question")
        verbose_name_plural = _("standard questions")

    def __str__(self) -> str:
        return pick(self.text)


class Survey(models.Model):
    class Mode(models.TextChoices):
        ANONYMOUS = "anonymous", _("Anonymous: answers are not linked to anyone")
        IDENTIFIED = "identified", _("Identified: answers are linked to the respondent")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    title = models.JSONField(_("title"), default=dict)
    introduction = models.JSONField(_("introduction"), default=dict, blank=True)
    languages = models.JSONField(
        _("languages offered"), default=list, help_text=_("Codes from the portal's languages.")
    )
    mode = models.CharField(_("mode"), max_length=12, choices=Mode.choices, default=Mode.ANONYMOUS)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    opens_at = models.DateTimeField(_("opens"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    program = models.ForeignKey(
        Program,
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="surveys"
    )
    # Versions: once a survey has answers its questions are frozen; edits go to a copy with
    # version + 1, which replaces it. Public links follow `replaced_by` to the current one.
    version = models.PositiveSmallIntegerField(default=1)
    replaced_by = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    results_published = models.BooleanField(_("results published"), default=False)
    results_summary = models.JSONField(_("summary of results"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")

    def __str__(self) -> str:
        return pick(self.title) or self.public_id

    def get_absolute_url(self) -> str:
        return reverse("surveys:answer", args=[self.public_id])

    @property
    def is_anonymous(self) -> bool:
        return self.mode == self.Mode.ANONYMOUS


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        AGREEMENT = "agreement", _("Agreement scale (5 points)")
        RATING = "rating", _("Rating (1 to 5)")
        SCALE = "scale", _("Scale (0 to 10)")
        YES_NO = "yes_no", _("Yes or no")
        NUMBER = "number", _("Number")
        SHORT_TEXT = "short_text", _("Short text")
        LONG_TEXT = "long_text", _("Long text")
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood")

    class Operator(models.TextChoices):
        EQUAL = "eq", _("is")
        AT_LEAST = "gte", _("is at least")
        AT_MOST = "lte", _("is at most")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    TEXT_KINDS = (Kind.SHORT_TEXT, Kind.LONG_TEXT)
    # Kinds whose answer is a number, which a later question's condition can compare.
    VALUE_KINDS = (Kind.YES_NO, Kind.AGREEMENT, Kind.RATING, Kind.SCALE, Kind.NUMBER)

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    page = models.PositiveSmallIntegerField(_("page"), default=1)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    text = models.JSONField(_("question"), default=dict)
    help = models.JSONField(_("help text"), default=dict, blank=True)
    required = models.BooleanField(_("required"), default=False)
    demographic = models.BooleanField(
        _("demographic question"),
        default=False,
        help_text=_("Always optional, and always offers “Prefer not to say”."),
    )
    standard_item = models.ForeignKey(
        StandardItem, null=True, blank=True, on_delete=models.PROTECT, related_name="questions"
    )
    # Display condition: show this question only if an earlier choice question has a given answer.
    condition_choice = models.ForeignKey(
        "Choice",
        verbose_name=_("show only if the answer is"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dependent_questions",
    )
    # Or: show it only if an earlier yes/no, scale or number question's answer compares so
    # with condition_value (yes is 1, no is 0).
    condition_question = models.ForeignKey(
        "self",
        verbose_name=_("show only if the answer to"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="value_dependents",
    )
    condition_operator = models.CharField(
        _("comparison"), max_length=3, choices=Operator.choices, blank=True
    )
    condition_value = models.IntegerField(_("compared with"), null=True, blank=True)
    min_value = models.IntegerField(_("smallest number"), null=True, blank=True)
    max_value = models.IntegerField(_("largest number"), null=True, blank=True)

    class Meta:
        ordering = ["page", "position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return pick(self.text)

    def value_condition_met(self, value: int | None) -> bool:
        """Whether `value`, the answer to condition_question, meets this condition."""
        if value is None or self.condition_value is None:
            return False
        if self.condition_operator == self.Operator.AT_LEAST:
            return value >= self.condition_value
        if self.condition_operator == self.Operator.AT_MOST:
            return value <= self.condition_value
        return value == self.condition_value


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.JSONField(_("label"), default=dict)
    # The group a choice of a demographic standard question stands for (else empty).
    code = models.CharField(max_length=40, blank=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self) -> str:
        return pick(self.label)


class Response(models.Model):
    """One completed questionnaire. Keyed by a random UUID; dated, never timed."""

    class Source(models.TextChoices):
        WEB = "web", _("Web link")
        KIOSK = "kiosk", _("Kiosk")
        PAPER = "paper", _("Paper")
        INVITATION = "invitation", _("Invitation")
        # Leftovers of a closed survey published as one group: their own source (and
        # language) would have singled them out.
        COMBINED = "combined", _("Several sources (combined to protect anonymity)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.PROTECT, related_name="responses")
    language = models.CharField(_("language"), max_length=10)
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    submitted_on = models.DateField(_("submitted on"))
    neighbourhood = models.ForeignKey(
        Neighbourhood, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Identified surveys only; always empty in anonymous ones (a check constraint in the
    # service and a test on stored rows keep it so).
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_responses"
    )

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")
        indexes = [models.Index(fields=["survey", "submitted_on"])]

    def __str__(self) -> str:
        return f"{self.survey} · {self.submitted_on}"


class HeldResponse(models.Model):
    """An anonymous response waiting for its stratum to reach 10 (see surveys.services).

    Only the stratum is in clear; the answers and the day are sealed (surveys.sealing).
    No invitation, no time, a random key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="held_responses")
    language = models.CharField(max_length=10)
    source = models.CharField(max_length=12, choices=Response.Source.choices)
    sealed = models.TextField()

    class Meta:
        verbose_name = _("response waiting to be published")
        verbose_name_plural = _("responses waiting to be published")

    def __str__(self) -> str:
        return f"{self.survey} · {self.language} · {self.source}"


class Answer(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.PROTECT, related_name="answers"
    )
    number = models.IntegerField(null=True, blank=True)
    text = models.TextField(blank=True)
    declined = models.BooleanField(_("prefer not to say"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        indexes = [
            models.Index(fields=["question", "choice"]),
            models.Index(fields=["question", "number"]),
        ]

    def __str__(self) -> str:
        return f"{self.question}: {self.choice or self.number or self.text[:30]}"


class FollowUpContact(models.Model):
    """An email left by a respondent to hear what the agency did with the results.

    Deliberately unlinked: no response, no date, a random key.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="follow_up_contacts")
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=10)

    class Meta:
        verbose_name = _("follow-up contact")
        verbose_name_plural = _("follow-up contacts")
        constraints = [
            models.UniqueConstraint(fields=["survey", "email"], name="follow_up_once_per_survey")
        ]

    def __str__(self) -> str:
        return self.email


class Distribution(models.Model):
    """Sending a survey's invitations to an audience, in batches, resumably."""

    class Audience(models.TextChoices):
        PROGRAM = "program", _("Participants of a program")
        EVENT_REGISTRANTS = "event_registrants", _("Everyone registered for an event")
        EVENT_ATTENDEES = "event_attendees", _("Attendees of an event")
        NEIGHBOURHOODS = "neighbourhoods", _("Residents of neighbourhoods who agreed to surveys")
        CSV = "csv", _("A list of contacts (CSV)")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        RUNNING = "running", _("Sending")
        PAUSED = "paused", _("Paused")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Finished")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="distributions")
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    parameters = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    reminder_after_days = models.PositiveSmallIntegerField(
        _("remind non-responders after (days)"), null=True, blank=True
    )
    max_reminders = models.PositiveSmallIntegerField(_("at most this many reminders"), default=0)
    skipped_sensitive = models.PositiveIntegerField(default=0)
    skipped_opted_out = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")

    def __str__(self) -> str:
        return f"{self.survey} → {self.get_audience_display()}"


class Invitation(models.Model):
    """A single-use link for one contact. Stores a hash of the token, never the token."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SKIPPED = "skipped", _("Skipped")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    distribution = models.ForeignKey(
        Distribution, null=True, blank=True, on_delete=models.CASCADE, related_name="invitations"
    )
    resident = models.ForeignKey(
        Resident, null=True, blank=True, on_delete=models.SET_NULL, related_name="invitations"
    )
    contact = models.CharField(_("email or phone"), max_length=254)
    channel = models.CharField(max_length=10)
    language = models.CharField(max_length=10)
    token_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    opened = models.BooleanField(default=False)
    used = models.BooleanField(default=False)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        constraints = [
            # One live invitation per contact and survey. A skipped one (its distribution
            # was discarded or cancelled before it went, or the person was found sensitive)
            # was never sent: it must not keep that person out of a later distribution.
            models.UniqueConstraint(
                fields=["survey", "contact"],
                condition=~models.Q(status="skipped"),
                name="invitation_once_per_contact",
            )
        ]
        # With the id last, a runner's claim (pending, oldest first, 500 at a time) reads the
        # index in order and stops, instead of sorting every pending row of the run.
        indexes = [models.Index(fields=["distribution", "status", "id"])]

    def __str__(self) -> str:
        return f"{self.survey} → {self.contact}"
