"""What recipients got. Stored messages show "[private link removed #n]" in place of private
links, so a test that follows a link reads it from the delivered email or text message."""

from django.core import mail
from django.test import override_settings

from engagement_portal.messaging import private_links, services
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.sms import LocmemSMSBackend

LOCMEM_SMS = "engagement_portal.messaging.sms.LocmemSMSBackend"


def _as_stored(body: str) -> str:
    return private_links.redact(body)[0][0]


def delivered(message: OutboxMessage) -> str:
    """The text body of `message` as its recipient received it; sends what is due first."""
    with override_settings(PORTAL_SMS_BACKEND=LOCMEM_SMS):
        services.send_pending()
    message.refresh_from_db()
    if message.channel == OutboxMessage.Channel.EMAIL:
        bodies = [m.body for m in mail.outbox if m.to == [message.recipient]]
    else:
        bodies = [m["body"] for m in LocmemSMSBackend.outbox if m["to"] == message.recipient]
    matching = [body for body in bodies if _as_stored(body) == message.body_text]
    assert matching, f"{message.key} was not delivered (status {message.status})"
    return matching[-1]
