"""What the information programs keep of residents, and how they let go of it
(engagement_portal.privacy): names and contacts left with replies to announcements and
with press questions."""

from datetime import datetime

from django.db.models import Q
from django.utils import timezone

from engagement_portal.privacy import retention

from .models import AnnouncementReply, PressQuestion


@retention.purges("public_input")
def purge_public_input(now: datetime) -> int:
    cut = retention.cutoff("public_input", now)
    replies = retention.claim(
        AnnouncementReply.objects.filter(received_at__lt=cut).filter(
            ~Q(name="") | ~Q(contact="") | ~Q(message="")
        )
    ).update(name="", contact="", message="")
    questions = retention.claim(
        PressQuestion.objects.filter(submitted_on__lt=timezone.localdate(cut)).exclude(name="")
    ).update(name="")
    return replies + questions


@retention.erases
def erase(person: retention.Person) -> dict[str, int]:
    changed = 0
    if person.contacts:
        changed += AnnouncementReply.objects.filter(contact__in=person.contacts).update(
            name="", contact="", message=""
        )
    for name in person.names:
        changed += AnnouncementReply.objects.filter(name__iexact=name).update(name="")
        changed += PressQuestion.objects.filter(name__iexact=name).update(name="")
    return {"public_input": changed}
