"""Survey distribution: audiences, invitations, batched sending through the outbox, reminders.

Token design. An invitation link carries a random token; only its SHA-256 hash is stored on
the Invitation. The plain token must exist somewhere between "invitation created" and
"message sent", and the only place it is allowed to live is the outbox message, sealed until
it is sent and dropped then (see messaging/private_links.py). So the token
is not made when the invitation row is created (that row gets the hash of a random token
that is thrown away at once, so the link cannot be rebuilt from anything stored). It is made
by `run_batch`, which, for each claimed pending invitation and inside one transaction,
generates a fresh token, stores its hash, renders the outbox message that contains the link
(key `survey-invitation:<pk>`) and marks the invitation queued. Either all three happen or,
if the worker dies, none does and the next run starts that invitation afresh. Reminders
need the link again but the token is gone, so each reminder rotates the token: a new hash
replaces the old and the reminder carries the new link; the link in an earlier message then
lands on the friendly "link not valid" page. Deriving tokens from SECRET_KEY and the id
would make every link rebuildable by anyone who learns the key, so it was not done.

Who is invited. Every audience is reduced to distinct contacts (normalised email, else the
E.164 phone), minus sensitive contacts (a sensitive program, event or registration anywhere
makes the resident sensitive) and minus residents without an active consent on the channel
(the outbox refuses non-essential messages to them anyway; skipping them here makes the
count honest). Contacts from a CSV who are not on file are taken as staff's own list.
"""

import csv
import functools
import io
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models import CharField, Count, F, Prefetch, Q, Value
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.accounts.models import Consent, Resident, normalise_email
from engagement_portal.accounts.services import normalise_phone
from engagement_portal.core import jobs, ledger
from engagement_portal.core.links import base_url
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import (
    build_message,
    queue_message,
    queue_messages,
    start_sending,
)
from engagement_portal.messaging.services import hold as hold_messages
from engagement_portal.messaging.services import release as release_messages
from engagement_portal.messaging.services import withdraw as withdraw_messages
from events.models import Event, Registration
from programs.models import Program

from .models import Distribution, Invitation, Survey, pick
from .services import answering_problem, new_invitation_token

BATCH_SIZE = 500
MAX_CSV_ROWS = 100_000
MAX_CSV_ERRORS_KEPT = 200
CSV_REQUIRED_COLUMNS = ("name", "email", "phone")
INVITATION_KEY = "survey-invitation:"

EMAIL, SMS = OutboxMessage.Channel.EMAIL, OutboxMessage.Channel.SMS
CHANNEL_PREFERENCES = [
    ("email", gettext_lazy("Email; a text message when there is no email address")),
    ("sms", gettext_lazy("Text message; email when there is no mobile number")),
    ("email_only", gettext_lazy("Email only")),
    ("sms_only", gettext_lazy("Text message only")),
]
_CHANNEL_ORDER = {
    "email": (EMAIL, SMS),
    "sms": (SMS, EMAIL),
    "email_only": (EMAIL,),
    "sms_only": (SMS,),
}


@dataclass
class Contact:
    name: str
    email: str = ""  # normalised
    phone: str = ""  # E.164
    language: str = ""
    resident_id: int | None = None


@dataclass
class CsvResult:
    contacts: list[Contact] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # at most MAX_CSV_ERRORS_KEPT
    bad_rows: int = 0
    duplicates: int = 0
    rows: int = 0
    problem: str = ""  # the whole file is unusable: encoding, columns, empty, too long

    @property
    def ok(self) -> bool:
        return not self.problem and not self.bad_rows


@dataclass
class Audience:
    contacts: list[tuple[Contact, str, str]] = field(default_factory=list)  # contact, channel, to
    skipped_sensitive: int = 0
    skipped_opted_out: int = 0
    skipped_no_address: int = 0
    duplicates: int = 0


# --- CSV of contacts -----------------------------------------------------------------------


