"""The monthly report e-mail: who gets it, in which language, what it says, once per month."""

import time
from datetime import date

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.utils import timezone

from engagement_portal.accounts import roles
from engagement_portal.messaging.models import OutboxMessage
from programs.dashboard import selectors_report, tasks

from ..factories import StaffUserFactory, UserFactory
from .test_outputs import TODAY, at, harbour

FIRST_OF_MAY = "2025-05-01 07:00 -0500"


def monthly() -> "OutboxMessage.objects":
    return OutboxMessage.objects.filter(key__startswith="dashboard-monthly:")


@pytest.fixture
def command(db, carol, root):
    """carol (command staff, English), luz (command staff, Spanish), root (administrator);
    an inactive commander and one without an e-mail address get nothing."""
    luz = UserFactory(
        email="luz@example.org",
        full_name="Luz Ortega",
        role=roles.COMMAND_STAFF,
        preferred_language="es",
    )
    UserFactory(email="gone@example.org", role=roles.COMMAND_STAFF, is_active=False)
    return {"carol": carol, "luz": luz, "root": root}


@pytest.fixture
def everyone_else(db, alice, bob, dave):
    return [alice, bob, dave, StaffUserFactory()]


@pytest.mark.django_db
def test_command_staff_are_the_active_users_with_the_command_permission(command, everyone_else):
    assert set(tasks.command_staff()) == set(command.values())


@pytest.mark.django_db
def test_it_queues_last_months_report_to_each_commander_in_their_language(
    command, everyone_else, alice
):
    with time_machine.travel(at(TODAY, 7), tick=False):
        harbour(alice)
        assert tasks.queue_monthly_report() == 3

    by_recipient = {m.recipient: m for m in monthly()}
    assert set(by_recipient) == {"carol@example.org", "luz@example.org", "root@example.org"}
    carol = by_recipient["carol@example.org"]
    assert carol.key == f"dashboard-monthly:2025-03:{command['carol'].pk}"
    assert carol.subject == "Community engagement report: March 2025"
    assert carol.language == "en" and carol.essential
    assert "Hello Carol," in carol.body_text
    assert "compared with February 2025" in carol.body_text
    assert "- Participations: 162 (+142 (+710.0%))" in carol.body_text
    assert "- Unique residents reached: 147 (+127 (+635.0%))" in carol.body_text
    assert "- Survey responses: fewer than 10\n" in carol.body_text
    assert "- Representation score: 0.07 (+0.07)" in carol.body_text
    report_url = settings.PORTAL_BASE_URL + "/command/dashboard/report/?month=2025-03"
    assert report_url in carol.body_text
    assert f'href="{report_url}"' in carol.body_html
    assert '<th scope="row"' in carol.body_html and "162" in carol.body_html

    luz = by_recipient["luz@example.org"]
    assert luz.language == "es"
    assert luz.subject != carol.subject and "2025" in luz.subject
    assert "Hola Luz" in luz.body_text or "Luz" in luz.body_text
    assert "162" in luz.body_text and report_url in luz.body_text


@pytest.mark.django_db
def test_running_twice_in_the_same_month_sends_once(
    command, alice, django_capture_on_commit_callbacks
):
    with time_machine.travel(FIRST_OF_MAY, tick=False):
        harbour(alice)
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_monthly_report.delay().get() == 3
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.send_monthly_report.delay().get() == 0

    assert monthly().count() == 3
    assert set(monthly().values_list("key", flat=True)) == {
        f"dashboard-monthly:2025-04:{user.pk}" for user in command.values()
    }
    assert sorted(m.to[0] for m in mail.outbox) == [
        "carol@example.org",
        "luz@example.org",
        "root@example.org",
    ]


@pytest.mark.django_db
def test_next_month_sends_the_next_report_and_a_new_commander_gets_theirs(command, alice):
    with time_machine.travel(FIRST_OF_MAY, tick=False):
        harbour(alice)
        assert tasks.send_monthly_report() == 3
        newcomer = UserFactory(email="new@example.org", role=roles.COMMAND_STAFF)
        assert tasks.send_monthly_report() == 1  # only the newcomer, April's report
    with time_machine.travel("2025-06-01 07:00 -0500", tick=False):
        assert tasks.send_monthly_report() == 4

    assert monthly().filter(recipient=newcomer.email).count() == 2
    assert monthly().filter(key__contains=":2025-05:").count() == 4


@pytest.mark.django_db
def test_nobody_to_send_to_sends_nothing(everyone_else):
    assert tasks.queue_monthly_report(today=TODAY) == 0
    assert not monthly().exists()


def test_the_beat_schedule_sends_it_on_the_first_at_seven():
    entry = settings.CELERY_BEAT_SCHEDULE["send-monthly-dashboard-report"]
    assert entry["task"] == "programs.dashboard.tasks.send_monthly_report"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {1}
    assert schedule.hour == {7} and schedule.minute == {0}
    assert settings.CELERY_TASK_ROUTES[entry["task"]] == {"queue": "mail"}


@pytest.mark.django_db
def test_the_email_lines_follow_the_report(command, alice):
    with time_machine.travel(at(TODAY, 7), tick=False):
        harbour(alice)
        report = selectors_report.monthly_report(date(2025, 3, 1))
    lines = {line.label: line for line in selectors_report.email_lines(report)}
    assert lines["Events held"].value == "5"
    assert lines["Events held"].change == "+4 (+400.0%)"
    assert lines["Survey responses"].change == ""


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
# Mid-month, so that the test and the worker agree on last month; ticking, since a frozen
# clock would stall the worker.
@pytest.mark.as_of("2027-05-12T10:00")
def test_a_real_worker_queues_and_sends_the_monthly_report(celery_worker, command):
    """Through Redis: the task runs on the worker, and the outbox it fills is sent by the
    same worker."""
    month = selectors_report.last_full_month(timezone.localdate())

    assert tasks.send_monthly_report.apply_async().get(timeout=60) == 3
    assert tasks.send_monthly_report.apply_async().get(timeout=60) == 0
    deadline = time.monotonic() + 60
    while monthly().filter(status=OutboxMessage.Status.SENT).count() < 3:
        assert time.monotonic() < deadline, "the reports were not sent within 60 s"
        time.sleep(0.2)
    assert monthly().count() == 3
    assert {m.key.split(":")[1] for m in monthly()} == {f"{month:%Y-%m}"}
