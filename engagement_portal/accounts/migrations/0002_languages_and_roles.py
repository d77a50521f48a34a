"""Seed the languages the agency starts with and the four roles with their accounts
permissions. Each app above grants its own permissions to these roles in its migrations;
administrators get every permission after each migrate (roles.administrators_hold_every_permission)."""

from django.db import migrations

LANGUAGES = [
    ("en", "English", "English"),
    ("es", "Spanish", "Español"),
    ("vi", "Vietnamese", "Tiếng Việt"),
    ("zh-hans", "Chinese (Simplified)", "简体中文"),
    ("ar", "Arabic", "العربية"),
    ("tl", "Tagalog", "Tagalog"),
    ("asl", "American Sign Language", "ASL"),
]

PROGRAM_STAFF = [
    "accounts.access_staff_portal",
    "accounts.view_neighbourhood",
    "accounts.view_language",
]
COMMAND_STAFF = [
    "accounts.access_staff_portal",
    "accounts.access_command_portal",
    "accounts.view_neighbourhood",
]


def seed(apps, schema_editor):
    from engagement_portal.accounts.roles import grant

    Language = apps.get_model("accounts", "Language")
    for code, name, native in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name, "native_name": native})
    grant(apps, {"resident": [], "program staff": PROGRAM_STAFF, "command staff": COMMAND_STAFF})
    Group = apps.get_model("auth", "Group")
    Group.objects.get_or_create(name="administrator")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