def read_contacts_csv(source) -> CsvResult:
    """Parse a CSV of contacts (name, email, phone[, language]); never raises on bad input.

    Reads the file as a stream, so 100,000 rows need no more than their parsed contacts in
    memory. Every bad row is reported by line number; duplicates (same email or same phone
    as an earlier row) are dropped and counted. Pure: reading it twice gives the same result.
    """
    result = CsvResult()
    if isinstance(source, bytes):
        source = io.BytesIO(source)
    raw = getattr(source, "file", source)
    if hasattr(raw, "seek"):
        raw.seek(0)
    text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
    languages = dict(settings.LANGUAGES)
    seen: dict[str, int] = {}
    try:
        reader = csv.DictReader(text)
        header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
        if not header:
            result.problem = _("The file is empty.")
            return result
        missing = [c for c in CSV_REQUIRED_COLUMNS if c not in header]
        if missing:
            result.problem = _(
                "Missing column(s): %(cols)s. The first line must name the columns "
                "name, email, phone and, optionally, language."
            ) % {"cols": ", ".join(missing)}
            return result
        reader.fieldnames = header
        for row in reader:
            if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
                continue
            result.rows += 1
            if result.rows > MAX_CSV_ROWS:
                result.problem = _(
                    "The file has more than %(max)s contacts. Split it into smaller files."
                ) % {"max": f"{MAX_CSV_ROWS:,}"}
                result.contacts = []
                return result
            line = reader.line_num
            contact, problems = _parse_contact_row(row, languages)
            if problems:
                result.bad_rows += 1
                if len(result.errors) < MAX_CSV_ERRORS_KEPT:
                    result.errors.append(
                        _("Line %(line)d: %(error)s") % {"line": line, "error": " ".join(problems)}
                    )
                continue
            keys = [k for k in (contact.email, contact.phone) if k]
            if any(k in seen for k in keys):
                result.duplicates += 1
                continue
            for key in keys:
                seen[key] = line
            result.contacts.append(contact)
    except UnicodeDecodeError:
        return CsvResult(
            problem=_("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")
        )
    except csv.Error as exc:
        return CsvResult(
            problem=_("The file could not be read as CSV near line %(line)d: %(error)s")
            % {"line": reader.line_num, "error": exc}
        )
    finally:
        text.detach()  # leave the uploaded file open for its owner
    if not result.rows:
        result.problem = _("The file has no contacts, only a header line.")
    return result


def _parse_contact_row(row: dict, languages: dict) -> tuple[Contact, list[str]]:
    name = (row.get("name") or "").strip()
    email_raw = (row.get("email") or "").strip()
    phone_raw = (row.get("phone") or "").strip()
    language = (row.get("language") or "").strip().lower()
    problems = []
    name_max = Resident._meta.get_field("name").max_length
    if len(name) > name_max:
        problems.append(_("the name is longer than %(max)d characters.") % {"max": name_max})
    email = normalise_email(email_raw)
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(_("“%(value)s” is not an email address.") % {"value": email_raw[:80]})
    phone = normalise_phone(phone_raw) if phone_raw else ""
    if phone_raw and not phone:
        problems.append(_("“%(value)s” is not a phone number.") % {"value": phone_raw[:40]})
    if not email_raw and not phone_raw:
        problems.append(_("give an email address or a mobile phone number."))
    if language and language not in languages:
        problems.append(
            _("the language “%(value)s” is not one of %(codes)s.")
            % {"value": language[:20], "codes": ", ".join(languages)}
        )
    return Contact(name=name, email=email, phone=phone, language=language), problems


# --- Audiences -----------------------------------------------------------------------------


def sensitive_resident_ids(among: Iterable[int] | None = None) -> set[int]:
    """Residents registered anywhere as sensitive, or for a sensitive event or program."""
    registrations = Registration.objects.filter(
        Q(is_sensitive=True) | Q(event__is_sensitive=True) | Q(event__program__is_sensitive=True)
    )
    if among is not None:
        registrations = registrations.filter(resident_id__in=list(among))
    return set(registrations.values_list("resident_id", flat=True))


