from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from django.views.generic import TemplateView

from engagement_portal.accounts.models import Consent, Resident
from engagement_portal.accounts.services import record_consent
from engagement_portal.core.mixins import AdministratorRequiredMixin

from . import machinery
from .services import read_opt_out_token


@require_http_methods(["GET", "POST"])
def opt_out(request, token):
    """The link in every non-essential message. GET only asks: mail scanners follow links."""
    data = read_opt_out_token(token)
    resident = Resident.objects.filter(pk=data["r"]).first() if data else None
    channel = data.get("c") if data else None
    if resident is None or channel not in Consent.Channel.values:
        return render(request, "messaging/opt_out_invalid.html", status=404)
    done = False
    if request.method == "POST":
        record_consent(resident=resident, channel=channel, granted=False, source="opt-out link")
        done = True
    return render(
        request,
        "messaging/opt_out.html",
        {"done": done, "channel_label": Consent.Channel(channel).label},
    )


class MachineryView(AdministratorRequiredMixin, TemplateView):
    """Administrators: is the machinery running? The outbox, the periodic jobs, the workers."""

    template_name = "messaging/machinery.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            outbox=machinery.outbox_state(),
            jobs=machinery.periodic_jobs(),
            workers=machinery.workers_answering(),
            **kwargs,
        )
