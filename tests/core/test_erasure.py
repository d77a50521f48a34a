"""Erasure on request and the download of everything held, played as the database reader:
after an administrator erases Zelda, no text anywhere in the database names or reaches her."""

import io
import json

import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from engagement_portal.accounts.models import Resident
from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.privacy import retention
from events import services as event_services
from programs.structured.models_applications import Application

from ..factories import (
    AnnouncementReplyFactory,
    AnswerFactory,
    ApplicationFactory,
    ApplicationNoteFactory,
    AuditLogFactory,
    ConsentFactory,
    EventFactory,
    FollowUpContactFactory,
    HoursEntryFactory,
    InvitationFactory,
    NeighbourhoodFactory,
    OutboxMessageFactory,
    PressQuestionFactory,
    PublicCommentFactory,
    ResidentRequestFactory,
    ResponseFactory,
    UserFactory,
    VolunteerFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.as_of("2026-11-20T10:00", tick=True)]

NAME = "Zelda Quixote"
EMAIL = "zelda.quixote@example.net"
PHONE = "+1 312 555 0199"
# What a reader would search every column for: her name, her address, her number.
NEEDLES = ["zelda", "quixote", "5550199", "555 0199"]


@pytest.fixture
def zelda(db):
    """One resident with a record of every kind, each holding her name or contacts."""
    account = UserFactory(email=EMAIL, full_name=NAME)
    event = EventFactory()
    result = event_services.register(
        event=event,
        name=NAME,
        email=EMAIL,
        phone=PHONE,
        neighbourhood=NeighbourhoodFactory(),
        accessibility="Zelda Quixote uses a wheelchair",
        wants_reminders=True,
        user=account,
    )
    resident = result.registration.resident
    resident.user = account  # she also made an account to see her history
    resident.save(update_fields=["user"])
    # Someone not signed in names her address on a public form: a provisional record holds
    # what they typed (her address among it) until she confirms, and a link waits for her.
    pending = event_services.register(
        event=EventFactory(), name="Z. Quixote", email=EMAIL, phone="+1 312 555 0100"
    )
    assert pending.registration.resident.provisional_for == resident
    application = ApplicationFactory(
        resident=resident,
        address="12 Elm Street",
        answers={"why": "Zelda Quixote wants to help"},
        guardian_name="Gus Quixote",
        guardian_email="gus.quixote@example.net",
        decision_note="Welcome, Zelda",
    )
    ApplicationNoteFactory(application=application, text="Zelda Quixote was sharp")
    ResidentRequestFactory(resident=resident, details="Call Zelda on +1 312 555 0199")
    volunteer = VolunteerFactory(resident=resident)
    HoursEntryFactory(volunteer=volunteer, description="Zelda Quixote ran the stall")
    AuditLogFactory(target=str(volunteer), details={"who": NAME, "email": EMAIL})
    OutboxMessageFactory(
        resident=resident,
        channel="sms",
        recipient="+13125550199",
        body_text="Zelda, your ride-out is on",
        status="pending",
    )
    response = ResponseFactory(resident=resident)
    AnswerFactory(response=response, number=None, text="I am Zelda Quixote from Elm Street")
    InvitationFactory(resident=resident, contact=EMAIL, survey=response.survey)
    FollowUpContactFactory(email=EMAIL)
    AnnouncementReplyFactory(name=NAME, contact=EMAIL, message="Zelda saw the car")
    PressQuestionFactory(name=NAME)
    PublicCommentFactory(name=NAME)
    ConsentFactory(resident=resident, channel="sms")
    LogEntry.objects.create(
        user=UserFactory(),
        content_type=ContentType.objects.get_for_model(Resident),
        object_id=str(resident.pk),
        object_repr=NAME,
        action_flag=CHANGE,
        change_message=f"Changed email to {EMAIL}",
    )
    AccessAttempt.objects.create(
        username=EMAIL,
        ip_address="10.0.0.1",
        user_agent="phone",
        http_accept="*/*",
        path_info="/login/",
        get_data="",
        post_data=f"username={EMAIL}",
        failures_since_start=1,
    )
    Client().force_login(account)  # a live session of her account
    return resident


def database_text(exclude=()) -> str:
    """Every row of every table, as a database reader sees it."""
    out = io.StringIO()
    call_command("dumpdata", format="json", exclude=list(exclude), stdout=out)
    return out.getvalue().lower()


def traces() -> list[str]:
    text = database_text()
    return [needle for needle in NEEDLES if needle in text]


def test_the_fixture_really_puts_zelda_everywhere(zelda):
    assert traces() == NEEDLES
    assert Session.objects.count() == 1


