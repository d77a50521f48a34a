"""Messages queued before private links were sealed kept them readable in their bodies.

Each stored message gets the placeholders now. A message still waiting to be sent keeps its
tokens sealed, so it goes out with working links; for any other, the tokens are dropped.
The links already in residents' inboxes keep working: their hashes are unchanged.
"""

from django.db import migrations

FINAL = ("sent", "failed", "suppressed")


def redact_stored_messages(apps, schema_editor):
    from engagement_portal.messaging import private_links

    OutboxMessage = apps.get_model("messaging", "OutboxMessage")
    batch = []
    rows = OutboxMessage.objects.only(
        "status", "subject", "body_text", "body_html", "last_error", "link_secrets"
    ).order_by("pk")
    for message in rows.iterator(chunk_size=1000):
        texts = (message.subject, message.body_text, message.body_html)
        (subject, text, html), tokens = private_links.redact(*texts)
        if not tokens:
            continue
        message.subject, message.body_text, message.body_html = subject, text, html
        message.last_error = private_links.scrub(message.last_error, tokens)
        message.link_secrets = "" if message.status in FINAL else private_links.seal(tokens)
        batch.append(message)
        if len(batch) >= 500:
            OutboxMessage.objects.bulk_update(batch, list(FIELDS))
            batch = []
    if batch:
        OutboxMessage.objects.bulk_update(batch, list(FIELDS))


FIELDS = ("subject", "body_text", "body_html", "last_error", "link_secrets")


class Migration(migrations.Migration):
    dependencies = [("messaging", "0002_outbox_private_links_sealed")]

    operations = [migrations.RunPython(redact_stored_messages, migrations.RunPython.noop)]
