"""Writes for accounts and community records."""

import csv
import io
from dataclasses import dataclass, field

import phonenumbers
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import slug_re
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement_portal.core import ledger
from engagement_portal.core.links import base_url

from . import outbox, roles
from .models import Consent, Neighbourhood, Resident, User, normalise_email, validate_demographics


def normalise_phone(phone: str) -> str:
    """E.164 form of a phone number, read in the agency's region; "" if it is not a number."""
    phone = (phone or "").strip()
    if not phone:
        return ""
    try:
        parsed = phonenumbers.parse(phone, settings.PORTAL_PHONE_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_possible_number(parsed):
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def assign_role(*, user: User, role: str) -> User:
    """Give a user exactly one portal role. Running it twice changes nothing."""
    if role not in roles.ROLES:
        raise ValueError(f"Unknown role {role!r}")
    with transaction.atomic():
        user.groups.remove(*Group.objects.filter(name__in=roles.ROLES).exclude(name=role))
        user.groups.add(Group.objects.get(name=role))
        # The Django admin is the administrators' tool; nobody else needs it.
        user.is_staff = role == roles.ADMINISTRATOR
        user.save(update_fields=["is_staff"])
    return user


def role_of(user) -> str | None:
    """The portal role of a signed-in user, highest first; None for anonymous users."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return roles.ADMINISTRATOR
    names = {g.name for g in user.groups.all()}
    for role in (roles.ADMINISTRATOR, roles.COMMAND_STAFF, roles.PROGRAM_STAFF, roles.RESIDENT):
        if role in names:
            return role
    return roles.RESIDENT


def find_or_create_resident(
    *,
    name: str,
    email: str = "",
    phone: str = "",
    preferred_language: str | None = None,
    neighbourhood: Neighbourhood | None = None,
    user: User | None = None,
    link_user: bool = False,
) -> tuple[Resident, bool]:
    """The one Resident with this email or phone, created if new, with blanks filled in.

    `user` is linked to the record only with `link_user`, which only confirm_email passes:
    an account gets a resident's history once it has proved it holds their address, never
    because someone typed that address into a form while logged in.

    Run twice with the same contact details it returns the same row. A match on email wins
    over a match on phone. Details already on file are not overwritten, a phone that is not a
    number is not stored, and a phone on file for someone else is not copied onto this row.
    """
    email_n = normalise_email(email)
    phone_n = normalise_phone(phone)
    if not email_n and not phone_n:
        raise ValidationError(_("Give an email address or a mobile phone number."))
    if not link_user:
        user = None

    for _attempt in range(3):
        try:
            with transaction.atomic():
                resident = _match_resident(email_n, phone_n)
                if resident is None:
                    resident = Resident.objects.create(
                        name=name.strip(),
                        email=email.strip(),
                        phone=phone.strip() if phone_n else "",
                        email_normalised=email_n,
                        phone_normalised=phone_n,
                        preferred_language=preferred_language or settings.LANGUAGE_CODE,
                        neighbourhood=neighbourhood,
                        user=user,
                    )
                    return resident, True
                had_neighbourhood = resident.neighbourhood_id
                _fill_blanks(resident, name, email, email_n, phone, phone_n, neighbourhood, user)
                if preferred_language:
                    resident.preferred_language = preferred_language
                resident.save()
                if resident.neighbourhood_id != had_neighbourhood:
                    # Their past participation is counted by home neighbourhood.
                    ledger.record(ledger.RESIDENT_MOVED, resident_id=resident.pk)
                return resident, False
        except IntegrityError:
            # Another request created the same person, or gave our phone to someone else,
            # between our lookup and our write: look again, now seeing its committed row.
            continue
    raise ValidationError(_("This contact is already used by another person on file."))


def _match_resident(email_n: str, phone_n: str) -> Resident | None:
    # Provisional records (unconfirmed details from a public form) are nobody's record.
    people = Resident.objects.select_for_update().filter(provisional_for__isnull=True)
    if email_n:
        found = people.filter(email_normalised=email_n).first()
        if found:
            return found
    if phone_n:
        return people.filter(phone_normalised=phone_n).first()
    return None


def _fill_blanks(resident, name, email, email_n, phone, phone_n, neighbourhood, user) -> None:
    if email_n and not resident.email_normalised:
        resident.email, resident.email_normalised = email.strip(), email_n
    # A phone on file for another resident (a shared family phone, say) stays theirs: the
    # email match wins and this row keeps its blank rather than failing the unique constraint.
    if (
        phone_n
        and not resident.phone_normalised
        and not Resident.objects.filter(phone_normalised=phone_n, provisional_for__isnull=True)
        .exclude(pk=resident.pk)
        .exists()
    ):
        resident.phone, resident.phone_normalised = phone.strip(), phone_n
    if name.strip() and not resident.name:
        resident.name = name.strip()
    if neighbourhood and not resident.neighbourhood_id:
        resident.neighbourhood = neighbourhood
    if user and not resident.user_id:
        resident.user = user


def record_consent(
    *, resident: Resident, channel: str, granted: bool, source: str = "", now=None
) -> Consent | None:
    """Grant or withdraw consent on a channel. Repeating the same answer changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the resident, not the consent: when there is no active consent yet there is no
        # row to lock, and two simultaneous grants would both insert and one would fail.
        Resident.objects.select_for_update().filter(pk=resident.pk).first()
        active = Consent.objects.filter(
            resident=resident, channel=channel, withdrawn_at__isnull=True
        ).first()
        if granted:
            if active:
                return active
            return Consent.objects.create(
                resident=resident, channel=channel, granted_at=now, source=source
            )
        if active:
            active.withdrawn_at = now
            active.save(update_fields=["withdrawn_at"])
        return active


CONFIRM_SALT = "accounts.confirm-email"
CONFIRM_MAX_AGE = 7 * 24 * 3600  # a week


def register_resident_account(
    *, email: str, password: str, full_name: str, preferred_language: str, neighbourhood=None
) -> User:
    """Create a resident's account and email them a link to confirm the address.

    The account is linked to the resident's contact record (their registrations,
    applications, group memberships) only once they open that link: whoever signs up with
    someone else's address gets an empty account, never that person's history or a board
    member's case material.
    """
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            full_name=full_name,
            preferred_language=preferred_language,
        )
        assign_role(user=user, role=roles.RESIDENT)
        send_email_confirmation(user, neighbourhood=neighbourhood)
    return user


