"""Issue 17, item 2: every resident request reaches someone.

A briefing or ride-out request used to reach only the staff of an active program of its
kind; with none running, nobody could accept it and it waited for good, even after the
resident agreed to a time. Now administrators name a unit or staff for each kind of request,
those people see and answer it, and the requests that still reach nobody are shown to the
administrators.
"""

from datetime import datetime, time, timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from events.models import Event
from programs.in_person import services_requests as services
from programs.in_person.models import RequestRoute, ResidentRequest
from programs.models import EngagementType
from tests.factories import ProgramFactory, StaffUserFactory, UnitFactory

Status = ResidentRequest.Status
pytestmark = pytest.mark.as_of("2026-12-07T10:00")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def ride_out(db, eastside):
    resident_request, token = services.submit_request(
        kind=ResidentRequest.Kind.RIDE_OUT,
        name="Rosa Diaz",
        email="rosa@example.net",
        neighbourhood=eastside,
        preferred_times=["A weekday evening"],
        language="en",
    )
    return resident_request, token


def _ride_outs():
    return EngagementType.objects.get(slug="ride-outs")


def _detail(resident_request):
    return reverse("requests:staff-detail", args=[resident_request.pk])


def _local(value):
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def _evening(days=10):
    day = timezone.localdate() + timedelta(days=days)
    start = timezone.make_aware(datetime.combine(day, time(18)))
    return start, start + timedelta(hours=2)


def test_a_request_nobody_handles_is_shown_to_the_administrators(client, ride_out, root, bob):
    resident_request, _token = ride_out

    client.force_login(bob)
    assert client.get(_detail(resident_request)).status_code == 403

    client.force_login(root)
    home = client.get(reverse("core:admin-home")).content.decode()
    assert "1 resident request reaches nobody" in home
    listed = client.get(reverse("requests:staff-list"), {"reach": "nobody"}).content.decode()
    assert "1 open request reaches nobody but the administrators" in listed
    assert "Rosa Diaz" in listed
    assert reverse("admin:in_person_requestroute_changelist") in listed


def test_a_named_unit_sees_answers_and_after_the_resident_agrees_accepts_the_request(
    client, ride_out, root
):
    resident_request, token = ride_out
    patrol = UnitFactory(name="Patrol East")
    sergeant = StaffUserFactory(full_name="Sam Sergeant", unit=patrol)
    RequestRoute.objects.create(kind=ResidentRequest.Kind.RIDE_OUT, unit=patrol)

    client.force_login(root)
    assert "reaches nobody" not in client.get(reverse("core:admin-home")).content.decode()

    client.force_login(sergeant)
    home = client.get(reverse("core:staff-home")).content.decode()
    assert "1 resident request to answer" in home
    assert "Rosa Diaz" in client.get(reverse("requests:staff-list")).content.decode()
    page = client.get(_detail(resident_request)).content.decode()
    assert "No program of this kind is active" in page

    # No program yet: the sergeant proposes a time, and the resident agrees to it.
    start, end = _evening()
    client.post(
        _detail(resident_request),
        {"action": "propose", "propose-start": _local(start), "propose-message": "Friday?"},
    )
    client.post(reverse("requests:status", args=[token]), {"action": "agree"})
    resident_request.refresh_from_db()
    assert resident_request.status == Status.TIME_AGREED

    # A ride-out program starts, run by someone else; the named unit may fill it.
    ride_outs = ProgramFactory(title="Ride-outs", engagement_type=_ride_outs())
    page = client.get(_detail(resident_request)).content.decode()
    assert "Accept and create the event" in page and 'value="' + _local(start) in page
    response = client.post(
        _detail(resident_request),
        {
            "action": "accept",
            "accept-program": ride_outs.pk,
            "accept-start": _local(start),
            "accept-end": _local(end),
        },
    )

    assert response.status_code == 302
    resident_request.refresh_from_db()
    assert resident_request.status == Status.ACCEPTED
    assert Event.objects.get().program == ride_outs
    # Whoever handled it still finds it, though the program is not theirs.
    assert client.get(_detail(resident_request)).status_code == 200


def test_named_staff_may_accept_into_any_active_program_of_the_kind(client, ride_out, bob):
    resident_request, _token = ride_out
    ride_outs = ProgramFactory(title="Ride-outs", engagement_type=_ride_outs())
    route = RequestRoute.objects.create(kind=ResidentRequest.Kind.RIDE_OUT)
    route.handlers.add(bob)
    start, end = _evening()
    client.force_login(bob)

    response = client.post(
        _detail(resident_request),
        {
            "action": "accept",
            "accept-program": ride_outs.pk,
            "accept-start": _local(start),
            "accept-end": _local(end),
        },
    )

    assert response.status_code == 302
    assert Event.objects.get().program == ride_outs


def test_a_colleague_who_cannot_accept_is_told_whom_to_ask(client, ride_out, alice):
    resident_request, _token = ride_out
    ProgramFactory(title="Ride-outs", engagement_type=_ride_outs(), owner=alice)
    colleague = StaffUserFactory(unit=alice.unit)  # the owner's unit reads the request
    client.force_login(colleague)

    page = client.get(_detail(resident_request)).content.decode()

    assert "Ask the staff who do" in page and "Ride-outs" in page and "Alice Adams" in page


def test_a_route_whose_unit_is_empty_still_leaves_the_request_with_the_administrators(
    client, ride_out, root
):
    RequestRoute.objects.create(kind=ResidentRequest.Kind.RIDE_OUT, unit=UnitFactory())
    client.force_login(root)

    assert (
        "1 resident request reaches nobody"
        in client.get(reverse("core:admin-home")).content.decode()
    )
