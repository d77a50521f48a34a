from django.core.management.base import BaseCommand, CommandError

from engagement_portal.accounts.services import import_neighbourhoods


class Command(BaseCommand):
    help = "Create or update neighbourhoods from a CSV file (all rows or none)."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, path, **options):
        try:
            with open(path, "rb") as fh:
                content = fh.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        result = import_neighbourhoods(content)
        if not result.ok:
            raise CommandError("Nothing imported:\n" + "\n".join(result.errors))
        self.stdout.write(f"Imported {result.created} new, {result.updated} updated.")