def email_confirmation_token(user: User, *, neighbourhood=None) -> str:
    from django.core import signing

    return signing.dumps(
        {"u": user.pk, "e": user.email, "n": getattr(neighbourhood, "pk", None)},
        salt=CONFIRM_SALT,
        compress=True,
    )


def send_email_confirmation(user: User, *, neighbourhood=None, now=None) -> None:
    """Queue the confirmation link (one message per account per day, however often asked)."""
    from django.urls import reverse

    now = now or timezone.now()
    token = email_confirmation_token(user, neighbourhood=neighbourhood)
    outbox.queue_message(
        key=f"account-confirm:{user.pk}:{timezone.localdate(now).isoformat()}",
        channel=outbox.EMAIL,
        recipient=user.email,
        language=user.preferred_language or settings.LANGUAGE_CODE,
        template="account_confirm",
        context={
            "name": user.full_name,
            "confirm_url": base_url() + reverse("confirm-email", args=[token]),
        },
        essential=True,
    )


def confirm_email(token: str) -> User | None:
    """Link the account in `token` to its contact record. None when the link is not valid
    (tampered, older than a week, or the account's address has changed since)."""
    from django.core import signing

    try:
        data = signing.loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    user = User.objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None or normalise_email(user.email) != normalise_email(str(data.get("e", ""))):
        return None
    neighbourhood_id = data.get("n")
    neighbourhood = (
        Neighbourhood.objects.filter(pk=neighbourhood_id).first() if neighbourhood_id else None
    )
    if not Resident.objects.filter(user=user).exists():
        find_or_create_resident(
            name=user.full_name,
            email=user.email,
            preferred_language=user.preferred_language,
            neighbourhood=neighbourhood,
            user=user,
            link_user=True,
        )
    return user


