"""Applications and selection: programs that choose their participants.

Citizen police academies, Explorer posts, volunteer programs, ride-outs, role-players for
training and hiring scenarios, and seats on advisory groups and boards all take
applications. A program's `ApplicationForm` sets the window, the eligibility rules, the
acknowledgements applicants must give and its own questions; an `Application` moves
submitted → under review → accepted / waitlisted / declined, or withdrawn by the applicant.

Applicants hold a private link (we store the SHA-256 of its token); a minor's guardian gets
their own single-use link to give consent.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.languages import interface_languages
from engagement_portal.core.tokens import new_public_id


class Acknowledgement(models.TextChoices):
    """Statements an applicant must accept, by kind of program."""

    WAIVER = "waiver", _("Ride-along and activity waiver")
    CONFIDENTIALITY = "confidentiality", _("Confidentiality agreement")
    CONDUCT = "conduct", _("Code of conduct")
    BACKGROUND_CHECK = "background_check", _("Consent to a background check")


class ApplicationForm(models.Model):
    """How a selective program takes applications: when, from whom, and what it asks."""

    program = models.OneToOneField(
        "programs.Program",
        verbose_name=_("program"),
        on_delete=models.CASCADE,
        related_name="application_form",
    )
    opens_at = models.DateTimeField(_("applications open"))
    closes_at = models.DateTimeField(_("applications close"))
    places = models.PositiveIntegerField(
        _("places"), null=True, blank=True, help_text=_("How many people you expect to accept.")
    )
    minimum_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        help_text=_("Age on the day of applying. Blank means no minimum."),
    )
    maximum_age = models.PositiveSmallIntegerField(
        _("maximum age"),
        null=True,
        blank=True,
        help_text=_("For youth programs. Blank means no maximum."),
    )
    residency_required = models.BooleanField(
        _("must live or work in the service area"), default=False
    )
    retention_days = models.PositiveIntegerField(
        _("keep applications for (days)"),
        null=True,
        blank=True,
        help_text=_(
            "How long applicants' personal details are kept after the decision. "
            "Blank means the agency's default."
        ),
    )
    acknowledgements = models.JSONField(
        _("acknowledgements required"),
        default=list,
        blank=True,
        help_text=_("What every applicant must accept before applying."),
    )
    acknowledgement_texts = models.JSONField(
        _("acknowledgement texts"),
        default=dict,
        blank=True,
        help_text=_("The full text of each acknowledgement, per language."),
    )
    guardian_consent_under = models.PositiveSmallIntegerField(
        _("guardian consent needed under age"),
        null=True,
        blank=True,
        help_text=_("Applicants younger than this need a parent or guardian's consent."),
    )
    introduction = models.JSONField(_("introduction"), default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("application form")
        verbose_name_plural = _("application forms")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(closes_at__gt=models.F("opens_at")),
                name="application_window_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return str(self.program)

    def is_open(self, now=None) -> bool:
        now = now or timezone.now()
        return self.opens_at <= now < self.closes_at


class ApplicationQuestion(models.Model):
    """A program's own question on its application form, with its text per language."""

    class Kind(models.TextChoices):
        SHORT = "short", _("Short answer")
        LONG = "long", _("Paragraph")
        YES_NO = "yes_no", _("Yes or no")
        CHOICE = "choice", _("One of a list")

    form = models.ForeignKey(ApplicationForm, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SHORT)
    text = models.JSONField(_("question"), default=dict)
    help_text = models.JSONField(_("help text"), default=dict, blank=True)
    choices = models.JSONField(
        _("choices"), default=list, blank=True, help_text=_("Per choice: its text per language.")
    )
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("application question")
        verbose_name_plural = _("application questions")

    def __str__(self) -> str:
        return next(iter((self.text or {}).values()), "")


class Application(models.Model):
    """One person's application to a selective program."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        UNDER_REVIEW = "under_review", _("Under review")
        ACCEPTED = "accepted", _("Accepted")
        WAITLISTED = "waitlisted", _("On the waiting list")
        DECLINED = "declined", _("Not selected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.WAITLISTED)
    DECIDED = (Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED)

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("program"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    resident = models.ForeignKey(
        "accounts.Resident",
        verbose_name=_("applicant"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    date_of_birth = models.DateField(_("date of birth"))
    address = models.CharField(_("home address"), max_length=300, blank=True)
    lives_in_service_area = models.BooleanField(
        _("lives or works in the service area"), default=False
    )
    answers = models.JSONField(_("answers"), default=dict, blank=True)
    acknowledged = models.JSONField(
        _("acknowledgements given"),
        default=dict,
        blank=True,
        help_text=_("Acknowledgement key → when it was accepted (ISO time)."),
    )
    language = models.CharField(
        _("language for messages"), max_length=10, choices=interface_languages, default="en"
    )
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.SUBMITTED
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)

    guardian_name = models.CharField(_("parent or guardian's name"), max_length=150, blank=True)
    guardian_email = models.EmailField(_("parent or guardian's email"), blank=True)
    guardian_phone = models.CharField(_("parent or guardian's phone"), max_length=30, blank=True)
    guardian_token_hash = models.CharField(
        max_length=64, unique=True, null=True, blank=True, editable=False
    )
    guardian_consented_at = models.DateTimeField(_("guardian consented"), null=True, blank=True)
    guardian_signature = models.CharField(
        _("guardian's typed signature"), max_length=150, blank=True
    )

    decision_note = models.TextField(
        _("message to the applicant"),
        blank=True,
        help_text=_("Sent with the decision, in the applicant's language."),
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when retention or an erasure blanked the applicant's details; the row stays for
    # the figures (status, program, an age-preserving birth date).
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["program", "status"])]
        constraints = [
            # One live application per person per program; a withdrawn or declined one
            # does not stop them applying again next time.
            models.UniqueConstraint(
                fields=["program", "resident"],
                condition=models.Q(
                    status__in=["submitted", "under_review", "accepted", "waitlisted"]
                ),
                name="one_live_application_per_program",
            )
        ]

    def __str__(self) -> str:
        return f"{self.resident} → {self.program}"

    @property
    def needs_guardian_consent(self) -> bool:
        return self.guardian_token_hash is not None or bool(self.guardian_name)

    @property
    def guardian_consent_pending(self) -> bool:
        return self.needs_guardian_consent and self.guardian_consented_at is None

    def age_on(self, day) -> int:
        born = self.date_of_birth
        return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class ApplicationNote(models.Model):
    """A reviewer's note on an application. Staff only; never shown to the applicant."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("review note")
        verbose_name_plural = _("review notes")

    def __str__(self) -> str:
        return self.text[:60]
