import pytest

from programs import selectors
from programs.models import EngagementType, Program
from tests.factories import ProgramFactory, StaffUserFactory

pytestmark = pytest.mark.django_db

Status = Program.Status


def catalogue_titles(**filters):
    return {p.title for _tier, programs in selectors.public_catalogue(**filters) for p in programs}


def of_type(slug, **kwargs):
    return ProgramFactory(engagement_type=EngagementType.objects.get(slug=slug), **kwargs)


# --- public_catalogue -----------------------------------------------------------------


def test_catalogue_lists_all_five_tiers_when_nothing_runs():
    catalogue = selectors.public_catalogue()
    assert [tier.number for tier, _programs in catalogue] == [1, 2, 3, 4, 5]
    assert all(programs == [] for _tier, programs in catalogue)


def test_catalogue_lists_only_active_public_programs():
    ProgramFactory(title="Running")
    ProgramFactory(title="Planned", status=Status.DRAFT)
    ProgramFactory(title="Over", status=Status.COMPLETED)
    ProgramFactory(title="History", status=Status.ARCHIVED)
    ProgramFactory(title="Staff only", visibility=Program.Visibility.INTERNAL)
    assert catalogue_titles() == {"Running"}


def test_catalogue_groups_programs_under_their_tier():
    of_type("community-surveys", title="Satisfaction survey")
    of_type("ride-outs", title="Ride with K-9")
    of_type("unstructured-engagement", title="Coffee")
    of_type("citizen-review-boards", title="Review board")
    grouped = {
        tier.number: [p.title for p in programs] for tier, programs in selectors.public_catalogue()
    }
    assert grouped == {
        1: ["Satisfaction survey"],
        2: ["Coffee", "Ride with K-9"],
        3: [],
        4: [],
        5: ["Review board"],
    }


def test_catalogue_orders_by_type_then_title_within_a_tier():
    of_type("ride-outs", title="A ride")
    of_type("unstructured-engagement", title="Z coffee")
    of_type("unstructured-engagement", title="B coffee")
    tier2 = selectors.public_catalogue()[1][1]
    assert [p.title for p in tier2] == ["B coffee", "Z coffee", "A ride"]


def test_neighbourhood_filter_includes_city_wide_programs(eastside, westside):
    ProgramFactory(title="East only").neighbourhoods.add(eastside)
    ProgramFactory(title="West only").neighbourhoods.add(westside)
    both = ProgramFactory(title="East and west")
    both.neighbourhoods.add(eastside, westside)
    ProgramFactory(title="Whole city")
    assert catalogue_titles(neighbourhood=eastside) == {"East only", "East and west", "Whole city"}


def test_neighbourhood_filter_lists_a_program_once(eastside, westside):
    ProgramFactory(title="East and west").neighbourhoods.add(eastside, westside)
    titles = [p.title for _t, ps in selectors.public_catalogue(neighbourhood=eastside) for p in ps]
    assert titles == ["East and west"]


def test_language_filter_keeps_programs_offered_in_that_language(spanish, vietnamese):
    ProgramFactory(title="In Spanish").languages.add(spanish)
    ProgramFactory(title="In both").languages.add(spanish, vietnamese)
    ProgramFactory(title="In Vietnamese").languages.add(vietnamese)
    ProgramFactory(title="No language named")
    assert catalogue_titles(language=spanish) == {"In Spanish", "In both"}


def test_language_and_neighbourhood_filters_combine(eastside, westside, spanish):
    east_spanish = ProgramFactory(title="East in Spanish")
    east_spanish.neighbourhoods.add(eastside)
    east_spanish.languages.add(spanish)
    west_spanish = ProgramFactory(title="West in Spanish")
    west_spanish.neighbourhoods.add(westside)
    west_spanish.languages.add(spanish)
    ProgramFactory(title="City-wide in Spanish").languages.add(spanish)
    ProgramFactory(title="East, no language").neighbourhoods.add(eastside)
    assert catalogue_titles(neighbourhood=eastside, language=spanish) == {
        "East in Spanish",
        "City-wide in Spanish",
    }


