"""Volunteers, pages: who may open them, what they show, bad and fuzzed input (kept, never a
500), bounded queries on the roster, and the volunteer's private page."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from engagement_portal.messaging.models import OutboxMessage
from programs.structured import services_volunteers as services
from programs.structured.models_applications import Application
from programs.structured.models_volunteers import (
    Certification,
    HoursEntry,
    ShiftSignup,
    Training,
    Volunteer,
    VolunteerRole,
)
from tests.factories import (
    ApplicationFactory,
    CertificationFactory,
    HoursEntryFactory,
    ProgramFactory,
    ResidentFactory,
    ShiftFactory,
    TrainingFactory,
)

from .test_volunteers import at, build_world, future_shift, make_volunteer

pytestmark = pytest.mark.django_db

Status = HoursEntry.Status


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(alice):
    return build_world(alice)


@pytest.fixture
def staff(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def vera_link(world, client, settings):
    """Vera's private page, with a token the test knows, seen in English (her own language
    is Spanish; the language switcher's choice wins over it)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    token = services.send_new_link(volunteer=world.vera, user=None)
    return reverse("volunteers:home", args=[token])


def program_urls(world):
    pk = world.program.pk
    return [
        reverse("volunteers:staff-roster", args=[pk]),
        reverse("volunteers:staff-add", args=[pk]),
        reverse("volunteers:staff-roles", args=[pk]),
        reverse("volunteers:staff-shifts", args=[pk]),
        reverse("volunteers:staff-hours", args=[pk]),
        reverse("volunteers:staff-detail", args=[world.vera.pk]),
    ]


def yesterday():
    return timezone.localdate() - timedelta(days=1)


def hours_post(day=None, start="09:00", end="12:00", **extra):
    day = day or yesterday()
    return {
        "action": "log",
        "date": day.isoformat(),
        "start": start,
        "end": end,
        "description": "Patrolled the park",
        **extra,
    }


# --- Permissions ----------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, world):
    for url in [*program_urls(world), reverse("volunteers:staff-trainings")]:
        for response in (client.get(url), client.post(url, {"action": "update"})):
            assert response.status_code == 302, url
            assert response["Location"].startswith(reverse("login")), url


@pytest.mark.parametrize("persona", ["bob", "carol", "dave"])
def test_staff_not_running_the_program_and_residents_get_403(request, client, world, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in program_urls(world):
        assert client.get(url).status_code == 403, url
        # Refused before the method or the input is looked at.
        assert client.post(url, {"action": "new-link"}).status_code == 403, url
        assert client.put(url).status_code == 403, url
    assert not OutboxMessage.objects.exists()


def test_trainings_need_the_right_to_change_programs(client, world, bob, carol, dave):
    url = reverse("volunteers:staff-trainings")
    client.force_login(bob)
    assert client.get(url).status_code == 200
    for user in (carol, dave):
        client.force_login(user)
        assert client.get(url).status_code == 403
        assert client.post(url, {"name": "Sneaky"}).status_code == 403
    assert not Training.objects.filter(name="Sneaky").exists()


@pytest.mark.parametrize("persona", ["alice", "root"])
def test_the_owner_and_administrators_open_every_page(request, client, world, persona):
    client.force_login(request.getfixturevalue(persona))
    for url in [*program_urls(world), reverse("volunteers:staff-trainings")]:
        assert client.get(url).status_code == 200, url


def test_a_team_member_runs_the_program(client, world, bob):
    world.program.team.add(bob)
    client.force_login(bob)
    assert client.get(program_urls(world)[0]).status_code == 200


def test_the_roster_accepts_only_get(staff, world):
    url = reverse("volunteers:staff-roster", args=[world.program.pk])
    assert staff.post(url).status_code == 405


def test_unknown_records_are_404(staff, world):
    assert staff.get(reverse("volunteers:staff-detail", args=[999999])).status_code == 404
    assert staff.get(reverse("volunteers:staff-roster", args=[999999])).status_code == 404
    url = reverse("volunteers:staff-roles", args=[world.program.pk])
    assert staff.get(url, {"edit": 999999}).status_code == 404


# --- Trainings and roles --------------------------------------------------------------


def test_staff_add_and_edit_a_training(staff):
    url = reverse("volunteers:staff-trainings")
    response = staff.post(url, {"name": " CPR ", "description": "", "valid_for_months": "12"})
    assert response.status_code == 302
    cpr = Training.objects.get(name="CPR")

    response = staff.post(url, {"training": cpr.pk, "name": "CPR", "valid_for_months": ""})
    cpr.refresh_from_db()
    assert cpr.valid_for_months is None
    assert "Does not lapse" in staff.get(url).content.decode()


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "first AID", "valid_for_months": "12"}, "already exists"),
        ({"name": "Radio", "valid_for_months": "0"}, "between 1 and 240"),
        ({"name": "Radio", "valid_for_months": "-3"}, "between 1 and 240"),
        ({"name": "Radio", "valid_for_months": "9999"}, "between 1 and 240"),
        ({"name": "Radio", "valid_for_months": "soon"}, "whole number"),
        ({"name": "Radio", "valid_for_months": "1" * 30}, "between 1 and 240"),
        ({"name": "", "valid_for_months": "12"}, "required"),
    ],
)
def test_a_bad_training_keeps_what_was_typed(staff, world, data, error):
    response = staff.post(reverse("volunteers:staff-trainings"), data)

    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert f'value="{data["valid_for_months"]}"' in page
    assert not Training.objects.filter(name="Radio").exists()


