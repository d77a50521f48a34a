from django.core.management import call_command
from django.core.management.base import CommandError

from engagement_portal.accounts import roles
from engagement_portal.accounts.models import Neighbourhood, Resident, User
from programs.models import Program, Tier


def counts():
    return (
        User.objects.count(),
        Neighbourhood.objects.count(),
        Program.objects.count(),
        Resident.objects.count(),
    )


def test_demo_data_builds_an_agency_with_every_role_and_tier(db, settings):
    settings.DEBUG = True
    call_command("seed_demo", stdout=None)
    assert Neighbourhood.objects.filter(population__gt=0).count() >= 6
    for role in roles.ROLES:
        assert User.objects.filter(groups__name=role).exists(), role
    for tier in Tier.objects.all():
        assert Program.objects.filter(
            engagement_type__tier=tier, status=Program.Status.ACTIVE
        ).exists(), tier
    staff = User.objects.get(email="staff@example.org")
    assert staff.check_password("engage-demo-2026")
    assert staff.rank and staff.unit


def test_demo_data_twice_changes_nothing(db, settings):
    settings.DEBUG = True
    call_command("seed_demo")
    before = counts()
    call_command("seed_demo")
    assert counts() == before


def test_demo_data_refuses_to_run_in_production(db, settings):
    settings.DEBUG = False
    try:
        call_command("seed_demo")
    except CommandError as exc:
        assert "refusing" in str(exc)
    else:
        raise AssertionError("seed_demo ran with DEBUG off")
    assert User.objects.count() == 0
