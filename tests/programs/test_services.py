import threading
from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from programs import services
from programs.forms import ProgramForm
from programs.models import Program
from tests.factories import PartnerOrganisationFactory, ProgramFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

Status = Program.Status
NOW = datetime(2025, 3, 1, 9, 30, tzinfo=UTC)


def valid_form(data, instance=None):
    form = ProgramForm(data, instance=instance)
    assert form.is_valid(), form.errors
    return form


def edit_form(program, program_data, **overrides):
    current = {
        "title": program.title,
        "engagement_type": str(program.engagement_type_id),
        "intention": program.intention,
        "owner": str(program.owner_id),
        "team": [str(pk) for pk in program.team.values_list("pk", flat=True)],
    }
    data = program_data(**{**current, **overrides})
    return valid_form(data, instance=program)


# --- create_program -------------------------------------------------------------------


def test_create_program_saves_a_draft_owned_by_its_creator(alice, program_data):
    program = services.create_program(form=valid_form(program_data()), owner=alice)
    assert program.pk
    assert program.status == Status.DRAFT
    assert program.owner == alice
    assert program.slug == "coffee-on-main-street"


def test_create_program_gives_each_program_a_unique_slug(alice, program_data):
    first = services.create_program(form=valid_form(program_data()), owner=alice)
    second = services.create_program(form=valid_form(program_data()), owner=alice)
    third = services.create_program(form=valid_form(program_data()), owner=alice)
    assert [first.slug, second.slug, third.slug] == [
        "coffee-on-main-street",
        "coffee-on-main-street-2",
        "coffee-on-main-street-3",
    ]
    assert Program.objects.count() == 3


def test_create_program_slug_survives_titles_without_latin_letters(alice, program_data):
    program = services.create_program(
        form=valid_form(program_data(title="警察と話そう")), owner=alice
    )
    assert program.slug == "program"


def test_create_program_slug_from_long_title_fits_and_has_no_dangling_hyphen(alice, program_data):
    # The 70-character slug base would end on the hyphen between the two words.
    title = "a" * 69 + " b"
    first = services.create_program(form=valid_form(program_data(title=title)), owner=alice)
    second = services.create_program(form=valid_form(program_data(title=title)), owner=alice)
    for slug in (first.slug, second.slug):
        assert len(slug) <= 80
        assert "--" not in slug
        assert not slug.endswith("-")


def test_create_program_accepts_another_owner(alice, bob, program_data):
    form = valid_form(program_data(owner=str(bob.pk)))
    program = services.create_program(form=form, owner=alice)
    assert program.owner == bob


def test_create_program_saves_team_languages_neighbourhoods_and_partners(
    alice, bob, eastside, westside, spanish, vietnamese, program_data
):
    partner = PartnerOrganisationFactory(name="Eastside Mosque")
    form = valid_form(
        program_data(
            team=[str(bob.pk)],
            languages=[str(spanish.pk), str(vietnamese.pk)],
            neighbourhoods=[str(eastside.pk), str(westside.pk)],
            partners=[str(partner.pk)],
        )
    )
    program = services.create_program(form=form, owner=alice)
    program.refresh_from_db()
    assert list(program.team.all()) == [bob]
    assert set(program.languages.all()) == {spanish, vietnamese}
    assert set(program.neighbourhoods.all()) == {eastside, westside}
    assert list(program.partners.all()) == [partner]


# --- update_program -------------------------------------------------------------------


def test_update_program_lets_the_owner_edit(alice, program, program_data):
    form = edit_form(program, program_data, description="Every Tuesday at the bakery.")
    services.update_program(form=form, user=alice)
    program.refresh_from_db()
    assert program.description == "Every Tuesday at the bakery."


def test_update_program_lets_a_team_member_edit(alice, bob, program, program_data):
    program.team.add(bob)
    form = edit_form(program, program_data, title="Coffee on Main")
    services.update_program(form=form, user=bob)
    program.refresh_from_db()
    assert program.title == "Coffee on Main"


def test_update_program_lets_an_administrator_edit(root, program, program_data):
    form = edit_form(program, program_data, title="Coffee on Main")
    services.update_program(form=form, user=root)
    program.refresh_from_db()
    assert program.title == "Coffee on Main"


