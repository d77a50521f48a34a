"""The outbox: one row per message, sent once, retried with backoff, opt-outs respected."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from engagement_portal.accounts.models import Consent
from engagement_portal.accounts.services import record_consent
from engagement_portal.messaging import services
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.sms import LocmemSMSBackend
from tests.factories import ResidentFactory
from tests.mailbox import delivered

Status = OutboxMessage.Status


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    settings.PORTAL_SMS_BACKEND = "engagement_portal.messaging.sms.LocmemSMSBackend"
    LocmemSMSBackend.outbox = []
    return LocmemSMSBackend.outbox


@pytest.fixture
def resident(db):
    resident = ResidentFactory(email="rosa@example.net", preferred_language="es")
    record_consent(resident=resident, channel=Consent.Channel.EMAIL, granted=True)
    return resident


def queue(key="notice:1", **overrides):
    fields = {
        "key": key,
        "channel": OutboxMessage.Channel.EMAIL,
        "recipient": "rosa@example.net",
        "language": "en",
        "template": "notice",
        "context": {"headline": "Road closed", "message": "Main St is closed on Sunday."},
        "essential": True,
    }
    fields.update(overrides)
    return services.queue_message(**fields)


def test_queueing_the_same_key_twice_gives_one_message(db):
    first = queue()
    second = queue(context={"headline": "Other", "message": "Other"})
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


def test_queued_message_is_sent_once_even_when_the_sender_runs_twice(
    db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        queue()
    assert services.send_pending()["sent"] == 1
    assert services.send_pending()["sent"] == 0
    assert len(mail.outbox) == 1
    sent = OutboxMessage.objects.get()
    assert sent.status == Status.SENT and sent.attempts == 1 and sent.sent_at


def test_queueing_starts_sending_after_commit(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        queue()
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Riverside Police Department: Road closed"


def test_message_renders_in_the_recipients_language(db):
    message = queue(language="es")
    assert "Riverside Police Department" in message.subject
    assert message.language == "es"


def test_non_essential_message_without_consent_is_suppressed(db):
    resident = ResidentFactory()
    message = queue(resident=resident, essential=False)
    assert message.status == Status.SUPPRESSED
    assert services.send_pending()["sent"] == 0
    assert mail.outbox == []


def test_non_essential_message_carries_an_opt_out_link_that_works(client, resident):
    message = queue(resident=resident, essential=False)
    assert message.status == Status.PENDING
    text = delivered(message)
    url = text.split("To stop messages like this one: ")[1].split()[0]
    path = url.removeprefix("http://127.0.0.1:8000")
    assert client.get(path).status_code == 200
    assert resident.has_consent("email"), "GET must not change anything (mail scanners)"
    second = queue(resident=resident, essential=False, key="notice:2")
    assert client.post(path).status_code == 200
    assert not resident.has_consent("email")
    # A consent withdrawn after queueing still stops the message at send time.
    assert second.status == Status.PENDING
    assert services.send_pending()["suppressed"] == 1
    assert len(mail.outbox) == 1


def test_an_opt_out_link_that_was_tampered_with_shows_a_clear_page(client, db):
    response = client.get("/messages/opt-out/not-a-token/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_essential_messages_ignore_opt_out(db):
    resident = ResidentFactory()
    assert queue(resident=resident, essential=True).status == Status.PENDING


def test_attachments_travel_with_the_email(db):
    queue(attachments=[("event.ics", b"BEGIN:VCALENDAR", "text/calendar")])
    services.send_pending()
    assert mail.outbox[0].attachments[0][0] == "event.ics"


def test_a_qr_code_attachment_is_drawn_when_the_email_is_sent(db):
    message = queue(
        attachments=[("code.png", services.QrCode("https://example.net/c/1"), "image/png")]
    )
    assert message.attachments == [
        {"filename": "code.png", "qr_code": "https://example.net/c/1", "mimetype": "image/png"}
    ]
    services.send_pending()
    assert mail.outbox[0].attachments == [
        ("code.png", services.qr_png("https://example.net/c/1"), "image/png")
    ]


def test_text_messages_go_through_the_sms_backend(db, sms_outbox):
    queue(channel=OutboxMessage.Channel.SMS, recipient="+15552013344")
    services.send_pending()
    assert sms_outbox == [{"to": "+15552013344", "body": sms_outbox[0]["body"]}]
    assert "Main St is closed" in sms_outbox[0]["body"]


def test_a_message_the_relay_refuses_is_retried_with_backoff_then_given_up(db, monkeypatch):
    def refuse(self, *args, **kwargs):
        raise smtplib.SMTPDataError(554, b"message refused")

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", refuse)
    queue()
    now = timezone.now()
    for attempt in range(1, services.MAX_ATTEMPTS):
        assert services.send_pending(now=now)["retry"] == 1
        message = OutboxMessage.objects.get()
        assert message.status == Status.PENDING and message.attempts == attempt
        backoff = message.not_before - now  # counted from the failure, a moment after `now`
        assert timedelta(minutes=2**attempt) <= backoff < timedelta(minutes=2**attempt, seconds=5)
        assert services.send_pending(now=now)["retry"] == 0  # not due yet
        now = message.not_before
    assert services.send_pending(now=now)["failed"] == 1
    message = OutboxMessage.objects.get()
    assert message.status == Status.FAILED and "message refused" in message.last_error


def test_a_claim_left_by_a_dead_worker_is_taken_over(db):
    queue()
    claim, claimed = services.claim_batch(size=10)
    assert len(claimed) == 1
    assert services.send_pending()["sent"] == 0  # still claimed by the "dead" worker
    later = timezone.now() + services.CLAIM_TIMEOUT + timedelta(seconds=1)
    assert services.send_pending(now=later)["sent"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_senders_send_each_message_exactly_once(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections need PostgreSQL")
    from engagement_portal.messaging import tasks

    monkeypatch.setattr(tasks.send_pending_messages, "delay", lambda *a, **k: None)
    for n in range(60):
        queue(key=f"notice:{n}")
    barrier = threading.Barrier(4)

    def sender():
        try:
            barrier.wait()
            while services.send_pending(batch_size=7)["sent"]:
                pass
        finally:
            connection.close()

    threads = [threading.Thread(target=sender) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(mail.outbox) == 60
    assert sorted(m.to[0] for m in mail.outbox) == ["rosa@example.net"] * 60
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == 60


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_real_worker_sends_queued_messages_through_redis(celery_worker):
    """Queueing publishes send_pending_messages on commit; the worker on Redis sends them."""
    import time

    for n in range(3):
        queue(key=f"worker:{n}")
    deadline = time.monotonic() + 30
    while OutboxMessage.objects.exclude(status=Status.SENT).exists():
        assert time.monotonic() < deadline, "the worker did not send the messages in 30 s"
        time.sleep(0.2)
    assert (
        sorted(m.subject for m in mail.outbox) == ["Riverside Police Department: Road closed"] * 3
    )


def test_a_burst_of_queued_messages_wakes_one_sender_until_it_starts(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    from engagement_portal.core import jobs

    woken = []
    monkeypatch.setattr(jobs, "enqueue", woken.append)
    for n in range(20):
        with django_capture_on_commit_callbacks(execute=True):
            queue(key=f"notice:{n}")
    assert woken == ["engagement_portal.messaging.tasks.send_pending_messages"]
    monkeypatch.setattr(services, "send_pending", lambda batch_size: {"sent": 0})
    from engagement_portal.messaging.tasks import send_pending_messages

    send_pending_messages()  # the woken sender starts: the next commit wakes another
    with django_capture_on_commit_callbacks(execute=True):
        queue(key="notice:later")
    assert len(woken) == 2


def test_a_broker_outage_after_commit_keeps_the_message_and_raises_nothing(
    db, django_capture_on_commit_callbacks, monkeypatch
):
    from engagement_portal.core import jobs

    def refuse(name):
        raise ConnectionError("broker down")

    monkeypatch.setattr(jobs, "enqueue", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()
    assert OutboxMessage.objects.get(pk=message.pk).status == Status.PENDING
    # The 30-second sweep sends it once the broker is back.
    assert services.send_pending()["sent"] == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_sender_claims_past_rows_another_sender_is_claiming():
    """Two senders at once each get a batch of their own: rows another sender has locked
    are skipped (SKIP LOCKED), not waited for and then found taken (an empty batch, which
    would end that sender's run while messages are still due)."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    for n in range(10):
        queue(key=f"notice:{n}", send_now=False)
    first_five = list(OutboxMessage.objects.order_by("pk").values_list("pk", flat=True)[:5])
    locked, release = threading.Event(), threading.Event()

    def other_sender():
        from django.db import transaction

        try:
            with transaction.atomic():
                list(OutboxMessage.objects.filter(pk__in=first_five).select_for_update())
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    try:
        assert locked.wait(timeout=10)
        _, claimed = services.claim_batch(size=5)
    finally:
        release.set()
        thread.join()
    assert len(claimed) == 5
    assert not {m.pk for m in claimed} & set(first_five)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_sender_commits_its_marks_without_waiting_for_the_disk_and_resets_after(
    monkeypatch,
):
    if connection.vendor != "postgresql":
        pytest.skip("synchronous_commit is PostgreSQL's")

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    seen = []
    deliver = services._deliver
    monkeypatch.setattr(
        services, "_deliver", lambda *args: (seen.append(setting()), deliver(*args))
    )
    queue(send_now=False)
    assert services.send_pending()["sent"] == 1
    assert seen == ["off"]
    assert setting() == "on"  # the connection goes back to the pool as it came
    message = OutboxMessage.objects.get()
    assert message.status == Status.SENT and message.attempts == 1
    assert message.sent_at is not None and message.link_secrets == ""


def test_a_long_run_hands_the_rest_to_a_fresh_run_before_its_time_limit(db, monkeypatch):
    """Cut off by the soft time limit between the relay's answer and the mark, a message
    would go twice: a sender stops after its time budget and wakes a fresh run instead."""
    from engagement_portal.core import jobs
    from engagement_portal.messaging import tasks

    woken = []
    monkeypatch.setattr(jobs, "wake", lambda task, *, key: woken.append((task, key)))
    for n in range(5):
        queue(key=f"notice:{n}", send_now=False)
    totals = tasks.send_pending_messages(batch_size=2, time_budget=0)
    assert totals["sent"] == 2
    assert woken == [(tasks.send_pending_messages.name, services.SEND_WAKE_KEY)]
    assert OutboxMessage.objects.filter(status=Status.PENDING).count() == 3
    assert tasks.send_pending_messages(batch_size=2)["sent"] == 3
