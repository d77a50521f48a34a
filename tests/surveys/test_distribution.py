"""Survey distribution: audiences, CSV, run-twice safety, a real worker, crash and resume,
pause, reminders, and the staff pages."""

import io
import re
import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts.models import Consent
from engagement_portal.accounts.services import record_consent
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import send_pending
from surveys import distribution as services
from surveys.models import Distribution, Invitation, Question, Survey
from surveys.services import hash_token
from tests.concurrency import run_at_once
from tests.factories import (
    ConsentFactory,
    EventFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    RegistrationFactory,
    ResidentFactory,
)

pytestmark = pytest.mark.django_db
LINK = re.compile(r"/surveys/i/([A-Za-z0-9_-]+)/")


def make_survey(owner, **extra) -> Survey:
    survey = Survey.objects.create(
        owner=owner,
        title={"en": "How are we doing?", "es": "¿Cómo lo hacemos?"},
        languages=["en", "es"],
        status=Survey.Status.OPEN,
        **extra,
    )
    Question.objects.create(survey=survey, kind="rating", text={"en": "Rate us", "es": "Valórenos"})
    return survey


def resident(email=None, phone="", consent=("email",), **extra):
    if email:
        extra["email"] = email
    if phone:
        extra["phone"] = phone
    r = ResidentFactory(**extra)
    for channel in consent:
        ConsentFactory(resident=r, channel=channel, granted_at=timezone.now() - timedelta(days=9))
    return r


def distribute(survey, user, audience, contacts=None, **params) -> Distribution:
    return services.create_distribution(
        survey=survey,
        audience=audience,
        user=user,
        parameters=params,
        contacts=contacts,
        reminder_after_days=params.pop("reminder_after_days", None),
        max_reminders=params.pop("max_reminders", 0),
    )


def contacts_of(distribution) -> list[str]:
    return sorted(distribution.invitations.values_list("contact", flat=True))


def csv_bytes(rows: list[str], header="name,email,phone,language") -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Ordinary tests roll back instead of committing: run what the commits would start."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def run_all(commits):
    def run(distribution) -> str:
        with commits():
            services.start_distribution(distribution)
        distribution.refresh_from_db()
        return distribution.status

    return run


# --- Audiences ------------------------------------------------------------------------------


def test_program_audience_is_distinct_registrants_of_its_events_without_cancelled(alice):
    program = ProgramFactory(owner=alice)
    first, second = EventFactory(program=program), EventFactory(program=program)
    rosa, ana, cancelled = resident(), resident(), resident()
    RegistrationFactory(event=first, resident=rosa)
    RegistrationFactory(event=second, resident=rosa, status="attended")
    RegistrationFactory(event=second, resident=ana, status="waitlisted")
    RegistrationFactory(event=first, resident=cancelled, status="cancelled")
    RegistrationFactory(event=EventFactory(), resident=resident())  # another program
    survey = make_survey(alice, program=program)

    d = distribute(survey, alice, Distribution.Audience.PROGRAM, program=program.pk)

    assert contacts_of(d) == sorted([rosa.email_normalised, ana.email_normalised])
    assert d.skipped_sensitive == 0


def test_event_attendees_only_attended_and_registrants_all_active(alice):
    event = EventFactory(program=ProgramFactory(owner=alice))
    came, booked = resident(), resident()
    RegistrationFactory(event=event, resident=came, status="attended")
    RegistrationFactory(event=event, resident=booked, status="confirmed")
    RegistrationFactory(event=event, resident=resident(), status="cancelled")
    survey = make_survey(alice)

    attendees = distribute(survey, alice, Distribution.Audience.EVENT_ATTENDEES, event=event.pk)
    assert contacts_of(attendees) == [came.email_normalised]
    other = make_survey(alice)
    registrants = distribute(other, alice, Distribution.Audience.EVENT_REGISTRANTS, event=event.pk)
    assert contacts_of(registrants) == sorted([came.email_normalised, booked.email_normalised])


