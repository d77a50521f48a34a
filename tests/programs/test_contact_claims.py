"""Unverified input never edits another person (issue 14, point 4).

Each public form that takes an email or phone is played by Mallory, who types Rosa's
address (or phone) with details of her own. Read as a database reader would, Rosa's row
(every column), her consents and everything that points at her must be exactly as before;
only the link sent to Rosa's own address brings the submission into her record, once.
"""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from engagement_portal.accounts.models import Consent, ContactClaim, Resident
from engagement_portal.accounts.services_claims import confirm_contact_claim
from engagement_portal.messaging.models import OutboxMessage
from events import services as event_services
from events.selectors import registrations_for_user
from programs.coproduction import services_recommendations
from programs.in_person import services_requests
from programs.in_person.models import ResidentRequest
from tests.concurrency import run_at_once
from tests.factories import (
    RecommendationFactory,
    RegistrationFactory,
    ResidentFactory,
    UserFactory,
)
from tests.mailbox import delivered
from tests.programs.structured.test_applications import academy, apply, frozen  # noqa: F401

MALLORY = {"name": "Mallory Mischief", "phone": "(415) 555-0134"}


@pytest.fixture
def rosa(db):
    """Rosa, on file with a confirmed account; no phone, no neighbourhood, no consents."""
    user = UserFactory(email="rosa@example.net", full_name="Rosa Diaz")
    return ResidentFactory(
        name="Rosa Diaz",
        email="rosa@example.net",
        preferred_language="en",
        neighbourhood=None,
        user=user,
    )


@pytest.fixture
def mallory_account(db):
    """Someone signed in with an account of their own, typing Rosa's address."""
    return UserFactory(email="mallory@example.org", full_name="Mallory")


def what_is_on_file(resident: Resident) -> dict:
    """Everything a reader of the database sees of a resident: every column of the row,
    the consents, and every row of every table that points at them."""
    history = {}
    for rel in Resident._meta.related_objects:
        if rel.related_model in (Resident, ContactClaim):
            continue  # provisional records and pending claims are not the resident's
        rows = rel.related_model.objects.filter(**{rel.field.name: resident})
        history[rel.related_model.__name__] = sorted(rows.values_list("pk", flat=True))
    return {
        "row": Resident.objects.filter(pk=resident.pk).values().get(),
        "consents": list(Consent.objects.filter(resident=resident).order_by("pk").values()),
        "history": history,
        "account history": [r.pk for r in registrations_for_user(resident.user)]
        if resident.user
        else [],
    }


def claim_link(recipient: str) -> str:
    message = OutboxMessage.objects.get(key__startswith="contact-claim:", recipient=recipient)
    return re.search(r"https?://\S+", delivered(message)).group(0)


def token_of(link: str) -> str:
    return link.rstrip("/").rsplit("/", 1)[1]


def event_for_rosa():
    from tests.factories import EventFactory

    start = timezone.now() + timedelta(days=7)
    return EventFactory(starts_at=start, ends_at=start + timedelta(hours=2), capacity=10)


# --- Every public form: nothing changes until Rosa confirms ------------------------------


def register_as_mallory(eastside, user=None):
    event = event_for_rosa()
    result = event_services.register(
        event=event,
        email="rosa@example.net",
        language="es",
        neighbourhood=eastside,
        wants_reminders=True,
        user=user,
        **MALLORY,
    )
    return result.registration


def apply_as_mallory(eastside, program, user=None):
    return apply(
        program,
        email="rosa@example.net",
        language="es",
        neighbourhood=eastside,
        user=user,
        **MALLORY,
    ).application


def request_as_mallory(eastside, user=None):
    request, _token = services_requests.submit_request(
        kind=ResidentRequest.Kind.BRIEFING,
        email="rosa@example.net",
        neighbourhood=eastside,
        topic="Car break-ins",
        preferred_times=["Tuesday evening"],
        language="es",
        user=user,
        **MALLORY,
    )
    return request


def follow_as_mallory(eastside, user=None):
    follower, _created = services_recommendations.follow(
        recommendation=RecommendationFactory(),
        name=MALLORY["name"],
        email="rosa@example.net",
        language="es",
        user=user,
    )
    return follower


SUBMISSIONS = {
    "event registration": lambda eastside, _program, user: register_as_mallory(eastside, user),
    "application": apply_as_mallory,
    "resident request": lambda eastside, _program, user: request_as_mallory(eastside, user),
    "recommendation follow": lambda eastside, _program, user: follow_as_mallory(eastside, user),
}


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "as-somebody-else"])
@pytest.mark.parametrize("form", SUBMISSIONS)
def test_a_public_form_naming_someone_on_file_changes_nothing_of_theirs(
    form,
    signed_in,
    rosa,
    mallory_account,
    eastside,
    academy,  # noqa: F811
):
    before = what_is_on_file(rosa)

    submitted = SUBMISSIONS[form](eastside, academy, mallory_account if signed_in else None)

    assert what_is_on_file(rosa) == before
    # The submission itself went through, on a record of what Mallory typed.
    assert submitted.resident.pk != rosa.pk
    assert submitted.resident.provisional_for_id == rosa.pk
    # Rosa is asked, at the address on file, and only a hash of the link's token is kept.
    link = claim_link("rosa@example.net")
    claim = ContactClaim.objects.get(resident=rosa)
    assert token_of(link) not in claim.token_hash and len(claim.token_hash) == 64


