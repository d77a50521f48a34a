from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PersonnelConfig(AppConfig):
    name = "programs.personnel"
    label = "personnel"
    verbose_name = _("Tier 4: personnel development")

    def ready(self) -> None:
        from events import hooks

        from .views import event_panel

        hooks.register(event_panel)
