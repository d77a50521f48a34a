"""Random identifiers and private tokens, one implementation for the whole portal."""

import hashlib
import secrets


def new_public_id() -> str:
    """Random, URL-safe identifier: public URLs never show sequential ids."""
    return secrets.token_urlsafe(8)


def hash_token(token: str) -> str:
    """What the database keeps of a private token: its SHA-256, never the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """A private token for a link, and the hash to store."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)