def _active_consents() -> Prefetch:
    return Prefetch("consents", queryset=Consent.objects.filter(withdrawn_at__isnull=True))


def _pick_address(
    preference: str, email: str, phone: str, consented: set[str] | None
) -> tuple[str, str] | str:
    """(channel, address), or why not: "no_address" or "opted_out". consented=None: any."""
    available = [
        (channel, address)
        for channel in _CHANNEL_ORDER.get(preference, _CHANNEL_ORDER["email"])
        for address in [email if channel == EMAIL else phone]
        if address
    ]
    if not available:
        return "no_address"
    for channel, address in available:
        if consented is None or channel in consented:
            return channel, address
    return "opted_out"


def _add(audience: Audience, seen: set[str], contact: Contact, picked) -> None:
    if picked == "no_address":
        audience.skipped_no_address += 1
    elif picked == "opted_out":
        audience.skipped_opted_out += 1
    elif picked[1] in seen:
        audience.duplicates += 1
    else:
        seen.add(picked[1])
        audience.contacts.append((contact, picked[0], picked[1]))


def _from_residents(
    languages: dict[int, str], preference: str, sensitive: set[int], all_sensitive: bool = False
) -> Audience:
    audience, seen = Audience(), set()
    ids = sorted(languages)
    for start in range(0, len(ids), 2000):
        chunk = ids[start : start + 2000]
        for resident in Resident.objects.filter(pk__in=chunk).prefetch_related(_active_consents()):
            if all_sensitive or resident.pk in sensitive:
                audience.skipped_sensitive += 1
                continue
            consented = {c.channel for c in resident.consents.all()}
            contact = Contact(
                name=resident.name,
                email=resident.email_normalised,
                phone=resident.phone_normalised,
                language=languages[resident.pk] or resident.preferred_language,
                resident_id=resident.pk,
            )
            _add(
                audience,
                seen,
                contact,
                _pick_address(preference, contact.email, contact.phone, consented),
            )
    return audience


def _registrations_audience(registrations, preference: str, all_sensitive: bool) -> Audience:
    sensitive = sensitive_resident_ids()
    languages: dict[int, str] = {}
    for resident_id, language in registrations.values_list("resident_id", "language"):
        languages.setdefault(resident_id, language)
    return _from_residents(languages, preference, sensitive, all_sensitive)


def _csv_audience(contacts: list[Contact], preference: str) -> Audience:
    """Contacts on file are treated as the residents they are; the others as staff's list."""
    sensitive = sensitive_resident_ids()
    by_email, by_phone = {}, {}
    emails = [c.email for c in contacts if c.email]
    phones = [c.phone for c in contacts if c.phone]
    # A provisional record's consent was given by whoever typed that address, not by the
    # resident it belongs to: contacts on file are read from the resident's own record.
    residents = Resident.objects.filter(provisional_for__isnull=True).prefetch_related(
        _active_consents()
    )
    for start in range(0, len(emails), 2000):
        for r in residents.filter(email_normalised__in=emails[start : start + 2000]):
            by_email[r.email_normalised] = r
    for start in range(0, len(phones), 2000):
        for r in residents.filter(phone_normalised__in=phones[start : start + 2000]):
            by_phone[r.phone_normalised] = r
    audience, seen = Audience(), set()
    for contact in contacts:
        resident = by_email.get(contact.email) or by_phone.get(contact.phone)
        consented = None
        if resident is not None:
            if resident.pk in sensitive:
                audience.skipped_sensitive += 1
                continue
            contact.resident_id = resident.pk
            contact.language = contact.language or resident.preferred_language
            consented = {c.channel for c in resident.consents.all()}
        _add(
            audience,
            seen,
            contact,
            _pick_address(preference, contact.email, contact.phone, consented),
        )
    return audience


