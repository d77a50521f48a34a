"""What the in-person programs keep of residents, and how they let go of it
(engagement_portal.privacy): residents' requests for a line-up, briefing or ride-out, from
their handling."""

from datetime import date, datetime

from django.db.models import Q

from engagement_portal.privacy import retention

from .models import ResidentRequest


def _anonymise_requests(requests, now: datetime, *, wait: bool = False) -> int:
    return retention.claim(requests.filter(anonymised_at__isnull=True), wait=wait).update(
        topic="",
        details="",
        address="",
        preferred_time_1="",
        preferred_time_2="",
        preferred_time_3="",
        staff_reply="",
        anonymised_at=now,
    )


@retention.purges("requests")
def purge_requests(now: datetime) -> int:
    cut = retention.cutoff("requests", now)
    return _anonymise_requests(
        ResidentRequest.objects.filter(created_at__lt=cut).filter(
            Q(handled_at__isnull=True) | Q(handled_at__lt=cut)
        ),
        now,
    )


@retention.keeps_residents
def live_requests(cut: datetime, day: date):
    return ResidentRequest.objects.filter(anonymised_at__isnull=True)


@retention.erases
def erase(person: retention.Person) -> dict[str, int]:
    return {
        "requests": _anonymise_requests(
            ResidentRequest.objects.filter(resident=person.resident), person.now, wait=True
        )
    }
