from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo loader (`manage.py seed_demo`): it plays a year of every tier, so it sits
    above everything, with the URL configuration."""

    name = "engagement_portal.demo"
    label = "demo"
    verbose_name = "Demo data"
