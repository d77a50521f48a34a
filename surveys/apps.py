from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    """Survey builder, distribution and anonymous responses (issue #4)."""

    name = "surveys"
    verbose_name = _("Surveys")