def test_neighbourhood_audience_is_residents_who_consented(alice):
    north, south = NeighbourhoodFactory(code="north"), NeighbourhoodFactory(code="south")
    yes = resident(neighbourhood=north)
    sms = resident(phone="+1 202 555 0143", consent=("sms",), neighbourhood=north)
    resident(consent=(), neighbourhood=north)  # never consented: not in the audience
    withdrawn = resident(neighbourhood=north)
    record_consent(resident=withdrawn, channel="email", granted=False)
    resident(neighbourhood=south)
    survey = make_survey(alice)

    d = distribute(survey, alice, Distribution.Audience.NEIGHBOURHOODS, neighbourhoods=[north.pk])

    assert contacts_of(d) == sorted([yes.email_normalised, sms.phone_normalised])
    assert d.invitations.get(resident=sms).channel == "sms"
    assert d.skipped_opted_out == 1  # the one who withdrew; the one who never agreed is not in it


def test_opted_out_and_unconsented_registrants_are_skipped_and_counted(alice):
    event = EventFactory(program=ProgramFactory(owner=alice))
    ok, withdrawn, never = resident(), resident(), resident(consent=())
    record_consent(resident=withdrawn, channel="email", granted=False)
    for r in (ok, withdrawn, never):
        RegistrationFactory(event=event, resident=r)
    d = distribute(
        make_survey(alice), alice, Distribution.Audience.EVENT_REGISTRANTS, event=event.pk
    )

    assert contacts_of(d) == [ok.email_normalised]
    assert d.skipped_opted_out == 2


def test_sensitive_program_event_and_registration_are_skipped_and_counted(alice):
    program = ProgramFactory(owner=alice)
    plain, sensitive_event = (
        EventFactory(program=program),
        EventFactory(program=program, is_sensitive=True),
    )
    a, b, c = resident(), resident(), resident()
    RegistrationFactory(event=plain, resident=a)
    RegistrationFactory(event=plain, resident=b, is_sensitive=True)
    RegistrationFactory(event=sensitive_event, resident=c)
    d = distribute(make_survey(alice), alice, Distribution.Audience.PROGRAM, program=program.pk)
    assert contacts_of(d) == [a.email_normalised]
    assert d.skipped_sensitive == 2

    program.is_sensitive = True
    program.save()
    d = distribute(make_survey(alice), alice, Distribution.Audience.PROGRAM, program=program.pk)
    assert contacts_of(d) == []
    assert d.skipped_sensitive == 3


def test_a_sensitive_registrant_is_skipped_in_neighbourhood_and_csv_audiences_too(alice):
    area = NeighbourhoodFactory(code="area")
    victim = resident(neighbourhood=area)
    RegistrationFactory(event=EventFactory(is_sensitive=True), resident=victim)
    other = resident(neighbourhood=area)
    d = distribute(
        make_survey(alice), alice, Distribution.Audience.NEIGHBOURHOODS, neighbourhoods=[area.pk]
    )
    assert contacts_of(d) == [other.email_normalised]
    assert d.skipped_sensitive == 1

    result = services.read_contacts_csv(csv_bytes([f"V,{victim.email},,"]))
    d = distribute(make_survey(alice), alice, "csv", contacts=result.contacts)
    assert contacts_of(d) == [] and d.skipped_sensitive == 1


def test_csv_contacts_are_distinct_and_opt_outs_on_file_are_honoured(alice):
    out = resident(email="out@example.net")
    record_consent(resident=out, channel="email", granted=False)
    rows = [
        "Ana,Ana@Example.net,,es",
        "Ana again,ana@example.net,,",
        "Ben,,(202) 555-0147,",
        "Ben's other row,ben@example.net,+1 202 555 0147,",
        "Out,out@example.net,,",
    ]
    result = services.read_contacts_csv(csv_bytes(rows))
    assert result.ok and result.duplicates == 2

    d = distribute(make_survey(alice), alice, "csv", contacts=result.contacts, channel="email")

    assert contacts_of(d) == ["+12025550147", "ana@example.net"]
    assert d.invitations.get(contact="ana@example.net").language == "es"
    assert d.skipped_opted_out == 1


def test_preparing_twice_invites_nobody_twice(alice):
    event = EventFactory(program=ProgramFactory(owner=alice))
    for _ in range(3):
        RegistrationFactory(event=event, resident=resident())
    survey = make_survey(alice)
    d = distribute(survey, alice, Distribution.Audience.EVENT_REGISTRANTS, event=event.pk)
    services.prepare_invitations(d)
    assert d.invitations.count() == 3

    again = distribute(survey, alice, Distribution.Audience.EVENT_REGISTRANTS, event=event.pk)
    assert again.invitations.count() == 0
    assert again.parameters["already_invited"] == 3


