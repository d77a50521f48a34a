from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StructuredConfig(AppConfig):
    name = "programs.structured"
    label = "structured"
    verbose_name = _("Tier 3: structured agency programs")
