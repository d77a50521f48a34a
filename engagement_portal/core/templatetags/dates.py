"""`{{ value|abbr_date:"j M Y" }}`: Django's date filter with month abbreviations as the
language writes them ("7 Dec 2026", "7 dic 2026"). Loaded as a builtin (settings)."""

from django import template
from django.utils import timezone

from engagement_portal.core.dates import abbr_date as format_abbr_date

register = template.Library()


@register.filter(expects_localtime=True, is_safe=False)
def abbr_date(value, pattern: str) -> str:
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        value = timezone.localtime(value)
    try:
        return format_abbr_date(value, pattern)
    except (AttributeError, TypeError, ValueError):
        return ""
