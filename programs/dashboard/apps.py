from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "programs.dashboard"
    label = "dashboard"
    verbose_name = _("Dashboards")

    def ready(self) -> None:
        from engagement_portal.core.ledger import facts_recorded
        from programs.dashboard.tasks import wake_refresh

        facts_recorded.connect(wake_refresh, dispatch_uid="dashboard.wake_refresh")