def test_a_registrant_marked_sensitive_after_preparing_is_still_not_sent(run_all, alice):
    event = EventFactory(program=ProgramFactory(owner=alice))
    keep, late = resident(), resident()
    RegistrationFactory(event=event, resident=keep)
    registration = RegistrationFactory(event=event, resident=late)
    d = distribute(
        make_survey(alice), alice, Distribution.Audience.EVENT_REGISTRANTS, event=event.pk
    )
    registration.is_sensitive = True
    registration.save()
    mail.outbox = []
    assert run_all(d) == Distribution.Status.DONE
    assert [m.to[0] for m in mail.outbox] == [keep.email]
    assert Distribution.objects.get(pk=d.pk).skipped_sensitive == 1


# --- CSV problems ---------------------------------------------------------------------------


def test_csv_bad_rows_are_reported_by_line_number():
    result = services.read_contacts_csv(
        csv_bytes(
            [
                "Ok,ok@example.net,,",
                "No contact,,,",
                "Bad,not-an-email,,",
                "P,,12,",
                "L,l@example.net,,xx",
            ]
        )
    )
    assert not result.ok
    assert [e.split(":")[0] for e in result.errors] == ["Line 3", "Line 4", "Line 5", "Line 6"]
    assert "not-an-email" in result.errors[1]
    assert len(result.contacts) == 1


def test_a_file_with_bad_rows_imports_nothing_unless_staff_skip_them(client, alice):
    survey = make_survey(alice)
    client.force_login(alice)
    url = reverse("surveys:staff-distributions", args=[survey.pk])
    data = csv_bytes(["Ok,ok@example.net,,", "Bad,,,"])

    response = client.post(
        url,
        {
            "audience": "csv",
            "channel": "email",
            "max_reminders": 0,
            "csv_file": SimpleUploadedFile("list.csv", data, "text/csv"),
        },
    )
    assert response.status_code == 200
    assert "Line 3" in response.content.decode()
    assert not Distribution.objects.exists() and not Invitation.objects.exists()

    response = client.post(
        url,
        {
            "audience": "csv",
            "channel": "email",
            "max_reminders": 0,
            "skip_bad_rows": "on",
            "csv_file": SimpleUploadedFile("list.csv", data, "text/csv"),
        },
    )
    d = Distribution.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{d.pk}/")
    assert contacts_of(d) == ["ok@example.net"]
    assert d.parameters["bad_rows_skipped"] == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name,email,phone\nJosé,jose@example.net,\n".encode("latin-1"), "not UTF-8"),
        (b"name,mail\nA,a@example.net\n", "Missing column(s): email, phone"),
        (b"", "empty"),
        (b"name,email,phone\n", "no contacts"),
    ],
)
def test_unusable_files_get_a_clear_message(data, message):
    result = services.read_contacts_csv(data)
    assert message in result.problem
    assert not result.contacts


def test_a_100000_row_file_is_read_and_one_more_row_is_refused():
    body = io.StringIO()
    body.write("name,email,phone,language\n")
    for n in range(services.MAX_CSV_ROWS):
        body.write(f"P{n},p{n}@example.net,,\n")
    data = body.getvalue().encode()
    started = time.monotonic()
    result = services.read_contacts_csv(data)
    assert result.ok and len(result.contacts) == 100_000
    assert time.monotonic() - started < 20

    result = services.read_contacts_csv(data + b"Extra,extra@example.net,,\n")
    assert "more than 100,000" in result.problem and not result.contacts


# --- Sending in process ---------------------------------------------------------------------


def tokens_in(messages) -> list[str]:
    return [LINK.search(m.body).group(1) for m in messages]


def test_sending_gives_each_contact_one_message_whose_link_matches_the_stored_hash(run_all, alice):
    contacts = services.read_contacts_csv(
        csv_bytes([f"P{n},p{n}@example.net,," for n in range(7)])
    ).contacts
    d = distribute(make_survey(alice), alice, "csv", contacts=contacts)
    mail.outbox = []
    assert run_all(d) == Distribution.Status.DONE

    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"p{n}@example.net" for n in range(7))
    stored = set(d.invitations.values_list("token_hash", flat=True))
    assert {hash_token(t) for t in tokens_in(mail.outbox)} == stored
    # The token itself is nowhere but in the message.
    for token in tokens_in(mail.outbox):
        assert not Invitation.objects.filter(token_hash=token).exists()
    assert services.progress(d)["sent"] == 7


