"""Seed the standard question bank (trust, satisfaction and demographic items)."""

from django.db import migrations


def seed(apps, schema_editor):
    from surveys.bank import seed_bank

    seed_bank(apps.get_model("surveys", "StandardItem"))


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
