import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from engagement_portal.accounts import services
from engagement_portal.accounts.models import Consent, Resident
from engagement_portal.accounts.services import (
    find_or_create_resident,
    normalise_phone,
    record_consent,
)
from tests.factories import NeighbourhoodFactory, ResidentFactory

pytestmark = pytest.mark.django_db


# --- normalise_phone -----------------------------------------------------------------


@pytest.mark.parametrize("typed", ["(555) 201-3344", "555-201-3344", "+1 555 201 3344"])
def test_normalise_phone_reads_us_numbers_as_e164(typed):
    assert normalise_phone(typed) == "+15552013344"


@pytest.mark.parametrize("typed", ["", "   ", "banana", "12", "call me maybe"])
def test_normalise_phone_returns_blank_for_what_is_not_a_number(typed):
    assert normalise_phone(typed) == ""


# --- find_or_create_resident ---------------------------------------------------------


def test_find_or_create_resident_creates_one_row_with_normalised_contacts():
    resident, created = find_or_create_resident(
        name=" Erin Evans ", email=" Erin@Example.net ", phone="(555) 201-3344"
    )

    assert created
    resident.refresh_from_db()
    assert resident.name == "Erin Evans"
    assert resident.email == "Erin@Example.net"
    assert resident.email_normalised == "erin@example.net"
    assert resident.phone_normalised == "+15552013344"
    assert resident.preferred_language == "en"


def test_find_or_create_resident_run_twice_gives_one_row():
    first, first_created = find_or_create_resident(name="Erin", email="erin@example.net")
    second, second_created = find_or_create_resident(name="Erin", email="erin@example.net")

    assert (first_created, second_created) == (True, False)
    assert first.pk == second.pk
    assert Resident.objects.count() == 1


@pytest.mark.parametrize("typed", ["ERIN@example.NET", "  erin@example.net  ", "Erin@Example.Net"])
def test_find_or_create_resident_matches_email_case_insensitively(typed):
    existing, _ = find_or_create_resident(name="Erin", email="erin@example.net")

    found, created = find_or_create_resident(name="Erin", email=typed)

    assert not created
    assert found.pk == existing.pk
    assert Resident.objects.count() == 1


@pytest.mark.parametrize("typed", ["(555) 201-3344", "555-201-3344", "+1 555 201 3344"])
def test_find_or_create_resident_matches_phone_however_it_is_typed(typed):
    existing, _ = find_or_create_resident(name="Erin", phone="5552013344")

    found, created = find_or_create_resident(name="Erin", phone=typed)

    assert not created
    assert found.pk == existing.pk
    assert Resident.objects.count() == 1


def test_find_or_create_resident_prefers_the_email_match_over_the_phone_match():
    by_email = ResidentFactory(email="erin@example.net", phone="555-201-0000")
    by_phone = ResidentFactory(email="other@example.net", phone="555-201-3344")

    found, created = find_or_create_resident(
        name="Erin", email="erin@example.net", phone="555-201-3344"
    )

    assert not created
    assert found.pk == by_email.pk
    by_phone.refresh_from_db()
    assert by_phone.email_normalised == "other@example.net"
    assert Resident.objects.count() == 2


def test_find_or_create_resident_leaves_another_residents_phone_off_the_email_match():
    by_email = ResidentFactory(email="erin@example.net", phone="")
    by_phone = ResidentFactory(email="", phone="555-201-3344")

    found, created = find_or_create_resident(
        name="Erin", email="erin@example.net", phone="555-201-3344"
    )

    assert not created
    assert found.pk == by_email.pk
    found.refresh_from_db()
    assert found.phone_normalised == ""
    by_phone.refresh_from_db()
    assert by_phone.phone_normalised == "+15552013344"