@pytest.mark.parametrize("form", SUBMISSIONS)
def test_confirming_the_link_merges_the_submission_once(
    form,
    rosa,
    eastside,
    academy,  # noqa: F811
):
    submitted = SUBMISSIONS[form](eastside, academy, None)
    provisional = submitted.resident
    token = token_of(claim_link("rosa@example.net"))

    first = confirm_contact_claim(token=token)
    after_first = what_is_on_file(rosa)
    second = confirm_contact_claim(token=token)

    assert first.merged and not second.merged
    assert what_is_on_file(rosa) == after_first
    submitted.refresh_from_db()
    assert submitted.resident_id == rosa.pk
    rosa.refresh_from_db()
    # Blanks are filled; what Rosa already gave (name, email, language) stays hers.
    assert (rosa.name, rosa.email, rosa.preferred_language) == (
        "Rosa Diaz",
        "rosa@example.net",
        "en",
    )
    if form != "recommendation follow":  # that form asks for no phone or neighbourhood
        assert rosa.phone_normalised == "+14155550134"
        assert rosa.neighbourhood == eastside
    if form in ("event registration", "recommendation follow"):  # both ask for consent
        assert Consent.objects.filter(resident=rosa, withdrawn_at__isnull=True).count() == 1
    assert not Resident.objects.filter(pk=provisional.pk).exists()


def test_registration_shows_in_the_account_history_only_after_confirming(rosa, eastside):
    registration = register_as_mallory(eastside)
    assert registration not in registrations_for_user(rosa.user)

    confirm_contact_claim(token=token_of(claim_link("rosa@example.net")))

    assert registration in registrations_for_user(rosa.user)


def test_a_phone_only_match_is_asked_by_text_message(db, eastside):
    dora = ResidentFactory(name="Dora", email="", phone="(415) 555-0134", neighbourhood=None)
    before = what_is_on_file(dora)

    registration = event_services.register(
        event=event_for_rosa(), name="Mallory", email="mallory@example.org", phone="4155550134"
    ).registration

    assert what_is_on_file(dora) == before
    message = OutboxMessage.objects.get(key__startswith="contact-claim:")
    assert message.channel == OutboxMessage.Channel.SMS
    assert message.recipient == "+14155550134"
    # Mallory's own confirmation goes to the address Mallory typed.
    assert OutboxMessage.objects.filter(
        key=f"registration:{registration.pk}:received", recipient="mallory@example.org"
    ).exists()

    confirm_contact_claim(token=token_of(claim_link("+14155550134")))
    dora.refresh_from_db()
    assert dora.email == "mallory@example.org"  # Dora vouched for it by confirming
    assert registration in dora.registrations.all()


def test_the_same_submitter_twice_gets_one_provisional_record_and_one_link(rosa, eastside):
    event = event_for_rosa()
    for _attempt in range(2):
        result = event_services.register(event=event, email="rosa@example.net", **MALLORY)
    assert event.registrations.count() == 1 and not result.created
    assert Resident.objects.filter(provisional_for=rosa).count() == 1
    assert OutboxMessage.objects.filter(key__startswith="contact-claim:").count() == 1


def test_rosa_already_registered_is_recognised_without_a_new_seat(rosa, eastside):
    event = event_for_rosa()
    event_services.register(event=event, user=rosa.user, name="Rosa", email="rosa@example.net")
    result = event_services.register(event=event, email="rosa@example.net", **MALLORY)
    assert not result.created and result.registration.resident_id == rosa.pk
    assert not Resident.objects.filter(provisional_for=rosa).exists()


def test_rosa_signed_in_with_her_own_confirmed_email_is_trusted(rosa, eastside):
    registration = event_services.register(
        event=event_for_rosa(),
        user=rosa.user,
        name="Rosa",
        email="rosa@example.net",
        phone="(415) 555-0134",
        neighbourhood=eastside,
    ).registration
    rosa.refresh_from_db()
    assert registration.resident_id == rosa.pk
    assert rosa.phone_normalised == "+14155550134"
    assert not ContactClaim.objects.exists()