def resolve_audience(distribution: Distribution, contacts: list[Contact] | None = None) -> Audience:
    """The distinct contacts a distribution reaches, with what was skipped and why. Read-only."""
    params = distribution.parameters or {}
    preference = params.get("channel", "email")
    kind = distribution.audience
    Kind = Distribution.Audience
    if kind == Kind.PROGRAM:
        program = Program.objects.get(pk=params["program"])
        registrations = Registration.objects.filter(event__program=program).exclude(
            status=Registration.Status.CANCELLED
        )
        return _registrations_audience(registrations, preference, program.is_sensitive)
    if kind in (Kind.EVENT_REGISTRANTS, Kind.EVENT_ATTENDEES):
        event = Event.objects.select_related("program").get(pk=params["event"])
        registrations = event.registrations.exclude(status=Registration.Status.CANCELLED)
        if kind == Kind.EVENT_ATTENDEES:
            registrations = registrations.filter(status=Registration.Status.ATTENDED)
        return _registrations_audience(
            registrations, preference, event.is_sensitive or event.program.is_sensitive
        )
    if kind == Kind.NEIGHBOURHOODS:
        # Consent is what makes these residents an audience at all: those who never gave
        # any are not in it; those who withdrew it are, and are counted as opted out.
        # Not provisional records: their consent is unconfirmed, and their address may be
        # that of someone on file who never gave any.
        residents = Resident.objects.filter(
            neighbourhood__in=params.get("neighbourhoods", []),
            pk__in=Consent.objects.values("resident_id"),
            provisional_for__isnull=True,
        )
        languages = dict(residents.values_list("pk", "preferred_language"))
        return _from_residents(languages, preference, sensitive_resident_ids())
    if kind == Kind.CSV:
        return _csv_audience(contacts or [], preference)
    raise ValueError(f"Unknown audience {kind!r}")


# --- Creating and preparing ----------------------------------------------------------------


def _language_for(survey: Survey, language: str) -> str:
    offered = survey.languages or [settings.LANGUAGE_CODE]
    language = (language or "").split("-")[0]
    return language if language in offered else offered[0]


@transaction.atomic
def create_distribution(
    *,
    survey: Survey,
    audience: str,
    user,
    parameters: dict | None = None,
    contacts: list[Contact] | None = None,
    reminder_after_days: int | None = None,
    max_reminders: int = 0,
) -> Distribution:
    """Create a draft distribution and its pending invitations. Each call adds one draft."""
    if survey.status == Survey.Status.CLOSED:
        raise ValidationError(_("This survey is closed: it cannot be sent any more."))
    distribution = Distribution.objects.create(
        survey=survey,
        audience=audience,
        parameters=parameters or {},
        reminder_after_days=reminder_after_days if max_reminders else None,
        max_reminders=max_reminders if reminder_after_days else 0,
        created_by=user,
    )
    prepare_invitations(distribution, contacts=contacts)
    return distribution


@transaction.atomic
def prepare_invitations(
    distribution: Distribution, *, contacts: list[Contact] | None = None
) -> Distribution:
    """Create one pending invitation per distinct contact. Run twice, it adds nobody twice.

    The (survey, contact) unique constraint also keeps out contacts already invited by an
    earlier distribution of the same survey (sent, or waiting to be: a skipped invitation,
    never sent, does not count); they are counted as "already invited". The
    token hash stored now is that of a random token nobody keeps (see the module docstring).
    """
    survey = distribution.survey
    audience = resolve_audience(distribution, contacts)
    rows = [
        Invitation(
            survey=survey,
            distribution=distribution,
            resident_id=contact.resident_id,
            contact=address,
            channel=channel,
            language=_language_for(survey, contact.language),
            token_hash=new_invitation_token()[1],
            status=Invitation.Status.PENDING,
        )
        for contact, channel, address in audience.contacts
    ]
    Invitation.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
    invited = distribution.invitations.count()
    distribution.skipped_sensitive = audience.skipped_sensitive
    distribution.skipped_opted_out = audience.skipped_opted_out
    distribution.parameters = {
        **(distribution.parameters or {}),
        "skipped_no_address": audience.skipped_no_address,
        "duplicates": audience.duplicates
        + (distribution.parameters or {}).get("csv_duplicates", 0),
        "already_invited": max(len(rows) - invited, 0),
    }
    distribution.save(update_fields=["skipped_sensitive", "skipped_opted_out", "parameters"])
    return distribution


