from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InformationConfig(AppConfig):
    name = "programs.information"
    label = "information"
    verbose_name = _("Tier 1: information sharing")

    def ready(self) -> None:
        from events import hooks

        from .views import event_panel

        hooks.register(event_panel)
