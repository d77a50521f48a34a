"""Staff pages for partnerships: partner organisations, their contacts and agreements, and the
community co-facilitators of training sessions.

Any staff member may read the list of partners; those who may change programs may edit the
organisation and its agreements. A partner's page and its contacts (people's names, emails and
phones) are for the staff who run a program the partner co-runs, and administrators: others get
a 403, and each view of a contact is audit-logged. Co-facilitators are recorded by the staff
who run the session's program. Access is checked before the HTTP method or the input is
looked at.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from engagement_portal.core.mixins import staff_only
from engagement_portal.core.services import audit_view
from programs.in_person import selectors_partners as selectors
from programs.in_person import services_partners as services
from programs.in_person.forms_partners import (
    PartnerAgreementForm,
    PartnerContactForm,
    PartnerForm,
)
from programs.in_person.models import PartnerAgreement, PartnerContact, PartnerOrganisation


def editors_only(view):
    """Partner records are edited by staff who may change programs; others get a 403."""
    return login_required(
        permission_required(
            ("accounts.access_staff_portal", "programs.change_program"), raise_exception=True
        )(view)
    )


def _only_get_or_post(request):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return None


def _partner_for_contacts(request, partner_pk) -> PartnerOrganisation:
    partner = get_object_or_404(PartnerOrganisation, pk=partner_pk)
    if not selectors.user_can_see_partner_contacts(request.user, partner):
        raise PermissionDenied
    return partner


def _back_to(request, partner):
    """The partner's page if the user may open it, otherwise the list."""
    if selectors.user_can_see_partner_contacts(request.user, partner):
        return redirect("partners:staff-detail", partner_pk=partner.pk)
    return redirect("partners:staff-list")


def _form_page(request, form, *, title, partner=None):
    return render(
        request,
        "in_person/partners/staff_form.html",
        {"form": form, "title": title, "partner": partner},
    )


@staff_only
@require_safe
def staff_list(request):
    return render(
        request,
        "in_person/partners/staff_list.html",
        {
            "partners": selectors.partners_for_list(timezone.localdate()),
            "openable": selectors.partner_ids_with_contacts_visible_to(request.user),
            "can_edit": request.user.has_perm("programs.change_program"),
        },
    )


@staff_only
@require_safe
def staff_detail(request, partner_pk):
    partner = selectors.partner_for_detail(partner_pk, timezone.localdate())
    if partner is None:
        raise Http404
    if not selectors.user_can_see_partner_contacts(request.user, partner):
        raise PermissionDenied
    audit_view(
        actor=request.user,
        page="partners:staff-detail",
        target=partner,
        contacts=[contact.pk for contact in partner.contacts.all()],
    )
    return render(
        request,
        "in_person/partners/staff_detail.html",
        {"partner": partner, "can_edit": request.user.has_perm("programs.change_program")},
    )


@editors_only
def staff_create(request):
    if refused := _only_get_or_post(request):
        return refused
    form = PartnerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        partner = form.save()
        messages.success(request, _("Partner “%(name)s” added.") % {"name": partner.name})
        return _back_to(request, partner)
    return _form_page(request, form, title=_("Add a partner organisation"))


@editors_only
def staff_edit(request, partner_pk):
    partner = get_object_or_404(PartnerOrganisation, pk=partner_pk)
    if refused := _only_get_or_post(request):
        return refused
    form = PartnerForm(request.POST or None, instance=partner)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Changes saved."))
        return _back_to(request, partner)
    return _form_page(request, form, title=_("Edit partner organisation"), partner=partner)


@editors_only
def contact_add(request, partner_pk):
    partner = _partner_for_contacts(request, partner_pk)
    if refused := _only_get_or_post(request):
        return refused
    form = PartnerContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contact = services.add_contact(partner=partner, **form.cleaned_data)
        messages.success(request, _("Contact “%(name)s” saved.") % {"name": contact.name})
        return redirect("partners:staff-detail", partner_pk=partner.pk)
    return _form_page(request, form, title=_("Add a contact"), partner=partner)


@editors_only
def contact_edit(request, contact_pk):
    contact = get_object_or_404(PartnerContact.objects.select_related("partner"), pk=contact_pk)
    if not selectors.user_can_see_partner_contacts(request.user, contact.partner):
        raise PermissionDenied
    if refused := _only_get_or_post(request):
        return refused
    # The form edits a copy so that a refused post does not change what the page shows.
    form = PartnerContactForm(request.POST or None, initial=_values(contact, PartnerContactForm))
    if request.method == "POST" and form.is_valid():
        services.update_contact(contact=contact, **form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return redirect("partners:staff-detail", partner_pk=contact.partner_id)
    audit_view(
        actor=request.user,
        page="partners:contact-edit",
        target=contact,
        partner=contact.partner_id,
    )
    return _form_page(request, form, title=_("Edit contact"), partner=contact.partner)


@editors_only
def agreement_add(request, partner_pk):
    partner = get_object_or_404(PartnerOrganisation, pk=partner_pk)
    if refused := _only_get_or_post(request):
        return refused
    form = PartnerAgreementForm(request.POST or None, initial={"responsible_user": request.user})
    if request.method == "POST" and form.is_valid():
        agreement = services.add_agreement(partner=partner, **form.cleaned_data)
        messages.success(request, _("Agreement “%(title)s” saved.") % {"title": agreement.title})
        return _back_to(request, partner)
    return _form_page(request, form, title=_("Add an agreement"), partner=partner)


@editors_only
def agreement_edit(request, agreement_pk):
    agreement = get_object_or_404(
        PartnerAgreement.objects.select_related("partner"), pk=agreement_pk
    )
    if refused := _only_get_or_post(request):
        return refused
    form = PartnerAgreementForm(
        request.POST or None, initial=_values(agreement, PartnerAgreementForm)
    )
    if request.method == "POST" and form.is_valid():
        services.update_agreement(agreement=agreement, **form.cleaned_data)
        messages.success(request, _("Changes saved."))
        return _back_to(request, agreement.partner)
    return _form_page(request, form, title=_("Edit agreement"), partner=agreement.partner)


def _values(obj, form_class) -> dict:
    return {name: getattr(obj, name) for name in form_class._meta.fields}
