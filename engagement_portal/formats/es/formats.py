"""Spanish: Django's own, except the short date that drop-downs show (see en/formats.py).
Month abbreviations stay lower case ("dic"), as Spanish writes them; format M would
capitalise them."""

SHORT_DATE_FORMAT = "D j b Y"