def test_find_or_create_resident_fills_blanks_on_the_existing_row():
    riverside = NeighbourhoodFactory(code="rn")
    existing = ResidentFactory(name="Erin", email="erin@example.net", neighbourhood=None)

    found, created = find_or_create_resident(
        name="Erin Evans",
        email="erin@example.net",
        phone="(555) 201-3344",
        neighbourhood=riverside,
    )

    assert not created
    found.refresh_from_db()
    assert found.pk == existing.pk
    assert found.phone == "(555) 201-3344"
    assert found.phone_normalised == "+15552013344"
    assert found.neighbourhood == riverside


def test_find_or_create_resident_does_not_overwrite_details_on_file(dave):
    riverside, old_town = NeighbourhoodFactory(code="rn"), NeighbourhoodFactory(code="ot")
    existing = ResidentFactory(
        name="Erin Evans",
        email="erin@example.net",
        phone="555-201-3344",
        neighbourhood=riverside,
        user=dave,
    )

    find_or_create_resident(
        name="E. Evans",
        email="ERIN@example.net",
        phone="555-999-0000",
        neighbourhood=old_town,
        user=None,
    )
    find_or_create_resident(name="", phone="555-201-3344")

    existing.refresh_from_db()
    assert existing.name == "Erin Evans"
    assert existing.email == "erin@example.net"
    assert existing.phone_normalised == "+15552013344"
    assert existing.neighbourhood == riverside
    assert existing.user == dave


def test_find_or_create_resident_requires_an_email_or_a_phone():
    with pytest.raises(ValidationError):
        find_or_create_resident(name="Erin", email="  ", phone="")
    assert not Resident.objects.exists()


def test_find_or_create_resident_does_not_count_an_unparseable_phone_as_a_contact():
    with pytest.raises(ValidationError):
        find_or_create_resident(name="Erin", phone="banana")
    assert not Resident.objects.exists()


def test_find_or_create_resident_does_not_store_an_unparseable_phone():
    resident, _ = find_or_create_resident(name="Erin", email="erin@example.net", phone="banana")

    resident.refresh_from_db()
    assert resident.phone == ""
    assert resident.phone_normalised == ""


def test_find_or_create_resident_links_the_account_once(dave):
    resident, _ = find_or_create_resident(
        name="Dave", email="dave@example.org", user=dave, link_user=True
    )
    again, _ = find_or_create_resident(
        name="Dave", email="dave@example.org", user=dave, link_user=True
    )

    assert resident.pk == again.pk
    assert Resident.objects.get().user == dave


# --- record_consent ------------------------------------------------------------------


@pytest.fixture
def erin():
    return ResidentFactory(name="Erin", email="erin@example.net")


def test_record_consent_grants_consent(erin):
    now = timezone.now()

    consent = record_consent(
        resident=erin, channel=Consent.Channel.EMAIL, granted=True, source="signup", now=now
    )

    assert consent.granted_at == now
    assert consent.withdrawn_at is None
    assert consent.source == "signup"
    assert erin.has_consent(Consent.Channel.EMAIL)
    assert not erin.has_consent(Consent.Channel.SMS)


def test_record_consent_granted_twice_keeps_one_active_row(erin):
    first = record_consent(resident=erin, channel=Consent.Channel.SMS, granted=True)
    second = record_consent(resident=erin, channel=Consent.Channel.SMS, granted=True)

    assert first.pk == second.pk
    assert erin.consents.count() == 1


def test_record_consent_withdrawal_keeps_the_history(erin):
    granted_at = timezone.now() - timedelta(days=3)
    grant = record_consent(
        resident=erin, channel=Consent.Channel.EMAIL, granted=True, now=granted_at
    )
    withdrawn_at = granted_at + timedelta(days=1)

    withdrawn = record_consent(
        resident=erin, channel=Consent.Channel.EMAIL, granted=False, now=withdrawn_at
    )

    assert withdrawn.pk == grant.pk
    withdrawn.refresh_from_db()
    assert withdrawn.granted_at == granted_at
    assert withdrawn.withdrawn_at == withdrawn_at
    assert not erin.has_consent(Consent.Channel.EMAIL)
    assert erin.consents.count() == 1