def test_staff_create_and_edit_a_role_with_required_trainings(staff, world):
    url = reverse("volunteers:staff-roles", args=[world.program.pk])
    staff.post(
        url,
        {
            "name": "Victim services response",
            "description": "Support after a crime.",
            "required_trainings": [world.first_aid.pk],
            "uses_agency_equipment": "on",
        },
    )
    role = VolunteerRole.objects.get(name="Victim services response")
    assert list(role.required_trainings.all()) == [world.first_aid]
    assert role.uses_agency_equipment and role.program == world.program

    page = staff.get(url, {"edit": role.pk}).content.decode()
    assert "Edit the role" in page
    staff.post(url, {"role": role.pk, "name": "Victim support", "required_trainings": []})
    role.refresh_from_db()
    assert role.name == "Victim support"
    assert not role.required_trainings.exists()


def test_a_duplicate_role_name_keeps_what_was_typed(staff, world):
    response = staff.post(
        reverse("volunteers:staff-roles", args=[world.program.pk]),
        {"name": "citizens on patrol", "description": "Typed description"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "already has a role with that name" in page
    assert "Typed description" in page


def test_a_role_of_another_program_cannot_be_edited_here(staff, world):
    other = VolunteerRole.objects.create(program=ProgramFactory(), name="Elsewhere")

    response = staff.post(
        reverse("volunteers:staff-roles", args=[world.program.pk]),
        {"role": other.pk, "name": "Hijacked"},
    )

    assert response.status_code == 404
    other.refresh_from_db()
    assert other.name == "Elsewhere"


# --- Roster ---------------------------------------------------------------------------


def test_roster_shows_roles_statuses_certifications_and_hours(staff, world):
    today = timezone.localdate()
    HoursEntryFactory(
        volunteer=world.vera,
        started_at=at(today.replace(day=1), 8),
        ended_at=at(today.replace(day=1), 10, 30),
        status=Status.APPROVED,
    )
    expired = make_volunteer(world, "Ezra Expired")
    expired.certifications.update(expires_on=today - timedelta(days=3))
    make_volunteer(world, "Nico New", certified=False)

    response = staff.get(reverse("volunteers:staff-roster", args=[world.program.pk]))

    page = response.content.decode()
    for text in ("Vera Valdez", "Citizens on Patrol", "Up to date", "Expired", "Missing a"):
        assert text in page
    assert "2.5" in page
    assert today.strftime("%B %Y") in page  # the months table


def test_roster_filters_and_ignores_bad_filters(staff, world):
    make_volunteer(world, "Hal Helper", role=world.helper, certified=False)
    url = reverse("volunteers:staff-roster", args=[world.program.pk])

    page = staff.get(url, {"role": world.helper.pk}).content.decode()
    assert "Hal Helper" in page and "Vera Valdez" not in page

    for junk in (
        {"role": "x"},
        {"status": "gone"},
        {"role": "99999999999999999999"},
        {"page": "-1"},
    ):
        response = staff.get(url, junk)
        assert response.status_code == 200
        assert "Vera Valdez" in response.content.decode()


@pytest.mark.parametrize("how_many", [4, 40])
def test_roster_queries_do_not_grow_with_volunteers(
    staff, world, how_many, django_assert_max_num_queries
):
    radio = TrainingFactory(name="Radio", valid_for_months=12)
    world.patrol.required_trainings.add(radio)
    day = timezone.localdate() - timedelta(days=2)
    for n in range(how_many):
        volunteer = make_volunteer(
            world, f"V{n:02d} Person", role=(world.patrol, world.helper)[n % 2]
        )
        CertificationFactory(volunteer=volunteer, training=radio)
        for hour in (8, 11):
            HoursEntryFactory(
                volunteer=volunteer,
                started_at=at(day, hour),
                ended_at=at(day, hour + 2),
                status=(Status.APPROVED, Status.SUBMITTED)[hour % 2],
            )

    url = reverse("volunteers:staff-roster", args=[world.program.pk])
    # +2: the audit log entry for this view and its links to the residents shown.
    with django_assert_max_num_queries(17):
        response = staff.get(url)

    assert response.status_code == 200
    assert response.content.decode().count('href="/staff/volunteers/') == how_many + 1


# --- Adding volunteers ----------------------------------------------------------------


def test_add_an_accepted_applicant(staff, world):
    application = ApplicationFactory(
        program=world.program,
        status=Application.Status.ACCEPTED,
        resident=ResidentFactory(name="Ana Applicant"),
        language="es",
    )
    url = reverse("volunteers:staff-add", args=[world.program.pk])
    assert ">Ana Applicant</option>" in staff.get(url).content.decode()

    response = staff.post(
        url,
        {"action": "application", "app-application": application.pk, "app-role": world.helper.pk},
    )

    volunteer = Volunteer.objects.get(resident__name="Ana Applicant")
    assert response["Location"] == reverse("volunteers:staff-detail", args=[volunteer.pk])
    assert volunteer.language == "es"
    assert OutboxMessage.objects.filter(key__startswith=f"volunteer-link:{volunteer.pk}").exists()
    # Once on the roster, the applicant is no longer offered.
    assert ">Ana Applicant</option>" not in staff.get(url).content.decode()


def test_add_by_hand_and_again_says_already_on_the_roster(staff, world):
    url = reverse("volunteers:staff-add", args=[world.program.pk])
    data = {
        "action": "hand",
        "hand-name": "Hugo Hand",
        "hand-email": "hugo@example.net",
        "hand-phone": "",
        "hand-language": "es",
        "hand-role": world.helper.pk,
    }

    staff.post(url, data)
    response = staff.post(url, data, follow=True)

    assert Volunteer.objects.filter(resident__name="Hugo Hand").count() == 1
    assert "already on the roster" in response.content.decode()
    assert OutboxMessage.objects.filter(recipient="hugo@example.net").count() == 1


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"hand-email": "", "hand-phone": ""}, "Give an email address or a mobile phone number"),
        ({"hand-email": "not-an-email"}, "valid email"),
        ({"hand-phone": "call me maybe", "hand-email": ""}, "does not look like a phone"),
        ({"hand-role": "999999"}, "Select a valid choice"),
        ({"hand-language": "xx"}, "Select a valid choice"),
    ],
)
def test_a_bad_hand_entry_keeps_what_was_typed(staff, world, data, error):
    post = {
        "action": "hand",
        "hand-name": "Typed Name",
        "hand-email": "typed@example.net",
        "hand-phone": "",
        "hand-language": "en",
        "hand-role": world.helper.pk,
        **data,
    }

    response = staff.post(reverse("volunteers:staff-add", args=[world.program.pk]), post)

    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert 'value="Typed Name"' in page
    assert not Volunteer.objects.filter(resident__name="Typed Name").exists()


