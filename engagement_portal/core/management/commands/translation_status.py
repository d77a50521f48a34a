"""`manage.py translation_status`: how much of each interface language is translated.

One line per catalogue under locale/ (and per enabled language without one): the share of
entries translated, the untranslated and fuzzy counts, and whether PORTAL_LANGUAGES enables
it. `--require 100` exits with an error when an enabled language is below that share, the
check a translator runs before asking for their language to be switched on.
"""

from pathlib import Path

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def catalogue_status(code: str) -> dict:
    path = Path(settings.BASE_DIR) / "locale" / code / "LC_MESSAGES" / "django.po"
    if not path.exists():
        return {"code": code, "exists": False, "share": 0.0, "total": 0}
    po = polib.pofile(str(path))
    entries = [e for e in po if not e.obsolete]
    fuzzy = [e for e in entries if "fuzzy" in e.flags]
    done = [e for e in entries if e.translated() and "fuzzy" not in e.flags]
    total = len(entries)
    return {
        "code": code,
        "exists": True,
        "total": total,
        "translated": len(done),
        "fuzzy": len(fuzzy),
        "untranslated": total - len(done) - len(fuzzy),
        "share": 100.0 * len(done) / total if total else 100.0,
    }


class Command(BaseCommand):
    help = "Report the share of the interface translated in each language."

    def add_arguments(self, parser):
        parser.add_argument(
            "--require",
            type=float,
            default=None,
            metavar="PERCENT",
            help="fail if an enabled language has less than this share translated",
        )

    def handle(self, *args, require=None, **options):
        enabled = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
        locale = Path(settings.BASE_DIR) / "locale"
        present = sorted(p.name for p in locale.iterdir() if (p / "LC_MESSAGES").is_dir())
        short = []
        for code in sorted(set(enabled) | set(present)):
            status = catalogue_status(code)
            state = "enabled" if code in enabled else "not enabled"
            if not status["exists"]:
                self.stdout.write(f"{code}: no catalogue ({state})")
                short.append(code)
                continue
            self.stdout.write(
                f"{code}: {status['share']:.1f}% translated ({status['translated']} of "
                f"{status['total']}; {status['untranslated']} untranslated, "
                f"{status['fuzzy']} fuzzy) ({state})"
            )
            if require is not None and code in enabled and status["share"] < require:
                short.append(code)
        if require is not None and short:
            raise CommandError(f"below {require:g}%: {', '.join(short)}")
