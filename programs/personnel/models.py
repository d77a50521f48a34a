"""Tier 4, shared contributions to personnel development: who of the community helped
train or select the agency's people. Residents as role-players and on hiring and promotion
panels are recorded where they apply and serve (structured.Application, coproduction
groups); this app adds community co-facilitators of training sessions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventCoFacilitator(models.Model):
    """A community co-facilitator of a training session, usually from a partner organisation."""

    event = models.ForeignKey(
        "events.Event",
        verbose_name=_("event"),
        on_delete=models.CASCADE,
        related_name="co_facilitators",
    )
    partner = models.ForeignKey(
        "in_person.PartnerOrganisation",
        verbose_name=_("partner organisation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="co_facilitations",
    )
    name = models.CharField(_("name"), max_length=150)
    role = models.CharField(_("role"), max_length=150, blank=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("community co-facilitator")
        verbose_name_plural = _("community co-facilitators")

    def __str__(self) -> str:
        return f"{self.name} · {self.event}"
