"""Writes for recommendations: record one, answer it, log progress, follow it, flag overdue ones."""

from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts.models import Consent
from engagement_portal.accounts.services import record_consent
from engagement_portal.accounts.services_claims import (
    acts_for_self,
    person_on_file,
    resident_for_public_form,
)
from engagement_portal.core.links import base_url
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import build_message, queue_messages
from programs.coproduction.models_recommendations import (
    Recommendation,
    RecommendationFollower,
    RecommendationUpdate,
)
from programs.models import Program


def _public_url(recommendation: Recommendation) -> str:
    path = reverse("recommendations:public-detail", args=[recommendation.public_id])
    return base_url() + path


def _staff_url(recommendation: Recommendation) -> str:
    path = reverse("recommendations:staff-detail", args=[recommendation.pk])
    return base_url() + path


def create_recommendation(*, form, program: Program, user) -> Recommendation:
    """Save a valid RecommendationForm for `program`. Each call records a new recommendation."""
    recommendation = form.save(commit=False)
    recommendation.program = program
    recommendation.created_by = user
    recommendation.save()
    return recommendation


@transaction.atomic
def respond(
    *,
    recommendation: Recommendation,
    status: str,
    rationale: str,
    user,
    now: datetime | None = None,
    note: str = "",
) -> Recommendation:
    """Record the agency's answer and tell followers when the status changed.

    Run twice with the same status and rationale, the second run changes nothing, writes no
    update and sends nothing.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    # Lock the row so two staff answering at once cannot both see the old status and both
    # notify followers of the same change.
    locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    rationale = rationale.strip()
    status_changed = locked.status != status
    if not status_changed and locked.rationale == rationale:
        return locked
    locked.status = status
    locked.rationale = rationale
    if status in Recommendation.ANSWERED:
        if status_changed or locked.answered_on is None:
            locked.answered_on = today
    else:
        locked.answered_on = None
    locked.save(update_fields=["status", "rationale", "answered_on"])
    update = RecommendationUpdate.objects.create(
        recommendation=locked,
        on=today,
        status=status,
        text=note.strip() or rationale,
        author=user,
        created_at=now,
    )
    if status_changed:
        _notify_followers(locked, update, now=now)
    return locked


def _notify_followers(
    recommendation: Recommendation, update: RecommendationUpdate, *, now: datetime
) -> int:
    followers = recommendation.followers.select_related("resident").prefetch_related(
        "resident__consents"
    )
    url = _public_url(recommendation)
    messages = []
    for follower in followers:
        resident = follower.resident
        if not resident.email_normalised:
            continue
        messages.append(
            build_message(
                key=f"recommendation:{recommendation.pk}:status:{update.pk}:{follower.pk}",
                channel=OutboxMessage.Channel.EMAIL,
                recipient=resident.email,
                language=follower.language,
                template="recommendation_status",
                context={
                    "recommendation": recommendation,
                    "update": update,
                    "resident": resident,
                    "url": url,
                },
                resident=resident,
                essential=False,  # they consented to email when they asked to follow
                now=now,
            )
        )
    return queue_messages(messages)


@transaction.atomic
def add_progress_update(
    *, recommendation: Recommendation, text: str, user, now: datetime | None = None
) -> RecommendationUpdate:
    """Add a dated progress note without changing the status.

    Run twice on the same day with the same text, it writes one note.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    locked = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    text = text.strip()
    existing = locked.updates.filter(on=today, text=text, status=locked.status).first()
    if existing:
        return existing
    return RecommendationUpdate.objects.create(
        recommendation=locked,
        on=today,
        status=locked.status,
        text=text,
        author=user,
        created_at=now,
    )


@transaction.atomic
def follow(
    *, recommendation: Recommendation, name: str, email: str, language: str, user=None
) -> tuple[RecommendationFollower, bool]:
    """Sign a resident up to hear about status changes, with their consent to email.

    Run twice with the same email, it keeps one follower and one consent; the flag says
    whether this call created the follower. The language changes only at the request of
    the follower themselves (signed in with that confirmed email), never on a typist's word.
    """
    on_file = person_on_file(email=email)
    known = RecommendationFollower.objects.filter(
        recommendation=recommendation, resident=on_file
    ).first()
    if known is not None:
        if acts_for_self(user, email) and known.language != language:
            known.language = language
            known.save(update_fields=["language"])
        return known, False
    resident = resident_for_public_form(name=name, email=email, user=user)
    record_consent(
        resident=resident,
        channel=Consent.Channel.EMAIL,
        granted=True,
        source=f"recommendation:{recommendation.public_id}",
    )
    try:
        with transaction.atomic():
            follower, created = RecommendationFollower.objects.get_or_create(
                recommendation=recommendation, resident=resident, defaults={"language": language}
            )
    except IntegrityError:
        # The same person followed in another request between our lookup and our insert.
        follower = RecommendationFollower.objects.get(
            recommendation=recommendation, resident=resident
        )
        created = False
    if not created and follower.language != language:
        follower.language = language
        follower.save(update_fields=["language"])
    return follower, created


def overdue_key(recommendation: Recommendation, today: date) -> str:
    year, week, _day = today.isocalendar()
    return f"recommendation-overdue:{recommendation.pk}:{year}-W{week:02d}"


def flag_overdue(*, today: date | None = None) -> int:
    """Email the responsible staff member about each open recommendation past its due date.

    At most one message per recommendation per ISO week, however often it runs; returns how
    many messages this run queued.
    """
    today = today or timezone.localdate()
    overdue = list(
        Recommendation.objects.filter(
            status__in=Recommendation.OPEN, response_due__lt=today
        ).select_related("responsible_user", "program", "responsible_unit")
    )
    keys = {r.pk: overdue_key(r, today) for r in overdue}
    already = set(OutboxMessage.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    messages = []
    for recommendation in overdue:
        key = keys[recommendation.pk]
        user = recommendation.responsible_user
        if key in already or not user.email or not user.is_active:
            continue
        messages.append(
            build_message(
                key=key,
                channel=OutboxMessage.Channel.EMAIL,
                recipient=user.email,
                language=user.preferred_language or settings.LANGUAGE_CODE,
                template="recommendation_overdue",
                context={
                    "recommendation": recommendation,
                    "user": user,
                    "days_late": (today - recommendation.response_due).days,
                    "url": _staff_url(recommendation),
                },
                essential=True,  # work for staff, not a resident's opt-in message
            )
        )
    # A concurrent run may queue the same keys; the unique key keeps one row each, so the
    # worst case is that both runs report the message.
    queue_messages(messages)
    return len(messages)
