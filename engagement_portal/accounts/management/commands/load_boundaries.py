from django.core.management.base import BaseCommand, CommandError

from engagement_portal.accounts.boundaries import load_boundaries


class Command(BaseCommand):
    help = (
        "Load neighbourhood outlines from a GeoJSON FeatureCollection (all or none), for the "
        "map on the reach dashboard. Features are matched to neighbourhoods by a property "
        "holding the neighbourhood code."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--key", default="code", help="The feature property holding the code (default: code)."
        )

    def handle(self, path, key, **options):
        try:
            with open(path, "rb") as fh:
                content = fh.read()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}") from exc
        result = load_boundaries(content, key=key)
        if not result.ok:
            raise CommandError("Nothing loaded:\n" + "\n".join(result.errors))
        self.stdout.write(f"Loaded {len(result.loaded)} outlines.")
        if result.without:
            self.stdout.write("Still without an outline: " + ", ".join(result.without))
