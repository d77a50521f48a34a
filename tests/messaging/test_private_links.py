"""Private links are the resident's alone: a reader of the database, the admin or the logs
holds nothing that opens a registration, an application, a guardian's consent, a volunteer's
page, a request, a survey invitation, an opt-out or an account confirmation."""

import base64
import contextlib
import io
import logging
import re
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.sessions.models import Session
from django.core import mail
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts.services import record_consent, send_email_confirmation
from engagement_portal.core.tokens import new_token
from engagement_portal.messaging import private_links, services
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.sms import LocmemSMSBackend
from events import services as events
from programs.in_person import services_requests as requests
from programs.in_person.models import ResidentRequest
from programs.models import EngagementType
from programs.structured import services_applications as applications
from programs.structured import services_volunteers as volunteers
from programs.structured.models_applications import Acknowledgement, Application, ApplicationForm
from surveys import distribution
from surveys.models import Distribution, Question, Survey
from tests.factories import (
    EventFactory,
    ProgramFactory,
    RegistrationFactory,
    ResidentFactory,
    UserFactory,
    VolunteerRoleFactory,
)

pytestmark = pytest.mark.django_db

# Every public page reached by a private token, with a dummy token.
PRIVATE_PAGES = [
    "events:manage",
    "events:manage-cancel",
    "applications:status",
    "applications:guardian",
    "requests:status",
    "volunteers:home",
    "surveys:invitation",
    "messaging:opt-out",
    "confirm-email",
    "confirm-contact",
]
# What an attacker would try as a token: URL-safe runs, signed values included.
TOKEN_SHAPED = re.compile(r"[A-Za-z0-9_\-:.]{16,}")


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.PORTAL_SMS_BACKEND = "engagement_portal.messaging.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox = []
    return LocmemSMSBackend.outbox


def _type(slug: str) -> EngagementType:
    return EngagementType.objects.get(slug=slug)


def send_every_kind_of_private_link(staff) -> SimpleNamespace:
    """Queue (not yet send) one message of every kind that carries a private link."""
    now = timezone.now()
    # Registration (email and text message), waiting list, promotion from it.
    event = EventFactory(
        capacity=1, starts_at=now + timedelta(days=7), ends_at=now + timedelta(days=7, hours=2)
    )
    first = events.register(event=event, name="Rosa Diaz", email="rosa@example.net")
    waiting = events.register(event=event, name="Sam Soto", phone="(312) 555-0142")
    events.cancel_registration(registration=first.registration)
    # An application, a minor's application and their guardian's consent, a decision.
    academy = ProgramFactory(engagement_type=_type("citizen-police-academy"), owner=staff)
    ApplicationForm.objects.create(
        program=academy,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        guardian_consent_under=18,
        acknowledgements=[Acknowledgement.CONDUCT],
    )
    common = {
        "address": "12 Elm Street",
        "lives_in_service_area": True,
        "answers": {},
        "acknowledged": [Acknowledgement.CONDUCT],
        "language": "es",
    }
    adult = applications.submit_application(
        program=academy,
        name="Ana Ruiz",
        email="ana@example.net",
        date_of_birth=date(1980, 5, 1),
        **common,
    )
    minor = applications.submit_application(
        program=academy,
        name="Leo Diaz",
        email="leo@example.net",
        date_of_birth=(now - timedelta(days=15 * 365)).date(),
        guardian_name="Marta Diaz",
        guardian_email="marta@example.net",
        **common,
    )
    for status in (Application.Status.UNDER_REVIEW, Application.Status.ACCEPTED):
        applications.decide_application(
            application=Application.objects.get(pk=adult.application.pk),
            status=status,
            user=staff,
        )
    assert minor.application.needs_guardian_consent
    # A volunteer's private page, and a new link replacing it.
    role = VolunteerRoleFactory(
        program=ProgramFactory(engagement_type=_type("volunteer-opportunities"), owner=staff)
    )
    added = volunteers.add_volunteer(
        program=role.program, role=role, user=staff, name="Vera Valdez", email="vera@example.net"
    )
    volunteers.send_new_link(volunteer=added.volunteer, user=staff)
    # A resident's request.
    requests.submit_request(
        kind=ResidentRequest.Kind.BRIEFING,
        name="Rosa Diaz",
        email="rosa@example.net",
        topic="Car break-ins",
        preferred_times=["Tuesday evening"],
        language="en",
    )
    # Rosa is on file, and nobody signed in named her: she is asked to confirm (a link).
    assert OutboxMessage.objects.filter(key__startswith="contact-claim:").exists()
    # Survey invitations (with an opt-out link) to the event's registrants.
    survey = Survey.objects.create(
        owner=staff, title={"en": "How are we doing?"}, languages=["en"], status="open"
    )
    Question.objects.create(survey=survey, kind="rating", text={"en": "Rate us"})
    for registration in event.registrations.all():
        record_consent(resident=registration.resident, channel="email", granted=True)
        record_consent(resident=registration.resident, channel="sms", granted=True)
    run = distribution.create_distribution(
        survey=survey,
        audience=Distribution.Audience.EVENT_REGISTRANTS,
        user=staff,
        parameters={"event": event.pk},
    )
    distribution.start_distribution(run)
    assert distribution.send_distribution(run.pk) == "done"
    # An account's address confirmation.
    send_email_confirmation(UserFactory(email="erin@example.net"))
    return SimpleNamespace(waiting=waiting)


