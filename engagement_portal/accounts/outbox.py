"""How the accounts send their essential messages (an account's confirmation link, a
contact claim's link): through the outbox, which sits above them (its rows point at
residents and it reads their consents). The messaging app plugs its `queue_message` in
when it is ready (MessagingConfig.ready), so the accounts import nothing of it."""

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ImproperlyConfigured

# The outbox's channels, by value (messaging.models.OutboxMessage.Channel).
EMAIL = "email"
SMS = "sms"

_queue: Callable[..., Any] | None = None


def connect(queue: Callable[..., Any]) -> None:
    """Called once by the messaging app: `queue` is messaging.services.queue_message."""
    global _queue
    _queue = queue


def queue_message(**fields) -> Any:
    """Queue one message in the outbox, by messaging.services.queue_message's rules (one row
    per key, however often asked)."""
    if _queue is None:
        raise ImproperlyConfigured("engagement_portal.messaging is not installed: no outbox.")
    return _queue(**fields)
