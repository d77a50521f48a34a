from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoproductionConfig(AppConfig):
    name = "programs.coproduction"
    label = "coproduction"
    verbose_name = _("Tier 5: co-produced solutions")
