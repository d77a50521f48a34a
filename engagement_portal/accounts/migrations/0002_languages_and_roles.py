"""Seed the languages the agency starts with and the four roles with their permissions."""

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
    "programs.view_program",
    "programs.add_program",
    "programs.change_program",
    "programs.view_spectrum",
    "programs.view_engagementtype",
    "programs.view_partnerorganisation",
]
COMMAND_STAFF = [
    "accounts.access_staff_portal",
    "accounts.access_command_portal",
    "accounts.view_neighbourhood",
    "programs.view_program",
    "programs.view_spectrum",
    "programs.view_engagementtype",
]


def seed(apps, schema_editor):
    from engagement_portal.accounts.roles import grant

    Language = apps.get_model("accounts", "Language")
    for code, name, native in LANGUAGES:
        Language.objects.update_or_create(code=code, defaults={"name": name, "native_name": native})

    grant(apps, {"resident": [], "program staff": PROGRAM_STAFF, "command staff": COMMAND_STAFF})
    # Administrators hold every permission that exists when this runs; later migrations that
    # add permissions grant them too.
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    admin, _created = Group.objects.get_or_create(name="administrator")
    admin.permissions.set(Permission.objects.all())


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("programs", "0002_seed_spectrum"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("sessions", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("axes", "0010_accessattemptexpiration"),
    ]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
