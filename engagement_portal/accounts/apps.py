from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "engagement_portal.accounts"
    label = "accounts"
    verbose_name = _("Accounts and community records")

    def ready(self):
        from .roles import administrators_hold_every_permission

        post_migrate.connect(
            administrators_hold_every_permission,
            dispatch_uid="accounts.administrators_hold_every_permission",
        )