def test_catalogue_programs_keep_all_their_neighbourhoods_when_filtered(eastside, westside):
    ProgramFactory(title="East and west").neighbourhoods.add(eastside, westside)
    [program] = [p for _t, ps in selectors.public_catalogue(neighbourhood=eastside) for p in ps]
    assert set(program.neighbourhoods.all()) == {eastside, westside}


# --- spectrum_overview ----------------------------------------------------------------


def test_spectrum_overview_counts_only_active_programs():
    of_type("ride-outs")
    of_type("ride-outs", visibility=Program.Visibility.INTERNAL)
    of_type("ride-outs", status=Status.DRAFT)
    of_type("ride-outs", status=Status.COMPLETED)
    of_type("citizen-review-boards", status=Status.ARCHIVED)
    overview = {row["tier"].number: row for row in selectors.spectrum_overview()}
    assert overview[2]["active_count"] == 2
    ride_outs = next(t for t in overview[2]["types"] if t.slug == "ride-outs")
    assert ride_outs.active_count == 2
    assert len(ride_outs.active_programs) == 2
    assert all(p.status == Status.ACTIVE for p in ride_outs.active_programs)
    assert overview[5]["active_count"] == 0


def test_spectrum_overview_flags_idle_tiers():
    of_type("community-surveys")
    of_type("youth-engagement", status=Status.DRAFT)
    overview = selectors.spectrum_overview()
    assert [row["tier"].number for row in overview] == [1, 2, 3, 4, 5]
    assert [row["idle"] for row in overview] == [False, True, True, True, True]


def test_spectrum_overview_lists_every_type_under_its_tier_in_order():
    custom = EngagementType.objects.create(
        tier_id=EngagementType.objects.get(slug="ride-outs").tier_id,
        slug="bike-patrol-chats",
        name="Bike patrol chats",
        description="Officers on bikes stop to talk.",
    )
    overview = selectors.spectrum_overview()
    for row in overview:
        assert all(t.tier_id == row["tier"].pk for t in row["types"])
    tier2 = [t.slug for t in overview[1]["types"]]
    assert tier2[0] == "community-events"
    assert tier2[-1] == custom.slug
    assert sum(len(row["types"]) for row in overview) == EngagementType.objects.count()


# --- user_can_manage_program ----------------------------------------------------------


def test_owner_can_manage(alice, program):
    assert selectors.user_can_manage_program(alice, program)


def test_team_member_can_manage(bob, program):
    program.team.add(bob)
    assert selectors.user_can_manage_program(bob, program)


def test_staff_outside_the_team_cannot_manage(bob, program):
    assert not selectors.user_can_manage_program(bob, program)


def test_administrator_can_manage_any_program(root, program):
    assert selectors.user_can_manage_program(root, program)


def test_command_staff_cannot_manage(carol, program):
    assert not selectors.user_can_manage_program(carol, program)


def test_residents_and_visitors_cannot_manage(dave, program):
    from django.contrib.auth.models import AnonymousUser

    assert not selectors.user_can_manage_program(dave, program)
    assert not selectors.user_can_manage_program(AnonymousUser(), program)


def test_owner_without_change_permission_cannot_manage(program):
    program.owner.groups.clear()
    owner = type(program.owner).objects.get(pk=program.owner_id)
    assert not selectors.user_can_manage_program(owner, program)


# --- programs_managed_by --------------------------------------------------------------


def test_programs_managed_by_lists_owned_and_team_programs_once(alice, bob):
    owned = ProgramFactory(title="Owned", owner=alice)
    owned.team.add(alice, bob)
    ProgramFactory(title="On the team", owner=bob).team.add(alice)
    ProgramFactory(title="Draft of mine", owner=alice, status=Status.DRAFT)
    ProgramFactory(title="Archived", owner=alice, status=Status.ARCHIVED)
    ProgramFactory(title="Someone else's", owner=StaffUserFactory())
    titles = list(selectors.programs_managed_by(alice).order_by("title").values_list("title"))
    assert [t for (t,) in titles] == ["Draft of mine", "On the team", "Owned"]
