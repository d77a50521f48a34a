"""Private links in outgoing messages: never at rest in a readable form.

A private link is any portal address whose URL pattern takes a `token` (a registration's
manage page, an application's status or guardian page, a volunteer's page, a request's
status, a survey invitation, an opt-out, an account confirmation). The token opens
something, so the outbox row keeps the message with each such token replaced by a
placeholder ("[private link removed #1]"), which is also all the admin and any staff view
shows. The tokens themselves wait in `OutboxMessage.link_secrets`, sealed with a key derived
from SECRET_KEY (AES-256-GCM, see engagement_portal.core.sealing), so a database reader or a
backup holds nothing that opens a page. The sender puts the tokens back only in memory, for
the message it hands to the mail server or SMS gateway, and wipes `link_secrets` when the
row reaches a final state (sent, failed, suppressed).

Links are found by resolving every address in the rendered message, so a new kind of
private link is covered as soon as its URL pattern names its parameter `token`.
"""

import logging
import re
from urllib.parse import unquote, urlsplit

from django.urls import Resolver404, resolve

from engagement_portal.core import sealing

# The URL parameter that marks a private link.
TOKEN_PARAMETER = "token"
MIN_TOKEN_LENGTH = 16
_URL = re.compile(r"https?://[^\s<>\"'`]+")
# In log lines a page is often named by its path alone.
_PATH = re.compile(r"(?:https?://[^\s/<>\"'`]+)?/[^\s<>\"'`]+")
_TRAILING = ".,;:!?)]}»”’"
_PLACEHOLDER = re.compile(r"\[private link removed #(\d+)\]")
_NONCE = 16
_TAG = 32


def placeholder(n: int) -> str:
    # Not translated: the sender finds it again by this exact text.
    return f"[private link removed #{n}]"


def _token_in(url: str) -> str | None:
    """The private token in `url`, if it is a portal address of a private link."""
    candidate = url
    while candidate:
        path = unquote(urlsplit(candidate).path)
        try:
            match = resolve(path)
        except Resolver404:
            match = None
        if match is not None:
            return match.kwargs.get(TOKEN_PARAMETER) or None
        if candidate[-1] not in _TRAILING:
            return None
        candidate = candidate[:-1]
    return None


def private_tokens(*texts: str, pattern: re.Pattern = _URL) -> list[str]:
    """Every private token in the addresses of `texts`, in order of first appearance."""
    found: list[str] = []
    for text in texts:
        for url in pattern.findall(text or ""):
            token = _token_in(url)
            # Real tokens are long and random; a short one (a typed example) stays as it is.
            if token and len(token) >= MIN_TOKEN_LENGTH and token not in found:
                found.append(token)
    return found


def redact(*texts: str, tokens: list[str] | None = None) -> tuple[list[str], list[str]]:
    """`texts` with each private token replaced by its placeholder, and the tokens."""
    tokens = private_tokens(*texts) if tokens is None else tokens
    # Longest first, so a token that happens to contain another is replaced whole.
    order = sorted(range(len(tokens)), key=lambda i: -len(tokens[i]))
    redacted = []
    for text in texts:
        for i in order:
            text = (text or "").replace(tokens[i], placeholder(i + 1))
        redacted.append(text)
    return redacted, tokens


def restore(text: str, tokens: list[str]) -> str:
    """`text` with its placeholders replaced by the tokens again (in memory, for sending)."""

    def put_back(match: re.Match) -> str:
        n = int(match.group(1))
        return tokens[n - 1] if 0 < n <= len(tokens) else match.group(0)

    return _PLACEHOLDER.sub(put_back, text) if tokens else text


def scrub(text: str, tokens: list[str]) -> str:
    """`text` (an error message, say) with any of `tokens` in it replaced by placeholders."""
    return redact(text, tokens=tokens)[0][0] if tokens else text


# --- Sealing ------------------------------------------------------------------------------

SEAL_PURPOSE = "messaging.link-secrets"


def seal(tokens: list[str]) -> str:
    """The tokens sealed with a key derived from SECRET_KEY (core.sealing); "" for none."""
    return sealing.seal(tokens, purpose=SEAL_PURPOSE) if tokens else ""


def unseal(sealed: str) -> list[str]:
    """The tokens of `seal`. Raises ValueError when the seal does not open (the secret key
    changed): the message is then not sent, rather than sent with a link that is missing."""
    if not sealed:
        return []
    tokens = sealing.unseal(sealed, purpose=SEAL_PURPOSE)
    if tokens is None:
        raise ValueError(
            "The private links of this message cannot be unsealed (secret key changed)."
        )
    return tokens


class RedactPrivateLinks(logging.Filter):
    """Keeps private tokens out of log lines, such as Django's "Forbidden (CSRF token
    missing.): /events/r/<token>/cancel/" or "Method Not Allowed (POST): ..."."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
            tokens = private_tokens(message, pattern=_PATH)
        except Exception:  # noqa: BLE001 — a log line must never be lost to its redaction
            return True
        if tokens:
            record.msg, record.args = scrub(message, tokens), ()
        return True
