from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InPersonConfig(AppConfig):
    name = "programs.in_person"
    label = "in_person"
    verbose_name = _("Tier 2: in-person interactions")