def test_running_twice_queues_one_message_per_contact(run_all, alice):
    contacts = services.read_contacts_csv(
        csv_bytes([f"P{n},p{n}@example.net,," for n in range(5)])
    ).contacts
    d = distribute(make_survey(alice), alice, "csv", contacts=contacts)
    mail.outbox = []
    run_all(d)
    Distribution.objects.filter(pk=d.pk).update(status=Distribution.Status.RUNNING)
    assert services.send_distribution(d.pk, batch_size=2) == "done"
    services.start_distribution(d)
    assert OutboxMessage.objects.filter(key__startswith="survey-invitation:").count() == 5
    assert len(mail.outbox) == 5


def test_sending_needs_an_open_survey(alice):
    survey = make_survey(alice)
    survey.status = Survey.Status.DRAFT
    survey.save()
    d = distribute(
        survey,
        alice,
        "csv",
        contacts=services.read_contacts_csv(csv_bytes(["A,a@example.net,,"])).contacts,
    )
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.start_distribution(d)
    assert Distribution.objects.get(pk=d.pk).status == Distribution.Status.DRAFT


def test_pause_stops_between_batches_and_resume_finishes(alice, monkeypatch, commits):
    contacts = services.read_contacts_csv(
        csv_bytes([f"P{n},p{n}@example.net,," for n in range(10)])
    ).contacts
    d = distribute(make_survey(alice), alice, "csv", contacts=contacts)
    Distribution.objects.filter(pk=d.pk).update(status=Distribution.Status.RUNNING)
    real = services.run_batch
    calls = []

    def pause_after_first(distribution, **kwargs):
        n = real(distribution, **kwargs)
        calls.append(n)
        if len(calls) == 1:
            services.pause_distribution(distribution)
        return n

    monkeypatch.setattr(services, "run_batch", pause_after_first)
    assert services.send_distribution(d.pk, batch_size=3) == "stopped"
    assert d.invitations.filter(status="queued").count() == 3
    monkeypatch.setattr(services, "run_batch", real)

    mail.outbox = []
    with commits():
        assert services.resume_distribution(d)
    d.refresh_from_db()
    assert d.status == Distribution.Status.DONE
    assert d.invitations.filter(status="queued").count() == 10


def test_cancel_marks_what_was_not_sent(alice):
    contacts = services.read_contacts_csv(
        csv_bytes(["A,a@example.net,,", "B,b@example.net,,"])
    ).contacts
    d = distribute(make_survey(alice), alice, "csv", contacts=contacts)
    assert services.cancel_distribution(d)
    assert not services.cancel_distribution(d)
    assert services.progress(d)["cancelled"] == 2
    assert not services.start_distribution(d)


# --- Reminders ------------------------------------------------------------------------------


def test_reminders_are_due_after_n_days_at_most_max_and_never_to_responders_or_opted_out(
    run_all, alice
):
    event = EventFactory(program=ProgramFactory(owner=alice))
    people = [resident() for _ in range(4)]
    for r in people:
        RegistrationFactory(event=event, resident=r)
    d = distribute(
        make_survey(alice),
        alice,
        Distribution.Audience.EVENT_REGISTRANTS,
        event=event.pk,
        reminder_after_days=3,
        max_reminders=2,
    )
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        run_all(d)
    responder, opted_out = people[0], people[1]
    Invitation.objects.filter(resident=responder).update(used=True)
    record_consent(resident=opted_out, channel="email", granted=False)

    with time_machine.travel(start + timedelta(days=2), tick=False):
        assert services.remind_non_responders() == 0
    mail.outbox = []
    with time_machine.travel(start + timedelta(days=3, minutes=1), tick=False):
        assert services.remind_non_responders() == 2
        assert services.remind_non_responders() == 0  # run twice: one reminder each
        send_pending()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in people[2:])
    old_hash = Invitation.objects.get(resident=people[2]).token_hash
    assert {hash_token(t) for t in tokens_in(mail.outbox)} == set(
        Invitation.objects.filter(resident__in=people[2:]).values_list("token_hash", flat=True)
    )
    with time_machine.travel(start + timedelta(days=6, minutes=2), tick=False):
        assert services.remind_non_responders() == 2
    with time_machine.travel(start + timedelta(days=30), tick=False):
        assert services.remind_non_responders() == 0  # max_reminders reached
    assert Invitation.objects.get(resident=people[2]).token_hash != old_hash
    assert OutboxMessage.objects.filter(key__startswith="survey-reminder:").count() == 4


