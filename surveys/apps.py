from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from events import hooks

        from .selectors import follow_up_survey_url

        hooks.register_follow_up(follow_up_survey_url)
