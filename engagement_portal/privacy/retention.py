"""Retention and erasure of residents' personal data.

Two promises (README "Privacy"): nothing is kept longer than its retention period
(settings.RETENTION_DAYS), and a resident can be erased on request. Both anonymise in
place. Rows that carry dashboard facts (registrations, applications, survey responses, the
Resident row that the reach summaries point at) keep those facts - status, program, dates,
party size, neighbourhood, age group - and lose whatever names or reaches the person. The
summary tables are never touched, and nothing a summary refresh reads is changed (a birth
date is moved only to a day that gives the same age group on every day it is read for), so
every dashboard figure stays what it was, even after `rebuild_dashboard`.

This module holds the machinery and the foundation's own data (residents, accounts,
consents, claims, the outbox, the audit log, sessions, the logs, login attempts). Every app
that keeps residents' data says what it keeps and how it lets go in its own `retention.py`
(found by PrivacyConfig.ready) with three hooks:

- `@purges(kind)`: `f(now) -> rows changed`, the nightly purge of one kind of
  settings.RETENTION_DAYS;
- `@keeps_residents`: `f(cut, day) -> queryset` of the records (with a `resident`) that
  are still live, which keep their resident from expiring;
- `@erases`: `f(person) -> {what: rows changed}`, its part of erasing one person.

Every write claims its rows (SELECT ... FOR UPDATE SKIP LOCKED; an erasure waits instead)
and is a conditional UPDATE (`... WHERE details <> ''`, `anonymised_at IS NULL`), so running
a purge or an erasure twice, or two at once, changes nothing the second time.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from engagement_portal.accounts.models import Consent, ContactClaim, Resident, User
from engagement_portal.core.models import AuditLog
from engagement_portal.core.services import audit
from engagement_portal.messaging.models import OutboxMessage

# An anonymised resident keeps a unique, contact-free marker ("erased:<pk>") where the
# normalised email was: the table's check constraint wants an email or a phone, and no
# lookup of a real (normalised, "@"-bearing) address can ever match it.
ERASED_PREFIX = "erased:"
# What stands in for a name, email or phone found inside free text (audit log, admin log).
ERASED_TEXT = "[erased]"
FINISHED_MESSAGES = (
    OutboxMessage.Status.SENT,
    OutboxMessage.Status.FAILED,
    OutboxMessage.Status.SUPPRESSED,
    OutboxMessage.Status.WITHDRAWN,
)


def cutoff(kind: str, now: datetime) -> datetime:
    """The moment before which data of this kind has outlived its retention period."""
    return now - timedelta(days=settings.RETENTION_DAYS[kind])


def claim(queryset: QuerySet, *, wait: bool = False) -> QuerySet:
    """The rows of `queryset` that no concurrent purge or erasure holds, locked until this
    transaction ends. Concurrent purges skip each other's rows instead of waiting (or
    deadlocking); the conditional updates after the claim make a second run a no-op. An
    erasure waits (`wait`) instead: a row it skipped would keep the person, and since purges
    never wait, the two cannot deadlock. SQLite ignores the lock: it runs one writer at a
    time."""
    locked = queryset.select_for_update(skip_locked=not wait, of=("self",))
    ids = list(locked.values_list("pk", flat=True))
    return queryset.model._default_manager.filter(pk__in=ids)


def erased_marker() -> Concat:
    """ "erased:<pk>", for a column that must stay unique without keeping the person."""
    return Concat(Value(ERASED_PREFIX), Cast("pk", output_field=CharField()))


@dataclass(frozen=True)
class Person:
    """Whom an erasure is about: the resident (locked), and the names, emails and phones
    that reach them. Erasure hooks claim their rows with `claim(..., wait=True)`."""

    resident: Resident
    emails: list[str]
    phones: list[str]
    names: list[str]
    now: datetime

    @property
    def contacts(self) -> list[str]:
        return self.emails + self.phones


# --- The apps' hooks --------------------------------------------------------------------

Purge = Callable[[datetime], int]
LiveRecords = Callable[[datetime, date], QuerySet]
Eraser = Callable[[Person], dict[str, int]]

# The foundation's own kinds run after every app's (see purges()).
FOUNDATION_KINDS = ("outbox_messages", "audit_log", "sessions", "residents")
_purges: dict[str, list[Purge]] = {}
_live: list[LiveRecords] = []
_erasers: list[Eraser] = []


def purges(kind: str) -> Callable[[Purge], Purge]:
    """Register `f(now) -> rows changed` as (part of) the nightly purge of `kind`."""
    if kind not in settings.RETENTION_DAYS or kind in FOUNDATION_KINDS:
        raise ImproperlyConfigured(f"{kind!r} is not a kind of settings.RETENTION_DAYS.")

    def register(purge: Purge) -> Purge:
        hooks = _purges.setdefault(kind, [])
        if purge not in hooks:
            hooks.append(purge)
        return purge

    return register


def keeps_residents(live: LiveRecords) -> LiveRecords:
    """Register `f(cut, day) -> queryset`: records (with a `resident`) still within their
    period at `cut` (`day`, its local date), whose residents must not expire yet."""
    if live not in _live:
        _live.append(live)
    return live


def erases(eraser: Eraser) -> Eraser:
    """Register `f(person) -> {what: rows changed}`, a part of erasing one person."""
    if eraser not in _erasers:
        _erasers.append(eraser)
    return eraser


def _together(hooks: list[Purge]) -> Purge:
    if len(hooks) == 1:
        return hooks[0]
    return lambda now: sum(purge(now) for purge in hooks)


def purge_functions() -> dict[str, Purge]:
    """{kind: purge}, in the order the nightly purge runs them: the apps' kinds in the
    order of settings.RETENTION_DAYS, then the outbox, the audit log, sessions and, last,
    the residents' own rows: they count as expired only once their applications and
    requests are anonymised."""
    order = list(settings.RETENTION_DAYS)
    kinds = sorted(_purges, key=order.index)
    return {
        **{kind: _together(_purges[kind]) for kind in kinds},
        "outbox_messages": purge_outbox_messages,
        "audit_log": purge_audit_log,
        "sessions": purge_sessions,
        "residents": purge_residents,
    }


# --- The foundation's pieces, shared by the purge and the erasure -----------------------


def _blank_messages(messages, *, wait: bool = False) -> int:
    """Addresses and texts of messages; unsent ones are stopped (marked not sent)."""
    messages = claim(messages, wait=wait)
    stopped = messages.filter(
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
    ).update(status=OutboxMessage.Status.SUPPRESSED)
    blanked = messages.filter(
        ~Q(recipient="")
        | ~Q(subject="")
        | ~Q(body_text="")
        | ~Q(body_html="")
        | ~Q(link_secrets="")
    ).update(
        recipient="",
        subject="",
        body_text="",
        body_html="",
        attachments=[],
        last_error="",
        link_secrets="",
    )
    return stopped + blanked


def _anonymise_users(users) -> int:
    changed = 0
    for user in users.exclude(email__endswith="@erased.invalid"):
        Session.objects.filter(pk__in=_session_keys_of(user.pk)).delete()
        changed += User.objects.filter(pk=user.pk, email=user.email).update(
            email=f"erased-{user.pk}@erased.invalid",
            full_name="",
            badge_number="",
            is_active=False,
            password="!erased",  # an unusable password: no hasher produces a leading "!"
        )
    return changed


def _session_keys_of(user_id: int) -> list[str]:
    keys = []
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            keys.append(session.pk)
    return keys


def _anonymise_residents(residents, now: datetime, *, wait: bool = False) -> int:
    """The Resident rows themselves: PROTECTed rows and the reach summaries keep pointing
    at them; they keep their neighbourhood and language (facts of the figures)."""
    ids = list(
        claim(residents.exclude(email_normalised__startswith=ERASED_PREFIX), wait=wait).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return 0
    _anonymise_users(User.objects.filter(resident__pk__in=ids))
    Consent.objects.filter(resident_id__in=ids, withdrawn_at__isnull=True).update(withdrawn_at=now)
    return (
        Resident.objects.filter(pk__in=ids)
        .exclude(email_normalised__startswith=ERASED_PREFIX)
        .update(
            name="",
            email="",
            phone="",
            phone_normalised="",
            email_normalised=erased_marker(),
            user=None,
        )
    )


# --- The nightly purge ------------------------------------------------------------------


def purge_outbox_messages(now: datetime) -> int:
    return _blank_messages(
        OutboxMessage.objects.filter(
            created_at__lt=cutoff("outbox_messages", now), status__in=FINISHED_MESSAGES
        )
    )


def purge_audit_log(now: datetime) -> int:
    deleted, _by_model = claim(AuditLog.objects.filter(at__lt=cutoff("audit_log", now))).delete()
    return deleted


def purge_sessions(now: datetime) -> int:
    deleted, _by_model = claim(Session.objects.filter(expire_date__lt=now)).delete()
    return deleted


def expired_residents(now: datetime):
    """Residents without an active account whose every record has outlived the period."""
    cut = cutoff("residents", now)
    day = timezone.localdate(cut)
    live = [records(cut, day) for records in _live]
    live.append(Consent.objects.filter(withdrawn_at__isnull=True, granted_at__gte=cut))
    residents = (
        Resident.objects.exclude(email_normalised__startswith=ERASED_PREFIX)
        .filter(created_at__lt=cut)
        .filter(Q(user__isnull=True) | Q(user__is_active=False))
    )
    for records in live:
        residents = residents.filter(~Exists(records.filter(resident=OuterRef("pk"))))
    return residents


def purge_residents(now: datetime) -> int:
    return _anonymise_residents(expired_residents(now), now)


def purge_expired_personal_data(*, now: datetime | None = None) -> dict[str, int]:
    """Anonymise (or delete, where no figure needs the row) every kind of personal data past
    its retention period; {kind: rows changed}. Every step is a conditional update, so a
    second run, or one at the same time, changes nothing more."""
    now = now or timezone.now()
    changed = {}
    for kind, purge in purge_functions().items():
        with transaction.atomic():
            changed[kind] = purge(now)
    return changed


# --- Erasure on request -----------------------------------------------------------------


def _scrub_text(text: str, needles: list[str]) -> str:
    """`text` with each needle replaced where it stands as a whole word (erasing "Al" must
    not touch "Alice")."""
    for needle in needles:
        text = re.sub(rf"(?<!\w){re.escape(needle)}(?!\w)", ERASED_TEXT, text, flags=re.I)
    return text


def _scrub_logs(needles: list[str]) -> int:
    """Names, emails and phones written into the audit log and the Django admin's log."""
    changed = 0
    for needle in needles:
        entries = AuditLog.objects.annotate(_details=Cast("details", TextField())).filter(
            Q(target__icontains=needle) | Q(_details__icontains=needle)
        )
        for entry in entries:
            details = json.loads(_scrub_text(json.dumps(entry.details), needles))
            changed += AuditLog.objects.filter(pk=entry.pk).update(
                target=_scrub_text(entry.target, needles), details=details
            )
        for entry in LogEntry.objects.filter(
            Q(object_repr__icontains=needle) | Q(change_message__icontains=needle)
        ):
            changed += LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=_scrub_text(entry.object_repr, needles),
                change_message=_scrub_text(entry.change_message, needles),
            )
    return changed


