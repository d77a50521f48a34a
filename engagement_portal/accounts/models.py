from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.languages import interface_languages


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=normalise_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively everywhere in the portal."""
    return (email or "").strip().lower()


class Unit(models.Model):
    """An organisational unit of the agency (patrol district, detectives, records...)."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    is_community_outreach = models.BooleanField(
        _("community outreach unit"),
        default=False,
        help_text=_("Dashboards show how much engagement comes from outside these units."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name


class Rank(models.TextChoices):
    CIVILIAN = "civilian", _("Civilian staff")
    RECRUIT = "recruit", _("Recruit / cadet")
    OFFICER = "officer", _("Officer")
    DETECTIVE = "detective", _("Detective")
    CORPORAL = "corporal", _("Corporal")
    SERGEANT = "sergeant", _("Sergeant")
    LIEUTENANT = "lieutenant", _("Lieutenant")
    CAPTAIN = "captain", _("Captain")
    COMMANDER = "commander", _("Commander / major")
    DEPUTY_CHIEF = "deputy_chief", _("Deputy chief")
    CHIEF = "chief", _("Chief")


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in: a resident who wanted an account, or agency personnel."""

    email = models.EmailField(_("email address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=interface_languages, default="en"
    )
    rank = models.CharField(_("rank"), max_length=20, choices=Rank.choices, blank=True)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("unit"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    badge_number = models.CharField(_("badge or employee number"), max_length=30, blank=True)
    is_staff = models.BooleanField(
        _("admin site access"),
        default=False,
        help_text=_("Lets the user sign in to the administration site."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
        ]
        permissions = [
            ("access_staff_portal", _("Can use the agency staff pages")),
            ("access_command_portal", _("Can use the command staff pages")),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email

    @property
    def is_agency_personnel(self) -> bool:
        return self.has_perm("accounts.access_staff_portal")


class Language(models.Model):
    """A language the agency can offer programs, events and interpretation in.

    The portal's own interface languages are a setting (LANGUAGES); this list is wider,
    because a program can run in a language the website is not translated into.
    """

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name in English"), max_length=60)
    native_name = models.CharField(_("name in the language itself"), max_length=60)

    class Meta:
        ordering = ["name"]
        verbose_name = _("language")
        verbose_name_plural = _("languages")

    def __str__(self) -> str:
        translated = gettext(self.name)
        if self.native_name and self.native_name != translated:
            return f"{self.native_name} ({translated})"
        return translated


def validate_demographics(value) -> None:
    """Shares are {category: {group: fraction}} with fractions in [0, 1] summing to ≤ 1."""
    if value in (None, {}):
        return
    if not isinstance(value, dict):
        raise ValidationError(_("Demographic shares must be a mapping of categories."))
    for category, groups in value.items():
        if not isinstance(groups, dict):
            raise ValidationError(
                _("Category %(category)s must map groups to shares."),
                params={"category": category},
            )
        total = 0.0
        for group, share in groups.items():
            if not isinstance(share, (int, float)) or not 0 <= share <= 1:
                raise ValidationError(
                    _("The share for %(group)s in %(category)s must be between 0 and 1."),
                    params={"group": group, "category": category},
                )
            total += share
        if total > 1.0001:
            raise ValidationError(
                _("The shares in %(category)s add up to more than 100%%."),
                params={"category": category},
            )


class Neighbourhood(models.Model):
    """A beat, district or neighbourhood: the unit of reach per capita on dashboards."""

    name = models.CharField(_("name"), max_length=120)
    code = models.SlugField(
        _("code"),
        max_length=30,
        unique=True,
        help_text=_("The beat or district code the agency uses, e.g. D3 or north-4."),
    )
    population = models.PositiveIntegerField(_("population"))
    demographics = models.JSONField(
        _("demographic shares"),
        default=dict,
        blank=True,
        validators=[validate_demographics],
        help_text=_(
            'Optional population shares by group, e.g. {"age": {"18-24": 0.12, "65+": 0.18}}.'
        ),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")

    def __str__(self) -> str:
        return self.name


MAX_BOUNDARY_POINTS = 20_000


def _check_ring(ring, problems: list) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        problems.append(_("A ring needs at least four positions (the first repeated last)."))
        return 0
    for position in ring:
        if (
            not isinstance(position, list | tuple)
            or len(position) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in position[:2])
        ):
            problems.append(_("Every position must be a pair of numbers: [longitude, latitude]."))
            return 0
        lon, lat = position[0], position[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            problems.append(
                _("Position [%(lon)s, %(lat)s] is not a longitude and latitude in degrees.")
                % {"lon": lon, "lat": lat}
            )
            return 0
    if list(ring[0][:2]) != list(ring[-1][:2]):
        problems.append(_("A ring must end where it starts."))
    return len(ring)


def validate_boundary(value) -> None:
    """A GeoJSON Polygon or MultiPolygon geometry in longitude/latitude (WGS 84)."""
    if not isinstance(value, dict) or value.get("type") not in ("Polygon", "MultiPolygon"):
        raise ValidationError(_("A boundary must be a GeoJSON Polygon or MultiPolygon."))
    coordinates = value.get("coordinates")
    if not isinstance(coordinates, list) or not coordinates:
        raise ValidationError(_("The boundary has no coordinates."))
    polygons = [coordinates] if value["type"] == "Polygon" else coordinates
    problems: list[str] = []
    points = 0
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            problems.append(_("Each polygon must be a list of rings."))
            continue
        for ring in polygon:
            points += _check_ring(ring, problems)
    if points > MAX_BOUNDARY_POINTS:
        problems.append(
            _("The boundary has %(n)d positions; simplify it to at most %(max)d.")
            % {"n": points, "max": MAX_BOUNDARY_POINTS}
        )
    if problems:
        raise ValidationError(list(dict.fromkeys(problems)))


class NeighbourhoodBoundary(models.Model):
    """A neighbourhood's outline, for the map on the reach dashboard. Kept apart from the
    neighbourhood so the many pages that list neighbourhoods never load the geometry."""

    neighbourhood = models.OneToOneField(
        Neighbourhood, on_delete=models.CASCADE, related_name="boundary"
    )
    geometry = models.JSONField(
        _("boundary"),
        validators=[validate_boundary],
        help_text=_("A GeoJSON Polygon or MultiPolygon in longitude and latitude."),
    )

    class Meta:
        verbose_name = _("neighbourhood boundary")
        verbose_name_plural = _("neighbourhood boundaries")

    def __str__(self) -> str:
        return str(self.neighbourhood)


class Resident(models.Model):
    """A member of the public the agency is in contact with. No account is required.

    One person is one row: lookups go through the normalised email and phone, which are
    unique where present (see accounts.services.find_or_create_resident). The exception is a
    provisional record (`provisional_for` set): a public form's details that name someone on
    file, kept apart until that person confirms them (see accounts.services_claims).
    """

    name = models.CharField(_("name"), max_length=150)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("mobile phone"), max_length=30, blank=True)
    email_normalised = models.CharField(max_length=254, blank=True, editable=False)
    phone_normalised = models.CharField(max_length=20, blank=True, editable=False)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=interface_languages, default="en"
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        verbose_name=_("neighbourhood"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="residents",
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="resident",
    )
    # Set on a record made from a public form that gave the contact details of someone on
    # file: what was typed stays here, apart from that person, until they confirm it was them.
    provisional_for = models.ForeignKey(
        "self",
        verbose_name=_("unconfirmed claim on"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="provisional_records",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["email_normalised"],
                condition=~models.Q(email_normalised="") & models.Q(provisional_for__isnull=True),
                name="resident_unique_email",
            ),
            models.UniqueConstraint(
                fields=["phone_normalised"],
                condition=~models.Q(phone_normalised="") & models.Q(provisional_for__isnull=True),
                name="resident_unique_phone",
            ),
            models.CheckConstraint(
                condition=~models.Q(email_normalised="", phone_normalised=""),
                name="resident_has_contact",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def has_consent(self, channel: str) -> bool:
        # .all() uses prefetched consents when a bulk caller loaded them.
        return any(c.channel == channel and c.withdrawn_at is None for c in self.consents.all())


class ContactClaim(models.Model):
    """A public form named the contact details of `resident`: what was submitted sits on the
    provisional record until the resident opens the link sent to their address.

    Only the SHA-256 of the link's token is kept. `confirmed_at` is set once, by the merge.
    """

    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="contact_claims", editable=False
    )
    provisional = models.OneToOneField(
        Resident,
        null=True,
        on_delete=models.SET_NULL,
        related_name="claim",
        editable=False,
    )
    channel = models.CharField(_("sent by"), max_length=10, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), editable=False)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("contact claim")
        verbose_name_plural = _("contact claims")

    def __str__(self) -> str:
        return f"{self.resident} · {self.created_at:%Y-%m-%d}"


class Consent(models.Model):
    """A resident's permission to be contacted on a channel, with when it was given or withdrawn.

    Rows are never deleted: withdrawing sets withdrawn_at and a later grant adds a new row,
    so the history of what the resident agreed to stays auditable.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email updates")
        SMS = "sms", _("Text messages")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    granted_at = models.DateTimeField(_("granted"))
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)
    source = models.CharField(
        _("source"), max_length=60, blank=True, help_text=_("Where the consent was given.")
    )

    class Meta:
        ordering = ["-granted_at"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["resident", "channel"],
                condition=models.Q(withdrawn_at__isnull=True),
                name="consent_one_active_per_channel",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.resident} · {self.get_channel_display()}"
