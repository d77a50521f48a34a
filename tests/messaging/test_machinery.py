"""The administrators' machinery page: the outbox, the periodic jobs, the workers."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from engagement_portal.messaging import machinery
from engagement_portal.messaging.models import OutboxMessage
from tests.factories import UserFactory

URL = "messaging:machinery"


@pytest.fixture
def admin_client(client, db):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def message(key, status, **fields):
    now = timezone.now()
    return OutboxMessage.objects.create(
        key=key,
        channel=OutboxMessage.Channel.EMAIL,
        recipient="rosa@example.net",
        language="en",
        subject="Road closed",
        body_text="Main St is closed.",
        status=status,
        created_at=fields.pop("created_at", now),
        not_before=fields.pop("not_before", now),
        **fields,
    )


def test_the_page_counts_the_outbox_and_shows_no_recipient(
    admin_client, settings, django_assert_max_num_queries
):
    settings.CELERY_BROKER_URL = ""
    now = timezone.now()
    message("a", OutboxMessage.Status.PENDING, created_at=now - timedelta(hours=3))
    message(
        "b",
        OutboxMessage.Status.PENDING,
        attempts=2,
        not_before=now + timedelta(minutes=1),
        last_error="SMTPRecipientsRefused({'rosa@example.net': (550, b'no such user')})",
    )
    message("c", OutboxMessage.Status.FAILED, last_error="SMTPDataError(554)")
    message("d", OutboxMessage.Status.SENT)
    every, _ = IntervalSchedule.objects.get_or_create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(
        name="send-pending-messages",
        task="engagement_portal.messaging.tasks.send_pending_messages",
        interval=every,
        last_run_at=now - timedelta(seconds=30),
        total_run_count=42,
    )

    with django_assert_max_num_queries(10):
        response = admin_client.get(reverse(URL))
    assert response.status_code == 200
    state = response.context["outbox"]
    assert (state.pending, state.sending, state.failed) == (2, 0, 1)
    assert state.oldest_pending == now - timedelta(hours=3)
    assert state.latest_error == "SMTPRecipientsRefused"
    page = response.content.decode()
    assert "rosa@example.net" not in page and "no such user" not in page
    assert "send-pending-messages" in page and ">42<" in page
    assert "No broker is configured" in page


def test_no_worker_answering_is_said_plainly(admin_client, settings, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/0"
    monkeypatch.setattr(machinery, "workers_answering", lambda: [])
    response = admin_client.get(reverse(URL))
    assert "No worker answered within a second." in response.content.decode()


@pytest.mark.celery_worker
def test_a_real_worker_answers_the_page_s_ping(celery_worker, settings, db):
    import os

    settings.CELERY_BROKER_URL = os.environ["CELERY_BROKER_URL"]
    assert machinery.workers_answering()  # the test worker's name
