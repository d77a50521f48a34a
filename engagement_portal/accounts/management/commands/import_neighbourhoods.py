from django.core.management.base import BaseCommand, CommandError

from engagement_portal.accounts.services import import_neighbourhoods


class Command(BaseCommand):
    help = "Create or update neighbourhoods from a CSV file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **options):
        with open(path, "rb") as fh:
            result = import_neighbourhoods(fh.read())
        if not result.ok:
            raise CommandError("Nothing imported:\n" + "\n".join(result.errors))
        self.stdout.write(f"Imported {result.created} new, {result.updated} updated.")
