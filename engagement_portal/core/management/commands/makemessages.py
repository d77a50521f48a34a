"""makemessages that also extracts strings marked with the ``N_`` alias of gettext_noop.

programs/spectrum.py marks the seeded tier and engagement-type texts as
``from django.utils.translation import gettext_noop as N_``. xgettext only knows the
keywords Django passes it (gettext_noop, gettext_lazy, ...) plus its own defaults, so
without ``--keyword=N_`` those strings would never reach the catalogues.
"""

from django.core.management.commands.makemessages import Command as MakeMessagesCommand


class Command(MakeMessagesCommand):
    xgettext_options = [*MakeMessagesCommand.xgettext_options, "--keyword=N_"]
