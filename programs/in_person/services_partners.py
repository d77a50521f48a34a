"""Writes for partnerships: contacts, agreements and their renewal reminders, co-facilitators."""

from datetime import date

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from engagement_portal.core.links import base_url
from engagement_portal.core.services import update_changed
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import build_message, queue_messages
from programs.in_person.models import PartnerAgreement, PartnerContact, PartnerOrganisation

TRAINING_TYPES = ("co-facilitated-training", "training-scenario-participation")

CONTACT_FIELDS = ("name", "role", "email", "phone")
AGREEMENT_FIELDS = (
    "title",
    "kind",
    "starts_on",
    "renews_on",
    "document_url",
    "notes",
    "responsible_user",
    "renewal_notice_days",
)


def _lock(partner: PartnerOrganisation) -> PartnerOrganisation:
    # Two staff adding the same contact at once would both miss the other's row without it.
    return PartnerOrganisation.objects.select_for_update().get(pk=partner.pk)


@transaction.atomic
def add_contact(
    *, partner: PartnerOrganisation, name: str, role: str = "", email: str = "", phone: str = ""
) -> PartnerContact:
    """Add a contact to a partner. Run twice with the same name and email, it keeps one contact
    (and the role and phone of the latest call)."""
    partner = _lock(partner)
    name, email = name.strip(), email.strip()
    existing = partner.contacts.filter(name__iexact=name, email__iexact=email).first()
    if existing:
        return update_changed(existing, {"role": role, "phone": phone}, CONTACT_FIELDS)
    return PartnerContact.objects.create(
        partner=partner, name=name, role=role, email=email, phone=phone
    )


def update_contact(*, contact: PartnerContact, **fields) -> PartnerContact:
    """Change a contact's details. Run twice with the same values, the second run writes nothing."""
    return update_changed(contact, fields, CONTACT_FIELDS)


@transaction.atomic
def add_agreement(*, partner: PartnerOrganisation, **fields) -> PartnerAgreement:
    """Record an agreement with a partner. Run twice with the same title and start date, it keeps
    one agreement (with the other values of the latest call)."""
    partner = _lock(partner)
    fields["title"] = fields["title"].strip()
    existing = partner.agreements.filter(
        title__iexact=fields["title"], starts_on=fields["starts_on"]
    ).first()
    if existing:
        return update_changed(existing, fields, AGREEMENT_FIELDS)
    data = {name: value for name, value in fields.items() if name in AGREEMENT_FIELDS}
    return PartnerAgreement.objects.create(partner=partner, **data)


def update_agreement(*, agreement: PartnerAgreement, **fields) -> PartnerAgreement:
    """Change an agreement, e.g. move its renewal date once renewed. Run twice with the same
    values, the second run writes nothing. A new renewal date gets its own reminder."""
    return update_changed(agreement, fields, AGREEMENT_FIELDS)


def renewal_key(agreement: PartnerAgreement) -> str:
    return f"agreement-renewal:{agreement.pk}:{agreement.renews_on.isoformat()}"


def remind_agreement_renewals(*, today: date | None = None) -> int:
    """Email the responsible staff member about each agreement coming up for renewal.

    At most one message per agreement per renewal date, however often it runs; moving the
    renewal date earns a new reminder. Returns how many messages this run queued.
    """
    today = today or timezone.localdate()
    upcoming = PartnerAgreement.objects.filter(renews_on__gte=today).select_related(
        "partner", "responsible_user"
    )
    # The notice period is per agreement; agreements are few, so filter here, not in SQL.
    due = [agreement for agreement in upcoming if agreement.renewal_is_due(today)]
    keys = {agreement.pk: renewal_key(agreement) for agreement in due}
    already = set(OutboxMessage.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    portal = base_url()
    messages = []
    for agreement in due:
        key = keys[agreement.pk]
        user = agreement.responsible_user
        if key in already or not user.email or not user.is_active:
            continue
        messages.append(
            build_message(
                key=key,
                channel=OutboxMessage.Channel.EMAIL,
                recipient=user.email,
                language=user.preferred_language or settings.LANGUAGE_CODE,
                template="agreement_renewal",
                context={
                    "agreement": agreement,
                    "user": user,
                    "days_left": (agreement.renews_on - today).days,
                    "url": portal + reverse("partners:staff-detail", args=[agreement.partner_id]),
                },
                essential=True,  # work for staff, not a resident's opt-in message
            )
        )
    # A concurrent run may queue the same keys; the unique key keeps one row each.
    queue_messages(messages)
    return len(messages)
