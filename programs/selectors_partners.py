"""Reads for the partnership pages."""

from datetime import date

from django.db.models import Prefetch, QuerySet

from events.models import EventCoFacilitator

from .models import PartnerAgreement, PartnerOrganisation, Program


def _flag(agreements, today: date) -> None:
    for agreement in agreements:
        agreement.renewal_due = agreement.renewal_is_due(today)
        agreement.lapsed = agreement.renews_on < today


def partners_for_list(today: date) -> list[PartnerOrganisation]:
    """Every partner with the programs it co-runs and its agreements, renewals flagged."""
    partners = list(
        PartnerOrganisation.objects.prefetch_related(
            Prefetch("programs", queryset=Program.objects.order_by("title")),
            Prefetch("agreements", queryset=PartnerAgreement.objects.order_by("renews_on")),
        )
    )
    for partner in partners:
        _flag(partner.agreements.all(), today)
        partner.renewals_due = sum(a.renewal_due for a in partner.agreements.all())
    return partners


def partner_for_detail(pk: int, today: date) -> PartnerOrganisation | None:
    partner = (
        PartnerOrganisation.objects.prefetch_related(
            Prefetch("programs", queryset=Program.objects.order_by("title")),
            "contacts",
            Prefetch(
                "agreements",
                queryset=PartnerAgreement.objects.select_related("responsible_user"),
            ),
        )
        .filter(pk=pk)
        .first()
    )
    if partner is not None:
        _flag(partner.agreements.all(), today)
    return partner


def event_co_facilitators(event) -> QuerySet[EventCoFacilitator]:
    return EventCoFacilitator.objects.filter(event=event).select_related("partner")
