"""Sealing for survey answers: the portal's sealing (engagement_portal.core.sealing),
padded so that a sealed value's size says little about the answers in it.

Answers waiting to be published (HeldResponse) and a respondent's unfinished pages (the
session) are sealed, so that someone who can read the database, but not the server's
settings, learns nothing from them but a size rounded up to PAD bytes.
"""

from engagement_portal.core import sealing

PAD = 512


def seal(value, *, purpose: str) -> str:
    return sealing.seal(value, purpose=purpose, pad=PAD)


def unseal(text: str, *, purpose: str):
    """The value sealed in `text`, or None if it was not sealed by us for this purpose."""
    return sealing.unseal(text, purpose=purpose)
