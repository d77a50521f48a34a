"""What events keep of residents, and how they let go of it (engagement_portal.privacy):
accessibility and interpretation details, from the event's end; reminders not yet sent."""

from datetime import date, datetime

from engagement_portal.privacy import retention

from .models import AccommodationRequest, Registration, Reminder


@retention.purges("registrations")
def purge_registrations(now: datetime) -> int:
    return retention.claim(
        AccommodationRequest.objects.filter(
            registration__event__ends_at__lt=retention.cutoff("registrations", now)
        ).exclude(details="")
    ).update(details="")


@retention.keeps_residents
def live_registrations(cut: datetime, day: date):
    return Registration.objects.filter(event__ends_at__gte=cut)


@retention.erases
def erase(person: retention.Person) -> dict[str, int]:
    return {
        "accommodations": AccommodationRequest.objects.filter(
            registration__resident=person.resident
        )
        .exclude(details="")
        .update(details=""),
        # Reminders not yet queued would write to no one (and name no one): skip them.
        "reminders": Reminder.objects.filter(
            registration__resident=person.resident, queued_at__isnull=True, skipped=False
        ).update(skipped=True),
    }
