"""Dates written with a month abbreviation as each language writes it.

Django's format character M capitalises the abbreviation ("Dec", but also Spanish "Dic");
Spanish writes it in lower case ("7 dic 2026"). A language whose format module (under
FORMAT_MODULE_PATH) sets LOWERCASE_MONTH_ABBREVIATIONS gets format b there instead.
Templates use it as the `abbr_date` filter (a builtin, see core/templatetags/dates.py).
"""

from functools import cache

from django.conf import settings
from django.utils import dateformat
from django.utils.formats import iter_format_modules
from django.utils.translation import get_language


@cache
def _lower_months(language: str) -> bool:
    return any(
        getattr(module, "LOWERCASE_MONTH_ABBREVIATIONS", False)
        for module in iter_format_modules(language, settings.FORMAT_MODULE_PATH)
    )


def abbr_date(value, pattern: str) -> str:
    """`value` (a date or an aware datetime, shown in local time) in `pattern`, a Django
    date format whose M becomes b in languages that write months in lower case."""
    if value in (None, ""):
        return ""
    if _lower_months(get_language() or settings.LANGUAGE_CODE):
        pattern = pattern.replace("M", "b")
    return dateformat.format(value, pattern)
