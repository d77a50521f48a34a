"""Public forms that name someone on file: their details wait until that person confirms.

A form anyone can fill in (no login, or logged in as somebody else) may give the email or
phone of a resident we already know. Nothing typed there may change that resident's record
or appear in their history on the typist's word alone. What was submitted is attached to a
provisional record (`Resident.provisional_for`), so the registration or application itself
still works, and the resident is sent a single-use link at the address on file; opening it
merges the provisional record into theirs, once.
"""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement_portal.core import ledger
from engagement_portal.core.links import base_url
from engagement_portal.core.tokens import hash_token, new_token

from . import outbox
from .models import Consent, ContactClaim, Neighbourhood, Resident, User, normalise_email
from .services import (
    _fill_blanks,
    _match_resident,
    find_or_create_resident,
    normalise_phone,
    record_consent,
)


def resident_for_public_form(
    *,
    name: str,
    email: str = "",
    phone: str = "",
    preferred_language: str | None = None,
    neighbourhood: Neighbourhood | None = None,
    user: User | None = None,
    now: datetime | None = None,
) -> Resident:
    """The record a public form's submission belongs to.

    A new person gets a new record. A signed-in resident giving their own confirmed email
    is trusted as find_or_create_resident trusts (blanks filled, language updated). Anyone
    else naming a person on file gets a provisional record of what they typed, and that
    person is sent a link to confirm it (see confirm_contact_claim). Run twice with the
    same name and contact details it returns the same record and sends one link.
    """
    now = now or timezone.now()
    email_n = normalise_email(email)
    phone_n = normalise_phone(phone)
    if not email_n and not phone_n:
        raise ValidationError(_("Give an email address or a mobile phone number."))
    if _own_confirmed_email(user, email_n):
        resident, _created = find_or_create_resident(
            name=name,
            email=email,
            phone=phone,
            preferred_language=preferred_language,
            neighbourhood=neighbourhood,
        )
        return resident
    fields = {
        "name": name.strip(),
        "email": email.strip(),
        "phone": phone.strip() if phone_n else "",
        "email_normalised": email_n,
        "phone_normalised": phone_n,
        "preferred_language": preferred_language or settings.LANGUAGE_CODE,
        "neighbourhood": neighbourhood,
    }
    for _attempt in range(3):
        try:
            with transaction.atomic():
                # Locks the person on file, so two submissions naming them queue here and
                # the second finds the first one's provisional record.
                existing = _match_resident(email_n, phone_n)
                if existing is None:
                    return Resident.objects.create(**fields)
                return _provisional_record(existing, fields, now=now)
        except IntegrityError:
            # Someone with these details was created between our lookup and our insert:
            # look again, and this time keep what we were given apart from them.
            continue
    raise ValidationError(_("This contact is already used by another person on file."))


def person_on_file(*, email: str = "", phone: str = "") -> Resident | None:
    """The resident these contact details name (email first), provisional records aside.

    Public forms use it to recognise a repeated submission ("already registered") without
    creating anything; what they tell the submitter must not reveal what is on file.
    """
    email_n, phone_n = normalise_email(email), normalise_phone(phone)
    people = Resident.objects.filter(provisional_for__isnull=True)
    found = people.filter(email_normalised=email_n).first() if email_n else None
    if found is None and phone_n:
        found = people.filter(phone_normalised=phone_n).first()
    return found


def same_contact_ids(resident: Resident) -> list[int]:
    """The resident on file and the provisional records that gave their contact details.

    "Already registered" and "already applied" look across all of them, so one address
    never holds two seats or two applications, however the submissions raced.
    """
    root = resident.provisional_for_id or resident.pk
    return [root, *Resident.objects.filter(provisional_for_id=root).values_list("pk", flat=True)]


def acts_for_self(user: User | None, email: str) -> bool:
    """Whether a signed-in resident gave the email their account has confirmed."""
    return _own_confirmed_email(user, normalise_email(email))


def _own_confirmed_email(user: User | None, email_n: str) -> bool:
    if user is None or not user.is_authenticated or not email_n:
        return False
    # An account is linked to a record only once it has opened the link sent to its address.
    own = Resident.objects.filter(user=user, provisional_for__isnull=True).first()
    return own is not None and own.email_normalised == email_n


def _provisional_record(existing: Resident, fields: dict, *, now: datetime) -> Resident:
    same = Resident.objects.filter(
        provisional_for=existing,
        name=fields["name"],
        email_normalised=fields["email_normalised"],
        phone_normalised=fields["phone_normalised"],
        claim__confirmed_at__isnull=True,
    ).first()
    if same is not None:
        return same
    provisional = Resident.objects.create(provisional_for=existing, created_at=now, **fields)
    by_email = bool(fields["email_normalised"]) and (
        fields["email_normalised"] == existing.email_normalised
    )
    channel = Consent.Channel.EMAIL if by_email else Consent.Channel.SMS
    token, token_hash = new_token()
    claim = ContactClaim.objects.create(
        resident=existing,
        provisional=provisional,
        channel=channel,
        token_hash=token_hash,
        created_at=now,
    )
    _send_claim_link(claim, existing, token, now=now)
    return provisional