# --- Status changes ------------------------------------------------------------------------


def start_distribution(distribution: Distribution, *, now=None) -> bool:
    """Start (or resume, or restart a stalled run). Run twice, it enqueues a second runner,
    which is harmless: runners share the work through row locks."""
    problem = answering_problem(distribution.survey, now)
    if problem:
        raise ValidationError(
            _("Open the survey before sending invitations. %(problem)s") % {"problem": problem}
        )
    with transaction.atomic():
        changed = Distribution.objects.filter(
            pk=distribution.pk,
            status__in=[
                Distribution.Status.DRAFT,
                Distribution.Status.PAUSED,
                Distribution.Status.RUNNING,
            ],
        ).update(status=Distribution.Status.RUNNING)
        if changed:
            release_messages(_invitation_messages(distribution), now=now)
            pk = distribution.pk
            transaction.on_commit(lambda: jobs.enqueue("surveys.tasks.run_distribution", pk))
    distribution.refresh_from_db()
    return bool(changed)


def _invitation_messages(distribution: Distribution):
    """The outbox rows of this distribution's invitations (not of its reminders)."""
    keys = distribution.invitations.annotate(
        key=Concat(Value(INVITATION_KEY), Cast("pk", CharField()), output_field=CharField())
    ).values("key")
    return OutboxMessage.objects.filter(key__in=keys)


def pause_distribution(distribution: Distribution) -> bool:
    """Pause what the residents will receive: no more invitations are queued after the
    batch in flight, and those queued and not sent yet are held in the outbox. A
    distribution whose invitations are all queued ("done") can be paused while some are
    still on their way. Pausing twice changes nothing the second time."""
    with transaction.atomic():
        messages = _invitation_messages(distribution)
        statuses = [Distribution.Status.RUNNING]
        if messages.filter(status=OutboxMessage.Status.PENDING).exists():
            statuses.append(Distribution.Status.DONE)
        changed = Distribution.objects.filter(pk=distribution.pk, status__in=statuses).update(
            status=Distribution.Status.PAUSED
        )
        if changed:
            hold_messages(messages)
    distribution.refresh_from_db()
    return bool(changed)


def resume_distribution(distribution: Distribution, *, now=None) -> bool:
    """Resume a paused or stalled run; the same as starting it."""
    return start_distribution(distribution, now=now)


def cancel_distribution(distribution: Distribution) -> bool:
    """Cancel: invitations not yet queued are marked skipped, and those queued but not
    sent yet are withdrawn from the outbox (skipped too: they never went). What a sender
    has in flight still goes. Cancelling twice is a no-op."""
    with transaction.atomic():
        changed = Distribution.objects.filter(
            pk=distribution.pk,
            status__in=[
                Distribution.Status.DRAFT,
                Distribution.Status.RUNNING,
                Distribution.Status.PAUSED,
            ],
        ).update(status=Distribution.Status.CANCELLED)
        if changed:
            # Rows a runner holds are waited for; by then they are queued.
            distribution.invitations.filter(status=Invitation.Status.PENDING).update(
                status=Invitation.Status.SKIPPED
            )
            withdrawn = withdraw_messages(_invitation_messages(distribution))
            distribution.invitations.filter(
                pk__in=[int(key.removeprefix(INVITATION_KEY)) for key in withdrawn]
            ).update(status=Invitation.Status.SKIPPED)
    distribution.refresh_from_db()
    return bool(changed)


