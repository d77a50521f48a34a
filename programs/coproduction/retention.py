"""What the co-production programs keep of residents, and how they let go of it
(engagement_portal.privacy): names left with public comments; a standing group's members
stay known while their term runs."""

from datetime import date, datetime

from engagement_portal.privacy import retention

from .models_groups import GroupMember, PublicComment


@retention.purges("public_input")
def purge_public_comments(now: datetime) -> int:
    cut = retention.cutoff("public_input", now)
    return retention.claim(
        PublicComment.objects.filter(submitted_at__lt=cut).exclude(name="")
    ).update(name="")


@retention.keeps_residents
def live_group_members(cut: datetime, day: date):
    return GroupMember.objects.filter(term_ends__gte=day)


@retention.erases
def erase(person: retention.Person) -> dict[str, int]:
    changed = 0
    for name in person.names:
        changed += PublicComment.objects.filter(name__iexact=name).update(name="")
    return {"public_input": changed}