def _send_claim_link(claim: ContactClaim, existing: Resident, token: str, *, now) -> None:
    if claim.channel == Consent.Channel.EMAIL:
        channel, recipient = outbox.EMAIL, existing.email
    else:
        channel, recipient = outbox.SMS, existing.phone_normalised
    # Sent to the address on file, never to what was typed; not linked to the resident's
    # record (resident=None), so the claim shows nowhere in their history until confirmed.
    outbox.queue_message(
        key=f"contact-claim:{claim.pk}",
        channel=channel,
        recipient=recipient,
        language=existing.preferred_language or settings.LANGUAGE_CODE,
        template="contact_claim",
        context={
            "name": existing.name,
            "confirm_url": base_url() + reverse("confirm-contact", args=[token]),
        },
        essential=True,
        now=now,
    )


def claim_for_token(token: str) -> ContactClaim | None:
    """The claim a confirmation link names, or None for a link we never sent."""
    if not token:
        return None
    return (
        ContactClaim.objects.select_related("provisional")
        .filter(token_hash=hash_token(token))
        .first()
    )


@dataclass
class ClaimConfirmation:
    claim: ContactClaim
    merged: bool  # False when the link had already been used


def confirm_contact_claim(*, token: str, now: datetime | None = None) -> ClaimConfirmation | None:
    """Merge the provisional record behind `token` into the resident it named.

    Confirming twice (or twice at once) merges once: the second call finds the claim
    confirmed and changes nothing. None for a token that names no claim.
    """
    claim = ContactClaim.objects.filter(token_hash=hash_token(token)).first() if token else None
    if claim is None:
        return None
    return confirm_claim(claim=claim, now=now)


def confirm_claim(*, claim: ContactClaim, now: datetime | None = None) -> ClaimConfirmation:
    """What confirm_contact_claim does once the link has named the claim (the demo loader's
    residents call it directly). Confirming twice, or twice at once, merges once."""
    now = now or timezone.now()
    with transaction.atomic():
        # The claim row is the lock: concurrent clicks queue here and see confirmed_at.
        claim = ContactClaim.objects.select_for_update().get(pk=claim.pk)
        if claim.confirmed_at is not None:
            return ClaimConfirmation(claim, merged=False)
        existing = Resident.objects.select_for_update().get(pk=claim.resident_id)
        provisional = (
            Resident.objects.select_for_update().filter(pk=claim.provisional_id).first()
            if claim.provisional_id
            else None
        )
        if provisional is not None:
            _merge(provisional, into=existing, now=now)
        claim.confirmed_at = now
        claim.save(update_fields=["confirmed_at"])
        if provisional is not None and not _still_referenced(provisional):
            provisional.delete()
    return ClaimConfirmation(claim, merged=True)


def _merge(provisional: Resident, *, into: Resident, now: datetime) -> None:
    existing = into
    email_n = provisional.email_normalised
    if (
        email_n
        and Resident.objects.filter(email_normalised=email_n, provisional_for__isnull=True)
        .exclude(pk=existing.pk)
        .exists()
    ):
        email_n = ""  # the typed email has since become someone else's
    _fill_blanks(
        existing,
        provisional.name,
        provisional.email if email_n else "",
        email_n,
        provisional.phone,
        provisional.phone_normalised,
        provisional.neighbourhood,
        None,
    )
    existing.save()
    for consent in provisional.consents.filter(withdrawn_at__isnull=True):
        record_consent(
            resident=existing, channel=consent.channel, granted=True, source=consent.source, now=now
        )
    for model, field in _history_relations():
        for pk in model.objects.filter(**{field: provisional}).values_list("pk", flat=True):
            try:
                with transaction.atomic():
                    model.objects.filter(pk=pk).update(**{field: existing})
            except IntegrityError:
                # The resident already has their own row of this kind (registered for the
                # same event, say): theirs stands and the duplicate stays provisional.
                continue
    # What the provisional record took part in is now the resident's: the dashboards
    # recount every day of theirs (and the provisional's, for rows that could not move).
    ledger.record(ledger.RESIDENT_MOVED, resident_id=existing.pk)
    ledger.record(ledger.RESIDENT_MOVED, resident_id=provisional.pk)


def _history_relations() -> list[tuple[type[models.Model], str]]:
    """Every row that points at a resident and is theirs to see: registrations,
    applications, memberships, requests, messages... (consents are merged, not moved)."""
    skip = {Consent, ContactClaim, Resident}
    return [
        (rel.related_model, rel.field.name)
        for rel in Resident._meta.related_objects
        if isinstance(rel.field, models.ForeignKey) and rel.related_model not in skip
    ]


def _still_referenced(provisional: Resident) -> bool:
    return any(
        model.objects.filter(**{field: provisional}).exists()
        for model, field in _history_relations()
    )
