"""The four roles of the portal. Each is a Group whose permissions a migration sets.

Views check permissions, never group names, so an administrator can compose a custom role
in the admin and it behaves as expected.
"""

from django.utils.translation import gettext_lazy as _

RESIDENT = "resident"
PROGRAM_STAFF = "program staff"
COMMAND_STAFF = "command staff"
ADMINISTRATOR = "administrator"

ROLE_LABELS = {
    RESIDENT: _("Resident"),
    PROGRAM_STAFF: _("Program staff"),
    COMMAND_STAFF: _("Command staff"),
    ADMINISTRATOR: _("Administrator"),
}
ROLES = list(ROLE_LABELS)
STAFF_ROLES = [PROGRAM_STAFF, COMMAND_STAFF, ADMINISTRATOR]


def grant(apps, role_permissions: dict[str, list[str]]) -> None:
    """Add "app_label.codename" permissions to role groups; for use in data migrations.

    Permissions are normally created after migrations run, so this creates any that do not
    exist yet for the apps it names. Idempotent.
    """
    from django.contrib.auth.management import create_permissions

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    for role, perms in role_permissions.items():
        group, _created = Group.objects.get_or_create(name=role)
        for perm in perms:
            app_label, codename = perm.split(".")
            group.permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
