from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class PrivacyConfig(AppConfig):
    """Retention and erasure of residents' personal data, and the administrators' privacy
    pages. It sits at the top of the foundation and imports no app above it: each app that
    keeps residents' data says what it keeps and how it lets go in its own `retention.py`,
    found here the way the admin finds `admin.py`."""

    name = "engagement_portal.privacy"
    label = "privacy"
    verbose_name = _("Privacy")

    def ready(self):
        autodiscover_modules("retention")
