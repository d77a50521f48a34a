"""Readiness before launch: types that need a governing policy (youth programs, volunteers
using agency equipment, ride-outs) cannot be activated until the policy is recorded and the
checklist is complete. Other types are not affected."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from engagement_portal.core.models import AuditLog
from programs import readiness
from programs.models import EngagementType, Program, ReadinessCheck
from programs.services import change_program_status
from tests.factories import ProgramFactory

COMMON = {"policy_approved", "supervisor_named", "training_planned", "insurance_reviewed"}


def _type(slug):
    return EngagementType.objects.get(slug=slug)


@pytest.fixture
def youth(alice):
    return ProgramFactory(
        title="Explorer Post 12",
        engagement_type=_type("youth-engagement"),
        owner=alice,
        status=Program.Status.DRAFT,
    )


def _keys(program):
    return {row.item.key for row in readiness.checklist(program)}


def _complete(program, user):
    """Record a policy and tick every item; `program` is refreshed from the database."""
    readiness.save_readiness(
        program=program,
        governing_policy="GO 7.3 Explorer Program",
        governing_policy_url="https://policies.example.org/go-7-3",
        done=_keys(program),
        user=user,
    )
    program.refresh_from_db()
    return program


# --- The checklist ------------------------------------------------------------------------


def test_youth_checklist_has_the_common_items_and_the_youth_items(youth):
    assert _keys(youth) == COMMON | {"youth_background_checks", "guardian_consent_form"}


def test_volunteer_checklist_asks_for_the_equipment_procedure(alice):
    program = ProgramFactory(engagement_type=_type("volunteer-opportunities"), owner=alice)
    assert _keys(program) == COMMON | {"equipment_procedure"}


def test_ride_out_checklist_asks_for_the_waiver_and_the_safety_briefing(alice):
    program = ProgramFactory(engagement_type=_type("ride-outs"), owner=alice)
    assert _keys(program) == COMMON | {"ride_along_waiver", "safety_briefing"}


def test_types_that_need_no_policy_have_no_checklist_and_no_problems(program):
    assert not program.engagement_type.needs_policy
    assert readiness.checklist(program) == []
    assert readiness.readiness_problems(program) == []
    assert readiness.is_ready(program)


def test_problems_name_the_missing_policy_and_every_unticked_item(youth, alice):
    problems = readiness.readiness_problems(youth)
    assert problems[0] == "Record the governing policy (its number and title)."
    assert "Guardian consent form approved" in problems
    assert "Background checks for every adult working with youth" in problems
    assert len(problems) == 1 + 6
    _complete(youth, alice)
    assert readiness.readiness_problems(youth) == []
    assert readiness.is_ready(youth)


# --- Activation -------------------------------------------------------------------------


def test_activation_is_refused_with_the_list_of_what_is_missing(youth, alice):
    with pytest.raises(ValidationError) as refused:
        change_program_status(program=youth, status=Program.Status.ACTIVE, user=alice)
    messages = refused.value.messages
    assert "Still missing" in messages[0]
    assert "Insurance and liability reviewed" in messages
    youth.refresh_from_db()
    assert youth.status == Program.Status.DRAFT and youth.started_at is None


def test_activation_is_allowed_once_ready(youth, alice):
    _complete(youth, alice)
    program = change_program_status(program=youth, status=Program.Status.ACTIVE, user=alice)
    assert program.status == Program.Status.ACTIVE
    assert program.started_at is not None


def test_one_unticked_item_still_blocks_activation(youth, alice):
    _complete(youth, alice)
    readiness.set_readiness_item(program=youth, key="training_planned", done=False, user=alice)
    with pytest.raises(ValidationError) as refused:
        change_program_status(program=youth, status=Program.Status.ACTIVE, user=alice)
    assert refused.value.messages[1:] == ["Participant training planned"]


def test_reopening_a_completed_program_also_needs_readiness(youth, alice):
    Program.objects.filter(pk=youth.pk).update(status=Program.Status.COMPLETED)
    youth.refresh_from_db()
    with pytest.raises(ValidationError):
        change_program_status(program=youth, status=Program.Status.ACTIVE, user=alice)


def test_types_without_policy_activate_as_before(draft, alice):
    program = change_program_status(program=draft, status=Program.Status.ACTIVE, user=alice)
    assert program.status == Program.Status.ACTIVE


def test_status_view_refuses_activation_with_a_clear_message(client, youth, alice):
    client.force_login(alice)
    response = client.post(
        reverse("programs:staff-status", args=[youth.pk]), {"status": "active", "outcome": ""}
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "cannot be activated until it is ready for launch" in text
    assert "Guardian consent form approved" in text
    youth.refresh_from_db()
    assert youth.status == Program.Status.DRAFT


def test_status_view_activates_a_ready_program(client, youth, alice):
    _complete(youth, alice)
    client.force_login(alice)
    response = client.post(
        reverse("programs:staff-status", args=[youth.pk]), {"status": "active", "outcome": ""}
    )
    assert response.status_code == 302
    youth.refresh_from_db()
    assert youth.status == Program.Status.ACTIVE


def test_status_view_activates_a_type_without_policy(client, draft, alice):
    client.force_login(alice)
    response = client.post(
        reverse("programs:staff-status", args=[draft.pk]), {"status": "active", "outcome": ""}
    )
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == Program.Status.ACTIVE


# --- Ticking and the policy -------------------------------------------------------------


def test_ticking_twice_keeps_the_first_tick(youth, alice, bob):
    youth.team.add(bob)
    first = readiness.set_readiness_item(
        program=youth, key="supervisor_named", done=True, user=alice
    )
    again = readiness.set_readiness_item(program=youth, key="supervisor_named", done=True, user=bob)
    assert again.pk == first.pk
    assert again.completed_by == alice and again.completed_at == first.completed_at
    assert ReadinessCheck.objects.filter(program=youth).count() == 1


def test_unticking_deletes_the_row_and_twice_is_harmless(youth, alice):
    readiness.set_readiness_item(program=youth, key="supervisor_named", done=True, user=alice)
    for _ in range(2):
        readiness.set_readiness_item(program=youth, key="supervisor_named", done=False, user=alice)
    assert not ReadinessCheck.objects.filter(program=youth).exists()


def test_saving_the_same_readiness_twice_changes_nothing(youth, alice):
    _complete(youth, alice)
    before = list(ReadinessCheck.objects.filter(program=youth).values_list("pk", "completed_at"))
    audits = AuditLog.objects.count()
    _complete(youth, alice)
    after = list(ReadinessCheck.objects.filter(program=youth).values_list("pk", "completed_at"))
    assert sorted(after) == sorted(before)
    assert AuditLog.objects.count() == audits


def test_approval_cannot_be_ticked_without_a_policy(youth, alice):
    with pytest.raises(ValidationError):
        readiness.set_readiness_item(program=youth, key="policy_approved", done=True, user=alice)
    with pytest.raises(ValidationError):
        readiness.save_readiness(
            program=youth,
            governing_policy=" ",
            governing_policy_url="",
            done={"policy_approved"},
            user=alice,
        )
    assert not ReadinessCheck.objects.filter(program=youth).exists()


def test_a_changed_policy_is_approved_again(youth, alice, bob):
    _complete(youth, alice)
    first = ReadinessCheck.objects.get(program=youth, item="policy_approved")
    youth.team.add(bob)
    readiness.save_readiness(
        program=youth,
        governing_policy="GO 7.4 Explorer Program (revised)",
        governing_policy_url="",
        done=_keys(youth) - {"policy_approved"},
        user=bob,
    )
    assert not ReadinessCheck.objects.filter(program=youth, item="policy_approved").exists()
    readiness.save_readiness(
        program=youth,
        governing_policy="GO 7.4 Explorer Program (revised)",
        governing_policy_url="",
        done=_keys(youth),
        user=bob,
    )
    second = ReadinessCheck.objects.get(program=youth, item="policy_approved")
    assert second.pk != first.pk and second.completed_by == bob
    assert AuditLog.objects.filter(action="record_governing_policy").count() == 2


def test_an_item_not_on_the_checklist_is_refused(youth, alice):
    with pytest.raises(ValidationError):
        readiness.set_readiness_item(program=youth, key="safety_briefing", done=True, user=alice)


def test_only_the_program_staff_can_change_readiness(youth, bob):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        readiness.set_readiness_item(program=youth, key="supervisor_named", done=True, user=bob)


# --- The page ---------------------------------------------------------------------------


def _url(program):
    return reverse("cohorts:staff-readiness", args=[program.pk])


def test_page_lists_what_is_missing(client, youth, alice):
    client.force_login(alice)
    response = client.get(_url(youth))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Still missing" in text
    assert "Guardian consent form approved" in text
    assert "Activate the program" not in text


def test_page_records_the_policy_and_ticks(client, youth, alice):
    client.force_login(alice)
    response = client.post(
        _url(youth),
        {
            "governing_policy": "GO 7.3 Explorer Program",
            "governing_policy_url": "https://policies.example.org/go-7-3",
            "done": sorted(_keys(youth)),
        },
    )
    assert response.status_code == 302
    youth.refresh_from_db()
    assert youth.governing_policy == "GO 7.3 Explorer Program"
    assert set(ReadinessCheck.objects.filter(program=youth).values_list("item", flat=True)) == (
        _keys(youth)
    )
    page = client.get(_url(youth)).content.decode()
    assert "Activate the program" in page
    assert "Ticked by Alice Adams" in page


def test_page_unticking_removes_the_tick(client, youth, alice):
    _complete(youth, alice)
    client.force_login(alice)
    client.post(
        _url(youth),
        {
            "governing_policy": youth.governing_policy or "GO 7.3 Explorer Program",
            "governing_policy_url": "",
            "done": sorted(_keys(youth) - {"insurance_reviewed"}),
        },
    )
    assert not ReadinessCheck.objects.filter(program=youth, item="insurance_reviewed").exists()


def test_page_keeps_what_was_typed_when_input_is_bad(client, youth, alice):
    client.force_login(alice)
    response = client.post(
        _url(youth),
        {
            "governing_policy": "",
            "governing_policy_url": "not a link at all",
            "done": ["policy_approved", "supervisor_named"],
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "Record the policy before marking it approved." in text
    assert "Enter a valid URL." in text
    assert 'value="not a link at all"' in text
    assert 'value="supervisor_named" id="id_done_1" checked' in text
    assert not ReadinessCheck.objects.filter(program=youth).exists()


def test_page_for_a_type_without_policy_says_so(client, program, alice):
    client.force_login(alice)
    response = client.get(_url(program))
    assert response.status_code == 200
    assert "do not need a governing policy" in response.content.decode()


@pytest.mark.parametrize("persona", ["bob", "carol", "dave"])
def test_page_refuses_others(client, youth, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(youth)).status_code == 403
    assert client.post(_url(youth), {"done": ["supervisor_named"]}).status_code == 403
    assert not ReadinessCheck.objects.exists()


def test_page_sends_anonymous_visitors_to_log_in(client, youth):
    response = client.get(_url(youth))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_complete_for_tests_makes_a_program_ready_once(youth, alice):
    readiness.complete_for_tests(youth, user=alice)
    youth.refresh_from_db()
    ticks = list(ReadinessCheck.objects.filter(program=youth).values_list("pk", flat=True))
    readiness.complete_for_tests(youth, user=alice)
    assert readiness.is_ready(youth)
    assert youth.governing_policy
    assert sorted(ReadinessCheck.objects.values_list("pk", flat=True)) == sorted(ticks)