def test_an_application_not_accepted_is_not_offered_nor_taken(staff, world):
    waiting = ApplicationFactory(program=world.program, status=Application.Status.SUBMITTED)

    response = staff.post(
        reverse("volunteers:staff-add", args=[world.program.pk]),
        {"action": "application", "app-application": waiting.pk, "app-role": world.helper.pk},
    )

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Volunteer.objects.filter(resident=waiting.resident).exists()


def test_without_roles_the_add_page_asks_for_one_first(staff, alice):
    program = ProgramFactory(owner=alice)
    page = staff.get(reverse("volunteers:staff-add", args=[program.pk])).content.decode()
    assert "Create a volunteer role first" in page


# --- A volunteer ----------------------------------------------------------------------


def detail(world):
    return reverse("volunteers:staff-detail", args=[world.vera.pk])


def test_staff_change_role_status_and_language(staff, world):
    staff.post(
        detail(world),
        {
            "action": "update",
            "vol-role": world.helper.pk,
            "vol-status": "paused",
            "vol-language": "en",
        },
    )

    world.vera.refresh_from_db()
    assert (world.vera.role, world.vera.status, world.vera.language) == (
        world.helper,
        "paused",
        "en",
    )


def test_staff_record_a_certification_with_its_computed_expiry(staff, world):
    radio = TrainingFactory(name="Radio", valid_for_months=6)

    staff.post(
        detail(world),
        {"action": "certify", "cert-training": radio.pk, "cert-completed_on": "2025-01-15"},
    )

    certification = Certification.objects.get(training=radio)
    assert str(certification.expires_on) == "2025-07-15"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"cert-completed_on": "2999-01-01"}, "cannot be in the future"),
        ({"cert-completed_on": "2025-02-30"}, "valid date"),
        ({"cert-expires_on": "2024-01-01"}, "after the completion date"),
        ({"cert-training": "abc"}, "Select a valid choice"),
    ],
)
def test_a_bad_certification_keeps_what_was_typed(staff, world, data, error):
    post = {
        "action": "certify",
        "cert-training": world.first_aid.pk,
        "cert-completed_on": "2025-01-15",
        "cert-expires_on": "",
        **data,
    }

    response = staff.post(detail(world), post)

    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert f'value="{post["cert-completed_on"]}"' in page
    assert world.vera.certifications.count() == 1


