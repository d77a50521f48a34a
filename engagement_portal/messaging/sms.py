"""Pluggable SMS backends. PORTAL_SMS_BACKEND names the class; a provider adapter is one more
class with the same `send(recipient, body)` method and a settings change."""

import json
import logging
import sys
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleSMSBackend:
    """Prints each text message; the embedded default."""

    def send(self, recipient: str, body: str) -> None:
        sys.stdout.write(f"SMS to {recipient}: {body}\n")


class FileSMSBackend:
    """Appends each text message as a JSON line to PORTAL_SMS_FILE_PATH."""

    def send(self, recipient: str, body: str) -> None:
        path = Path(settings.PORTAL_SMS_FILE_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        line = {"to": recipient, "body": body, "at": timezone.now().isoformat()}
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")


class LocmemSMSBackend:
    """Keeps messages in memory, for tests (like Django's locmem email backend)."""

    outbox: list[dict] = []

    def send(self, recipient: str, body: str) -> None:
        LocmemSMSBackend.outbox.append({"to": recipient, "body": body})


def get_sms_backend():
    return import_string(settings.PORTAL_SMS_BACKEND)()