def test_update_program_refuses_staff_outside_the_team(bob, program, program_data):
    form = edit_form(program, program_data, title="Hijacked")
    with pytest.raises(PermissionDenied):
        services.update_program(form=form, user=bob)
    program.refresh_from_db()
    assert program.title == "Coffee on Main Street"


def test_update_program_refuses_staff_who_make_themselves_owner(bob, program, program_data):
    form = edit_form(program, program_data, title="Hijacked")
    form = valid_form({**form.data, "owner": str(bob.pk)}, instance=program)
    with pytest.raises(PermissionDenied):
        services.update_program(form=form, user=bob)
    program.refresh_from_db()
    assert program.owner_id != bob.pk
    assert program.title == "Coffee on Main Street"


def test_update_program_refuses_staff_who_add_themselves_to_the_team(bob, program, program_data):
    form = edit_form(program, program_data, team=[str(bob.pk)])
    with pytest.raises(PermissionDenied):
        services.update_program(form=form, user=bob)
    assert not program.team.filter(pk=bob.pk).exists()


def test_update_program_refuses_command_staff(carol, program, program_data):
    form = edit_form(program, program_data, title="Hijacked")
    with pytest.raises(PermissionDenied):
        services.update_program(form=form, user=carol)


def test_update_program_twice_leaves_the_same_row(alice, program, program_data):
    services.update_program(form=edit_form(program, program_data, title="Once"), user=alice)
    program.refresh_from_db()
    first = Program.objects.filter(pk=program.pk).values("title", "slug", "owner").get()
    services.update_program(form=edit_form(program, program_data, title="Once"), user=alice)
    assert Program.objects.filter(pk=program.pk).values("title", "slug", "owner").get() == first
    assert Program.objects.count() == 1


def test_update_program_keeps_the_web_address(alice, program, program_data):
    services.update_program(form=edit_form(program, program_data, title="New title"), user=alice)
    program.refresh_from_db()
    assert program.slug == "coffee-on-main-street"


# --- change_program_status ------------------------------------------------------------


def change(program, status, user, **kwargs):
    return services.change_program_status(program=program, status=status, user=user, **kwargs)


def test_transitions_follow_the_lifecycle():
    assert services.TRANSITIONS == {
        Status.DRAFT: (Status.ACTIVE, Status.ARCHIVED),
        Status.ACTIVE: (Status.COMPLETED,),
        Status.COMPLETED: (Status.ACTIVE, Status.ARCHIVED),
        Status.ARCHIVED: (),
    }


def test_activating_a_draft_records_when_it_started(alice, draft):
    program = change(draft, Status.ACTIVE, alice, now=NOW)
    assert program.status == Status.ACTIVE
    assert program.started_at == NOW
    draft.refresh_from_db()
    assert draft.status == Status.ACTIVE
    assert draft.started_at == NOW


def test_activating_uses_the_clock_when_no_time_is_given(alice, draft):
    before = timezone.now()
    program = change(draft, Status.ACTIVE, alice)
    assert before <= program.started_at <= timezone.now()


def test_completing_records_the_outcome_and_when(alice, draft):
    change(draft, Status.ACTIVE, alice, now=NOW)
    later = NOW + timedelta(days=90)
    program = change(draft, Status.COMPLETED, alice, outcome="  Forty residents came.  ", now=later)
    program.refresh_from_db()
    assert program.status == Status.COMPLETED
    assert program.outcome == "Forty residents came."
    assert program.completed_at == later
    assert program.started_at == NOW


@pytest.mark.parametrize("outcome", ["", "   \n "])
def test_completing_requires_an_outcome(alice, program, outcome):
    with pytest.raises(ValidationError) as excinfo:
        change(program, Status.COMPLETED, alice, outcome=outcome)
    assert "outcome" in excinfo.value.message_dict
    program.refresh_from_db()
    assert program.status == Status.ACTIVE
    assert program.completed_at is None