def test_staff_correct_and_remove_a_certification(staff, world):
    certification = world.vera.certifications.get()
    prefix = f"cert-{certification.pk}"

    staff.post(
        detail(world),
        {
            "action": "cert-edit",
            "certification": certification.pk,
            f"{prefix}-completed_on": "2025-01-01",
            f"{prefix}-expires_on": "2025-12-31",
        },
    )
    certification.refresh_from_db()
    assert str(certification.expires_on) == "2025-12-31"

    response = staff.post(
        detail(world),
        {
            "action": "cert-edit",
            "certification": certification.pk,
            f"{prefix}-completed_on": "2025-01-01",
            f"{prefix}-expires_on": "2024-12-31",
        },
    )
    assert "after the completion date" in response.content.decode()

    staff.post(detail(world), {"action": "cert-remove", "certification": certification.pk})
    assert not Certification.objects.filter(pk=certification.pk).exists()
    response = staff.post(
        detail(world), {"action": "cert-remove", "certification": certification.pk}, follow=True
    )
    assert "no longer on file" in response.content.decode()


def test_staff_log_approved_hours_for_a_volunteer(staff, world, alice):
    response = staff.post(
        detail(world),
        {
            **{f"hours-{k}": v for k, v in hours_post().items()},
            "action": "log",
            "hours-approve": "on",
        },
    )

    assert response.status_code == 302
    entry = world.vera.hours.get()
    assert (entry.status, entry.logged_by) == (Status.APPROVED, alice)


def test_staff_logging_overlapping_hours_keeps_what_was_typed(staff, world):
    HoursEntryFactory(
        volunteer=world.vera, started_at=at(yesterday(), 10), ended_at=at(yesterday(), 11)
    )

    response = staff.post(
        detail(world), {**{f"hours-{k}": v for k, v in hours_post().items()}, "action": "log"}
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "overlap" in page
    assert 'value="09:00"' in page and 'value="12:00"' in page
    assert world.vera.hours.count() == 1


def test_staff_approve_and_reject_from_the_detail_page(staff, world):
    first, second = (
        HoursEntryFactory(
            volunteer=world.vera, started_at=at(yesterday(), h), ended_at=at(yesterday(), h + 1)
        )
        for h in (8, 10)
    )

    staff.post(detail(world), {"action": "approve", "entry": first.pk})
    staff.post(detail(world), {"action": "reject", "entry": second.pk})
    response = staff.post(detail(world), {"action": "approve", "entry": second.pk}, follow=True)

    assert "already decided" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, second.status) == (Status.APPROVED, Status.REJECTED)