# --- Sending -------------------------------------------------------------------------------


_TOKEN_STAND_IN = "0" * 43


def _link(token: str) -> str:
    # reverse() once per batch, not per invitation: the address is the same but the token.
    return _link_pattern().replace(_TOKEN_STAND_IN, token)


@functools.cache
def _link_pattern() -> str:
    return base_url() + reverse("surveys:invitation", args=[_TOKEN_STAND_IN])


def _queue(invitation: Invitation, survey: Survey, token: str, *, key: str, template: str, n=0):
    queue_message(send_now=False, **_message_fields(invitation, survey, token, key, template, n))


def _message_fields(invitation, survey, token, key, template, n=0) -> dict:
    resident = invitation.resident
    return {
        "key": key,
        "channel": invitation.channel,
        "recipient": invitation.contact,
        "language": invitation.language,
        "template": template,
        "context": {
            "name": resident.name if resident else "",
            "survey_title": pick(survey.title, invitation.language),
            "anonymous": survey.is_anonymous,
            "closes_at": survey.closes_at,
            "survey_url": _link(token),
            "channel": invitation.channel,
            "reminder_number": n,
        },
        "resident": resident,
        "essential": False,
    }


def _claim(queryset, size: int) -> list[Invitation]:
    return list(
        queryset.select_for_update(skip_locked=True, of=("self",))
        .select_related("resident")
        .prefetch_related(
            Prefetch(
                "resident__consents", queryset=Consent.objects.filter(withdrawn_at__isnull=True)
            )
        )
        .order_by("pk")[:size]
    )


def run_batch(distribution: Distribution, *, size: int | None = None, now=None) -> int:
    """Queue up to `size` pending invitations; returns how many. Each is queued at most once.

    Rows are claimed with SELECT ... FOR UPDATE SKIP LOCKED (on SQLite the transaction holds
    the write lock), so concurrent runners never take the same invitation. Token, hash,
    outbox message and the queued mark are written in one transaction: a runner that dies
    leaves the batch pending, and the outbox key would refuse a second message regardless.
    """
    now = now or timezone.now()
    size = size or BATCH_SIZE
    with transaction.atomic():
        if not Distribution.objects.filter(
            pk=distribution.pk, status=Distribution.Status.RUNNING
        ).exists():
            return 0
        batch = _claim(
            Invitation.objects.filter(distribution=distribution, status=Invitation.Status.PENDING),
            size,
        )
        if not batch:
            return 0
        claimed = len(batch)
        survey = Survey.objects.get(pk=distribution.survey_id)
        # Marked sensitive after the invitations were prepared: still never surveyed.
        sensitive = sensitive_resident_ids(i.resident_id for i in batch if i.resident_id)
        if sensitive:
            late = [i.pk for i in batch if i.resident_id in sensitive]
            Invitation.objects.filter(pk__in=late).update(status=Invitation.Status.SKIPPED)
            Distribution.objects.filter(pk=distribution.pk).update(
                skipped_sensitive=F("skipped_sensitive") + len(late)
            )
            batch = [i for i in batch if i.resident_id not in sensitive]
        keys = {f"{INVITATION_KEY}{i.pk}" for i in batch}
        already = set(OutboxMessage.objects.filter(key__in=keys).values_list("key", flat=True))
        messages = []
        for invitation in batch:
            key = f"{INVITATION_KEY}{invitation.pk}"
            if key not in already:  # else its message (and token) exist: keep both
                token, invitation.token_hash = new_invitation_token()
                messages.append(
                    build_message(
                        **_message_fields(invitation, survey, token, key, "survey_invitation")
                    )
                )
            invitation.status = Invitation.Status.QUEUED
            invitation.last_sent_at = now
        # One INSERT for the batch's messages (the claim lock means no key can collide).
        queue_messages(messages)
        _mark_queued(batch, now)
        start_sending()  # runs when this batch commits
    return claimed


