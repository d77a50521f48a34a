"""Sealing: authenticated encryption of small JSON values with a key derived from settings.

Answers waiting to be published (HeldResponse) and a respondent's unfinished pages (the
session) are sealed, so that someone who can read the database, but not the server's
settings, learns nothing from them but their (padded) size.

The portal has no cryptography library among its dependencies, so this is the textbook
construction from the standard library: HMAC-SHA256 as a pseudo-random function in
counter mode for the keystream, then HMAC-SHA256 over nonce and ciphertext
(encrypt-then-MAC), with independent keys derived from SECRET_KEY per purpose. A random
16-byte nonce per value; plaintexts are padded to a multiple of PAD bytes so that sizes
say little about the answers.
"""

import base64
import hashlib
import hmac
import json
import secrets

from django.conf import settings
from django.utils.encoding import force_bytes

PAD = 512
NONCE = 16
TAG = 32


def _keys(purpose: str, secret: str | bytes) -> tuple[bytes, bytes]:
    root = hmac.new(force_bytes(secret), b"surveys.sealing:" + purpose.encode(), hashlib.sha256)
    base = root.digest()
    encrypt = hmac.new(base, b"encrypt", hashlib.sha256).digest()
    authenticate = hmac.new(base, b"authenticate", hashlib.sha256).digest()
    return encrypt, authenticate


def _keystream(key: bytes, nonce: bytes, length: int) -> bytes:
    blocks = []
    for counter in range((length + 31) // 32):
        blocks.append(hmac.new(key, nonce + counter.to_bytes(8, "big"), hashlib.sha256).digest())
    return b"".join(blocks)[:length]


def _xor(data: bytes, stream: bytes) -> bytes:
    return bytes(a ^ b for a, b in zip(data, stream, strict=True))


def seal(value, *, purpose: str) -> str:
    """The value (JSON-serialisable) encrypted and authenticated, as URL-safe text."""
    plain = json.dumps(value, separators=(",", ":")).encode()
    plain += b" " * (-len(plain) % PAD)  # JSON ignores trailing spaces
    encrypt, authenticate = _keys(purpose, settings.SECRET_KEY)
    nonce = secrets.token_bytes(NONCE)
    body = _xor(plain, _keystream(encrypt, nonce, len(plain)))
    tag = hmac.new(authenticate, nonce + body, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(nonce + body + tag).decode()


def unseal(text: str, *, purpose: str):
    """The value sealed in `text`, or None if it was not sealed by us for this purpose."""
    try:
        raw = base64.urlsafe_b64decode(text.encode())
    except (ValueError, AttributeError):
        return None
    if len(raw) < NONCE + TAG:
        return None
    nonce, body, tag = raw[:NONCE], raw[NONCE:-TAG], raw[-TAG:]
    for secret in [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]:
        encrypt, authenticate = _keys(purpose, secret)
        expected = hmac.new(authenticate, nonce + body, hashlib.sha256).digest()
        if hmac.compare_digest(expected, tag):
            try:
                return json.loads(_xor(body, _keystream(encrypt, nonce, len(body))))
            except ValueError:
                return None
    return None
