"""Administrators' privacy pages: find a resident, download what is held, erase on request."""

import json

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import FormView, TemplateView, View

from engagement_portal.accounts.models import Resident
from engagement_portal.core.mixins import AdministratorRequiredMixin
from engagement_portal.core.services import audit

from . import retention, selectors
from .forms import EraseResidentForm, ResidentSearchForm

RETENTION_LABELS = {
    "residents": gettext_lazy("Residents' contact details, from their last activity"),
    "registrations": gettext_lazy("Accessibility and interpretation details, from the event's end"),
    "applications": gettext_lazy(
        "Applications, from the decision (unless the program sets its own)"
    ),
    "requests": gettext_lazy("Requests for a line-up, briefing or ride-out, from their handling"),
    "volunteers": gettext_lazy("What volunteers wrote about their hours"),
    "public_input": gettext_lazy("Names and contacts left with tips, questions and comments"),
    "survey_contacts": gettext_lazy("Survey invitations' addresses, from the last sending"),
    "held_answers": gettext_lazy(
        "Anonymous answers never published (a group under 10), from the survey's closing"
    ),
    "outbox_messages": gettext_lazy("Sent messages: addresses, subjects and texts"),
    "audit_log": gettext_lazy("The audit log"),
}
HELD_LABELS = {
    "consents": gettext_lazy("Consents to be contacted"),
    "registrations": gettext_lazy("Event registrations"),
    "applications": gettext_lazy("Applications"),
    "requests": gettext_lazy("Requests for a visit"),
    "volunteering": gettext_lazy("Volunteering"),
    "cohorts": gettext_lazy("Cohort memberships"),
    "groups": gettext_lazy("Standing group memberships"),
    "survey_responses": gettext_lazy("Identified survey responses"),
    "survey_invitations": gettext_lazy("Survey invitations"),
    "messages": gettext_lazy("Messages sent"),
}


class PrivacySearchView(AdministratorRequiredMixin, TemplateView):
    template_name = "core/privacy/search.html"

    def get_context_data(self, **kwargs):
        form = ResidentSearchForm(self.request.GET or None)
        residents = None
        if form.is_valid():
            residents = list(selectors.find_residents(form.cleaned_data["q"]))
            audit(
                actor=self.request.user,
                action="resident.searched",
                target="residents",
                residents=residents,
            )
        return super().get_context_data(
            form=form, residents=residents, retention=retention_table(), **kwargs
        )


def retention_table() -> list[tuple[str, int]]:
    return [(RETENTION_LABELS[kind], days) for kind, days in settings.RETENTION_DAYS.items()]


class PrivacyResidentView(AdministratorRequiredMixin, TemplateView):
    template_name = "core/privacy/resident.html"

    def get_context_data(self, **kwargs):
        resident = get_object_or_404(Resident, pk=self.kwargs["pk"])
        audit(
            actor=self.request.user,
            action="resident.viewed",
            target=f"resident {resident.pk}",
            residents=[resident],
        )
        data = selectors.resident_data(resident)
        return super().get_context_data(
            resident=resident,
            erased=retention.is_erased(resident),
            counts=[
                (HELD_LABELS.get(kind, kind), count)
                for kind, count in selectors.held_counts(data).items()
            ],
            **kwargs,
        )


class PrivacyExportView(AdministratorRequiredMixin, View):
    def get(self, request, pk):
        resident = get_object_or_404(Resident, pk=pk)
        with transaction.atomic():
            data = selectors.resident_data(resident)
            audit(
                actor=request.user,
                action="resident.exported",
                target=f"resident {pk}",
                residents=[resident],
            )
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False, default=str),
            content_type="application/json; charset=utf-8",
        )
        stamp = timezone.localdate().isoformat()
        response["Content-Disposition"] = f'attachment; filename="resident-{pk}-{stamp}.json"'
        add_never_cache_headers(response)
        return response


class PrivacyEraseView(AdministratorRequiredMixin, FormView):
    template_name = "core/privacy/erase.html"
    form_class = EraseResidentForm

    def dispatch(self, request, *args, **kwargs):
        self.resident = get_object_or_404(Resident, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            resident=self.resident, erased=retention.is_erased(self.resident), **kwargs
        )

    def form_valid(self, form):
        retention.erase_resident(resident_id=self.resident.pk, actor=self.request.user)
        messages.success(
            self.request,
            _("Resident record %(id)s is erased. The figures it counted in are unchanged.")
            % {"id": self.resident.pk},
        )
        return redirect(reverse("core:privacy-resident", args=[self.resident.pk]))
