from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Language, Neighbourhood
from programs.spectrum import BUILDING_BLOCKS


class Tier(models.Model):
    """One of the five fixed tiers of the engagement spectrum (seeded; not edited)."""

    number = models.PositiveSmallIntegerField(_("number"), unique=True)
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"))

    class Meta:
        ordering = ["number"]
        verbose_name = _("tier")
        verbose_name_plural = _("tiers")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return gettext(self.name)

    @property
    def display_description(self) -> str:
        return gettext(self.description)


class EngagementType(models.Model):
    """A kind of engagement opportunity within a tier, and the building blocks it uses."""

    tier = models.ForeignKey(
        Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="types"
    )
    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"))
    position = models.PositiveSmallIntegerField(_("position"), default=100)
    is_seeded = models.BooleanField(_("from the reference spectrum"), default=False, editable=False)

    uses_sessions = models.BooleanField(_("scheduled sessions"), default=False)
    open_registration = models.BooleanField(_("open registration"), default=False)
    selective_application = models.BooleanField(_("selective application"), default=False)
    standing_membership = models.BooleanField(_("standing membership with terms"), default=False)
    volunteer_hours = models.BooleanField(_("volunteer hours"), default=False)
    requires_waiver = models.BooleanField(_("waiver"), default=False)
    requires_guardian_consent = models.BooleanField(_("guardian consent"), default=False)
    produces_recommendations = models.BooleanField(
        _("recommendations the agency answers"), default=False
    )

    default_capacity = models.PositiveIntegerField(
        _("default capacity"), null=True, blank=True, help_text=_("Blank means unlimited.")
    )
    default_duration_minutes = models.PositiveIntegerField(
        _("default session length (minutes)"), default=60
    )
    minimum_age = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(
        _("membership term (months)"), null=True, blank=True
    )
    needs_policy = models.BooleanField(
        _("needs a governing policy before launch"),
        default=False,
        help_text=_(
            "Programs of this type cannot be activated until staff record the policy that "
            "governs them and complete the readiness checklist."
        ),
    )

    class Meta:
        ordering = ["tier__number", "position", "name"]
        verbose_name = _("engagement type")
        verbose_name_plural = _("engagement types")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        # Seeded names are in the catalogues; names an agency adds show as typed.
        return gettext(self.name)

    @property
    def display_description(self) -> str:
        return gettext(self.description)

    def building_blocks(self) -> list[str]:
        return [gettext(label) for field, label in BUILDING_BLOCKS.items() if getattr(self, field)]


class Program(models.Model):
    """An agency's running instance of an engagement type, with a stated intention."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        COMPLETED = "completed", _("Completed")
        ARCHIVED = "archived", _("Archived")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public: listed in the catalogue")
        INTERNAL = "internal", _("Internal: staff only")

    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("web address"), max_length=80, unique=True)
    engagement_type = models.ForeignKey(
        EngagementType,
        verbose_name=_("engagement type"),
        on_delete=models.PROTECT,
        related_name="programs",
    )
    intention = models.TextField(
        _("intention"),
        help_text=_(
            "What the agency wants to achieve or learn through this program. Residents see it."
        ),
    )
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    outcome = models.TextField(
        _("outcome"), blank=True, help_text=_("What the program achieved, written when it ends.")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_programs",
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("team"),
        blank=True,
        related_name="team_programs",
    )
    languages = models.ManyToManyField(
        Language, verbose_name=_("languages offered"), blank=True, related_name="programs"
    )
    is_sensitive = models.BooleanField(
        _("sensitive participants"),
        default=False,
        help_text=_(
            "Victim services, youth without guardian consent and the like: its participants "
            "are never sent surveys automatically."
        ),
    )
    neighbourhoods = models.ManyToManyField(
        Neighbourhood,
        verbose_name=_("neighbourhoods served"),
        blank=True,
        related_name="programs",
        help_text=_("Leave empty for a program open to the whole service area."),
    )
    visibility = models.CharField(
        _("visibility"), max_length=10, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    governing_policy = models.CharField(
        _("governing policy"),
        max_length=200,
        blank=True,
        help_text=_("The policy's number and title, for example: GO 4.12 Volunteer Program."),
    )
    governing_policy_url = models.URLField(_("link to the policy"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")
        permissions = [
            ("view_spectrum", _("Can view the engagement spectrum overview")),
            ("manage_all_programs", _("Can edit every program, not only those on their team")),
        ]
        indexes = [models.Index(fields=["status", "visibility"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("programs:public-detail", args=[self.slug])

    def get_staff_url(self) -> str:
        return reverse("programs:staff-detail", args=[self.pk])

    @property
    def tier(self) -> Tier:
        return self.engagement_type.tier

    @property
    def is_public(self) -> bool:
        return self.visibility == self.Visibility.PUBLIC and self.status == self.Status.ACTIVE


class ReadinessCheck(models.Model):
    """One ticked item of a program's readiness checklist (see programs/readiness.py)."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="readiness_checks")
    item = models.CharField(_("item"), max_length=40)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    completed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("readiness check")
        verbose_name_plural = _("readiness checks")
        constraints = [
            models.UniqueConstraint(fields=["program", "item"], name="readiness_item_once")
        ]

    def __str__(self) -> str:
        return f"{self.program} · {self.item}"


# --- Recommendations and the agency's answer ("You said, we did") ----------------------


# --- Information sharing: announcements and press-conference questions ------------------


# --- Resident requests: host a line-up, ask for a briefing, ask for a ride-out slot -----
