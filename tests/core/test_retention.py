"""Retention: the nightly purge anonymises each kind of personal data once it has outlived
its period (settings.RETENTION_DAYS) and leaves younger data alone; twice is once."""

import os
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from engagement_portal.accounts.models import Resident
from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.privacy import retention, tasks
from events import retention as events_retention
from events.models import AccommodationRequest
from programs.in_person import retention as in_person_retention
from programs.in_person.models import ResidentRequest
from programs.information.models import AnnouncementReply, PressQuestion
from programs.models import EngagementType
from programs.structured import retention as structured_retention
from programs.structured.models_applications import Application, ApplicationNote
from programs.structured.models_volunteers import HoursEntry
from surveys import retention as surveys_retention
from surveys.models import FollowUpContact, HeldResponse, Invitation
from tests.concurrency import run_at_once

from ..factories import (
    AccommodationRequestFactory,
    AnnouncementReplyFactory,
    ApplicationFactory,
    ApplicationFormFactory,
    ApplicationNoteFactory,
    AuditLogFactory,
    EventFactory,
    FollowUpContactFactory,
    HeldResponseFactory,
    HoursEntryFactory,
    InvitationFactory,
    OutboxMessageFactory,
    PressQuestionFactory,
    RegistrationFactory,
    ResidentFactory,
    ResidentRequestFactory,
    SurveyFactory,
    UserFactory,
)

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.django_db, pytest.mark.as_of("2026-11-20T10:00", tick=True)]


def days_ago(days: int):
    return timezone.now() - timedelta(days=days)


def period(kind: str) -> int:
    return settings.RETENTION_DAYS[kind]


def past_event(days: int):
    """An event that ended `days` days ago."""
    ends = days_ago(days)
    return EventFactory(starts_at=ends - timedelta(hours=2), ends_at=ends)


# --- Settings and scheduling ------------------------------------------------------------


def test_every_kind_has_a_period_and_the_environment_overrides_it():
    assert set(settings.RETENTION_DAYS) == set(retention.purge_functions()) - {"sessions"}
    assert settings.RETENTION_DAYS["outbox_messages"] == 90
    assert settings.RETENTION_DAYS["audit_log"] == 7 * 365
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.RETENTION_DAYS['applications'])"
    )
    env = {**os.environ, "PORTAL_RETAIN_APPLICATIONS_DAYS": "1095"}
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert result.stdout.strip() == "1095", result.stderr
    env["PORTAL_RETAIN_APPLICATIONS_DAYS"] = "0"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT
    )
    assert result.returncode != 0
    assert "PORTAL_RETAIN_APPLICATIONS_DAYS" in result.stderr


def test_the_purge_is_a_nightly_periodic_task_that_also_runs_in_process():
    entry = settings.CELERY_BEAT_SCHEDULE["purge-expired-personal-data"]
    assert entry["task"] == "engagement_portal.privacy.tasks.purge_expired_personal_data"
    old = AccommodationRequestFactory(
        registration=RegistrationFactory(event=past_event(period("registrations") + 1))
    )
    # No broker in the embedded default: .delay() runs it here and now.
    result = tasks.purge_expired_personal_data.delay().get()
    assert result["registrations"] == 1
    old.refresh_from_db()
    assert old.details == ""


def test_each_app_plugs_its_purges_in_and_the_residents_go_last():
    # The apps' kinds in the order of the settings, then the foundation's; a resident
    # expires only once their applications and requests are anonymised.
    assert list(retention.purge_functions()) == [
        "registrations",
        "applications",
        "requests",
        "volunteers",
        "public_input",
        "survey_contacts",
        "held_answers",
        "outbox_messages",
        "audit_log",
        "sessions",
        "residents",
    ]


# --- Per kind: expired rows are anonymised, younger ones untouched ----------------------


def test_accommodation_details_go_after_the_period_from_the_events_end():
    old = AccommodationRequestFactory(
        registration=RegistrationFactory(event=past_event(period("registrations") + 1)),
        details="Wheelchair; my carer Ann comes too",
    )
    young = AccommodationRequestFactory(
        registration=RegistrationFactory(event=past_event(period("registrations") - 1)),
        details="Spanish interpreter",
    )
    assert events_retention.purge_registrations(timezone.now()) == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.details, old.kind) == ("", "accessibility")
    assert young.details == "Spanish interpreter"
    assert old.registration.status == "confirmed"  # the fact stays


