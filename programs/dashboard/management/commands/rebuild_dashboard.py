"""Recompute every dashboard summary from the source tables."""

import time

from django.core.management.base import BaseCommand

from programs.dashboard.services import rebuild


class Command(BaseCommand):
    help = (
        "Recompute the dashboard summary tables from registrations, attendance, responses "
        "and every other participation record. Safe to run at any time; it runs in one "
        "transaction, so the dashboards show the old figures until it finishes."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        written = rebuild()
        elapsed = time.perf_counter() - started
        summary = ", ".join(f"{table}: {count}" for table, count in written.items())
        self.stdout.write(f"Rebuilt dashboard summaries in {elapsed:.1f} s ({summary}).")
