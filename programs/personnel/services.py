from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from engagement_portal.core import ledger
from engagement_portal.core.services import update_changed
from events.models import Event
from programs.in_person.models import PartnerOrganisation
from programs.personnel.models import EventCoFacilitator

# Engagement types whose events are trainings of agency personnel.
TRAINING_TYPES = ("co-facilitated-training", "training-scenario-participation")


def is_training_session(event: Event) -> bool:
    return event.program.engagement_type.slug in TRAINING_TYPES


@transaction.atomic
def add_co_facilitator(
    *, event: Event, partner: PartnerOrganisation | None, name: str, role: str = ""
) -> EventCoFacilitator:
    """Record a community co-facilitator on a training session. Run twice with the same name,
    it keeps one row (with the partner and role of the latest call)."""
    if not is_training_session(event):
        raise ValidationError(_("Co-facilitators are recorded on training sessions only."))
    # Lock the event so two simultaneous posts of the same name cannot both insert.
    event = Event.objects.select_for_update().get(pk=event.pk)
    name = name.strip()
    existing = event.co_facilitators.filter(name__iexact=name).first()
    if existing:
        return update_changed(existing, {"partner": partner, "role": role}, ("partner", "role"))
    co_facilitator = EventCoFacilitator.objects.create(
        event=event, partner=partner, name=name, role=role
    )
    ledger.record(ledger.PARTICIPATED, program_id=event.program_id, day=event.starts_at)
    return co_facilitator
