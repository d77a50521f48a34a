"""Seed the five tiers and every engagement opportunity of the reference spectrum."""

from django.db import migrations


def seed(apps, schema_editor):
    from programs.spectrum import seed_spectrum

    seed_spectrum(apps.get_model("programs", "Tier"), apps.get_model("programs", "EngagementType"))


class Migration(migrations.Migration):
    dependencies = [("programs", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
