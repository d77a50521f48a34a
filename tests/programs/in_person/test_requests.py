"""Resident requests: a resident asks for a line-up, a briefing or a ride-out; staff accept
(creating the event), propose another time or decline; the resident follows it privately."""

from datetime import datetime, time, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from events.models import Event
from programs.in_person import services_requests as services
from programs.in_person.models import ResidentRequest
from programs.models import EngagementType
from tests.factories import ProgramFactory, ResidentRequestFactory, StaffUserFactory
from tests.mailbox import delivered

Status = ResidentRequest.Status


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def briefings(alice):
    """An active neighbourhood-briefing program that alice owns."""
    return ProgramFactory(
        title="Briefings",
        engagement_type=EngagementType.objects.get(slug="neighbourhood-briefings"),
        owner=alice,
    )


@pytest.fixture
def submitted(db, eastside):
    resident_request, token = services.submit_request(
        kind=ResidentRequest.Kind.BRIEFING,
        name="Rosa Diaz",
        email="rosa@example.net",
        neighbourhood=eastside,
        topic="Car break-ins",
        preferred_times=["Tuesday evening", "Saturday morning", ""],
        language="es",
    )
    return resident_request, token


def _times():
    """6 to 7 pm ten days from today. Staff type these times into a form: at this minute ten
    days on is ambiguous on some nights (from 01:30 on 22 October 2026 it is 01:30 on
    1 November, which happens twice), while 6 pm exists once on every day."""
    day = timezone.localdate() + timedelta(days=10)
    start = timezone.make_aware(datetime.combine(day, time(18)))
    return start, start + timedelta(hours=1)


def _form_data(**overrides):
    data = {
        "kind": "front_porch",
        "name": "Rosa Diaz",
        "email": "rosa@example.net",
        "phone": "",
        "neighbourhood": "",
        "address": "12 Elm Street",
        "topic": "",
        "details": "",
        "preferred_time_1": "Weekday evenings",
        "preferred_time_2": "",
        "preferred_time_3": "",
        "language": "en",
    }
    data.update(overrides)
    return data


# --- Submitting and the private status page -------------------------------------------


def test_submit_sends_essential_confirmation_with_the_status_link(submitted):
    resident_request, token = submitted

    message = OutboxMessage.objects.get()
    assert message.essential and message.language == "es"
    assert message.recipient == "rosa@example.net"
    assert reverse("requests:status", args=[token]) in delivered(message)
    assert resident_request.preferred_times() == ["Tuesday evening", "Saturday morning"]
    assert resident_request.token_hash != token


def test_public_form_submits_and_redirects_to_the_private_status_page(client, db):
    response = client.post(reverse("requests:form"), _form_data())

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    assert "12 Elm Street" in page.content.decode()
    assert ResidentRequest.objects.get().status == Status.SUBMITTED


