"""Spanish: Django's own, except the short date that drop-downs show (see en/formats.py).
Month abbreviations stay lower case ("dic"), as Spanish writes them; format M would
capitalise them."""

SHORT_DATE_FORMAT = "D j b Y"

# core/dates.py: templates' abbr_date filter writes "7 dic 2026", not "7 Dic 2026".
LOWERCASE_MONTH_ABBREVIATIONS = True