def test_applications_go_after_the_default_or_their_programs_own_period():
    decided = days_ago(period("applications") + 1)
    old = ApplicationFactory(
        created_at=decided - timedelta(days=30),
        decided_at=decided,
        status="accepted",
        address="12 Elm Street",
        answers={"why": "My brother is an officer"},
        guardian_name="Gina Guardian",
        guardian_email="gina@example.net",
        decision_note="Welcome aboard, Sam",
    )
    ApplicationNoteFactory(application=old, text="Knows the chief")
    young = ApplicationFactory(created_at=days_ago(10), address="3 Oak Road")
    short_form = ApplicationFormFactory(retention_days=30)
    short = ApplicationFactory(
        program=short_form.program, created_at=days_ago(31), address="7 Pine Lane"
    )
    long_form = ApplicationFormFactory(retention_days=period("applications") * 3)
    long = ApplicationFactory(program=long_form.program, created_at=decided, address="9 Birch Way")

    assert structured_retention.purge_applications(timezone.now()) == 2

    for application in (old, young, short, long):
        application.refresh_from_db()
    assert old.anonymised_at and short.anonymised_at
    assert (old.address, old.answers, old.guardian_name, old.guardian_email) == ("", {}, "", "")
    assert old.decision_note == ""
    assert old.status == "accepted"  # the fact stays
    assert old.date_of_birth.day in (1, 15)  # coarsened, not kept to the day
    assert not ApplicationNote.objects.filter(application=old).exists()
    assert (young.anonymised_at, young.address) == (None, "3 Oak Road")
    assert (long.anonymised_at, long.address) == (None, "9 Birch Way")


def test_requests_go_after_the_period_from_their_handling():
    old = ResidentRequestFactory(
        created_at=days_ago(period("requests") + 40),
        handled_at=days_ago(period("requests") + 1),
        details="Our street has had three break-ins",
        address="44 Harbour Road",
        staff_reply="See you Tuesday, Mrs Lee",
    )
    handled_late = ResidentRequestFactory(
        created_at=days_ago(period("requests") + 40), handled_at=days_ago(5), address="1 Quay"
    )
    assert in_person_retention.purge_requests(timezone.now()) == 1
    old.refresh_from_db()
    handled_late.refresh_from_db()
    assert (old.details, old.address, old.staff_reply, old.preferred_time_1) == ("", "", "", "")
    assert old.anonymised_at is not None and old.kind == "briefing"
    assert handled_late.address == "1 Quay" and handled_late.anonymised_at is None


def test_volunteers_notes_on_their_hours_go_after_the_period():
    started = days_ago(period("volunteers") + 1)
    old = HoursEntryFactory(started_at=started, ended_at=started + timedelta(hours=2))
    young = HoursEntryFactory()
    assert structured_retention.purge_volunteers(timezone.now()) == 1
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.description == "" and old.ended_at - old.started_at == timedelta(hours=2)
    assert young.description == "Helped at the safety fair"


def test_names_and_contacts_left_with_public_input_go_after_the_period():
    old = AnnouncementReplyFactory(
        received_at=days_ago(period("public_input") + 1), name="Ike", contact="ike@example.net"
    )
    young = AnnouncementReplyFactory(name="Jo", contact="jo@example.net")
    question = PressQuestionFactory(name="Kim")
    PressQuestion.objects.filter(pk=question.pk).update(
        submitted_on=timezone.localdate() - timedelta(days=period("public_input") + 2)
    )
    assert retention.purge_functions()["public_input"](timezone.now()) == 2
    old.refresh_from_db()
    young.refresh_from_db()
    assert (old.name, old.contact, old.message) == ("", "", "")
    assert (young.name, young.contact) == ("Jo", "jo@example.net")
    assert PressQuestion.objects.get(pk=question.pk).name == ""


def test_survey_contacts_go_after_the_period_from_the_last_sending():
    survey = SurveyFactory(status="closed", closed_at=days_ago(period("survey_contacts") + 1))
    old = InvitationFactory(survey=survey, last_sent_at=days_ago(period("survey_contacts") + 1))
    young = InvitationFactory(survey=survey, last_sent_at=days_ago(3))
    FollowUpContactFactory(survey=survey, email="hear-back@example.net")
    assert surveys_retention.purge_survey_contacts(timezone.now()) == 2
    old.refresh_from_db()
    young.refresh_from_db()
    assert old.contact == f"erased:{old.pk}"
    assert "@" in young.contact
    assert not FollowUpContact.objects.exists()


