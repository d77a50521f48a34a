"""The interface languages, for model fields that store one (a resident's preferred
language, the language of a registration's messages...).

Fields take `choices=interface_languages`, the function rather than the list, so that
migrations record a reference to it: the languages are configuration (PORTAL_LANGUAGES), and
enabling one must not need a new migration.
"""

from django.conf import settings


def interface_languages() -> list[tuple[str, str]]:
    return list(settings.LANGUAGES)
