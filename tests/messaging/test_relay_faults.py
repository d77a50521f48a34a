"""The mail relay fails (issue 16, findings 2 and 3): messages record the error, go back
in line and go out within a minute of the relay's return; a dead sender's claim is a
lease that runs out in a minute; a message delivered twice after a crash keeps its
Message-ID. The relay is a real SMTP server (aiosmtpd) on a local port."""

import email
import smtplib
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.utils import timezone

from engagement_portal.messaging import services
from engagement_portal.messaging.models import OutboxMessage
from tests.local_servers import free_port

Status = OutboxMessage.Status


class Sink:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.received.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def relay(settings):
    """Settings for an SMTP relay on a local port where nothing listens yet; `start()`
    brings it up (and it is stopped after the test)."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""

    class Relay:
        sink = Sink()
        controller = None

        def start(self):
            self.controller = Controller(self.sink, hostname="127.0.0.1", port=port)
            self.controller.start()

    relay = Relay()
    yield relay
    if relay.controller:
        relay.controller.stop()


def queue(n: int) -> OutboxMessage:
    return services.queue_message(
        key=f"notice:{n}",
        channel=OutboxMessage.Channel.EMAIL,
        recipient=f"resident{n}@example.net",
        language="en",
        template="notice",
        context={"headline": "Road closed", "message": "Main St is closed on Sunday."},
        essential=True,
    )


def test_while_the_relay_is_down_each_message_records_the_error_and_waits_a_minute(db, relay):
    for n in range(5):
        queue(n)
    now = timezone.now()
    assert services.send_pending(now=now) == {"sent": 0, "retry": 5, "failed": 0, "suppressed": 0}
    for message in OutboxMessage.objects.all():
        assert message.status == Status.PENDING and message.claimed_by is None
        assert message.attempts == 1 and "Connection refused" in message.last_error
        assert now < message.not_before <= now + services.RELAY_RETRY + timedelta(seconds=5)

    # An hour of outage, tried every minute: nothing fails for the relay's sake.
    for minute in range(1, 61):
        services.send_pending(now=now + timedelta(minutes=minute, seconds=5 * minute))
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.PENDING}

    relay.start()  # back: the next sweep, a minute later at most, sends everything
    later = now + timedelta(minutes=62, seconds=5 * 61)
    assert services.send_pending(now=later)["sent"] == 5
    assert len(relay.sink.received) == 5
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_relay_that_drops_mid_batch_keeps_what_it_took_and_puts_the_rest_back(db, monkeypatch):
    for n in range(4):
        queue(n)
    sent = []

    def drops_after_one(self, messages):
        if sent:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        sent.extend(messages)
        return len(messages)

    monkeypatch.setattr(mail.get_connection().__class__, "send_messages", drops_after_one)
    counts = services.send_pending()
    assert counts["sent"] == 1 and counts["retry"] == 3
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 1
    waiting = OutboxMessage.objects.filter(status=Status.PENDING)
    assert waiting.count() == 3
    assert all("unexpectedly closed" in m.last_error and m.claimed_by is None for m in waiting)


def test_a_dead_sender_s_lease_runs_out_within_a_minute(db):
    queue(1)
    claim, claimed = services.claim_batch(size=10)  # ... and the worker is killed
    assert len(claimed) == 1
    assert services.send_pending()["sent"] == 0  # the lease still holds
    assert timedelta(minutes=1) >= services.CLAIM_TIMEOUT
    later = timezone.now() + services.CLAIM_TIMEOUT + timedelta(seconds=1)
    assert services.send_pending(now=later)["sent"] == 1


def test_a_sender_renews_its_lease_while_it_works(db, monkeypatch):
    monkeypatch.setattr(services, "RENEW_AFTER", timedelta(0))
    for n in range(3):
        queue(n)
    leases = []
    deliver = services._deliver

    def watching(message, batch, tokens):
        leases.append(
            OutboxMessage.objects.filter(claimed_by=batch.claim, status=Status.SENDING)
            .values_list("claimed_at", flat=True)
            .first()
        )
        deliver(message, batch, tokens)

    monkeypatch.setattr(services, "_deliver", watching)
    assert services.send_pending()["sent"] == 3
    assert leases == sorted(leases) and leases[0] < leases[-1]


def test_a_message_delivered_twice_after_a_crash_has_the_same_message_id(db, relay):
    relay.start()
    message = queue(1)
    queue(2)
    assert services.send_pending()["sent"] == 2
    # A sender that crashed after the relay took the message and before marking it sent
    # leaves it to the next sender once its lease runs out: the copy has the same id.
    OutboxMessage.objects.filter(pk=message.pk).update(status=Status.PENDING)
    assert services.send_pending()["sent"] == 1
    ids = [m["Message-ID"] for m in relay.sink.received]
    assert ids[0] == ids[2] != ids[1]
    assert ids[0] == services.message_id(message)
