"""Cohort pages: who may open them, bad input kept as typed, the attendance sheet, closing,
invitations, the certificate in the participant's language, and bounded queries."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from programs.structured.models_applications import Application
from programs.structured.models_cohorts import AlumniInvitation, Attendance, Cohort, CohortMember
from tests.factories import (
    ApplicationFactory,
    AttendanceFactory,
    CohortFactory,
    CohortMemberFactory,
    CohortSessionFactory,
    EventFactory,
    ResidentFactory,
)

from . import test_cohorts as base

# The fixtures of the service tests, shared here.
academy, cohort, volunteers = base.academy, base.cohort, base.volunteers
attend, session = base.attend, base.session

Status = CohortMember.Status


def _pages(cohort, held):
    return {
        "create": reverse("cohorts:staff-create", args=[cohort.program_id]),
        "detail": reverse("cohorts:staff-detail", args=[cohort.pk]),
        "sessions": reverse("cohorts:staff-sessions", args=[cohort.pk]),
        "members": reverse("cohorts:staff-members", args=[cohort.pk]),
        "attendance": reverse("cohorts:staff-attendance", args=[cohort.pk, held.pk]),
        "invite": reverse("cohorts:staff-invite", args=[cohort.pk]),
        "readiness": reverse("cohorts:staff-readiness", args=[cohort.program_id]),
    }


# --- Who may open the pages ---------------------------------------------------------------


@pytest.mark.parametrize("persona", ["bob", "carol", "dave"])
def test_staff_pages_refuse_everyone_but_the_programs_staff(client, cohort, persona, request):
    held = session(cohort, days=-1)
    member = CohortMemberFactory(cohort=cohort)
    client.force_login(request.getfixturevalue(persona))
    for name, url in _pages(cohort, held).items():
        assert client.get(url).status_code == 403, name
        assert client.post(url, {"action": "add", "name": "X"}).status_code == 403, name
    close = reverse("cohorts:staff-close", args=[cohort.pk])
    assert client.post(close).status_code == 403
    post = {"present": [member.resident_id]}
    assert client.post(_pages(cohort, held)["attendance"], post).status_code == 403
    cohort.refresh_from_db()
    assert cohort.closed_at is None and not Attendance.objects.exists()
    assert Cohort.objects.count() == 1


def test_staff_pages_send_anonymous_visitors_to_log_in(client, cohort):
    held = session(cohort, days=-1)
    for name, url in _pages(cohort, held).items():
        response = client.get(url)
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


def test_team_members_and_administrators_get_in(client, cohort, bob, root):
    held = session(cohort, days=-1)
    cohort.program.team.add(bob)
    for user in (bob, root):
        client.force_login(user)
        for name, url in _pages(cohort, held).items():
            assert client.get(url).status_code == 200, (user, name)


def test_close_is_post_only(client, cohort, alice):
    client.force_login(alice)
    assert client.get(reverse("cohorts:staff-close", args=[cohort.pk])).status_code == 405


# --- Creating a cohort -------------------------------------------------------------------


def test_create_a_cohort(client, academy, alice):
    client.force_login(alice)
    url = reverse("cohorts:staff-create", args=[academy.pk])
    assert 'value="80"' in client.get(url).content.decode()
    response = client.post(url, {"name": "Spring 2026", "completion_percent": "75"})
    cohort = Cohort.objects.get()
    assert response["Location"] == reverse("cohorts:staff-detail", args=[cohort.pk])
    assert (cohort.name, cohort.completion_percent, cohort.program) == ("Spring 2026", 75, academy)


def test_create_keeps_what_was_typed_when_the_percent_is_wrong(client, academy, alice):
    client.force_login(alice)
    url = reverse("cohorts:staff-create", args=[academy.pk])
    response = client.post(url, {"name": "Spring 2026", "completion_percent": "150"})
    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="Spring 2026"' in text and 'value="150"' in text
    assert "less than or equal to 100" in text
    response = client.post(url, {"name": "", "completion_percent": "abc"})
    assert response.status_code == 200
    assert not Cohort.objects.exists()


# --- The cohort page ----------------------------------------------------------------------


def test_detail_shows_sessions_members_and_the_rule(client, cohort, alice):
    held = [session(cohort, days=-14), session(cohort, days=-7)]
    session(cohort, days=7)
    rosa = CohortMemberFactory(cohort=cohort, resident=ResidentFactory(name="Rosa Diaz"))
    attend(rosa, held[:1])
    client.force_login(alice)
    text = client.get(reverse("cohorts:staff-detail", args=[cohort.pk])).content.decode()
    assert "at least 80 % of the sessions held" in text
    assert "2 of 3 sessions held so far." in text
    assert "Rosa Diaz" in text and "1 / 2" in text and "50 %" in text
    assert "below the rule" in text
    assert reverse("cohorts:staff-attendance", args=[cohort.pk, held[1].pk]) in text
    assert "1 session held has no attendance recorded yet." in text
    assert reverse("cohorts:staff-close", args=[cohort.pk]) in text


def test_detail_links_certificates_of_completed_members(client, cohort, alice):
    done = CohortMemberFactory(cohort=cohort, status=Status.COMPLETED)
    active = CohortMemberFactory(cohort=cohort)
    client.force_login(alice)
    text = client.get(reverse("cohorts:staff-detail", args=[cohort.pk])).content.decode()
    assert reverse("cohorts:certificate", args=[done.certificate_id]) in text
    assert reverse("cohorts:certificate", args=[active.certificate_id]) not in text


def test_detail_queries_are_bounded(client, cohort, alice, django_assert_max_num_queries):
    sessions = [session(cohort, days=-7 * (i + 1)) for i in range(10)]
    members = [CohortMemberFactory(cohort=cohort) for _ in range(30)]
    Attendance.objects.bulk_create(
        Attendance(event=event, resident=member.resident, present=True)
        for event in sessions
        for member in members
    )
    client.force_login(alice)
    url = reverse("cohorts:staff-detail", args=[cohort.pk])
    # +2: the audit log entry for this view and its links to the members shown.
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count("10 / 10") == 30


# --- Sessions -----------------------------------------------------------------------------


def _run(**overrides):
    data = {
        "action": "run",
        "run-start": "2030-02-24T18:00",
        "run-duration_minutes": "180",
        "run-count": "8",
        "run-every_weeks": "1",
        "run-title": "",
        "run-venue_name": "Training center",
        "run-address": "100 Main St",
    }
    data.update(overrides)
    return data


def test_add_a_run_of_sessions_through_the_page(client, cohort, alice):
    client.force_login(alice)
    url = reverse("cohorts:staff-sessions", args=[cohort.pk])
    response = client.post(url, _run())
    assert response["Location"] == reverse("cohorts:staff-detail", args=[cohort.pk])
    starts = [
        timezone.localtime(e.starts_at)
        for e in Event.objects.filter(cohort_session__cohort=cohort).order_by("pk")
    ]
    assert len(starts) == 8
    assert {(s.hour, s.minute) for s in starts} == {(18, 0)}
    assert starts[0].tzinfo is not None
    assert starts[0] == datetime(2030, 2, 24, 18, 0, tzinfo=ZoneInfo("America/Chicago"))


def test_add_one_session_through_the_page(client, cohort, alice):
    client.force_login(alice)
    url = reverse("cohorts:staff-sessions", args=[cohort.pk])
    response = client.post(
        url,
        {
            "action": "single",
            "single-start": "2030-03-01T09:00",
            "single-duration_minutes": "60",
            "single-title": "Graduation",
            "single-venue_name": "",
            "single-address": "1 City Hall Sq",
        },
    )
    assert response.status_code == 302
    event = Event.objects.get(cohort_session__cohort=cohort)
    assert event.title == "Graduation — session 1"
    assert event.visibility == Event.Visibility.UNLISTED


def test_bad_session_input_keeps_what_was_typed(client, cohort, alice):
    client.force_login(alice)
    url = reverse("cohorts:staff-sessions", args=[cohort.pk])
    response = client.post(
        url,
        _run(**{"run-count": "0", "run-venue_name": "", "run-address": "", "run-title": "Week"}),
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "greater than or equal to 2" in text
    assert "Give a place or an address." in text
    assert 'value="Week"' in text and 'value="2030-02-24T18:00"' in text
    response = client.post(url, _run(**{"run-start": "next tuesday"}))
    assert response.status_code == 200
    assert 'value="next tuesday"' in response.content.decode()
    assert not Event.objects.exists()


# --- Members ------------------------------------------------------------------------------


def test_add_accepted_applicants_through_the_page(client, cohort, academy, alice):
    rosa = ApplicationFactory(
        program=academy,
        status=Application.Status.ACCEPTED,
        language="es",
        resident=ResidentFactory(name="Rosa Diaz"),
    )
    ApplicationFactory(program=academy, status=Application.Status.SUBMITTED)
    client.force_login(alice)
    url = reverse("cohorts:staff-members", args=[cohort.pk])
    text = client.get(url).content.decode()
    assert "Rosa Diaz (Spanish)" in text
    response = client.post(url, {"action": "applicants", "app-applications": [rosa.pk]})
    assert response.status_code == 302
    member = CohortMember.objects.get()
    assert member.application == rosa and member.language == "es"
    # Nobody is left to add; posting nothing is an error, not a crash.
    response = client.post(url, {"action": "applicants"})
    assert response.status_code == 200


def test_add_by_hand_keeps_what_was_typed_when_the_phone_is_bad(client, cohort, alice):
    client.force_login(alice)
    url = reverse("cohorts:staff-members", args=[cohort.pk])
    response = client.post(
        url,
        {
            "action": "add",
            "add-name": "Lena Ortiz",
            "add-email": "",
            "add-phone": "12",
            "add-language": "es",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "does not look like a phone number" in text
    assert 'value="Lena Ortiz"' in text and 'value="12"' in text
    assert not CohortMember.objects.exists()
    response = client.post(
        url,
        {
            "action": "add",
            "add-name": "Lena Ortiz",
            "add-email": "lena@example.net",
            "add-phone": "",
            "add-language": "es",
        },
    )
    assert response.status_code == 302
    member = CohortMember.objects.get()
    assert member.resident.name == "Lena Ortiz" and member.language == "es"


def test_member_actions(client, cohort, alice):
    member = CohortMemberFactory(cohort=cohort)
    client.force_login(alice)
    url = reverse("cohorts:staff-members", args=[cohort.pk])
    client.post(url, {"action": "member", "member": member.pk, "do": "left"})
    member.refresh_from_db()
    assert member.status == Status.LEFT
    client.post(url, {"action": "member", "member": member.pk, "do": "restore"})
    member.refresh_from_db()
    assert member.status == Status.ACTIVE
    attend(member, [session(cohort, days=-1)])
    response = client.post(
        url, {"action": "member", "member": member.pk, "do": "remove"}, follow=True
    )
    assert "mark them as left instead" in response.content.decode()
    assert CohortMember.objects.filter(pk=member.pk).exists()
    assert client.post(url, {"action": "member", "member": "x", "do": "nope"}).status_code == 302
    other = CohortMemberFactory()
    response = client.post(url, {"action": "member", "member": other.pk, "do": "left"})
    assert response.status_code == 404


# --- Attendance ---------------------------------------------------------------------------


def test_attendance_sheet_records_and_is_idempotent(client, cohort, alice):
    held = session(cohort, days=-1)
    ana = CohortMemberFactory(cohort=cohort, resident=ResidentFactory(name="Ana"))
    ben = CohortMemberFactory(cohort=cohort, resident=ResidentFactory(name="Ben"))
    client.force_login(alice)
    url = reverse("cohorts:staff-attendance", args=[cohort.pk, held.pk])
    text = client.get(url).content.decode()
    assert "Ana" in text and "Ben" in text and "Mark all present" in text
    for _ in range(2):
        response = client.post(url, {"present": [ana.resident_id]})
        assert response.status_code == 302
    rows = dict(Attendance.objects.values_list("resident_id", "present"))
    assert rows == {ana.resident_id: True, ben.resident_id: False}
    # The saved state shows ticked; "mark all present" ticks everyone without saving.
    text = client.get(url).content.decode()
    assert text.count(" checked>") == 1
    assert client.get(url + "?all=1").content.decode().count(" checked>") == 2
    assert Attendance.objects.filter(present=True).count() == 1


def test_attendance_for_a_future_session_is_refused_clearly(client, cohort, alice):
    upcoming = session(cohort, days=2)
    member = CohortMemberFactory(cohort=cohort)
    client.force_login(alice)
    url = reverse("cohorts:staff-attendance", args=[cohort.pk, upcoming.pk])
    text = client.get(url).content.decode()
    assert "has not started yet" in text and "Save attendance" not in text
    response = client.post(url, {"present": [member.resident_id]}, follow=True)
    assert "has not started yet" in response.content.decode()
    assert not Attendance.objects.exists()


def test_attendance_for_a_session_of_another_cohort_is_a_404(client, cohort, academy, alice):
    other = session(CohortFactory(program=academy), days=-1)
    plain_event = EventFactory(program=academy, starts_at=timezone.now() - timedelta(days=1))
    client.force_login(alice)
    for event in (other, plain_event):
        url = reverse("cohorts:staff-attendance", args=[cohort.pk, event.pk])
        assert client.get(url).status_code == 404
        assert client.post(url, {"present": []}).status_code == 404


def test_attendance_ignores_tampered_ids(client, cohort, alice):
    held = session(cohort, days=-1)
    CohortMemberFactory(cohort=cohort)
    client.force_login(alice)
    url = reverse("cohorts:staff-attendance", args=[cohort.pk, held.pk])
    response = client.post(url, {"present": ["999999", "abc"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Attendance.objects.exists()


# --- Closing ------------------------------------------------------------------------------


def test_close_through_the_page(client, cohort, alice):
    held = [session(cohort, days=-14), session(cohort, days=-7)]
    member = CohortMemberFactory(cohort=cohort)
    attend(member, held)
    client.force_login(alice)
    url = reverse("cohorts:staff-close", args=[cohort.pk])
    response = client.post(url, follow=True)
    assert "1 completed, 0 did not" in response.content.decode()
    member.refresh_from_db()
    assert member.status == Status.COMPLETED
    response = client.post(url, follow=True)
    assert "already closed" in response.content.decode()


def test_the_page_warns_of_sessions_ahead_and_closes_only_when_confirmed(client, cohort, alice):
    held = [session(cohort, days=-7)]
    ahead = session(cohort, days=7)
    attend(CohortMemberFactory(cohort=cohort), held)
    client.force_login(alice)
    page = client.get(reverse("cohorts:staff-detail", args=[cohort.pk])).content.decode()
    assert "1 session is still ahead:" in page and ahead.title in page
    assert 'name="early"' in page
    url = reverse("cohorts:staff-close", args=[cohort.pk])
    refused = client.post(url, follow=True).content.decode()
    assert "Not closed:" in refused and ahead.title in refused
    cohort.refresh_from_db()
    assert cohort.closed_at is None
    closed = client.post(url, {"early": "yes"}, follow=True).content.decode()
    assert "1 completed, 0 did not" in closed
    cohort.refresh_from_db()
    assert cohort.closed_at is not None


def test_close_before_any_session_explains(client, cohort, alice):
    session(cohort, days=3)
    client.force_login(alice)
    response = client.post(reverse("cohorts:staff-close", args=[cohort.pk]), follow=True)
    assert "No session of this cohort has been held yet" in response.content.decode()


# --- Alumni invitations -------------------------------------------------------------------


def test_invite_alumni_through_the_page(client, cohort, volunteers, alice):
    CohortMemberFactory(cohort=cohort, status=Status.COMPLETED)
    client.force_login(alice)
    url = reverse("cohorts:staff-invite", args=[cohort.pk])
    text = client.get(url).content.decode()
    assert "Volunteers in Police Service" in text
    response = client.post(url, {"program": volunteers.pk}, follow=True)
    text = response.content.decode()
    assert "1 member invited." in text
    assert AlumniInvitation.objects.count() == 1
    response = client.post(url, {"program": volunteers.pk}, follow=True)
    text = response.content.decode()
    assert "0 members invited. 1 had already been invited to that program." in text
    assert AlumniInvitation.objects.count() == 1


def test_invite_refuses_a_program_not_on_the_list(client, cohort, academy, alice):
    CohortMemberFactory(cohort=cohort, status=Status.COMPLETED)
    client.force_login(alice)
    url = reverse("cohorts:staff-invite", args=[cohort.pk])
    response = client.post(url, {"program": academy.pk})
    assert response.status_code == 200
    assert not AlumniInvitation.objects.exists()


# --- The certificate ----------------------------------------------------------------------


@pytest.fixture
def spanish_graduate(cohort, alice):
    from programs.structured import services_cohorts

    chicago = ZoneInfo("America/Chicago")
    starts = [datetime(2025, 3, 4, 18, 0, tzinfo=chicago) + timedelta(weeks=i) for i in range(5)]
    sessions = [
        CohortSessionFactory(
            cohort=cohort, event__starts_at=s, event__ends_at=s + timedelta(hours=3)
        ).event
        for s in starts
    ]
    member = CohortMemberFactory(
        cohort=cohort, language="es", resident=ResidentFactory(name="Rosa Díaz")
    )
    for event in sessions[1:]:  # 4 of 5: exactly 80 %
        AttendanceFactory(event=event, resident=member.resident)
    services_cohorts.close_cohort(cohort=cohort, user=alice, early=True)
    member.refresh_from_db()
    return member


def test_certificate_is_in_the_members_language_whatever_the_browser(client, spanish_graduate):
    url = reverse("cohorts:certificate", args=[spanish_graduate.certificate_id])
    response = client.get(url, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    text = response.content.decode()
    assert '<html lang="es"' in text
    assert "Saltar al contenido principal" in text  # base.html's skip link, in Spanish
    assert "4 de marzo de 2025" in text and "1 de abril de 2025" in text
    assert "Rosa Díaz" in text and "Citizen Police Academy" in text
    assert spanish_graduate.certificate_id in text
    assert "Riverside Police Department" in text
    assert "css/print.css" in text and "js/print.js" in text
    # The visitor's own language is not changed by looking at it.
    assert '<html lang="en"' in client.get(reverse("core:home")).content.decode()


def test_certificate_in_english_for_an_english_member(client, cohort, alice):
    held = session(cohort, days=-3)
    member = CohortMemberFactory(cohort=cohort, language="en")
    attend(member, [held])
    from programs.structured import services_cohorts

    services_cohorts.close_cohort(cohort=cohort, user=alice, early=True)
    client.cookies["django_language"] = "es"
    response = client.get(reverse("cohorts:certificate", args=[member.certificate_id]))
    text = response.content.decode()
    assert '<html lang="en"' in text
    assert "Certificate of completion" in text and "Attended 1 of 1 session" in text


def test_certificate_is_a_404_unless_completed(client, cohort):
    for status in (Status.ACTIVE, Status.NOT_COMPLETED, Status.LEFT):
        member = CohortMemberFactory(cohort=cohort, status=status)
        url = reverse("cohorts:certificate", args=[member.certificate_id])
        assert client.get(url).status_code == 404
    assert client.get(reverse("cohorts:certificate", args=["no-such-id"])).status_code == 404
    assert client.get(reverse("cohorts:certificate", args=["x" * 200])).status_code == 404


@pytest.mark.parametrize("page", ["members", "attendance"])
def test_member_lists_have_bounded_queries(
    client, cohort, academy, alice, page, django_assert_max_num_queries
):
    held = session(cohort, days=-1)
    members = [CohortMemberFactory(cohort=cohort) for _ in range(30)]
    attend(members[0], [held])
    for _ in range(10):
        ApplicationFactory(program=academy, status=Application.Status.ACCEPTED)
    client.force_login(alice)
    url = _pages(cohort, held)[page]
    # +2: the audit log entry for this view and its links to the members shown.
    with django_assert_max_num_queries(10):
        response = client.get(url)
    assert response.status_code == 200
