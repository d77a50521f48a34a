"""Seed the five tiers and their engagement types; give the roles their programs
permissions."""

from django.db import migrations

PROGRAM_STAFF = [
    "programs.view_program",
    "programs.add_program",
    "programs.change_program",
    "programs.view_spectrum",
    "programs.view_engagementtype",
]
COMMAND_STAFF = [
    "programs.view_program",
    "programs.view_spectrum",
    "programs.view_engagementtype",
]


def seed(apps, schema_editor):
    from engagement_portal.accounts.roles import grant
    from programs.spectrum import seed_spectrum

    seed_spectrum(apps.get_model("programs", "Tier"), apps.get_model("programs", "EngagementType"))
    grant(apps, {"program staff": PROGRAM_STAFF, "command staff": COMMAND_STAFF})


class Migration(migrations.Migration):
    dependencies = [
        ("programs", "0001_initial"),
        ("accounts", "0002_languages_and_roles"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