def test_public_form_keeps_typed_values_when_input_is_bad(client, db):
    response = client.post(
        reverse("requests:form"), _form_data(address="", email="", name="Rosa Typed")
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Rosa Typed"' in page and 'value="Weekday evenings"' in page
    assert "Tell us where the line-up should be." in page
    assert not ResidentRequest.objects.exists()


def test_briefing_needs_a_topic(client, db):
    response = client.post(reverse("requests:form"), _form_data(kind="briefing", topic=""))

    assert response.status_code == 200
    assert not ResidentRequest.objects.exists()


def test_public_form_posts_are_rate_limited(client, db):
    url = reverse("requests:form")
    with time_machine.travel(timezone.now(), tick=False):
        for _n in range(10):
            client.post(url, _form_data(address=""))
        blocked = client.post(url, _form_data())
    assert blocked.status_code == 429


@pytest.mark.parametrize("token", ["not-a-valid-token", "x" * 100])
def test_bad_token_shows_a_friendly_404(client, db, token):
    response = client.get(reverse("requests:status", args=[token]))

    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_resident_withdraws_through_the_link_once(client, submitted):
    resident_request, token = submitted
    url = reverse("requests:status", args=[token])

    client.post(url, {"action": "withdraw"})
    client.post(url, {"action": "withdraw"})

    resident_request.refresh_from_db()
    assert resident_request.status == Status.WITHDRAWN
    with pytest.raises(ValidationError):
        services.accept_request(
            request=resident_request, program=None, start=None, end=None, user=None
        )


# --- Staff decisions ------------------------------------------------------------------


def test_accept_creates_exactly_one_event_and_twice_returns_it(submitted, briefings, alice):
    resident_request, _token = submitted
    start, end = _times()

    first = services.accept_request(
        request=resident_request, program=briefings, start=start, end=end, user=alice
    )
    second = services.accept_request(
        request=resident_request, program=briefings, start=start, end=end, user=alice
    )

    assert first == second
    assert Event.objects.count() == 1
    resident_request.refresh_from_db()
    assert resident_request.status == Status.ACCEPTED
    assert resident_request.created_event == first and resident_request.program == briefings
    assert first.neighbourhood == resident_request.neighbourhood
    assert OutboxMessage.objects.filter(key__endswith=":accepted", essential=True).count() == 1
    assert OutboxMessage.objects.get(key__endswith=":accepted").language == "es"


def test_accept_refuses_a_program_of_another_kind(submitted, alice):
    resident_request, _token = submitted
    start, end = _times()
    coffee = ProgramFactory(owner=alice)

    with pytest.raises(ValidationError):
        services.accept_request(
            request=resident_request, program=coffee, start=start, end=end, user=alice
        )
    assert not Event.objects.exists()


def test_propose_then_resident_agrees_then_staff_accept(client, submitted, briefings, alice):
    resident_request, token = submitted
    start, end = _times()

    services.propose_time(request=resident_request, start=start, message="Could we?", user=alice)
    services.propose_time(request=resident_request, start=start, message="Could we?", user=alice)
    assert OutboxMessage.objects.filter(key__contains=":proposed").count() == 1
    page = client.get(reverse("requests:status", args=[token])).content.decode()
    assert "Could we?" in page

    client.post(reverse("requests:status", args=[token]), {"action": "agree"})
    resident_request.refresh_from_db()
    assert resident_request.status == Status.TIME_AGREED

    event = services.accept_request(
        request=resident_request, program=briefings, start=start, end=end, user=alice
    )
    assert event.starts_at == start


def test_decline_requires_a_reason_and_happens_once(submitted, alice):
    resident_request, _token = submitted

    with pytest.raises(ValidationError):
        services.decline_request(request=resident_request, reason="  ", user=alice)
    services.decline_request(request=resident_request, reason="No officers free.", user=alice)
    services.decline_request(request=resident_request, reason="Other words", user=alice)

    resident_request.refresh_from_db()
    assert resident_request.status == Status.DECLINED
    assert resident_request.staff_reply == "No officers free."
    assert OutboxMessage.objects.filter(key__endswith=":declined").count() == 1


def test_accepted_request_cannot_be_withdrawn(submitted, briefings, alice):
    resident_request, _token = submitted
    start, end = _times()
    services.accept_request(
        request=resident_request, program=briefings, start=start, end=end, user=alice
    )

    with pytest.raises(ValidationError):
        services.withdraw_request(request=resident_request)


# --- Staff pages and permissions --------------------------------------------------------


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_staff_accepts_on_the_detail_page(client, submitted, briefings, alice):
    resident_request, _token = submitted
    start, end = _times()
    client.force_login(alice)
    url = reverse("requests:staff-detail", args=[resident_request.pk])

    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "action": "accept",
            "accept-program": briefings.pk,
            "accept-start": _local(start),
            "accept-end": _local(end),
        },
    )

    assert response.status_code == 302
    assert Event.objects.get().program == briefings


def test_accepting_needs_managing_the_program(client, submitted, briefings, bob):
    resident_request, _token = submitted
    start, end = _times()
    # bob runs briefings too, so the request reaches him; alice's program is not his to fill.
    ProgramFactory(engagement_type=briefings.engagement_type, owner=bob)
    client.force_login(bob)

    response = client.post(
        reverse("requests:staff-detail", args=[resident_request.pk]),
        {
            "action": "accept",
            "accept-program": briefings.pk,
            "accept-start": _local(start),
            "accept-end": _local(end),
        },
    )

    assert response.status_code == 200
    assert not Event.objects.exists()


def test_staff_decline_without_reason_shows_an_error(client, submitted, briefings, alice):
    resident_request, _token = submitted
    client.force_login(alice)

    response = client.post(
        reverse("requests:staff-detail", args=[resident_request.pk]),
        {"action": "decline", "decline-reason": ""},
    )

    assert response.status_code == 200
    resident_request.refresh_from_db()
    assert resident_request.status == Status.SUBMITTED


def test_queue_filters_by_kind_and_status(client, briefings, alice):
    ProgramFactory(engagement_type=EngagementType.objects.get(slug="ride-outs"), owner=alice)
    ResidentRequestFactory(kind="briefing", topic="Scams")
    ResidentRequestFactory(kind="ride_out", topic="Night shift")
    ResidentRequestFactory(kind="briefing", topic="Old one", status=Status.DECLINED)
    client.force_login(alice)
    url = reverse("requests:staff-list")

    open_briefings = client.get(url, {"kind": "briefing"}).content.decode()
    declined = client.get(url, {"status": "declined"}).content.decode()

    assert "Scams" in open_briefings and "Night shift" not in open_briefings
    assert "Old one" not in open_briefings
    assert "Old one" in declined and "Scams" not in declined