def test_staff_send_a_new_link(staff, world):
    staff.post(detail(world), {"action": "new-link"})

    assert (
        OutboxMessage.objects.filter(key__startswith=f"volunteer-link:{world.vera.pk}").count() == 1
    )


def test_staff_take_a_volunteer_off_a_shift(staff, world):
    shift = future_shift(world)
    services.sign_up(shift=shift, volunteer=world.vera)

    staff.post(detail(world), {"action": "cancel-signup", "shift": shift.pk})

    assert not ShiftSignup.objects.exists()


# --- Shifts ---------------------------------------------------------------------------


def shifts_url(world):
    return reverse("volunteers:staff-shifts", args=[world.program.pk])


def shift_post(**data):
    start = timezone.localtime() + timedelta(days=5)
    post = {
        "action": "create",
        "shift-title": "Night patrol",
        "shift-role": "",
        "shift-starts_at": start.strftime("%Y-%m-%dT19:00"),
        "shift-ends_at": start.strftime("%Y-%m-%dT22:00"),
        "shift-location": "North beat",
        "shift-capacity": "3",
        "shift-event": "",
    }
    post.update(data)
    return post


def test_staff_create_a_shift_and_see_places(staff, world):
    response = staff.post(shifts_url(world), shift_post())

    assert response.status_code == 302
    page = staff.get(shifts_url(world)).content.decode()
    assert "Night patrol" in page
    assert "0 of 3 places taken" in page
    assert "For: any role" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"shift-ends_at": "2020-01-01T00:00"}, "The end must be after the start"),
        ({"shift-capacity": "0"}, "greater than or equal to 1"),
        ({"shift-capacity": "100000"}, "less than or equal to 500"),
        ({"shift-starts_at": "tomorrow"}, "valid date/time"),
        ({"shift-role": "424242"}, "Select a valid choice"),
        ({"shift-event": "424242"}, "Select a valid choice"),
        ({"shift-title": ""}, "required"),
    ],
)
def test_a_bad_shift_keeps_what_was_typed(staff, world, data, error):
    response = staff.post(shifts_url(world), shift_post(**data))

    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert 'value="North beat"' in page
    assert not world.program.shifts.exists()


def test_staff_add_and_remove_volunteers_on_a_shift(staff, world):
    shift = future_shift(world, capacity=1)
    ola = make_volunteer(world, "Ola Other")

    staff.post(
        shifts_url(world),
        {"action": "add", "shift": shift.pk, f"s{shift.pk}-volunteer": world.vera.pk},
    )
    response = staff.post(
        shifts_url(world),
        {"action": "add", "shift": shift.pk, f"s{shift.pk}-volunteer": ola.pk},
        follow=True,
    )
    assert "Ola Other cannot take this shift: This shift is full." in response.content.decode()

    staff.post(
        shifts_url(world), {"action": "remove", "shift": shift.pk, "volunteer": world.vera.pk}
    )
    assert not shift.signups.exists()


def test_the_shift_page_lists_past_shifts_apart(staff, world):
    start = timezone.now() - timedelta(days=3)
    ShiftFactory(
        program=world.program,
        title="Old patrol",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )

    assert "Old patrol" not in staff.get(shifts_url(world)).content.decode()
    assert "Old patrol" in staff.get(shifts_url(world), {"when": "past"}).content.decode()


@pytest.mark.parametrize("how_many", [2, 20])
def test_shift_page_queries_do_not_grow_with_shifts(
    staff, world, how_many, django_assert_max_num_queries
):
    volunteers = [make_volunteer(world, f"S{n:02d} Person") for n in range(6)]
    for n in range(how_many):
        shift = future_shift(world, days=2 + n, capacity=3, role=None)
        for volunteer in volunteers[n % 3 : n % 3 + 2]:
            ShiftSignup.objects.create(shift=shift, volunteer=volunteer)

    # +2: the audit log entry for this view and its links to the residents shown.
    with django_assert_max_num_queries(14):
        assert staff.get(shifts_url(world)).status_code == 200


# --- Hours queue ----------------------------------------------------------------------


