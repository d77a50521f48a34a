from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "engagement_portal.messaging"
    label = "messaging"
    verbose_name = _("Messages")

    def ready(self):
        from engagement_portal.accounts import outbox

        from .services import queue_message

        # The accounts sit below the outbox: they send through it without importing it.
        outbox.connect(queue_message)