def test_erasing_leaves_no_trace_of_her_name_email_or_phone_in_any_table(client, root, zelda):
    account = zelda.user
    client.force_login(root)
    url = reverse("core:privacy-erase", args=[zelda.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert NAME in page.content.decode()

    sealed = OutboxMessage.objects.filter(resident=zelda).exclude(link_secrets="")
    assert sealed.exists()  # her confirmation waits to be sent, its link sealed

    response = client.post(url, {"confirm": "on"})

    assert response.status_code == 302
    assert traces() == []
    assert not sealed.exists()  # nothing of hers waits to be sent, not even sealed
    zelda.refresh_from_db()
    assert retention.is_erased(zelda)
    # What the figures count stays: her rows, their statuses, her neighbourhood.
    assert zelda.registrations.get().status == "confirmed"
    assert zelda.neighbourhood_id is not None
    assert Application.objects.get(resident=zelda).anonymised_at is not None
    assert zelda.survey_responses.count() == 1
    # Her account cannot sign in, and her session is gone.
    account.refresh_from_db()
    assert zelda.user is None
    assert not account.is_active and not account.has_usable_password()
    assert not Session.objects.exclude(pk=client.session.session_key).exists()
    # The request is logged, without what was erased.
    entry = AuditLog.objects.get(action="resident.erased")
    assert entry.actor == root and entry.target == f"resident {zelda.pk}"
    assert entry.details["applications"] == 1


def test_erasing_needs_the_confirmation(client, root, zelda):
    client.force_login(root)
    response = client.post(reverse("core:privacy-erase", args=[zelda.pk]), {})
    assert response.status_code == 200
    assert response.context["form"].errors
    zelda.refresh_from_db()
    assert zelda.name == NAME
    assert not AuditLog.objects.filter(action="resident.erased").exists()


def test_erasing_twice_changes_nothing_more(root, zelda):
    retention.erase_resident(resident_id=zelda.pk, actor=root)
    before = database_text(exclude=["core.auditlog"])
    retention.erase_resident(resident_id=zelda.pk, actor=root)
    assert database_text(exclude=["core.auditlog"]) == before
    first, second = AuditLog.objects.filter(action="resident.erased").order_by("pk")
    assert first.details and second.details == {}  # the second had nothing left to change
    assert traces() == []


def test_the_download_holds_everything_and_is_audit_logged(client, root, zelda):
    client.force_login(root)
    response = client.get(reverse("core:privacy-export", args=[zelda.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    data = json.loads(response.content)
    assert data["resident"]["email"] == EMAIL
    assert data["account"]["email"] == EMAIL
    assert data["registrations"][0]["accommodations"][0]["details"].startswith("Zelda")
    assert data["applications"][0]["address"] == "12 Elm Street"
    assert data["requests"][0]["details"].startswith("Call Zelda")
    assert data["volunteering"][0]["hours"][0]["description"].startswith("Zelda")
    assert data["survey_responses"][0]["answers"][0]["text"].startswith("I am Zelda")
    assert data["messages"]  # the confirmation she was sent, and the text message
    entry = AuditLog.objects.get(action="resident.exported")
    assert (entry.actor, entry.target) == (root, f"resident {zelda.pk}")
    assert "zelda" not in json.dumps(entry.details).lower() + entry.target.lower()


def test_administrators_find_a_resident_by_email_phone_or_name(client, root, zelda):
    client.force_login(root)
    for query in (EMAIL.upper(), "312-555-0199", "quixote"):
        page = client.get(reverse("core:privacy"), {"q": query})
        assert list(page.context["residents"]) == [zelda], query
    assert client.get(reverse("core:privacy"), {"q": "nobody"}).context["residents"] == []


def test_program_staff_and_command_staff_cannot_erase_or_download(client, alice, carol, zelda):
    for user in (alice, carol):
        client.force_login(user)
        assert (
            client.post(
                reverse("core:privacy-erase", args=[zelda.pk]), {"confirm": "on"}
            ).status_code
            == 403
        )
        assert client.get(reverse("core:privacy-export", args=[zelda.pk])).status_code == 403
    zelda.refresh_from_db()
    assert zelda.name == NAME


def test_erasing_scrubs_whole_names_in_the_logs_and_leaves_other_people_alone(root):
    from ..factories import ResidentFactory

    al = ResidentFactory(name="Al", email="al@example.net")
    mine = AuditLogFactory(target="Al · Citizens on Patrol", details={"note": "called Al"})
    theirs = AuditLogFactory(target="Alice · Citizens on Patrol", details={"note": "Sal"})
    retention.erase_resident(resident_id=al.pk, actor=root)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.target == "[erased] · Citizens on Patrol"
    assert mine.details == {"note": "called [erased]"}
    assert (theirs.target, theirs.details) == ("Alice · Citizens on Patrol", {"note": "Sal"})


def test_the_admin_site_cannot_delete_a_resident_or_edit_an_erased_one(client, root, zelda):
    client.force_login(root)
    delete = reverse("admin:accounts_resident_delete", args=[zelda.pk])
    assert client.get(delete).status_code == 403
    change = reverse("admin:accounts_resident_change", args=[zelda.pk])
    assert 'name="name"' in client.get(change).content.decode()
    retention.erase_resident(resident_id=zelda.pk, actor=root)
    page = client.get(change)
    assert page.status_code == 200 and 'name="name"' not in page.content.decode()
    assert Resident.objects.filter(pk=zelda.pk).exists()
