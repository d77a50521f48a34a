import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission

from engagement_portal.accounts import roles
from engagement_portal.accounts.services import assign_role, role_of
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ROLE_GROUPS = {roles.RESIDENT, roles.PROGRAM_STAFF, roles.COMMAND_STAFF, roles.ADMINISTRATOR}


def test_migration_creates_exactly_the_four_role_groups():
    assert set(Group.objects.values_list("name", flat=True)) == ROLE_GROUPS
    assert set(roles.ROLES) == ROLE_GROUPS


def test_program_staff_can_run_programs_but_not_reach_the_command_portal(alice):
    assert alice.has_perm("programs.add_program")
    assert alice.has_perm("programs.change_program")
    assert alice.has_perm("accounts.access_staff_portal")
    assert alice.is_agency_personnel
    assert not alice.has_perm("accounts.access_command_portal")
    assert not alice.has_perm("programs.delete_program")
    assert not alice.has_perm("accounts.view_resident")


def test_command_staff_reaches_both_portals_but_cannot_add_programs(carol):
    assert carol.has_perm("accounts.access_staff_portal")
    assert carol.has_perm("accounts.access_command_portal")
    assert not carol.has_perm("programs.add_program")
    assert not carol.has_perm("programs.change_program")


def test_residents_have_no_staff_permission(dave):
    assert not dave.get_all_permissions()
    assert not dave.is_agency_personnel
    assert not dave.is_staff


def test_administrator_has_every_permission(root):
    every = {
        f"{app_label}.{codename}"
        for app_label, codename in Permission.objects.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert root.get_all_permissions() == every
    assert root.is_staff
    assert not root.is_superuser


@pytest.mark.parametrize("role", roles.ROLES)
def test_assign_role_gives_exactly_one_role(role, alice):
    assign_role(user=alice, role=role)

    alice.refresh_from_db()
    assert list(alice.groups.values_list("name", flat=True)) == [role]
    assert alice.is_staff == (role == roles.ADMINISTRATOR)


def test_assign_role_run_twice_changes_nothing():
    user = UserFactory()
    other_group = Group.objects.create(name="review board clerks")
    user.groups.add(other_group)

    assign_role(user=user, role=roles.COMMAND_STAFF)
    assign_role(user=user, role=roles.COMMAND_STAFF)

    user.refresh_from_db()
    assert set(user.groups.values_list("name", flat=True)) == {
        roles.COMMAND_STAFF,
        "review board clerks",
    }
    assert not user.is_staff


def test_assign_role_takes_admin_site_access_away_from_a_former_administrator(root):
    assign_role(user=root, role=roles.PROGRAM_STAFF)

    root.refresh_from_db()
    assert not root.is_staff
    assert role_of(root) == roles.PROGRAM_STAFF


def test_assign_role_refuses_an_unknown_role(dave):
    with pytest.raises(ValueError):
        assign_role(user=dave, role="sheriff")
    assert list(dave.groups.values_list("name", flat=True)) == [roles.RESIDENT]


@pytest.mark.parametrize(
    "persona, role",
    [
        ("alice", roles.PROGRAM_STAFF),
        ("carol", roles.COMMAND_STAFF),
        ("dave", roles.RESIDENT),
        ("root", roles.ADMINISTRATOR),
    ],
)
def test_role_of_names_each_personas_role(persona, role, request):
    assert role_of(request.getfixturevalue(persona)) == role


def test_role_of_picks_the_highest_of_several_roles(alice):
    alice.groups.add(Group.objects.get(name=roles.COMMAND_STAFF))

    assert role_of(alice) == roles.COMMAND_STAFF


def test_role_of_treats_a_superuser_as_administrator():
    assert role_of(UserFactory(is_superuser=True)) == roles.ADMINISTRATOR


def test_role_of_treats_a_user_without_a_role_as_resident():
    assert role_of(UserFactory()) == roles.RESIDENT


def test_role_of_anonymous_is_none():
    assert role_of(AnonymousUser()) is None
