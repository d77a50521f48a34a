"""What surveys keep of residents, and how they let go of it (engagement_portal.privacy):
invitations' addresses, follow-up contacts, answers never published, free-text answers."""

from datetime import date, datetime

from django.db.models import Q

from engagement_portal.privacy import retention

from .models import Answer, FollowUpContact, HeldResponse, Invitation, Response


def _anonymise_invitations(invitations, *, wait: bool = False) -> int:
    # The pk keeps (survey, contact) unique without keeping anything of the contact.
    return retention.claim(
        invitations.exclude(contact__startswith=retention.ERASED_PREFIX), wait=wait
    ).update(contact=retention.erased_marker())


@retention.purges("survey_contacts")
def purge_survey_contacts(now: datetime) -> int:
    cut = retention.cutoff("survey_contacts", now)
    invitations = _anonymise_invitations(
        Invitation.objects.filter(
            Q(last_sent_at__lt=cut) | Q(last_sent_at__isnull=True, survey__created_at__lt=cut)
        )
    )
    follow_ups, _by_model = retention.claim(
        FollowUpContact.objects.filter(survey__closed_at__lt=cut)
    ).delete()
    return invitations + follow_ups


@retention.purges("held_answers")
def purge_held_answers(now: datetime) -> int:
    """Anonymous answers left sealed when their survey closed (a group under 10 is never
    published): no figure counts them, so they are deleted."""
    deleted, _by_model = retention.claim(
        HeldResponse.objects.filter(survey__closed_at__lt=retention.cutoff("held_answers", now))
    ).delete()
    return deleted


@retention.keeps_residents
def live_responses(cut: datetime, day: date):
    return Response.objects.filter(submitted_on__gte=day)


@retention.erases
def erase(person: retention.Person) -> dict[str, int]:
    follow_ups = FollowUpContact.objects.none()
    for email in person.emails:
        follow_ups |= FollowUpContact.objects.filter(email__iexact=email)
    return {
        "survey_answers": Answer.objects.filter(response__resident=person.resident)
        .exclude(text="")
        .update(text=""),
        "invitations": _anonymise_invitations(
            Invitation.objects.filter(Q(resident=person.resident) | Q(contact__in=person.contacts)),
            wait=True,
        ),
        "follow_ups": follow_ups.delete()[0],
    }