def test_answers_never_published_go_after_the_period_from_the_surveys_closing():
    days = period("held_answers")
    old = SurveyFactory(status="closed", closed_at=days_ago(days + 1))
    young = SurveyFactory(status="closed", closed_at=days_ago(days - 1))
    running = SurveyFactory(status="open")
    for survey in (old, young, running):
        HeldResponseFactory.create_batch(3, survey=survey)

    assert surveys_retention.purge_held_answers(timezone.now()) == 3

    assert not HeldResponse.objects.filter(survey=old).exists()
    assert HeldResponse.objects.filter(survey=young).count() == 3
    assert HeldResponse.objects.filter(survey=running).count() == 3


def test_sent_messages_lose_address_and_text_after_the_period_but_pending_ones_wait():
    old = OutboxMessageFactory(
        created_at=days_ago(91), status="sent", body_html="<p>Hello Ann</p>", recipient="a@x.net"
    )
    waiting = OutboxMessageFactory(created_at=days_ago(91), status="pending")
    young = OutboxMessageFactory(created_at=days_ago(89), status="sent")
    assert retention.purge_outbox_messages(timezone.now()) == 1
    old.refresh_from_db()
    assert (old.recipient, old.subject, old.body_text, old.body_html) == ("", "", "", "")
    assert (old.status, old.key) == ("sent", old.key)
    assert OutboxMessage.objects.get(pk=waiting.pk).body_text == "Hello there."
    assert OutboxMessage.objects.get(pk=young.pk).recipient == young.recipient


def test_the_audit_log_is_kept_seven_years():
    old = AuditLogFactory(at=days_ago(period("audit_log") + 1))
    young = AuditLogFactory(at=days_ago(period("audit_log") - 1))
    assert retention.purge_audit_log(timezone.now()) == 1
    assert list(AuditLog.objects.filter(pk__in=[old.pk, young.pk])) == [young]


def test_expired_sessions_go(client, dave):
    client.force_login(dave)
    Session.objects.create(session_key="x" * 32, session_data="", expire_date=days_ago(1))
    assert retention.purge_sessions(timezone.now()) == 1
    assert Session.objects.count() == 1


def test_a_resident_is_anonymised_only_when_every_record_has_expired():
    gone = past_event(period("residents") + 1)
    recent = past_event(30)
    created = days_ago(period("residents") + 60)
    lapsed = ResidentFactory(name="Lapsed Lee", phone="+13125550100", created_at=created)
    RegistrationFactory(resident=lapsed, event=gone)
    recent_one = ResidentFactory(name="Recent Ray", created_at=created)
    RegistrationFactory(resident=recent_one, event=gone)
    RegistrationFactory(resident=recent_one, event=recent)
    applicant = ResidentFactory(name="Applying Al", created_at=created)
    RegistrationFactory(resident=applicant, event=gone)
    form = ApplicationFormFactory(retention_days=period("residents") * 3)
    ApplicationFactory(program=form.program, resident=applicant, created_at=created)
    with_account = ResidentFactory(
        name="Account Ann", created_at=created, user=UserFactory(email="ann@example.net")
    )
    RegistrationFactory(resident=with_account, event=gone)

    changed = retention.purge_expired_personal_data()

    assert changed["residents"] == 1
    lapsed.refresh_from_db()
    assert (lapsed.name, lapsed.email, lapsed.phone, lapsed.phone_normalised) == ("", "", "", "")
    assert lapsed.email_normalised == f"erased:{lapsed.pk}"
    assert lapsed.neighbourhood_id is not None  # the figures' fact stays
    assert lapsed.registrations.count() == 1  # PROTECTed rows stay, pointing at it
    for kept in (recent_one, applicant, with_account):
        assert Resident.objects.get(pk=kept.pk).name == kept.name


# --- Run twice ----------------------------------------------------------------------------


def expired_of_every_kind():
    AccommodationRequestFactory(
        registration=RegistrationFactory(
            event=past_event(period("residents") + 1),
            resident=ResidentFactory(created_at=days_ago(period("residents") + 9)),
        )
    )
    ApplicationNoteFactory(
        application=ApplicationFactory(created_at=days_ago(period("applications") + 1))
    )
    ResidentRequestFactory(created_at=days_ago(period("requests") + 1))
    started = days_ago(period("volunteers") + 1)
    HoursEntryFactory(started_at=started, ended_at=started + timedelta(hours=1))
    AnnouncementReplyFactory(received_at=days_ago(period("public_input") + 1), name="Ike")
    InvitationFactory(last_sent_at=days_ago(period("survey_contacts") + 1))
    closed = SurveyFactory(status="closed", closed_at=days_ago(period("held_answers") + 1))
    HeldResponseFactory(survey=closed)
    OutboxMessageFactory(created_at=days_ago(91), status="sent")
    AuditLogFactory(at=days_ago(period("audit_log") + 1))
    Session.objects.create(session_key=uuid.uuid4().hex, session_data="", expire_date=days_ago(1))