def _mark_queued(batch: list[Invitation], now) -> None:
    """Mark the batch queued at `now`, each with its new token's hash, in one statement.

    bulk_update() writes a CASE over every row for every field, and cost more than the
    rest of the batch together; this is one UPDATE ... FROM (VALUES ...), which PostgreSQL
    and SQLite (3.33 and later) both run, joined on the id."""
    if not batch:
        return
    table = connection.ops.quote_name(Invitation._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(batch))
    sql = (
        f"UPDATE {table} SET token_hash = v.column2, status = %s, last_sent_at = %s "
        f"FROM (VALUES {rows}) AS v WHERE {table}.id = v.column1"
    )
    last_sent_at = Invitation._meta.get_field("last_sent_at").get_db_prep_value(now, connection)
    params = [Invitation.Status.QUEUED, last_sent_at]
    for invitation in batch:
        params += [invitation.pk, invitation.token_hash]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def send_distribution(
    distribution_id: int, *, batch_size: int | None = None, time_budget: float | None = None
) -> str:
    """Queue batches until none is left, the run is paused or cancelled, or time is up.

    Returns "done", "stopped" (not running), "busy" (what is left is held by another
    runner) or "more" (time budget used; call again). Run twice or at once, each
    invitation is queued once (see run_batch); only the runner that finds nothing pending
    marks the distribution done.
    """
    try:
        return _send_distribution(distribution_id, batch_size, time_budget)
    finally:
        distribution = Distribution.objects.filter(pk=distribution_id).first()
        if distribution is not None:
            ledger.record(ledger.INVITED, survey_id=distribution.survey_id)


def _send_distribution(distribution_id, batch_size, time_budget) -> str:
    deadline = time.monotonic() + time_budget if time_budget else None
    while True:
        distribution = Distribution.objects.filter(pk=distribution_id).first()
        if distribution is None or distribution.status != Distribution.Status.RUNNING:
            return "stopped"
        if run_batch(distribution, size=batch_size) == 0:
            pending = distribution.invitations.filter(status=Invitation.Status.PENDING)
            if pending.exists():
                # Locked by a runner still working (it will finish), or paused meanwhile.
                return "busy"
            Distribution.objects.filter(
                pk=distribution_id, status=Distribution.Status.RUNNING
            ).update(status=Distribution.Status.DONE)
            return "done"
        if deadline is not None and time.monotonic() > deadline:
            return "more"


