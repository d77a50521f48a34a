from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from engagement_portal.core.mixins import staff_only
from events.hooks import Panel
from events.models import Event
from programs.personnel import selectors, services
from programs.personnel.forms import CoFacilitatorForm
from programs.selectors import user_can_manage_program


def _only_get_or_post(request):
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return None


@staff_only
def co_facilitators(request, pk):
    event = get_object_or_404(Event.objects.select_related("program__engagement_type__tier"), pk=pk)
    if not user_can_manage_program(request.user, event.program):
        raise PermissionDenied
    if refused := _only_get_or_post(request):
        return refused
    form = CoFacilitatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = services.add_co_facilitator(event=event, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(name)s added.") % {"name": person.name})
            return redirect(f"{event.get_staff_url()}#co-facilitators")
    return render(
        request,
        "personnel/co_facilitators.html",
        {
            "event": event,
            "co_facilitators": selectors.event_co_facilitators(event),
            "co_facilitator_form": form,
            "is_training": services.is_training_session(event),
        },
    )


def event_panel(request, event) -> Panel:
    """The co-facilitators section of an event's staff page."""
    return Panel(
        "personnel/_event_panel.html",
        {
            "co_facilitators": selectors.event_co_facilitators(event),
            "co_facilitator_form": CoFacilitatorForm(),
            "is_training": services.is_training_session(event),
        },
    )