def snapshot_rows():
    models = [
        Resident, AccommodationRequest, Application, ApplicationNote, ResidentRequest,
        HoursEntry, AnnouncementReply, Invitation, HeldResponse, OutboxMessage, AuditLog,
        Session,
    ]  # fmt: skip
    return {m.__name__: sorted(map(str, m.objects.values_list())) for m in models}


def test_running_the_purge_twice_changes_rows_once():
    expired_of_every_kind()
    first = retention.purge_expired_personal_data()
    assert all(first[kind] >= 1 for kind in retention.purge_functions()), first
    after_first = snapshot_rows()
    second = retention.purge_expired_personal_data()
    assert set(second.values()) == {0}, second
    assert snapshot_rows() == after_first


# --- Races (PostgreSQL) -------------------------------------------------------------------

race = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_only():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")


@race
def test_purges_running_at_once_change_each_row_once(postgres_only):
    for _ in range(8):
        expired_of_every_kind()
    ResidentFactory.create_batch(3)  # young residents stay
    now = timezone.now()
    results = []
    errors = run_at_once(
        4, lambda i: results.append(retention.purge_expired_personal_data(now=now))
    )
    assert errors == []
    total = {kind: sum(result[kind] for result in results) for kind in retention.purge_functions()}
    assert total["registrations"] == 8
    assert total["applications"] == 8
    assert total["requests"] == 8
    assert total["volunteers"] == 8
    assert total["outbox_messages"] == 8
    assert total["audit_log"] == 8
    assert total["residents"] == 8
    assert total["sessions"] == 8
    assert Application.objects.filter(anonymised_at__isnull=True).count() == 0
    assert Resident.objects.exclude(email_normalised__startswith="erased:").count() == (
        Resident.objects.count() - 8
    )
    assert set(retention.purge_expired_personal_data(now=now).values()) == {0}


@race
def test_two_erasures_of_one_resident_at_once_erase_once(postgres_only):
    staff = UserFactory()
    resident = ResidentFactory(name="Nia Nakamura")
    ApplicationFactory(resident=resident, address="5 Dock Road")
    OutboxMessageFactory(resident=resident, recipient=resident.email, status="sent")
    errors = run_at_once(
        2, lambda i: retention.erase_resident(resident_id=resident.pk, actor=staff)
    )
    assert errors == []
    entries = AuditLog.objects.filter(action="resident.erased").order_by("pk")
    assert [bool(e.details) for e in entries] == [True, False]
    assert entries[0].details["applications"] == 1 and entries[0].details["messages"] == 1
    resident.refresh_from_db()
    assert retention.is_erased(resident) and resident.name == ""


def test_program_staff_set_their_programs_own_period_for_applications(client, alice):
    from django.urls import reverse

    from programs.structured.models_applications import ApplicationForm
    from tests.programs.structured.test_applications_views import settings_data

    from ..factories import ProgramFactory

    program = ProgramFactory(
        owner=alice, engagement_type=EngagementType.objects.get(slug="ride-outs")
    )
    client.force_login(alice)
    url = reverse("applications:staff-settings", args=[program.pk])
    assert 'name="retention_days"' in client.get(url).content.decode()
    assert client.post(url, settings_data(retention_days="365")).status_code == 302
    assert ApplicationForm.objects.get(program=program).retention_days == 365
    response = client.post(url, settings_data(retention_days="0"))
    assert response.status_code == 200
    assert ApplicationForm.objects.get(program=program).retention_days == 365


def test_the_purge_also_runs_as_a_command_for_the_embedded_default():
    import io

    from django.core.management import call_command

    expired_of_every_kind()
    out = io.StringIO()
    call_command("purge_expired_personal_data", stdout=out)
    assert "applications: 1" in out.getvalue() and "residents: 1" in out.getvalue()
    out = io.StringIO()
    call_command("purge_expired_personal_data", stdout=out)
    assert "applications: 0" in out.getvalue()
