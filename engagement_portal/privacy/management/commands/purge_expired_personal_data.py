"""Run the nightly retention purge now: for the embedded default (no Celery beat) or cron."""

from django.core.management.base import BaseCommand

from engagement_portal.privacy import retention


class Command(BaseCommand):
    help = "Anonymise personal data past its retention period (settings.RETENTION_DAYS)."

    def handle(self, *args, **options):
        changed = retention.purge_expired_personal_data()
        for kind, count in changed.items():
            self.stdout.write(f"{kind}: {count}")
