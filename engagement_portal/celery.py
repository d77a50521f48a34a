"""The Celery application. Workers start with `celery -A engagement_portal worker`."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "engagement_portal.settings")

app = Celery("engagement_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