def remind_non_responders(*, now=None, batch_size: int | None = None) -> int:
    """Queue every due reminder once; returns how many. Safe to run twice or concurrently.

    Due: the invitation's last message went out at least `reminder_after_days` ago and was
    delivered, it was not used, fewer than `max_reminders` reminders went, and the resident
    has not opted out since. Rows are claimed with SKIP LOCKED; a reminded row is no longer
    due (its last_sent_at moves to now) and its outbox key `survey-reminder:<pk>:<n>` refuses
    a duplicate. Each reminder rotates the token (see the module docstring).
    """
    now = now or timezone.now()
    batch_size = batch_size or BATCH_SIZE
    queued = 0
    distributions = Distribution.objects.filter(
        status__in=[Distribution.Status.RUNNING, Distribution.Status.DONE],
        reminder_after_days__isnull=False,
        max_reminders__gt=0,
    ).select_related("survey")
    for distribution in distributions:
        survey = distribution.survey
        if answering_problem(survey, now):
            continue
        cutoff = now - timedelta(days=distribution.reminder_after_days)
        last_pk = 0
        while True:
            with transaction.atomic():
                batch = _claim(
                    Invitation.objects.filter(
                        distribution=distribution,
                        status=Invitation.Status.QUEUED,
                        used=False,
                        reminders_sent__lt=distribution.max_reminders,
                        last_sent_at__lte=cutoff,
                        pk__gt=last_pk,
                    ),
                    batch_size,
                )
                if not batch:
                    break
                last_pk = batch[-1].pk
                delivered = set(
                    OutboxMessage.objects.filter(
                        key__in=[f"{INVITATION_KEY}{i.pk}" for i in batch],
                        status=OutboxMessage.Status.SENT,
                    ).values_list("key", flat=True)
                )
                sensitive = sensitive_resident_ids(i.resident_id for i in batch if i.resident_id)
                reminded = []
                for invitation in batch:
                    if f"{INVITATION_KEY}{invitation.pk}" not in delivered:
                        continue
                    if invitation.resident_id in sensitive:
                        continue  # marked sensitive since
                    if invitation.resident_id and not invitation.resident.has_consent(
                        invitation.channel
                    ):
                        continue  # opted out since the invitation
                    n = invitation.reminders_sent + 1
                    key = f"survey-reminder:{invitation.pk}:{n}"
                    if not OutboxMessage.objects.filter(key=key).exists():
                        token, invitation.token_hash = new_invitation_token()
                        _queue(invitation, survey, token, key=key, template="survey_reminder", n=n)
                    invitation.reminders_sent = n
                    invitation.last_sent_at = now
                    reminded.append(invitation)
                if reminded:
                    Invitation.objects.bulk_update(
                        reminded, ["token_hash", "reminders_sent", "last_sent_at"]
                    )
                    queued += len(reminded)
                    start_sending()
    return queued


# --- Progress ------------------------------------------------------------------------------


def progress(distribution: Distribution) -> dict[str, int]:
    """Counts for the progress page: invitations by state and their messages by outcome."""
    counts = distribution.invitations.aggregate(
        total=Count("pk"),
        pending=Count("pk", filter=Q(status=Invitation.Status.PENDING)),
        queued=Count("pk", filter=Q(status=Invitation.Status.QUEUED)),
        cancelled=Count("pk", filter=Q(status=Invitation.Status.SKIPPED)),
        opened=Count("pk", filter=Q(opened=True)),
        responded=Count("pk", filter=Q(used=True)),
        reminders=Count("pk", filter=Q(reminders_sent__gt=0)),
    )
    keys = distribution.invitations.annotate(
        key=Concat(Value(INVITATION_KEY), Cast("pk", CharField()), output_field=CharField())
    ).values("key")
    by_status = dict(
        OutboxMessage.objects.filter(key__in=keys)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    S = OutboxMessage.Status
    counts["sent"] = by_status.get(S.SENT, 0)
    counts["failed"] = by_status.get(S.FAILED, 0)
    counts["suppressed"] = by_status.get(S.SUPPRESSED, 0)
    counts["sending"] = by_status.get(S.PENDING, 0) + by_status.get(S.SENDING, 0)
    counts["held"] = by_status.get(S.HELD, 0)
    counts["skipped_sensitive"] = distribution.skipped_sensitive
    counts["skipped_opted_out"] = distribution.skipped_opted_out
    params = distribution.parameters or {}
    for name in ("skipped_no_address", "already_invited", "duplicates", "bad_rows_skipped"):
        counts[name] = int(params.get(name, 0) or 0)
    done = counts["sent"] + counts["failed"] + counts["suppressed"]
    counts["percent_done"] = round(100 * done / counts["total"]) if counts["total"] else 0
    return counts


def distributions_with_progress(survey: Survey) -> list[tuple[Distribution, dict[str, int]]]:
    return [(d, progress(d)) for d in survey.distributions.select_related("created_by")]


def contacts_from_rows(rows: Iterable[dict]) -> list[Contact]:
    """Contacts from already-clean dicts (name, email, phone, language), e.g. for scripts."""
    return [
        Contact(
            name=r.get("name", ""),
            email=normalise_email(r.get("email", "")),
            phone=normalise_phone(r.get("phone", "")),
            language=r.get("language", ""),
        )
        for r in rows
    ]
