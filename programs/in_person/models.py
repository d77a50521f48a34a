"""Models of this tier."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core.languages import interface_languages
from engagement_portal.core.tokens import new_public_id


class PartnerOrganisation(models.Model):
    """A community organisation the agency works with (schools, faith, treatment, ...)."""

    class Kind(models.TextChoices):
        FAITH = "faith", _("Faith community")
        TREATMENT = "treatment", _("Treatment or health provider")
        SCHOOL = "school", _("School or college")
        VICTIM_SERVICES = "victim_services", _("Victim services")
        NEIGHBOURHOOD = "neighbourhood", _("Neighbourhood association")
        BUSINESS = "business", _("Business")
        GOVERNMENT = "government", _("Other public agency")
        OTHER = "other", _("Other")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    website = models.URLField(_("website"), blank=True)
    # Declared here, not on Program: the spectrum's core knows no tier. `program.partners`
    # reads it from the other side.
    programs = models.ManyToManyField(
        "programs.Program",
        verbose_name=_("programs"),
        blank=True,
        related_name="partners",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self) -> str:
        return self.name


class PartnerContact(models.Model):
    """A person to talk to at a partner organisation."""

    partner = models.ForeignKey(
        PartnerOrganisation,
        verbose_name=_("partner organisation"),
        on_delete=models.CASCADE,
        related_name="contacts",
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("partner contact")
        verbose_name_plural = _("partner contacts")

    def __str__(self) -> str:
        return f"{self.name} ({self.partner})"


class PartnerAgreement(models.Model):
    """A written agreement with a partner (MOU, data sharing, co-facilitation) and its renewal.

    The responsible staff member is reminded `renewal_notice_days` before `renews_on`.
    """

    class Kind(models.TextChoices):
        MOU = "mou", _("Memorandum of understanding")
        DATA_SHARING = "data_sharing", _("Data sharing agreement")
        CO_FACILITATION = "co_facilitation", _("Co-facilitation agreement")
        OTHER = "other", _("Other agreement")

    partner = models.ForeignKey(
        PartnerOrganisation,
        verbose_name=_("partner organisation"),
        on_delete=models.CASCADE,
        related_name="agreements",
    )
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MOU)
    starts_on = models.DateField(_("starts on"))
    renews_on = models.DateField(_("up for renewal on"))
    document_url = models.URLField(_("link to the document"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible staff member"),
        on_delete=models.PROTECT,
        related_name="partner_agreements_responsible",
    )
    renewal_notice_days = models.PositiveSmallIntegerField(
        _("renewal reminder (days before)"),
        default=60,
        help_text=_("Days before renewal that the responsible staff member is emailed."),
    )

    class Meta:
        ordering = ["renews_on", "pk"]
        verbose_name = _("partner agreement")
        verbose_name_plural = _("partner agreements")

    def __str__(self) -> str:
        return f"{self.title} ({self.partner})"

    def renewal_is_due(self, today) -> bool:
        """True from `renewal_notice_days` before the renewal date until that date."""
        return today <= self.renews_on <= today + timedelta(days=self.renewal_notice_days)


class ResidentRequest(models.Model):
    """A resident asks the agency to come to them; staff accept (creating the event),
    propose another time, or decline with a reason. The resident follows it through a
    private link whose token only they hold (we keep its hash)."""

    class Kind(models.TextChoices):
        FRONT_PORCH = "front_porch", _("Host a front-porch line-up")
        BRIEFING = "briefing", _("A neighbourhood briefing on a topic")
        RIDE_OUT = "ride_out", _("A ride-out slot")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted: waiting for staff")
        TIME_PROPOSED = "time_proposed", _("Another time proposed")
        TIME_AGREED = "time_agreed", _("Proposed time agreed: waiting for staff")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    # The seeded engagement type each kind of request becomes an event of.
    TYPE_SLUGS = {
        Kind.FRONT_PORCH: "front-porch-line-ups",
        Kind.BRIEFING: "neighbourhood-briefings",
        Kind.RIDE_OUT: "ride-outs",
    }
    OPEN = (Status.SUBMITTED, Status.TIME_PROPOSED, Status.TIME_AGREED)

    public_id = models.CharField(max_length=16, unique=True, default=new_public_id, editable=False)
    kind = models.CharField(_("what you are asking for"), max_length=12, choices=Kind.choices)
    resident = models.ForeignKey(
        "accounts.Resident",
        verbose_name=_("resident"),
        on_delete=models.PROTECT,
        related_name="requests",
    )
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    details = models.TextField(_("details"), blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_requests",
    )
    preferred_time_1 = models.CharField(_("first choice of time"), max_length=200)
    preferred_time_2 = models.CharField(_("second choice of time"), max_length=200, blank=True)
    preferred_time_3 = models.CharField(_("third choice of time"), max_length=200, blank=True)
    language = models.CharField(
        _("language for messages"), max_length=10, choices=interface_languages, default="en"
    )
    status = models.CharField(
        _("status"), max_length=14, choices=Status.choices, default=Status.SUBMITTED
    )
    staff_reply = models.TextField(_("reply from the agency"), blank=True)
    proposed_start = models.DateTimeField(_("proposed time"), null=True, blank=True)
    created_event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_requests",
    )
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident_requests",
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("received"), default=timezone.now)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)
    # Set when retention or an erasure blanked the request's personal details.
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("resident request")
        verbose_name_plural = _("resident requests")
        indexes = [models.Index(fields=["status", "kind"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.resident}"

    @property
    def type_slug(self) -> str:
        return self.TYPE_SLUGS[self.kind]

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN

    def preferred_times(self) -> list[str]:
        return [
            t for t in (self.preferred_time_1, self.preferred_time_2, self.preferred_time_3) if t
        ]


class RequestRoute(models.Model):
    """Who answers a kind of resident request besides the staff of the active programs of
    that kind: a unit, named staff, or both. Administrators name them, so that a request
    reaches someone even while no program of its kind is running."""

    kind = models.CharField(
        _("kind of request"), max_length=12, choices=ResidentRequest.Kind.choices, unique=True
    )
    unit = models.ForeignKey(
        "accounts.Unit",
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Everyone in this unit who handles programs sees these requests."),
    )
    handlers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff"),
        blank=True,
        related_name="+",
        help_text=_(
            "These staff see these requests and may accept them into any active "
            "program of their kind."
        ),
    )

    class Meta:
        ordering = ["kind"]
        verbose_name = _("routing of resident requests")
        verbose_name_plural = _("routing of resident requests")

    def __str__(self) -> str:
        return str(self.get_kind_display())