@pytest.mark.parametrize("persona", ["anonymous", "dave", "carol"])
def test_staff_pages_refuse_residents_anonymous_and_command_staff(
    persona, request, client, submitted
):
    resident_request, _token = submitted
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    detail = reverse("requests:staff-detail", args=[resident_request.pk])
    for response in (
        client.get(reverse("requests:staff-list")),
        client.get(detail),
        client.post(detail, {"action": "decline", "decline-reason": "x"}),
        client.delete(detail),
    ):
        if persona == "anonymous":
            assert response.status_code == 302
            assert response["Location"].startswith(reverse("login"))
        else:
            assert response.status_code == 403
    resident_request.refresh_from_db()
    assert resident_request.status == Status.SUBMITTED


def test_home_page_links_to_the_request_form(client, db):
    assert reverse("requests:form") in client.get(reverse("core:home")).content.decode()


# --- Need to know: requests reach the staff they are routed to, and every look is logged --


def _detail(resident_request):
    return reverse("requests:staff-detail", args=[resident_request.pk])


def test_staff_who_run_no_program_of_its_kind_cannot_read_the_request(
    client, submitted, briefings, bob
):
    resident_request, _token = submitted
    # bob runs a program, just not one that takes briefing requests.
    ProgramFactory(engagement_type=EngagementType.objects.get(slug="ride-outs"), owner=bob)
    client.force_login(bob)

    listed = client.get(reverse("requests:staff-list"), {"status": "all"})
    detail = client.get(_detail(resident_request))
    declined = client.post(
        _detail(resident_request), {"action": "decline", "decline-reason": "Not ours"}
    )

    assert listed.status_code == 200
    assert "Rosa Diaz" not in listed.content.decode()
    assert "rosa@example.net" not in listed.content.decode()
    assert detail.status_code == 403 and declined.status_code == 403
    resident_request.refresh_from_db()
    assert resident_request.status == Status.SUBMITTED


def test_the_unit_of_the_program_owner_reads_the_request(client, submitted, briefings, alice):
    resident_request, _token = submitted
    colleague = StaffUserFactory(unit=alice.unit)
    client.force_login(colleague)

    assert client.get(_detail(resident_request)).status_code == 200
    assert "Rosa Diaz" in client.get(reverse("requests:staff-list")).content.decode()


def test_staff_without_a_unit_are_not_everyone_elses_unit(client, submitted, db):
    resident_request, _token = submitted
    loner, other = StaffUserFactory(unit=None), StaffUserFactory(unit=None)
    ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="neighbourhood-briefings"), owner=other
    )
    client.force_login(loner)

    assert client.get(_detail(resident_request)).status_code == 403


def test_an_accepted_request_belongs_to_the_program_it_became(
    client, submitted, briefings, alice, bob
):
    resident_request, _token = submitted
    ProgramFactory(engagement_type=briefings.engagement_type, owner=bob)
    client.force_login(bob)
    assert client.get(_detail(resident_request)).status_code == 200  # routed to both

    start, end = _times()
    services.accept_request(
        request=resident_request, program=briefings, start=start, end=end, message="", user=alice
    )

    assert client.get(_detail(resident_request)).status_code == 403
    client.force_login(alice)
    assert client.get(_detail(resident_request)).status_code == 200


def test_administrators_read_every_request(client, submitted, root):
    resident_request, _token = submitted
    client.force_login(root)

    assert client.get(_detail(resident_request)).status_code == 200
    assert "Rosa Diaz" in client.get(reverse("requests:staff-list")).content.decode()


def test_each_view_of_a_request_is_audit_logged_with_the_resident(
    client, submitted, briefings, alice
):
    resident_request, _token = submitted
    client.force_login(alice)

    client.get(_detail(resident_request))
    client.get(_detail(resident_request))
    client.get(reverse("requests:staff-list"))

    views = AuditLog.objects.filter(actor=alice, action="personal_data.view")
    detail_views = views.filter(details__page="requests:staff-detail")
    assert detail_views.count() == 2
    for entry in detail_views:
        assert list(entry.residents.all()) == [resident_request.resident]
        assert entry.target == f"in_person.residentrequest {resident_request.pk}"
    listed = views.get(details__page="requests:staff-list")
    assert list(listed.residents.all()) == [resident_request.resident]
    assert listed.details["requests"] == [resident_request.pk]


def test_audit_rows_hold_no_copy_of_the_request(client, submitted, briefings, alice):
    """A reader of the audit table learns who looked at whom, not the address or the topic."""
    resident_request, _token = submitted
    ResidentRequest.objects.filter(pk=resident_request.pk).update(address="12 Elm Street")
    client.force_login(alice)
    client.get(_detail(resident_request))
    client.get(reverse("requests:staff-list"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_auditlog")
        rows = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    assert rows
    for text in ["Rosa", "rosa@example.net", "12 Elm Street", "Car break-ins", "Tuesday"]:
        assert text not in rows, text