def _forget_login_attempts(emails: list[str]) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    deleted = 0
    for email in emails:
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            count, _by_model = model.objects.filter(username__iexact=email).delete()
            deleted += count
    return deleted


@transaction.atomic(durable=True)
def erase_resident(*, resident_id: int, actor, now: datetime | None = None) -> Resident:
    """Erase one resident everywhere, in place: the figures keep their facts, nothing keeps
    the person. Erasing an erased resident changes nothing (and logs the request again)."""
    return _erase(resident_id=resident_id, actor=actor, now=now or timezone.now())


def _erase(*, resident_id: int, actor, now: datetime, log: bool = True) -> Resident:
    # Lock the row: a registration at the same moment either finishes first (and is erased
    # here) or waits and finds the row erased.
    resident = Resident.objects.select_for_update().get(pk=resident_id)
    user = resident.user
    emails = [e for e in {resident.email, resident.email_normalised} if e and "@" in e]
    if user is not None and not user.email.endswith("@erased.invalid"):
        emails.append(user.email)
    phones = [p for p in {resident.phone, resident.phone_normalised} if p]
    names = [n for n in {resident.name, user.full_name if user else ""} if n.strip()]
    person = Person(resident=resident, emails=emails, phones=phones, names=names, now=now)
    contacts = person.contacts
    contact_q = Q()
    for contact in contacts:
        contact_q |= Q(recipient__iexact=contact)

    changed: Counter[str] = Counter()
    for eraser in _erasers:
        changed.update(eraser(person))
    changed["messages"] = _blank_messages(
        OutboxMessage.objects.filter(
            Q(resident=resident) | (contact_q if contacts else Q(pk=None))
        ),
        wait=True,
    )
    # What strangers typed naming her (provisional records waiting for her confirmation)
    # holds her address: erase those records the same way, and the links waiting for her.
    provisional_ids = list(
        Resident.objects.filter(provisional_for=resident)
        .exclude(email_normalised__startswith=ERASED_PREFIX)
        .values_list("pk", flat=True)
    )
    for provisional_id in provisional_ids:
        _erase(resident_id=provisional_id, actor=actor, now=now, log=False)
    changed["provisional_records"] = len(provisional_ids)
    changed["contact_claims"] = ContactClaim.objects.filter(
        resident=resident, confirmed_at__isnull=True
    ).delete()[0]
    changed["logs"] = _scrub_logs(names + contacts)
    changed["login_attempts"] = _forget_login_attempts(emails)
    if user is not None:
        changed["account"] = _anonymise_users(User.objects.filter(pk=user.pk))
    changed["resident"] = _anonymise_residents(
        Resident.objects.filter(pk=resident.pk), now, wait=True
    )
    if not log:
        return resident
    # Counts only: the entry must not itself keep what was erased.
    audit(
        actor=actor,
        action="resident.erased",
        target=f"resident {resident.pk}",
        **{k: v for k, v in changed.items() if v},
    )
    resident.refresh_from_db()
    return resident


def is_erased(resident: Resident) -> bool:
    return resident.email_normalised.startswith(ERASED_PREFIX)
