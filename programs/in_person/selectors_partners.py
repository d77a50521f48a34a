"""Reads for the partnership pages."""

from datetime import date

from django.db.models import Prefetch, Q

from programs.in_person.models import PartnerAgreement, PartnerOrganisation
from programs.models import Program


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


def _run_by(user) -> Q:
    return Q(programs__owner=user) | Q(programs__team=user)


def user_can_see_partner_contacts(user, partner: PartnerOrganisation) -> bool:
    """A partner's contacts are for the staff who run a program it co-runs, and administrators."""
    if not user.is_authenticated or not user.has_perm("programs.change_program"):
        return False
    if user.has_perm("programs.manage_all_programs"):
        return True
    return PartnerOrganisation.objects.filter(_run_by(user), pk=partner.pk).exists()


def partner_ids_with_contacts_visible_to(user) -> set[int]:
    """Ids of the partners whose pages (with their contacts) `user` may open; one query."""
    if not user.is_authenticated or not user.has_perm("programs.change_program"):
        return set()
    partners = PartnerOrganisation.objects.all()
    if not user.has_perm("programs.manage_all_programs"):
        partners = partners.filter(_run_by(user))
    return set(partners.values_list("pk", flat=True))
