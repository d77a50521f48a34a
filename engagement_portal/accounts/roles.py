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


def administrators_hold_every_permission(sender, apps=None, using="default", **kwargs) -> None:
    """post_migrate: give the administrator group every permission that exists. Idempotent.

    Migration 0002 granted what existed then; an app added later would otherwise leave
    administrators without its permissions until someone remembered a grant migration.
    """
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    apps = apps or global_apps  # `flush` sends post_migrate without the migration state.
    # post_migrate is sent once per app; act once, after the last, when all models are known.
    with_models = [c for c in global_apps.get_app_configs() if c.models_module is not None]
    if not with_models or sender.label != with_models[-1].label:
        return
    # Django creates each app's permissions in its own post_migrate receiver, which may run
    # after this one for the last app; creating them here first makes the order irrelevant.
    for app_config in with_models:
        create_permissions(app_config, verbosity=0, using=using, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group = Group.objects.using(using).filter(name=ADMINISTRATOR).first()
    if group is not None:
        group.permissions.set(Permission.objects.using(using).all())