def delivered_texts() -> list[str]:
    texts = []
    for email in mail.outbox:
        texts.append(email.subject + "\n" + email.body)
        texts.extend(content for content, _mimetype in email.alternatives)
    texts.extend(sms["body"] for sms in LocmemSMSBackend.outbox)
    return texts


def every_stored_text() -> list[str]:
    """What a database reader sees: every text column of every row of every table, and the
    decoded sessions."""
    texts = []
    for model in apps.get_models(include_auto_created=True):
        columns = [
            f.column
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
        ]
        if not columns:
            continue
        for row in model.objects.values_list(*[f.attname for f in _fields(model, columns)]):
            texts.extend(str(value) for value in row if value)
    texts.extend(str(session.get_decoded()) for session in Session.objects.all())
    return texts


def _fields(model, columns):
    return [f for f in model._meta.concrete_fields if f.column in columns]


def opens(client: Client, token: str) -> list[str]:
    """The private pages `token` opens (anything but an error page)."""
    opened = []
    for name in PRIVATE_PAGES:
        response = client.get(reverse(name, args=[token]))
        if response.status_code < 400:
            opened.append(f"{name} ({response.status_code})")
    return opened


def admin_pages(client: Client, administrator) -> list[str]:
    """The Django admin's change page of every stored message."""
    client.force_login(administrator)
    pages = []
    for message in OutboxMessage.objects.all():
        response = client.get(reverse("admin:messaging_outboxmessage_change", args=[message.pk]))
        assert response.status_code == 200
        pages.append(response.content.decode())
    client.logout()
    return pages


def test_the_admin_shows_private_links_removed_before_sending(client, alice, root):
    send_every_kind_of_private_link(alice)
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count() >= 12

    pages = admin_pages(client, root)

    assert sum("[private link removed #1]" in page for page in pages) >= 10
    assert [page for page in pages if private_links.private_tokens(page)] == []


def test_nothing_stored_shown_or_logged_opens_a_private_page(client, alice, root, caplog):
    caplog.set_level(logging.DEBUG)
    sent = send_every_kind_of_private_link(alice)
    pending_pages = admin_pages(client, root)

    services.send_pending()
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()
    assert any(
        sms["to"] == sent.waiting.registration.resident.phone_normalised
        for sms in LocmemSMSBackend.outbox
    )

    # The recipients got working links of every kind.
    real = private_links.private_tokens(*delivered_texts())
    kinds = set()
    for text in delivered_texts():
        for url in re.findall(r"https?://\S+", text):
            for name in PRIVATE_PAGES:
                prefix = reverse(name, args=["T"]).split("/T")[0] + "/"
                if prefix in url:
                    kinds.add(name)
    assert {
        "events:manage",
        "applications:status",
        "applications:guardian",
        "requests:status",
        "volunteers:home",
        "surveys:invitation",
        "messaging:opt-out",
        "confirm-email",
    } <= kinds
    assert len(real) >= 10

    # The attacker: every token-shaped string of the database and the admin pages (before
    # and after sending), and the logs of the whole flow.
    stored = every_stored_text() + pending_pages + admin_pages(client, root)
    leaked = [t for t in real if any(t in text for text in stored)]
    assert leaked == []
    assert not [t for t in real if t in caplog.text]
    candidates = set()
    for text in stored:
        candidates.update(TOKEN_SHAPED.findall(text))
        # Base64 an attacker would decode (attachments, sealed values).
        for blob in re.findall(r"[A-Za-z0-9+/=]{24,}", text):
            with contextlib.suppress(ValueError):
                candidates.update(
                    TOKEN_SHAPED.findall(base64.b64decode(blob).decode("utf-8", "ignore"))
                )
    attacker = Client()
    opened = {
        c: found for c in sorted(candidates) if len(c) <= 200 and (found := opens(attacker, c))
    }
    assert opened == {}

    # The test can tell: a real link does open its page.
    assert opens(attacker, real[0])


# --- The outbox row, one message ---------------------------------------------------------


def registration_link() -> tuple[str, str]:
    """A working link to a registration's private page, and its token."""
    token, token_hash = new_token()
    RegistrationFactory(token_hash=token_hash)
    return "http://127.0.0.1:8000" + reverse("events:manage", args=[token]), token


def queue_link(link: str, channel: str = "email", **overrides):
    fields = {
        "key": "notice:1",
        "channel": channel,
        "recipient": "rosa@example.net" if channel == "email" else "+13125550142",
        "language": "en",
        "template": "notice",
        "context": {"headline": "Your registration", "message": f"See it here: {link}."},
        "essential": True,
        "send_now": False,
    }
    return services.queue_message(**{**fields, **overrides})