# --- Real races on PostgreSQL --------------------------------------------------------------


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_four_runners_at_once_queue_each_invitation_once(alice, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")
    monkeypatch.setattr(services, "BATCH_SIZE", 5)
    contacts = services.read_contacts_csv(
        csv_bytes([f"P{i},p{i}@example.net,," for i in range(60)])
    ).contacts
    d = distribute(make_survey(alice), alice, "csv", contacts=contacts)
    Distribution.objects.filter(pk=d.pk).update(status=Distribution.Status.RUNNING)
    mail.outbox = []
    outcomes = []
    errors = run_at_once(4, lambda i: outcomes.append(services.send_distribution(d.pk)))
    assert errors == []
    assert "done" in outcomes
    assert Distribution.objects.get(pk=d.pk).status == Distribution.Status.DONE
    assert OutboxMessage.objects.filter(key__startswith="survey-invitation:").count() == 60
    assert sorted(m.to[0] for m in mail.outbox) == sorted(f"p{i}@example.net" for i in range(60))

    later = timezone.now() + timedelta(days=4)
    Distribution.objects.filter(pk=d.pk).update(reminder_after_days=3, max_reminders=1)
    reminded = []
    errors = run_at_once(4, lambda i: reminded.append(services.remind_non_responders(now=later)))
    assert errors == [] and sum(reminded) == 60
    assert OutboxMessage.objects.filter(key__startswith="survey-reminder:").count() == 60


# --- A real worker on Redis -----------------------------------------------------------------

worker_db = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def wait_until(condition, timeout=60):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the worker did not finish in time"
        time.sleep(0.2)


def invitation_emails():
    return [m for m in mail.outbox if LINK.search(m.body)]


@pytest.mark.celery_worker
@worker_db
def test_a_real_worker_sends_each_contact_exactly_one_invitation(celery_worker, alice, monkeypatch):
    monkeypatch.setattr(services, "BATCH_SIZE", 7)
    n = 40
    contacts = services.read_contacts_csv(
        csv_bytes([f"P{i},p{i}@example.net,," for i in range(n)])
    ).contacts
    d = distribute(make_survey(alice), alice, "csv", contacts=contacts)
    mail.outbox = []
    services.start_distribution(d)
    wait_until(
        lambda: len(invitation_emails()) >= n and Distribution.objects.get(pk=d.pk).status == "done"
    )
    time.sleep(0.5)
    assert sorted(m.to[0] for m in invitation_emails()) == sorted(
        f"p{i}@example.net" for i in range(n)
    )
    assert services.progress(Distribution.objects.get(pk=d.pk))["sent"] == n


@pytest.mark.celery_worker
@worker_db
def test_crash_mid_run_then_resume_still_sends_exactly_one_each(celery_worker, alice, monkeypatch):
    n, size = 30, 8
    monkeypatch.setattr(services, "BATCH_SIZE", size)
    contacts = services.read_contacts_csv(
        csv_bytes([f"P{i},p{i}@example.net,," for i in range(n)])
    ).contacts
    d = distribute(make_survey(alice), alice, "csv", contacts=contacts)
    real = services.build_message
    calls = []

    def die_in_second_batch(*args, **kwargs):
        calls.append(1)
        if len(calls) == size + 4:  # half-way through the second batch, inside its transaction
            raise RuntimeError("worker died mid-batch")
        return real(*args, **kwargs)

    monkeypatch.setattr(services, "build_message", die_in_second_batch)
    mail.outbox = []
    services.start_distribution(d)
    wait_until(lambda: len(calls) >= size + 4 and len(invitation_emails()) >= size)
    time.sleep(1)
    # The failed batch rolled back whole: its messages and tokens never existed.
    assert Distribution.objects.get(pk=d.pk).status == Distribution.Status.RUNNING
    assert Invitation.objects.filter(distribution=d, status="pending").count() == n - size
    assert OutboxMessage.objects.filter(key__startswith="survey-invitation:").count() == size

    services.resume_distribution(Distribution.objects.get(pk=d.pk))
    wait_until(
        lambda: Distribution.objects.get(pk=d.pk).status == "done" and len(invitation_emails()) >= n
    )
    time.sleep(0.5)
    recipients = sorted(m.to[0] for m in invitation_emails())
    assert recipients == sorted(f"p{i}@example.net" for i in range(n))
    assert OutboxMessage.objects.filter(key__startswith="survey-invitation:").count() == n


# --- Pages ----------------------------------------------------------------------------------


def test_managers_create_confirm_and_start_from_the_pages(client, alice, commits):
    event = EventFactory(program=ProgramFactory(owner=alice))
    RegistrationFactory(event=event, resident=resident(), status="attended")
    RegistrationFactory(event=event, resident=resident(), status="attended", is_sensitive=True)
    survey = make_survey(alice, program=event.program)
    client.force_login(alice)

    response = client.get(reverse("surveys:staff-distributions", args=[survey.pk]))
    assert response.status_code == 200
    assert event.title in response.content.decode()
    response = client.post(
        reverse("surveys:staff-distributions", args=[survey.pk]),
        {
            "audience": "event_attendees",
            "event": event.pk,
            "channel": "email",
            "reminder_after_days": 3,
            "max_reminders": 1,
        },
    )
    d = Distribution.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "1 person will be invited" in page and "1 sensitive contact" in page

    mail.outbox = []
    start = reverse("surveys:staff-distribution-action", args=[d.pk, "start"])
    with commits():
        assert client.post(start).status_code == 302
    d.refresh_from_db()
    assert d.status == Distribution.Status.DONE and len(mail.outbox) == 1
    page = client.get(reverse("surveys:staff-distribution", args=[d.pk]))
    assert page.status_code == 200 and "Refresh" in page.content.decode()


def test_the_progress_page_refreshes_itself_while_sending(client, alice):
    d = Distribution.objects.create(
        survey=make_survey(alice), audience="csv", created_by=alice, status="running"
    )
    client.force_login(alice)
    url = reverse("surveys:staff-distribution", args=[d.pk])
    assert client.get(url)["Refresh"] == "5"
    assert "Refresh" not in client.get(url + "?auto=off")


@pytest.mark.parametrize("persona", ["bob", "carol", "dave"])
def test_others_are_refused_before_anything_else(client, request, alice, persona):
    d = Distribution.objects.create(survey=make_survey(alice), audience="csv", created_by=alice)
    client.force_login(request.getfixturevalue(persona))
    for url in [
        reverse("surveys:staff-distributions", args=[d.survey.pk]),
        reverse("surveys:staff-distribution", args=[d.pk]),
        reverse("surveys:staff-distribution-action", args=[d.pk, "start"]),
        reverse("surveys:staff-distribution-action", args=[d.pk, "nonsense"]),
    ]:
        assert client.get(url).status_code == 403
        assert client.post(url).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, alice):
    d = Distribution.objects.create(survey=make_survey(alice), audience="csv", created_by=alice)
    response = client.get(reverse("surveys:staff-distribution", args=[d.pk]))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_actions_are_post_only_and_unknown_ones_404(client, alice):
    d = Distribution.objects.create(survey=make_survey(alice), audience="csv", created_by=alice)
    client.force_login(alice)
    assert (
        client.get(reverse("surveys:staff-distribution-action", args=[d.pk, "pause"])).status_code
        == 405
    )
    assert (
        client.post(
            reverse("surveys:staff-distribution-action", args=[d.pk, "explode"])
        ).status_code
        == 404
    )
    assert (
        client.post(reverse("surveys:staff-distribution-action", args=[d.pk, "pause"])).status_code
        == 302
    )
    assert Distribution.objects.get(pk=d.pk).status == Distribution.Status.DRAFT


