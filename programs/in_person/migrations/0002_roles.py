"""Program staff see the partner organisations (to pick them for a program)."""

from django.db import migrations


def seed(apps, schema_editor):
    from engagement_portal.accounts.roles import grant

    grant(apps, {"program staff": ["in_person.view_partnerorganisation"]})


class Migration(migrations.Migration):
    dependencies = [
        ("in_person", "0001_initial"),
        ("accounts", "0002_languages_and_roles"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