def test_bulk_approve_then_again_changes_nothing(staff, world):
    entries = [
        HoursEntryFactory(
            volunteer=world.vera, started_at=at(yesterday(), h), ended_at=at(yesterday(), h + 1)
        )
        for h in (7, 9, 11)
    ]
    url = reverse("volunteers:staff-hours", args=[world.program.pk])
    page = staff.get(url).content.decode()
    assert "3 entries wait for a decision" in page

    data = {"decision": "approve", "entries": [e.pk for e in entries[:2]]}
    response = staff.post(url, data, follow=True)
    assert "2 entries approved" in response.content.decode()
    response = staff.post(url, data, follow=True)
    assert "0 entries approved" in response.content.decode()
    assert "2 entries were already decided" in response.content.decode()

    staff.post(url, {"decision": "reject", "entries": [entries[2].pk]})
    assert list(HoursEntry.objects.order_by("started_at").values_list("status", flat=True)) == [
        Status.APPROVED,
        Status.APPROVED,
        Status.REJECTED,
    ]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"decision": "approve"},
        {"decision": "maybe", "entries": ["1"]},
        {"decision": "approve", "entries": ["abc"]},
        {"decision": "approve", "entries": ["99999999999999999999999"]},
        {"decision": "approve", "entries": ["-1"]},
    ],
)
def test_bad_approvals_explain_and_change_nothing(staff, world, data):
    entry = HoursEntryFactory(volunteer=world.vera)
    url = reverse("volunteers:staff-hours", args=[world.program.pk])

    response = staff.post(url, data, follow=True)

    assert response.status_code == 200
    assert response.context["messages"]
    entry.refresh_from_db()
    assert entry.status == Status.SUBMITTED


def test_the_queue_leaves_out_other_programs_entries(staff, world):
    other = HoursEntryFactory(description="Elsewhere work")
    url = reverse("volunteers:staff-hours", args=[world.program.pk])

    assert "Elsewhere work" not in staff.get(url).content.decode()
    staff.post(url, {"decision": "approve", "entries": [other.pk]})
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED


# --- Fuzzed input on every staff page -------------------------------------------------

JUNK = [
    {},
    {"action": "update", "vol-role": "x", "vol-status": "gone", "vol-language": "zz"},
    {"action": "certify", "cert-training": "-1", "cert-completed_on": "0000-00-00"},
    {"action": "cert-edit", "certification": "abc"},
    {"action": "cert-remove", "certification": "99999999999999999999"},
    {"action": "log", "hours-date": "9999-12-31", "hours-start": "25:00", "hours-end": "-1"},
    {"action": "log", "hours-date": "0001-01-01", "hours-start": "00:00", "hours-end": "23:59"},
    {"action": "approve", "entry": "1e9"},
    {"action": "cancel-signup", "shift": "[]"},
    {"action": "create", "shift-capacity": "1" * 40, "shift-starts_at": "9999-12-31T23:59"},
    {"action": "add", "shift": "1", "s1-volunteer": "x"},
    {"action": "remove", "shift": "abc", "volunteer": "-5"},
    {"action": "hand", "hand-name": "x" * 5000, "hand-email": "@" * 300},
    {"action": "application", "app-application": "NaN"},
    {"role": "abc", "name": "Y" * 400},
    {"training": "0", "name": "Z", "valid_for_months": "1e3"},
    {"decision": "approve", "entries": ["1", "x", ""]},
    {"action": "explode"},
    {"action": "update", "vol-role": "9" * 25, "vol-status": "active", "vol-language": "en"},
    {"action": "create", "shift-role": "9" * 25, "shift-event": "9" * 25},
    {"action": "certify", "cert-training": "9" * 25, "cert-completed_on": "2025-01-01"},
    {"action": "application", "app-application": "9" * 25, "app-role": "9" * 25},
    {"action": "log", "hours-shift": "9" * 25, "hours-date": "2025-01-01"},
    {"training": "9" * 25, "role": "9" * 25, "name": "Q"},
    {"decision": "approve", "entries": ["9" * 25]},
]


def test_fuzzed_posts_never_give_a_500(staff, world):
    future_shift(world)
    for url in [*program_urls(world), reverse("volunteers:staff-trainings")]:
        for data in JUNK:
            response = staff.post(url, data)
            assert response.status_code < 500, (url, data)
            if url.endswith("/volunteers/"):
                assert response.status_code == 405


