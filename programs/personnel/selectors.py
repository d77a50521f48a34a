from django.db.models import QuerySet

from programs.personnel.models import EventCoFacilitator


def event_co_facilitators(event) -> QuerySet[EventCoFacilitator]:
    return EventCoFacilitator.objects.filter(event=event).select_related("partner")
