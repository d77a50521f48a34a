from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLog(models.Model):
    """Who did what to personal or sensitive data, and when. Rows are only ever added.

    `residents` names the people whose data was seen or changed, so an administrator can
    answer "who looked at this person?". Rows hold references and ids, never copies of what
    was shown (no names, addresses or free text about the resident)."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=60)
    target = models.CharField(_("what"), max_length=255)
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    residents = models.ManyToManyField(
        "accounts.Resident",
        verbose_name=_("residents"),
        blank=True,
        related_name="audit_entries",
    )

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return (
            f"{timezone.localtime(self.at):%Y-%m-%d %H:%M} {self.actor} {self.action} {self.target}"
        )


class LedgerEntry(models.Model):
    """One fact of participation, written by the domain in the transaction that made it
    true (see core/ledger.py). The dashboards read the ledger, never the other way round.

    It names what happened and where it counts (program, day, event, survey), not who:
    the only resident id it ever holds is that of a resident who moved home, and entries
    are deleted once summarised and a week old."""

    fact = models.CharField(max_length=40)
    at = models.DateTimeField(default=timezone.now)
    program_id = models.BigIntegerField(null=True)
    day = models.DateField(null=True)
    previous_day = models.DateField(null=True)
    event_id = models.BigIntegerField(null=True)
    survey_id = models.BigIntegerField(null=True)
    resident_id = models.BigIntegerField(null=True)
    neighbourhood_id = models.BigIntegerField(null=True)
    summarised_at = models.DateTimeField(null=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["id"],
                name="ledger_pending",
                condition=models.Q(summarised_at__isnull=True),
            ),
            models.Index(fields=["summarised_at"], name="ledger_summarised"),
        ]

    def __str__(self) -> str:
        return f"{self.fact} #{self.pk}"