def test_one_address_holds_one_seat_whoever_typed_it_first(rosa, eastside):
    """Mallory registered with Rosa's address; Rosa, signed in, is told she is registered
    (the confirmation with its link went to her address) and, once she confirms, it is hers."""
    event = event_for_rosa()
    mallory = event_services.register(event=event, email="rosa@example.net", **MALLORY)
    ours = event_services.register(
        event=event, user=rosa.user, name="Rosa", email="rosa@example.net"
    )
    assert not ours.created and ours.registration == mallory.registration
    assert event.registrations.count() == 1

    assert confirm_contact_claim(token=token_of(claim_link("rosa@example.net"))).merged
    assert list(rosa.registrations.all()) == [mallory.registration]


def test_a_duplicate_left_by_a_race_stays_apart_from_the_resident(rosa, eastside):
    """Rosa and a provisional record of her hold a seat each at one event (two requests
    raced before this was checked): confirming moves what it can and leaves the other."""
    event = event_for_rosa()
    mallory = event_services.register(event=event, email="rosa@example.net", **MALLORY)
    RegistrationFactory(event=event, resident=rosa)

    assert confirm_contact_claim(token=token_of(claim_link("rosa@example.net"))).merged
    mallory.registration.refresh_from_db()
    assert mallory.registration.resident.provisional_for_id == rosa.pk


# --- The confirmation page ---------------------------------------------------------------


def test_the_confirmation_page_asks_then_merges_then_refuses_politely(client, rosa, eastside):
    registration = register_as_mallory(eastside)
    link = claim_link("rosa@example.net")
    path = reverse("confirm-contact", args=[token_of(link)])
    assert link.endswith(path)

    page = client.get(path)
    assert page.status_code == 200
    assert b"Was this you?" in page.content and b"Mallory Mischief" in page.content
    registration.refresh_from_db()
    assert registration.resident_id != rosa.pk  # opening the link (a mail scanner) is not yes

    done = client.post(path)
    assert done.status_code == 200 and b"Added to your record" in done.content
    registration.refresh_from_db()
    assert registration.resident_id == rosa.pk

    again = client.post(path)
    assert again.status_code == 200 and b"already been used" in again.content
    assert b"already been used" in client.get(path).content

    unknown = client.get(reverse("confirm-contact", args=["not-a-token"]))
    assert unknown.status_code == 404 and b"does not work" in unknown.content


@pytest.fixture
def back_to_english():
    """LocaleMiddleware leaves the last request's language active; do not leak Spanish."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_confirmation_page_speaks_spanish(client, rosa, eastside, back_to_english):
    register_as_mallory(eastside)
    path = reverse("confirm-contact", args=[token_of(claim_link("rosa@example.net"))])
    page = client.get(path, headers={"accept-language": "es"})
    assert "¿Fue usted?" in page.content.decode()


def test_a_strangers_consent_does_not_put_rosa_in_a_survey_audience(rosa, eastside, alice):
    """Mallory ticks "remind me" with Rosa's address; Rosa never agreed to email."""
    from surveys import distribution
    from surveys.models import Distribution
    from tests.surveys.test_distribution import csv_bytes, make_survey

    register_as_mallory(eastside)  # wants_reminders: consent on the provisional record
    survey = make_survey(alice)
    by_area = distribution.create_distribution(
        survey=survey,
        audience=Distribution.Audience.NEIGHBOURHOODS,
        user=alice,
        parameters={"neighbourhoods": [eastside.pk]},
    )
    contacts = distribution.read_contacts_csv(csv_bytes(["Rosa,rosa@example.net,,"])).contacts
    by_list = distribution.create_distribution(
        survey=survey,
        audience=Distribution.Audience.CSV,
        user=alice,
        parameters={"channel": "email"},
        contacts=contacts,
    )

    assert not by_area.invitations.exists()
    # On the staff's own list Rosa is who she is on file: she never agreed to email.
    assert not by_list.invitations.exists()


# --- Races on PostgreSQL -----------------------------------------------------------------


@pytest.fixture
def postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs real concurrent transactions (PostgreSQL)")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_clicks_at_once_merge_once(postgresql_only, rosa, eastside):
    registration = register_as_mallory(eastside)
    token = token_of(claim_link("rosa@example.net"))
    results = []

    errors = run_at_once(2, lambda _i: results.append(confirm_contact_claim(token=token)))

    assert not errors
    assert sorted(r.merged for r in results) == [False, True]
    registration.refresh_from_db()
    assert registration.resident_id == rosa.pk
    assert Consent.objects.filter(resident=rosa).count() == 1
    assert not Resident.objects.filter(provisional_for=rosa).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_submissions_at_once_make_one_provisional_record_and_one_link(
    postgresql_only, rosa, eastside
):
    events = [event_for_rosa(), event_for_rosa()]

    errors = run_at_once(
        2,
        lambda i: event_services.register(event=events[i], email="rosa@example.net", **MALLORY),
    )

    assert not errors
    provisional = Resident.objects.get(provisional_for=rosa)
    assert provisional.registrations.count() == 2
    assert OutboxMessage.objects.filter(key__startswith="contact-claim:").count() == 1
    rosa_before = what_is_on_file(rosa)
    assert rosa_before["history"]["Registration"] == []
