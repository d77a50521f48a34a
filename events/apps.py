from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    """Scheduled sessions: registration, capacity, waitlists, check-in (issue #3)."""

    name = "events"
    verbose_name = _("Events")