def test_record_consent_withdrawn_twice_keeps_the_first_withdrawal(erin):
    start = timezone.now() - timedelta(days=3)
    record_consent(resident=erin, channel=Consent.Channel.EMAIL, granted=True, now=start)
    record_consent(
        resident=erin, channel=Consent.Channel.EMAIL, granted=False, now=start + timedelta(days=1)
    )

    again = record_consent(
        resident=erin, channel=Consent.Channel.EMAIL, granted=False, now=start + timedelta(days=2)
    )

    assert again is None
    assert erin.consents.get().withdrawn_at == start + timedelta(days=1)


def test_record_consent_withdrawing_what_was_never_given_writes_nothing(erin):
    assert record_consent(resident=erin, channel=Consent.Channel.SMS, granted=False) is None
    assert not erin.consents.exists()


def test_record_consent_grant_after_withdrawal_adds_a_new_row(erin):
    start = timezone.now() - timedelta(days=3)
    first = record_consent(resident=erin, channel=Consent.Channel.EMAIL, granted=True, now=start)
    record_consent(
        resident=erin, channel=Consent.Channel.EMAIL, granted=False, now=start + timedelta(days=1)
    )

    second = record_consent(
        resident=erin, channel=Consent.Channel.EMAIL, granted=True, now=start + timedelta(days=2)
    )

    assert second.pk != first.pk
    assert erin.consents.count() == 2
    assert erin.consents.filter(withdrawn_at__isnull=True).get() == second
    assert erin.has_consent(Consent.Channel.EMAIL)


# --- races on PostgreSQL -------------------------------------------------------------


def run_at_once(target, count: int = 2) -> list:
    """Run target in `count` threads, each with its own database connection; return results."""
    results, errors = [None] * count, []

    def worker(index):
        try:
            results[index] = target()
        except Exception as exc:  # re-raised in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    if errors:
        raise errors[0]
    return results


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions (PostgreSQL)")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_find_or_create_resident_race_creates_one_row(postgresql_only, monkeypatch):
    barrier = threading.Barrier(2, timeout=10)
    looked_up = threading.local()
    real_match = services._match_resident

    def match_then_wait(email_n, phone_n):
        found = real_match(email_n, phone_n)
        # Both threads finish their first lookup, find nobody, and only then insert.
        if not getattr(looked_up, "done", False):
            looked_up.done = True
            barrier.wait()
        return found

    monkeypatch.setattr(services, "_match_resident", match_then_wait)

    results = run_at_once(
        lambda: services.find_or_create_resident(name="Erin", email="Erin@Example.net")
    )

    assert Resident.objects.count() == 1
    assert {resident.pk for resident, _created in results} == {Resident.objects.get().pk}
    assert sorted(created for _resident, created in results) == [False, True]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_record_consent_race_keeps_one_active_row(postgresql_only):
    erin = Resident.objects.create(
        name="Erin", email="erin@example.net", email_normalised="erin@example.net"
    )
    barrier = threading.Barrier(2, timeout=10)

    def grant():
        barrier.wait()
        return record_consent(resident=erin, channel=Consent.Channel.SMS, granted=True)

    results = run_at_once(grant)

    assert erin.consents.count() == 1
    assert {consent.pk for consent in results} == {erin.consents.get().pk}


def test_find_or_create_resident_never_links_an_account_unless_asked(dave):
    """Typing someone's address into a form while logged in must not hand over their
    history: only a confirmed address links an account (accounts.services.confirm_email)."""
    victim = ResidentFactory(name="Erin", email="erin@example.net")

    resident, _ = find_or_create_resident(name="Erin", email="erin@example.net", user=dave)

    assert resident.pk == victim.pk
    victim.refresh_from_db()
    assert victim.user is None
