from datetime import timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Language, Neighbourhood
from engagement_portal.core.tokens import new_public_id

from .spectrum import BUILDING_BLOCKS


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
    partners = models.ManyToManyField(
        PartnerOrganisation,
        verbose_name=_("partner organisations"),
        blank=True,
        related_name="programs",
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
        Program,
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


# --- Information sharing: announcements and press-conference questions ------------------


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
        Program,
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


# --- Resident requests: host a line-up, ask for a briefing, ask for a ride-out slot -----


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
        _("language for messages"), max_length=10, choices=settings.LANGUAGES, default="en"
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
        Program,
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


# Models of the other building blocks live in their own modules; importing them here is
# what registers them with the app.
from .models_cohorts import AlumniInvitation, Attendance, Cohort, CohortMember  # noqa: E402, F401, I001
from .models_groups import (  # noqa: E402, F401
    GroupMember,
    MeetingRecord,
    PublicComment,
    ReviewDocument,
    ReviewItem,
)
from .models_selection import (  # noqa: E402, F401
    Acknowledgement,
    Application,
    ApplicationForm,
    ApplicationNote,
    ApplicationQuestion,
)
from .models_volunteers import (  # noqa: E402, F401
    Certification,
    HoursEntry,
    Shift,
    ShiftSignup,
    Training,
    Volunteer,
    VolunteerRole,
)