# --- The volunteer's private page -----------------------------------------------------


def test_a_bad_token_is_a_clear_404_page(client, world):
    for token in ("nope", "x" * 80, "%00"):
        response = client.get(f"/volunteer/{token}/")
        assert response.status_code in (400, 404)
    response = client.get(reverse("volunteers:home", args=["not-a-valid-token"]))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()
    assert (
        client.post(reverse("volunteers:home", args=["nope"]), {"action": "log"}).status_code == 404
    )


def test_the_private_page_shows_shifts_hours_and_certifications(client, world, vera_link):
    mine = future_shift(world, title="Patrol mine")
    services.sign_up(shift=mine, volunteer=world.vera)
    future_shift(world, title="Patrol open")
    future_shift(world, title="Helpers only", role=world.helper)
    HoursEntryFactory(volunteer=world.vera, status=Status.APPROVED)

    response = client.get(vera_link)

    page = response.content.decode()
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    assert "Hello, Vera Valdez" in page
    assert "Patrol mine" in page and "Patrol open" in page
    assert "Helpers only" not in page
    assert "First aid" in page
    assert "Approved" in page


def test_the_private_page_speaks_the_volunteers_language_unless_they_chose_one(
    client, world, vera_link, settings
):
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert '<html lang="es"' in client.get(vera_link).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert '<html lang="en"' in client.get(vera_link).content.decode()


def test_volunteer_signs_up_and_cancels(client, world, vera_link):
    shift = future_shift(world)

    response = client.post(vera_link, {"action": "sign-up", "shift": shift.pk}, follow=True)
    assert ShiftSignup.objects.filter(shift=shift, volunteer=world.vera).exists()
    assert response.status_code == 200

    client.post(vera_link, {"action": "cancel", "shift": shift.pk})
    assert not ShiftSignup.objects.exists()


def test_a_lapsed_certification_is_explained_on_the_private_page(client, world, vera_link):
    world.vera.certifications.update(expires_on=timezone.localdate() - timedelta(days=1))
    shift = future_shift(world)

    page = client.get(vera_link).content.decode()
    assert "You cannot sign up:" in page
    assert "First aid" in page

    response = client.post(vera_link, {"action": "sign-up", "shift": shift.pk}, follow=True)
    assert "certification expired on" in response.content.decode()
    assert not ShiftSignup.objects.exists()


def test_a_full_shift_says_so(client, world, vera_link):
    shift = future_shift(world, capacity=1)
    services.sign_up(shift=shift, volunteer=make_volunteer(world, "Ola Other"))

    assert "This shift is full." in client.get(vera_link).content.decode()
    response = client.post(vera_link, {"action": "sign-up", "shift": shift.pk}, follow=True)
    assert "This shift is full." in response.content.decode()


def test_a_shift_of_another_program_cannot_be_taken(client, world, vera_link):
    other = ShiftFactory()

    response = client.post(vera_link, {"action": "sign-up", "shift": other.pk}, follow=True)

    assert "no longer available" in response.content.decode()
    assert not ShiftSignup.objects.exists()


def test_volunteer_logs_hours(client, world, vera_link):
    response = client.post(vera_link, hours_post())

    assert response.status_code == 302
    entry = world.vera.hours.get()
    assert (entry.status, entry.hours, entry.logged_by) == (Status.SUBMITTED, 3.0, None)


def test_volunteer_links_hours_to_a_recent_shift(client, world, vera_link):
    start = timezone.now() - timedelta(days=2)
    shift = ShiftFactory(program=world.program, starts_at=start, ends_at=start + timedelta(hours=2))
    ShiftSignup.objects.create(shift=shift, volunteer=world.vera)

    client.post(vera_link, hours_post(day=timezone.localdate(start), shift=shift.pk))

    assert world.vera.hours.get().shift == shift


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"start": "12:00", "end": "09:00"}, "hours cannot be negative"),
        ({"start": "09:00", "end": "09:00"}, "The end must be after the start"),
        ({"date": "2999-01-01"}, "Hours cannot be in the future"),
        ({"start": "00:00", "end": "23:00"}, "longer than 16 hours"),
        ({"start": "10:00", "end": "11:00"}, "overlap"),
        ({"date": "31/02/2025"}, "valid date"),
        ({"start": "quarter past"}, "valid time"),
        ({"shift": "12345"}, "Select a valid choice"),
    ],
)
def test_bad_hours_keep_what_was_typed(client, world, vera_link, data, error):
    HoursEntryFactory(
        volunteer=world.vera, started_at=at(yesterday(), 9, 30), ended_at=at(yesterday(), 10, 30)
    )
    post = hours_post(**data)
    post["description"] = "Typed words"

    response = client.post(vera_link, post)

    assert response.status_code == 200
    page = response.content.decode()
    assert error in page
    assert "Typed words" in page
    assert f'value="{post["start"]}"' in page
    assert world.vera.hours.count() == 1