def test_reopening_keeps_the_first_start(alice, draft):
    change(draft, Status.ACTIVE, alice, now=NOW)
    change(draft, Status.COMPLETED, alice, outcome="First cohort done.", now=NOW + timedelta(1))
    program = change(draft, Status.ACTIVE, alice, now=NOW + timedelta(days=30))
    assert program.status == Status.ACTIVE
    assert program.started_at == NOW


def test_archiving_a_completed_program(alice, program):
    change(program, Status.COMPLETED, alice, outcome="Done.")
    assert change(program, Status.ARCHIVED, alice).status == Status.ARCHIVED


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Status.DRAFT, Status.COMPLETED),
        (Status.ACTIVE, Status.DRAFT),
        (Status.ACTIVE, Status.ARCHIVED),
        (Status.COMPLETED, Status.DRAFT),
        (Status.ARCHIVED, Status.ACTIVE),
        (Status.ARCHIVED, Status.DRAFT),
        (Status.ARCHIVED, Status.COMPLETED),
    ],
)
def test_disallowed_transitions_are_refused(alice, start, target):
    program = ProgramFactory(owner=alice, status=start)
    with pytest.raises(ValidationError):
        change(program, target, alice, outcome="Something happened.")
    program.refresh_from_db()
    assert program.status == start


def test_an_unknown_status_is_refused(alice, program):
    with pytest.raises(ValidationError):
        change(program, "cancelled", alice)


def test_asking_for_the_current_status_twice_gives_one_effect(alice, draft):
    first = change(draft, Status.ACTIVE, alice, now=NOW)
    second = change(draft, Status.ACTIVE, alice, now=NOW + timedelta(days=1))
    draft.refresh_from_db()
    assert draft.status == Status.ACTIVE
    assert first.started_at == second.started_at == draft.started_at == NOW


def test_completing_twice_keeps_the_first_outcome(alice, program):
    change(program, Status.COMPLETED, alice, outcome="First words.", now=NOW)
    change(program, Status.COMPLETED, alice, outcome="Second words.", now=NOW + timedelta(1))
    program.refresh_from_db()
    assert program.outcome == "First words."
    assert program.completed_at == NOW


def test_change_status_works_from_a_stale_copy(alice, draft):
    stale = Program.objects.get(pk=draft.pk)
    change(draft, Status.ACTIVE, alice, now=NOW)
    program = change(stale, Status.COMPLETED, alice, outcome="Done.", now=NOW + timedelta(1))
    assert program.status == Status.COMPLETED
    assert program.started_at == NOW


def test_change_status_refuses_staff_outside_the_team(bob, program):
    with pytest.raises(PermissionDenied):
        change(program, Status.COMPLETED, bob, outcome="Done.")
    program.refresh_from_db()
    assert program.status == Status.ACTIVE


def test_change_status_lets_team_and_administrators(bob, root, program):
    program.team.add(bob)
    change(program, Status.COMPLETED, bob, outcome="Done.")
    assert change(program, Status.ARCHIVED, root).status == Status.ARCHIVED


def test_change_status_refuses_command_staff(carol, program):
    with pytest.raises(PermissionDenied):
        change(program, Status.COMPLETED, carol, outcome="Done.")


def test_allowed_transitions_for_a_program(alice):
    assert services.allowed_transitions(ProgramFactory(owner=alice, status=Status.ARCHIVED)) == ()


def test_new_staff_member_has_no_program_rights(program):
    newcomer = StaffUserFactory()
    with pytest.raises(PermissionDenied):
        change(program, Status.COMPLETED, newcomer, outcome="Done.")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_completions_take_effect_once():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent connections need PostgreSQL")
    owner = StaffUserFactory()
    program = ProgramFactory(owner=owner)
    barrier = threading.Barrier(4)
    results = []

    def complete(n):
        try:
            barrier.wait()
            results.append(
                change(
                    Program.objects.get(pk=program.pk),
                    Status.COMPLETED,
                    owner,
                    outcome=f"Outcome {n}",
                    now=NOW + timedelta(minutes=n),
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=complete, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    program.refresh_from_db()
    assert len(results) == 4
    # The first to take the lock completes the program; the others find it completed and
    # return it unchanged, so every caller sees the same outcome.
    assert {(r.outcome, r.completed_at) for r in results} == {
        (program.outcome, program.completed_at)
    }
