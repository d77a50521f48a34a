from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from engagement_portal.core.mixins import staff_only
from events.hooks import Panel
from events.models import Event
from programs.personnel import selectors, services
from programs.personnel.forms import CoFacilitatorForm
from programs.personnel.models import EventCoFacilitator
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


def _co_facilitator(request, pk) -> EventCoFacilitator:
    person = get_object_or_404(
        EventCoFacilitator.objects.select_related("event__program", "partner"), pk=pk
    )
    if not user_can_manage_program(request.user, person.event.program):
        raise PermissionDenied
    return person


@staff_only
def edit_co_facilitator(request, pk):
    person = _co_facilitator(request, pk)
    if refused := _only_get_or_post(request):
        return refused
    # Not bound to the row: a ModelForm would change it while validating, and the service
    # could then not tell what changed.
    initial = {"name": person.name, "role": person.role, "partner": person.partner_id}
    form = CoFacilitatorForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_co_facilitator(co_facilitator=person, **_fields(form))
        except ValidationError as error:
            form.add_error("name", error)
        else:
            messages.success(request, _("%(name)s saved.") % {"name": person.name})
            return redirect(f"{person.event.get_staff_url()}#co-facilitators")
    return render(
        request,
        "personnel/co_facilitator_edit.html",
        {"event": person.event, "person": person, "form": form},
    )


def _fields(form) -> dict:
    return {key: form.cleaned_data[key] for key in ("name", "role", "partner")}


@staff_only
@require_POST
def remove_co_facilitator(request, pk):
    person = _co_facilitator(request, pk)
    services.remove_co_facilitator(co_facilitator=person)
    messages.success(request, _("%(name)s removed.") % {"name": person.name})
    return redirect(f"{person.event.get_staff_url()}#co-facilitators")


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