def test_a_queued_message_keeps_its_link_sealed_and_drops_it_once_sent(client):
    link, token = registration_link()
    message = queue_link(link)

    message.refresh_from_db()
    assert token not in message.body_text + message.link_secrets
    assert "/events/r/[private link removed #1]/." in message.body_text
    assert client.get(link).status_code == 200

    assert services.send_pending()["sent"] == 1
    assert f"See it here: {link}." in mail.outbox[0].body
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.link_secrets == ""
    assert token not in message.body_text
    assert services.send_pending()["sent"] == 0  # run twice: one message
    assert len(mail.outbox) == 1


def test_a_text_message_gets_its_link_back_only_when_it_is_sent(sms_outbox):
    link, token = registration_link()
    message = queue_link(link, channel="sms")

    services.send_pending()

    assert [sms["to"] for sms in sms_outbox] == ["+13125550142"]
    assert f"See it here: {link}." in sms_outbox[0]["body"]
    message.refresh_from_db()
    assert message.link_secrets == "" and token not in message.body_text


def test_a_suppressed_message_keeps_no_link_at_all(db):
    link, token = registration_link()
    message = queue_link(link, resident=ResidentFactory(), essential=False, channel="sms")

    assert message.status == OutboxMessage.Status.SUPPRESSED
    assert message.link_secrets == "" and token not in message.body_text


def test_a_message_given_up_keeps_no_link_in_its_row_or_error(db, monkeypatch, caplog):
    link, token = registration_link()
    message = queue_link(link, channel="sms")

    def gateway_echoes_the_body(self, recipient, body):
        raise RuntimeError(f"gateway refused: {body}")

    monkeypatch.setattr(LocmemSMSBackend, "send", gateway_echoes_the_body)
    start = timezone.now()
    for attempt in range(services.MAX_ATTEMPTS):
        services.send_pending(now=start + timedelta(days=attempt + 1))
        message.refresh_from_db()
        assert token not in message.last_error + caplog.text
        assert "[private link removed #1]" in message.last_error
        if attempt < services.MAX_ATTEMPTS - 1:
            assert message.status == OutboxMessage.Status.PENDING and message.link_secrets
    assert message.status == OutboxMessage.Status.FAILED
    assert message.link_secrets == ""


def test_a_seal_made_with_another_secret_key_is_given_up_at_once(db, settings):
    link, token = registration_link()
    message = queue_link(link)

    settings.SECRET_KEY = "another-key-" + "x" * 40
    assert services.send_pending()["failed"] == 1
    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert "cannot be unsealed" in message.last_error
    assert message.link_secrets == ""


def test_a_tampered_seal_opens_nothing(settings):
    sealed = private_links.seal(["abc"])
    for at in (0, len(sealed) // 2, len(sealed) - 4):  # version, nonce or cipher, tag
        tampered = sealed[:at] + ("A" if sealed[at] != "A" else "B") + sealed[at + 1 :]
        with pytest.raises(ValueError):
            private_links.unseal(tampered)


def test_sealing_round_trips_and_is_different_each_time(settings):
    tokens = ["abc", "dèf-ghi"]
    first, second = private_links.seal(tokens), private_links.seal(tokens)
    assert first != second and "abc" not in first
    assert private_links.unseal(first) == private_links.unseal(second) == tokens
    old_key = settings.SECRET_KEY
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "rotated-" + "y" * 40, [old_key]
    assert private_links.unseal(first) == tokens  # a rotated key still opens its fallbacks' seals


# --- Logs -----------------------------------------------------------------------------------


def test_log_lines_name_no_private_token(client, settings):
    link, token = registration_link()
    path = link.removeprefix("http://127.0.0.1:8000")
    handlers = {
        handler
        for name in ("", "django", "django.request", "django.server", "django.security.csrf")
        for handler in logging.getLogger(name).handlers
        if isinstance(handler, logging.StreamHandler)  # not pytest's capture handlers
    }
    stream = io.StringIO()
    previous = {handler: handler.setStream(stream) for handler in handlers}
    try:
        settings.DEBUG = True  # Django's own console handler speaks only then
        # Django logs the path of a refused request: no CSRF token, a method not allowed.
        Client(enforce_csrf_checks=True).post(path + "cancel/")
        client.post(reverse("events:manage-qr", args=[token, "png"]))
        # The development server logs every request line.
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"GET {path} HTTP/1.1", 200, 1234, extra={"status_code": 200}
        )
    finally:
        for handler, old in previous.items():
            handler.setStream(old)
    logged = stream.getvalue()
    assert "/events/r/[private link removed #1]/cancel/" in logged
    assert "GET /events/r/[private link removed #1]/ HTTP/1.1" in logged
    assert token not in logged


# --- Messages stored before this change -----------------------------------------------------
