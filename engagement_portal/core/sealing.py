"""Sealing: authenticated encryption of small JSON values, with keys that live in the
server's settings and never in the database.

Someone who can read the database or a backup, but not the settings, learns nothing from a
sealed value but its length (pad it to hide that). Used for anonymous answers waiting to be
published and a respondent's unfinished pages (surveys), and for the private links of
messages waiting to be sent (messaging).

AES-256-GCM from the `cryptography` library: a random 96-bit nonce per value, and a key per
purpose derived from SECRET_KEY with HKDF-SHA256, the purpose also bound in as associated
data, so a value sealed for one purpose never opens as another. SECRET_KEY_FALLBACKS open
older seals, so the key rotates the way Django's signing does. Unlike Fernet, a seal
carries no timestamp in clear: when something was sealed is part of what it hides.
"""

import base64
import json
import secrets
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.utils.encoding import force_bytes

NONCE = 12
VERSION = b"\x01"


@lru_cache(maxsize=64)
def _key(secret: str | bytes, purpose: str) -> AESGCM:
    material = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"engagement_portal.sealing",
        info=purpose.encode(),
    ).derive(force_bytes(secret))
    return AESGCM(material)


def _secrets() -> list:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def seal(value, *, purpose: str, pad: int = 0) -> str:
    """`value` (JSON-serialisable) encrypted and authenticated, as URL-safe text.

    With `pad`, the plaintext is padded with spaces (which JSON ignores) to a multiple of
    `pad` bytes, so the length says little about the content."""
    plain = json.dumps(value, separators=(",", ":")).encode()
    if pad:
        plain += b" " * (-len(plain) % pad)
    nonce = secrets.token_bytes(NONCE)
    cipher = _key(settings.SECRET_KEY, purpose).encrypt(nonce, plain, purpose.encode())
    return base64.urlsafe_b64encode(VERSION + nonce + cipher).decode()


def unseal(text: str, *, purpose: str):
    """The value sealed in `text` for `purpose`, or None if it was not (another purpose, a
    key that is neither SECRET_KEY nor a fallback, or a changed byte)."""
    try:
        raw = base64.urlsafe_b64decode(force_bytes(text))
    except (ValueError, TypeError):
        return None
    if len(raw) < 1 + NONCE + 16 or raw[:1] != VERSION:
        return None
    nonce, cipher = raw[1 : 1 + NONCE], raw[1 + NONCE :]
    for secret in _secrets():
        try:
            plain = _key(secret, purpose).decrypt(nonce, cipher, purpose.encode())
        except InvalidTag:
            continue
        return json.loads(plain)
    return None
