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


@transaction.atomic
def update_co_facilitator(
    *, co_facilitator: EventCoFacilitator, name: str, role: str, partner
) -> EventCoFacilitator:
    """Correct a co-facilitator's name, role or organisation. A name another co-facilitator
    of the same session already has is refused (one person, one row)."""
    event = Event.objects.select_for_update().get(pk=co_facilitator.event_id)
    name = name.strip()
    if event.co_facilitators.filter(name__iexact=name).exclude(pk=co_facilitator.pk).exists():
        raise ValidationError(
            _("%(name)s is already a co-facilitator of this session.") % {"name": name}
        )
    return update_changed(
        co_facilitator,
        {"name": name, "role": role, "partner": partner},
        ("name", "role", "partner"),
    )


@transaction.atomic
def remove_co_facilitator(*, co_facilitator: EventCoFacilitator) -> None:
    """Take a co-facilitator off a session (recorded by mistake, or who did not come): the
    session's participation is counted again without them. Removing twice changes nothing."""
    event = co_facilitator.event
    deleted, _rows = EventCoFacilitator.objects.filter(pk=co_facilitator.pk).delete()
    if deleted:
        ledger.record(ledger.PARTICIPATED, program_id=event.program_id, day=event.starts_at)
