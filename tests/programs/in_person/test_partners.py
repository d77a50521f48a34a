"""Partnerships: contacts, agreements and renewal reminders, co-facilitators on training."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from engagement_portal.messaging.models import OutboxMessage
from programs.in_person import services_partners as services
from programs.in_person import tasks
from programs.in_person.models import PartnerAgreement, PartnerContact
from programs.models import EngagementType
from tests.factories import (
    EventFactory,
    PartnerAgreementFactory,
    PartnerContactFactory,
    PartnerOrganisationFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    return PartnerOrganisationFactory(name="Safe Harbor Advocates", kind="victim_services")


@pytest.fixture
def training(alice):
    program = ProgramFactory(
        owner=alice,
        engagement_type=EngagementType.objects.get(slug="co-facilitated-training"),
    )
    return EventFactory(program=program, title="DV response training")


def _agreement(alice, partner, **fields):
    data = {
        "title": "MOU on referrals",
        "kind": PartnerAgreement.Kind.MOU,
        "starts_on": date(2026, 1, 1),
        "renews_on": date(2027, 1, 1),
        "responsible_user": alice,
        "renewal_notice_days": 60,
        "document_url": "",
        "notes": "",
    }
    data.update(fields)
    return services.add_agreement(partner=partner, **data)


def renewal_messages():
    return OutboxMessage.objects.filter(key__startswith="agreement-renewal:")


# --- Services ---------------------------------------------------------------------------


def test_add_contact_twice_keeps_one_contact_with_the_latest_role(partner):
    first = services.add_contact(partner=partner, name="Maria Lopez", email="m@sh.org", role="A")
    second = services.add_contact(
        partner=partner, name="maria lopez", email="M@sh.org", role="Director"
    )

    assert first.pk == second.pk
    assert PartnerContact.objects.get().role == "Director"


def test_update_contact_changes_the_fields(partner):
    contact = PartnerContactFactory(partner=partner)

    services.update_contact(contact=contact, phone="555-0100")
    services.update_contact(contact=contact, phone="555-0100")

    contact.refresh_from_db()
    assert contact.phone == "555-0100"


def test_add_agreement_twice_keeps_one_agreement(alice, partner):
    _agreement(alice, partner)
    _agreement(alice, partner, renews_on=date(2027, 6, 1))

    agreement = PartnerAgreement.objects.get()
    assert agreement.renews_on == date(2027, 6, 1)


# --- Renewal reminders --------------------------------------------------------------------


@time_machine.travel("2026-11-10 09:00 +0000", tick=False)
def test_reminder_is_sent_once_within_the_notice_period(alice, partner):
    agreement = _agreement(alice, partner, renews_on=date(2026, 12, 20))

    assert services.remind_agreement_renewals() == 1
    assert services.remind_agreement_renewals() == 0
    assert tasks.remind_agreement_renewals.delay().get() == 0

    message = renewal_messages().get()
    assert message.key == f"agreement-renewal:{agreement.pk}:2026-12-20"
    assert message.recipient == alice.email
    assert "MOU on referrals" in message.subject


@time_machine.travel("2026-11-10 09:00 +0000", tick=False)
def test_no_reminder_before_the_notice_period_or_after_the_date(alice, partner):
    _agreement(alice, partner, renews_on=date(2027, 3, 1))  # 111 days away
    _agreement(alice, partner, title="Old data sharing", renews_on=date(2026, 11, 1))

    assert services.remind_agreement_renewals() == 0
    assert not renewal_messages().exists()


def test_a_new_renewal_date_gets_its_own_reminder(alice, partner):
    with time_machine.travel("2026-11-10 09:00 +0000", tick=False):
        agreement = _agreement(alice, partner, renews_on=date(2026, 12, 20))
        services.remind_agreement_renewals()
    services.update_agreement(agreement=agreement, renews_on=date(2027, 12, 20))
    with time_machine.travel("2027-11-15 09:00 +0000", tick=False):
        services.remind_agreement_renewals()
        services.remind_agreement_renewals()

    assert sorted(renewal_messages().values_list("key", flat=True)) == [
        f"agreement-renewal:{agreement.pk}:2026-12-20",
        f"agreement-renewal:{agreement.pk}:2027-12-20",
    ]


@time_machine.travel("2026-11-10 09:00 +0000", tick=False)
def test_notice_period_is_per_agreement(alice, partner):
    _agreement(alice, partner, renews_on=date(2026, 12, 20), renewal_notice_days=30)

    assert services.remind_agreement_renewals() == 0


# --- Pages ------------------------------------------------------------------------------


@time_machine.travel("2026-11-10 09:00 +0000", tick=False)
def test_list_shows_programs_agreements_and_flags_renewals_due(client, carol, alice, partner):
    ProgramFactory(title="Survivor listening sessions").partners.add(partner)
    _agreement(alice, partner, renews_on=date(2026, 12, 20))
    client.force_login(carol)

    response = client.get(reverse("partners:staff-list"))

    content = response.content.decode()
    assert "Survivor listening sessions" in content
    assert "MOU on referrals" in content
    assert "Renewal due" in content
    assert reverse("partners:staff-create") not in content  # carol may not edit


def test_command_staff_read_the_list_but_not_contacts_nor_edit(client, carol, alice, partner):
    ProgramFactory(owner=alice).partners.add(partner)
    client.force_login(carol)

    assert client.get(reverse("partners:staff-list")).status_code == 200
    assert client.get(reverse("partners:staff-detail", args=[partner.pk])).status_code == 403
    url = reverse("partners:contact-add", args=[partner.pk])
    assert client.post(url, {"name": "X", "email": "x@example.org"}).status_code == 403
    assert not PartnerContact.objects.exists()


def test_anonymous_is_sent_to_log_in(client, partner):
    response = client.get(reverse("partners:staff-detail", args=[partner.pk]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_staff_who_run_a_program_with_the_partner_add_a_contact(client, bob, partner):
    ProgramFactory(owner=bob).partners.add(partner)
    client.force_login(bob)

    response = client.post(
        reverse("partners:contact-add", args=[partner.pk]),
        {"name": "Maria Lopez", "role": "Director", "email": "maria@sh.org", "phone": ""},
    )

    assert response.status_code == 302
    assert partner.contacts.get().name == "Maria Lopez"


def test_bad_agreement_keeps_what_was_typed(client, alice, partner):
    client.force_login(alice)

    response = client.post(
        reverse("partners:agreement-add", args=[partner.pk]),
        {
            "title": "Data sharing on referrals",
            "kind": "data_sharing",
            "starts_on": "2026-05-01",
            "renews_on": "2026-04-01",
            "renewal_notice_days": "60",
            "responsible_user": alice.pk,
        },
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "Data sharing on referrals" in content
    assert "The renewal date must be after the start date." in content
    assert not PartnerAgreement.objects.exists()


def test_editing_an_agreement_moves_its_renewal_date(client, alice, partner):
    agreement = PartnerAgreementFactory(partner=partner, responsible_user=alice)
    client.force_login(alice)
    url = reverse("partners:agreement-edit", args=[agreement.pk])
    form = client.get(url).context["form"]
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(renews_on="2030-01-01", responsible_user=alice.pk, starts_on="2026-01-01")

    response = client.post(url, data)

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.renews_on == date(2030, 1, 1)


def test_bad_contact_keeps_what_was_typed(client, alice, partner):
    ProgramFactory(owner=alice).partners.add(partner)
    client.force_login(alice)

    response = client.post(
        reverse("partners:contact-add", args=[partner.pk]),
        {"name": "Maria Lopez", "email": "not-an-email"},
    )

    assert response.status_code == 200
    assert "Maria Lopez" in response.content.decode()
    assert not PartnerContact.objects.exists()


# --- Co-facilitators on the roster -----------------------------------------------------


# --- Need to know: a partner's contacts are for the staff who run its programs -----------


@pytest.fixture
def alices_partner(alice, partner):
    """alice runs a program the partner co-runs; the partner has one contact."""
    ProgramFactory(owner=alice, title="Survivor listening sessions").partners.add(partner)
    PartnerContactFactory(
        partner=partner, name="Maria Lopez", email="maria@sh.org", phone="555-0101"
    )
    return partner


def test_staff_who_do_not_run_its_programs_cannot_read_a_partners_contacts(
    client, bob, alices_partner
):
    ProgramFactory(owner=bob)  # bob runs a program, just not one with this partner
    contact = alices_partner.contacts.get()
    client.force_login(bob)

    listed = client.get(reverse("partners:staff-list"))
    detail = client.get(reverse("partners:staff-detail", args=[alices_partner.pk]))
    edit = client.get(reverse("partners:contact-edit", args=[contact.pk]))
    changed = client.post(
        reverse("partners:contact-edit", args=[contact.pk]),
        {"name": "Changed", "email": "x@example.org"},
    )

    assert listed.status_code == 200 and "Safe Harbor Advocates" in listed.content.decode()
    assert reverse("partners:staff-detail", args=[alices_partner.pk]) not in listed.content.decode()
    assert detail.status_code == 403 and edit.status_code == 403 and changed.status_code == 403
    for response in (listed, detail, edit):
        assert "maria@sh.org" not in response.content.decode()
    contact.refresh_from_db()
    assert contact.name == "Maria Lopez"


def test_program_staff_and_administrators_read_the_contacts(client, alice, root, alices_partner):
    for user in (alice, root):
        client.force_login(user)
        response = client.get(reverse("partners:staff-detail", args=[alices_partner.pk]))
        assert response.status_code == 200
        assert "maria@sh.org" in response.content.decode()


def test_a_new_partner_of_no_program_leads_its_creator_back_to_the_list(client, bob):
    client.force_login(bob)

    response = client.post(reverse("partners:staff-create"), {"name": "New Hope", "kind": "faith"})

    assert response.status_code == 302
    assert response["Location"] == reverse("partners:staff-list")


def test_each_view_of_a_partners_contacts_is_audit_logged(client, alice, alices_partner):
    from django.db import connection

    from engagement_portal.core.models import AuditLog

    contact = alices_partner.contacts.get()
    client.force_login(alice)

    client.get(reverse("partners:staff-detail", args=[alices_partner.pk]))
    client.get(reverse("partners:contact-edit", args=[contact.pk]))

    detail = AuditLog.objects.get(actor=alice, details__page="partners:staff-detail")
    assert detail.target == f"in_person.partnerorganisation {alices_partner.pk}"
    assert detail.details["contacts"] == [contact.pk]
    edit = AuditLog.objects.get(actor=alice, details__page="partners:contact-edit")
    assert edit.target == f"in_person.partnercontact {contact.pk}"
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_auditlog")
        rows = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    for text in ["Maria", "maria@sh.org", "555-0101"]:
        assert text not in rows