def email_confirmed(user) -> bool:
    return Resident.objects.filter(user=user).exists()


# --- Neighbourhood CSV import ---------------------------------------------------------

REQUIRED_COLUMNS = ("name", "code", "population")
# The population column is a PostgreSQL integer; SQLite would take more, production would not.
MAX_POPULATION = 2_147_483_647


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def import_neighbourhoods(source) -> ImportResult:
    """Create or update neighbourhoods from CSV, all or nothing.

    Columns: name, code, population, then optional demographic shares named
    "category:group" (e.g. "age:18-24") holding a percentage (0-100). Rows are matched on
    code, so importing the same file twice leaves the same data. Any bad row makes the
    whole import fail with a message per row, by line number, and nothing is written.
    """
    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8-sig")
        except UnicodeDecodeError:
            return ImportResult(errors=[_("The file is not UTF-8 text. Save it as CSV UTF-8.")])
    if isinstance(source, str):
        source = source.removeprefix("\ufeff")
    reader = csv.DictReader(io.StringIO(source) if isinstance(source, str) else source)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return ImportResult(
            errors=[_("Missing column(s): %(cols)s.") % {"cols": ", ".join(missing)}]
        )
    reader.fieldnames = header
    share_columns = [h for h in header if ":" in h]

    result, rows, seen_codes = ImportResult(), [], {}
    for row in reader:
        line = reader.line_num
        try:
            parsed = _parse_neighbourhood_row(row, share_columns)
        except ValidationError as exc:
            result.errors.append(
                _("Line %(line)d: %(error)s") % {"line": line, "error": " ".join(exc.messages)}
            )
            continue
        if parsed["code"] in seen_codes:
            result.errors.append(
                _("Line %(line)d: code %(code)s already appears on line %(first)d.")
                % {"line": line, "code": parsed["code"], "first": seen_codes[parsed["code"]]}
            )
            continue
        seen_codes[parsed["code"]] = line
        rows.append(parsed)
    if not rows and not result.errors:
        result.errors.append(_("The file has no rows."))
    if result.errors:
        return result

    with transaction.atomic():
        for data in rows:
            _obj, created = Neighbourhood.objects.update_or_create(
                code=data.pop("code"), defaults=data
            )
            if created:
                result.created += 1
            else:
                result.updated += 1
    return result


def _parse_neighbourhood_row(row: dict, share_columns: list[str]) -> dict:
    name = (row.get("name") or "").strip()
    code = (row.get("code") or "").strip()
    population_raw = (row.get("population") or "").strip().replace(",", "")
    name_max = Neighbourhood._meta.get_field("name").max_length
    code_max = Neighbourhood._meta.get_field("code").max_length
    problems = []
    if not name:
        problems.append(_("the name is empty."))
    elif len(name) > name_max:
        problems.append(_("the name is longer than %(max)d characters.") % {"max": name_max})
    if not code:
        problems.append(_("the code is empty."))
    elif not slug_re.match(code):
        problems.append(_("the code may use only letters, digits, - and _."))
    elif len(code) > code_max:
        problems.append(_("the code is longer than %(max)d characters.") % {"max": code_max})
    try:
        population = int(population_raw)
        if not 0 <= population <= MAX_POPULATION:
            raise ValueError
    except ValueError:
        problems.append(
            _("population must be a whole number, not “%(value)s”.") % {"value": population_raw}
        )
        population = None
    demographics: dict[str, dict[str, float]] = {}
    for column in share_columns:
        raw = (row.get(column) or "").strip().rstrip("%")
        if not raw:
            continue
        category, group = (part.strip() for part in column.split(":", 1))
        try:
            share = float(raw) / 100
        except ValueError:
            problems.append(
                _("%(column)s must be a percentage, not “%(value)s”.")
                % {"column": column, "value": raw}
            )
            continue
        demographics.setdefault(category, {})[group] = round(share, 6)
    if not problems:
        try:
            validate_demographics(demographics)
        except ValidationError as exc:
            problems.extend(exc.messages)
    if problems:
        raise ValidationError(problems)
    return {"name": name, "code": code, "population": population, "demographics": demographics}