def test_later_today_is_in_the_future(client, world, vera_link):
    # At noon, so "later today" always exists whenever the suite runs.
    noon = timezone.localtime().replace(hour=12, minute=0, second=0, microsecond=0)
    post = hours_post(
        day=noon.date(),
        start="12:10",
        end="12:40",
    )

    with time_machine.travel(noon, tick=False):
        response = client.post(vera_link, post)

    assert "Hours cannot be in the future" in response.content.decode()


def test_paused_and_departed_volunteers_see_why_they_cannot_sign_up(client, world, vera_link):
    future_shift(world, title="Patrol open")
    Volunteer.objects.filter(pk=world.vera.pk).update(status=Volunteer.Status.PAUSED)
    page = client.get(vera_link).content.decode()
    assert "paused" in page and "Patrol open" not in page

    Volunteer.objects.filter(pk=world.vera.pk).update(status=Volunteer.Status.LEFT)
    page = client.get(vera_link).content.decode()
    assert "no longer on this roster" in page
    response = client.post(vera_link, hours_post(), follow=True)
    assert "no longer on this roster" in response.content.decode()
    assert not world.vera.hours.exists()


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"action": "sign-up"},
        {"action": "sign-up", "shift": "abc"},
        {"action": "cancel", "shift": "99999999999999999999999"},
        {"action": "log"},
        {"action": "log", "date": "0001-01-01", "start": "00:00", "end": "01:00"},
        {"action": "log", "date": "9999-12-31", "start": "23:00", "end": "23:59"},
        {"action": "log", "description": "x" * 5000},
        {"action": "dance"},
    ],
)
def test_fuzzed_private_posts_never_give_a_500(client, world, vera_link, data):
    response = client.post(vera_link, data)
    assert response.status_code < 500


def test_private_posts_are_rate_limited(client, world, vera_link, settings):
    settings.PORTAL_PUBLIC_POST_RATE = "2/m"
    codes = [client.post(vera_link, {"action": "dance"}).status_code for _ in range(4)]
    assert codes[-1] == 429


def test_a_volunteer_page_makes_a_bounded_number_of_queries(
    client, world, vera_link, django_assert_max_num_queries
):
    for n in range(12):
        shift = future_shift(world, days=2 + n, role=None)
        if n % 2:
            ShiftSignup.objects.create(shift=shift, volunteer=world.vera)
        HoursEntryFactory(
            volunteer=world.vera,
            started_at=at(yesterday() - timedelta(days=n), 9),
            ended_at=at(yesterday() - timedelta(days=n), 10),
        )

    with django_assert_max_num_queries(11):
        assert client.get(vera_link).status_code == 200


@pytest.mark.parametrize("how_many", [3, 30])
def test_hours_queue_and_detail_queries_do_not_grow(
    staff, world, how_many, django_assert_max_num_queries
):
    radio = TrainingFactory(name="Radio", valid_for_months=12)
    for n in range(how_many):
        volunteer = make_volunteer(world, f"Q{n:02d} Person")
        day = yesterday() - timedelta(days=n)
        for who in (volunteer, world.vera):
            HoursEntryFactory(volunteer=who, started_at=at(day, 9), ended_at=at(day, 10))
        CertificationFactory(volunteer=world.vera, training=radio)
        services.sign_up(shift=future_shift(world, days=2 + n), volunteer=world.vera)

    # +2: the audit log entry for this view and its links to the residents shown.
    with django_assert_max_num_queries(10):
        assert (
            staff.get(reverse("volunteers:staff-hours", args=[world.program.pk])).status_code == 200
        )
    with django_assert_max_num_queries(18):  # +2 likewise
        assert staff.get(detail(world)).status_code == 200
