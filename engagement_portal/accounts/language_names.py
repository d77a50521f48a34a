"""Mark the names of the seeded languages for translation.

Migration 0002_languages_and_roles stores these English names in Language.name, and
Language.__str__ displays them through gettext(name). Migrations are not scanned by
makemessages, so the names are marked here with gettext_noop to enter the catalogues.
Keep this list in step with the migration when a language is added.
"""

from django.utils.translation import gettext_noop

LANGUAGE_NAMES = [
    gettext_noop("English"),
    gettext_noop("Spanish"),
    gettext_noop("Vietnamese"),
    gettext_noop("Chinese (Simplified)"),
    gettext_noop("Arabic"),
    gettext_noop("Tagalog"),
    gettext_noop("American Sign Language"),
]