def test_consent_rows_are_never_created_by_a_distribution(run_all, alice):
    before = Consent.objects.count()
    contacts = services.read_contacts_csv(csv_bytes(["A,a@example.net,,"])).contacts
    run_all(distribute(make_survey(alice), alice, "csv", contacts=contacts))
    assert Consent.objects.count() == before


@pytest.mark.parametrize("queued_first", [0, 1])
def test_a_discarded_or_cancelled_distribution_does_not_keep_its_people_out(
    alice, queued_first, commits
):
    """Issue 17, item 1: only invitations that went (or are on their way) count as
    "already invited"; those a discarded or cancelled distribution never sent do not."""
    event = EventFactory(program=ProgramFactory(owner=alice))
    people = [resident() for _ in range(3)]
    for person in people:
        RegistrationFactory(event=event, resident=person)
    survey = make_survey(alice)
    first = distribute(survey, alice, Distribution.Audience.EVENT_REGISTRANTS, event=event.pk)
    if queued_first:  # a running distribution, cancelled after its first invitation went
        Distribution.objects.filter(pk=first.pk).update(status=Distribution.Status.RUNNING)
        with commits():
            services.run_batch(first, size=queued_first)
    assert services.cancel_distribution(first)
    assert services.progress(first)["cancelled"] == 3 - queued_first

    again = distribute(survey, alice, Distribution.Audience.EVENT_REGISTRANTS, event=event.pk)
    assert again.invitations.count() == 3 - queued_first
    assert again.parameters["already_invited"] == queued_first
    with commits():
        services.start_distribution(again)
    queued = Invitation.objects.filter(survey=survey, status=Invitation.Status.QUEUED)
    assert queued.count() == 3
    assert sorted(queued.values_list("contact", flat=True)) == sorted(p.email for p in people)


