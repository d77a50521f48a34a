from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One email or text message the portal sends. Every outgoing message is a row here.

    `key` makes queueing idempotent: the code that queues a message names it after what it
    is for (e.g. "reminder:24h:registration:42"), so queueing the same thing twice yields one
    row and one message.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Not sent: no consent")
        # A survey distribution paused or cancelled before its message went out.
        HELD = "held", _("Held: sending paused")
        WITHDRAWN = "withdrawn", _("Not sent: withdrawn")

    # Unique through Meta.constraints: the same guarantee as unique=True, without the second
    # (LIKE pattern) index PostgreSQL would also get, which every write would pay for.
    key = models.CharField(_("de-duplication key"), max_length=200)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    recipient = models.CharField(_("recipient"), max_length=254)
    language = models.CharField(_("language"), max_length=10)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    # The private-link tokens that the bodies show as "[private link removed #n]", sealed
    # (see messaging/private_links.py); emptied when the message is sent or given up.
    link_secrets = models.TextField(blank=True, default="", editable=False)
    essential = models.BooleanField(
        _("essential"),
        default=False,
        help_text=_("Essential messages (confirmations, cancellations) ignore opt-outs."),
    )
    resident = models.ForeignKey(
        "accounts.Resident",
        verbose_name=_("resident"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="messages",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    not_before = models.DateTimeField(_("not before"), default=timezone.now)
    claimed_by = models.UUIDField(null=True, blank=True, editable=False)
    claimed_at = models.DateTimeField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        # Partial indexes: they hold the rows still in play, never the sent ones, so they
        # stay small and quick however large the outbox grows (a distribution adds 100,000
        # rows at once), and a claim reads the due rows in order and stops at its batch.
        constraints = [models.UniqueConstraint(fields=["key"], name="outbox_key_unique")]
        indexes = [
            models.Index(
                fields=["not_before", "id"],
                condition=models.Q(status="pending"),
                name="outbox_due",
            ),
            models.Index(
                fields=["claimed_at", "id"],
                condition=models.Q(status="sending"),
                name="outbox_lease",
            ),
            models.Index(
                fields=["status"],
                condition=models.Q(status__in=["pending", "sending", "failed"]),
                name="outbox_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} to {self.recipient}: {self.subject or self.key}"
