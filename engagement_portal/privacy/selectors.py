"""Reads for the privacy pages: finding a resident, and everything held about one."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone

from engagement_portal.accounts.models import Resident, normalise_email
from engagement_portal.accounts.services import normalise_phone

MAX_MATCHES = 50


def find_residents(query: str):
    """Residents whose email or phone is the query, or whose name contains it."""
    query = (query or "").strip()
    if not query:
        return Resident.objects.none()
    q = Q(name__icontains=query)
    if "@" in query:
        q |= Q(email_normalised=normalise_email(query))
    elif phone := normalise_phone(query):
        q |= Q(phone_normalised=phone)
    return (
        # Provisional records (a public form naming someone on file) belong to that
        # person's page: erasing them goes with erasing the person.
        Resident.objects.filter(q, provisional_for__isnull=True)
        .select_related("neighbourhood", "user")
        .order_by("name", "pk")[:MAX_MATCHES]
    )


def _when(value):
    return value.isoformat() if value else None


def resident_data(resident: Resident) -> dict[str, Any]:
    """Everything the portal holds about one resident, as plain JSON-ready data."""
    user = resident.user
    data: dict[str, Any] = {
        "generated_at": _when(timezone.now()),
        "resident": {
            "id": resident.pk,
            "name": resident.name,
            "email": resident.email,
            "phone": resident.phone,
            "preferred_language": resident.preferred_language,
            "neighbourhood": str(resident.neighbourhood) if resident.neighbourhood else None,
            "created_at": _when(resident.created_at),
        },
        "account": None,
        "consents": [
            {
                "channel": c.channel,
                "granted_at": _when(c.granted_at),
                "withdrawn_at": _when(c.withdrawn_at),
                "source": c.source,
            }
            for c in resident.consents.order_by("granted_at", "pk")
        ],
    }
    if user is not None:
        data["account"] = {
            "email": user.email,
            "full_name": user.full_name,
            "preferred_language": user.preferred_language,
            "is_active": user.is_active,
            "date_joined": _when(user.date_joined),
            "last_login": _when(user.last_login),
        }
    data["registrations"] = [
        {
            "event": r.event.title,
            "starts_at": _when(r.event.starts_at),
            "status": r.status,
            "party_size": r.party_size,
            "age_group": r.age_group,
            "language": r.language,
            "wants_reminders": r.wants_reminders,
            "registered_at": _when(r.created_at),
            "checked_in_at": _when(r.checked_in_at),
            "accommodations": [
                {"kind": a.kind, "details": a.details, "arranged": a.fulfilled}
                for a in r.accommodations.all()
            ],
        }
        for r in resident.registrations.select_related("event").prefetch_related("accommodations")
    ]
    data["applications"] = [
        {
            "program": a.program.title,
            "status": a.status,
            "date_of_birth": _when(a.date_of_birth),
            "address": a.address,
            "lives_in_service_area": a.lives_in_service_area,
            "answers": a.answers,
            "acknowledged": a.acknowledged,
            "guardian_name": a.guardian_name,
            "guardian_email": a.guardian_email,
            "guardian_phone": a.guardian_phone,
            "decision_note": a.decision_note,
            "received_at": _when(a.created_at),
            "decided_at": _when(a.decided_at),
            "withdrawn_at": _when(a.withdrawn_at),
        }
        for a in resident.applications.select_related("program")
    ]
    data["requests"] = [
        {
            "kind": r.kind,
            "topic": r.topic,
            "details": r.details,
            "address": r.address,
            "preferred_times": r.preferred_times(),
            "status": r.status,
            "staff_reply": r.staff_reply,
            "received_at": _when(r.created_at),
        }
        for r in resident.requests.all()
    ]
    data["volunteering"] = [
        {
            "program": v.program.title,
            "role": v.role.name,
            "status": v.status,
            "joined_on": _when(v.joined_on),
            "hours": [
                {
                    "started_at": _when(h.started_at),
                    "ended_at": _when(h.ended_at),
                    "description": h.description,
                    "status": h.status,
                }
                for h in v.hours.all()
            ],
        }
        for v in resident.volunteering.select_related("program", "role").prefetch_related("hours")
    ]
    data["cohorts"] = [
        {
            "cohort": str(m.cohort),
            "status": m.status,
            "joined_at": _when(m.joined_at),
            "completed_at": _when(m.completed_at),
        }
        for m in resident.cohort_memberships.select_related("cohort")
    ]
    data["groups"] = [
        {
            "program": m.program.title,
            "role": m.role,
            "term_starts": _when(m.term_starts),
            "term_ends": _when(m.term_ends),
        }
        for m in resident.group_memberships.select_related("program")
    ]
    data["survey_responses"] = [
        {
            "survey": str(r.survey),
            "submitted_on": _when(r.submitted_on),
            "answers": [
                {
                    "question": str(a.question),
                    "choice": str(a.choice) if a.choice else None,
                    "number": a.number,
                    "text": a.text,
                    "declined": a.declined,
                }
                for a in r.answers.select_related("question", "choice")
            ],
        }
        for r in resident.survey_responses.select_related("survey")
    ]
    data["survey_invitations"] = [
        {"survey": str(i.survey), "contact": i.contact, "status": i.status}
        for i in resident.invitations.select_related("survey")
    ]
    data["messages"] = [
        {
            "channel": m.channel,
            "recipient": m.recipient,
            "subject": m.subject,
            "body": m.body_text,
            "status": m.status,
            "created_at": _when(m.created_at),
            "sent_at": _when(m.sent_at),
        }
        for m in resident.messages.order_by("created_at", "pk")
    ]
    return data


def held_counts(data: dict[str, Any]) -> dict[str, int]:
    """How many records of each kind an export holds, for the summary page."""
    return {key: len(value) for key, value in data.items() if isinstance(value, list)}