def _queued_not_sent(alice, n=6):
    """A distribution whose invitations are all queued ('done') and none sent yet."""
    contacts = services.read_contacts_csv(
        csv_bytes([f"P{i},p{i}@example.net,," for i in range(n)])
    ).contacts
    d = distribute(make_survey(alice), alice, "csv", contacts=contacts)
    Distribution.objects.filter(pk=d.pk).update(status=Distribution.Status.RUNNING)
    assert services.send_distribution(d.pk) == "done"  # queued; the sender has not run
    d.refresh_from_db()
    return d


def test_pause_holds_what_was_queued_and_not_sent_and_resume_sends_it(alice, commits):
    """Issue 17, item 12: pause pauses what residents receive, not only the queueing."""
    from engagement_portal.messaging.services import send_pending

    d = _queued_not_sent(alice)
    assert services.progress(d)["sending"] == 6
    assert services.pause_distribution(d)
    assert d.status == Distribution.Status.PAUSED
    counts = services.progress(d)
    assert (counts["held"], counts["sending"]) == (6, 0)
    mail.outbox = []
    send_pending()
    assert mail.outbox == []  # held: the sender leaves them alone

    with commits():
        assert services.resume_distribution(d)
    send_pending()
    assert len(mail.outbox) == 6
    d.refresh_from_db()
    assert d.status == Distribution.Status.DONE
    assert services.progress(d)["sent"] == 6


def test_cancel_withdraws_what_was_queued_and_not_sent(alice):
    from engagement_portal.messaging.services import send_pending

    d = _queued_not_sent(alice)
    assert services.pause_distribution(d)
    assert services.cancel_distribution(d)
    mail.outbox = []
    send_pending()
    assert mail.outbox == []
    counts = services.progress(d)
    assert counts["cancelled"] == 6 and counts["sent"] == 0
    assert not OutboxMessage.objects.exclude(link_secrets="").exists()
    # Never sent, so not "already invited": a new distribution may invite them.
    again = distribute(d.survey, alice, "csv", contacts=contacts_from(d))
    assert again.invitations.count() == 6


def contacts_from(distribution):
    return services.contacts_from_rows(
        {"name": "", "email": email, "phone": "", "language": "en"}
        for email in contacts_of(distribution)
    )


def test_the_page_says_what_is_still_on_its_way_after_the_last_is_queued(client, alice):
    d = _queued_not_sent(alice, n=3)
    client.force_login(alice)
    page = client.get(reverse("surveys:staff-distribution", args=[d.pk]))
    text = page.content.decode()
    assert "All queued, still sending" in text
    assert "3 are still on their way" in text
    assert "Refresh" in page.headers and "pause" in text
