"""Retention and erasure of residents' personal data.

Two promises (README "Privacy"): nothing is kept longer than its retention period
(settings.RETENTION_DAYS), and a resident can be erased on request. Both anonymise in
place. Rows that carry dashboard facts (registrations, applications, survey responses, the
Resident row that the reach summaries point at) keep those facts - status, program, dates,
party size, neighbourhood, age group - and lose whatever names or reaches the person. The
summary tables are never touched, and nothing a summary refresh reads is changed (a birth
date is moved only to a day that gives the same age group on every day it is read for), so
every dashboard figure stays what it was, even after `rebuild_dashboard`.

Every write claims its rows (SELECT ... FOR UPDATE SKIP LOCKED; an erasure waits instead)
and is a conditional UPDATE (`... WHERE details <> ''`, `anonymised_at IS NULL`), so running
a purge or an erasure twice, or two at once, changes nothing the second time.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime, timedelta

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, Q, TextField, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from engagement_portal.accounts.models import Consent, ContactClaim, Resident, User
from engagement_portal.core.models import AuditLog
from engagement_portal.core.services import audit
from engagement_portal.messaging.models import OutboxMessage
from events.models import AccommodationRequest, Registration, Reminder
from programs.coproduction.models_groups import GroupMember, PublicComment
from programs.dashboard.demographics import APPLICANT_SOURCES, age_group_on
from programs.dashboard.sources import SOURCES
from programs.in_person.models import ResidentRequest
from programs.information.models import AnnouncementReply, PressQuestion
from programs.structured.models_applications import Application, ApplicationForm, ApplicationNote
from programs.structured.models_cohorts import Attendance, CohortMember
from programs.structured.models_volunteers import HoursEntry, Volunteer
from surveys.models import Answer, FollowUpContact, HeldResponse, Invitation, Response

# An anonymised resident keeps a unique, contact-free marker ("erased:<pk>") where the
# normalised email was: the table's check constraint wants an email or a phone, and no
# lookup of a real (normalised, "@"-bearing) address can ever match it.
ERASED_PREFIX = "erased:"
# What stands in for a name, email or phone found inside free text (audit log, admin log).
ERASED_TEXT = "[erased]"
FINISHED_MESSAGES = (
    OutboxMessage.Status.SENT,
    OutboxMessage.Status.FAILED,
    OutboxMessage.Status.SUPPRESSED,
)


def cutoff(kind: str, now: datetime) -> datetime:
    """The moment before which data of this kind has outlived its retention period."""
    return now - timedelta(days=settings.RETENTION_DAYS[kind])


def _claim(queryset, *, wait: bool = False):
    """The rows of `queryset` that no concurrent purge or erasure holds, locked until this
    transaction ends. Concurrent purges skip each other's rows instead of waiting (or
    deadlocking); the conditional updates after the claim make a second run a no-op. An
    erasure waits (`wait`) instead: a row it skipped would keep the person, and since purges
    never wait, the two cannot deadlock. SQLite ignores the lock: it runs one writer at a
    time."""
    locked = queryset.select_for_update(skip_locked=not wait, of=("self",))
    ids = list(locked.values_list("pk", flat=True))
    return queryset.model._default_manager.filter(pk__in=ids)


def _erased_marker():
    return Concat(Value(ERASED_PREFIX), Cast("pk", output_field=CharField()))


# --- The pieces shared by the purge and the erasure -------------------------------------


def _coarse_birth_date(application: Application) -> date:
    """A birth date as coarse as the figures allow: 1 January, 1 July, the 1st or the 15th
    of the month, or (rarely) the day itself - the first that gives the same age group as
    the real one on every day the demographics read it for (see dashboard.demographics)."""
    born = application.date_of_birth
    days: set[date] = set()
    for source in SOURCES:
        if source.kind not in APPLICANT_SOURCES:
            continue
        rows = source.queryset.filter(
            **{source.program: application.program_id, source.resident: application.resident_id}
        )
        days.update(rows.annotate(_day=source.day_expression()).values_list("_day", flat=True))
    for candidate in (
        date(born.year, 1, 1),
        date(born.year, 7, 1),
        born.replace(day=1),
        born.replace(day=15),
    ):
        if all(age_group_on(candidate, day) == age_group_on(born, day) for day in days):
            return candidate
    return born


def _anonymise_applications(applications, now: datetime, *, wait: bool = False) -> int:
    changed = 0
    claimed = _claim(applications.filter(anonymised_at__isnull=True), wait=wait)
    for application in claimed.only("pk", "program_id", "resident_id", "date_of_birth"):
        changed += Application.objects.filter(pk=application.pk, anonymised_at__isnull=True).update(
            address="",
            answers={},
            guardian_name="",
            guardian_email="",
            guardian_phone="",
            guardian_signature="",
            decision_note="",
            date_of_birth=_coarse_birth_date(application),
            anonymised_at=now,
        )
        # Reviewers' notes are about the person and count towards no figure.
        ApplicationNote.objects.filter(application_id=application.pk).delete()
    return changed


def _anonymise_requests(requests, now: datetime, *, wait: bool = False) -> int:
    return _claim(requests.filter(anonymised_at__isnull=True), wait=wait).update(
        topic="",
        details="",
        address="",
        preferred_time_1="",
        preferred_time_2="",
        preferred_time_3="",
        staff_reply="",
        anonymised_at=now,
    )


def _blank_messages(messages, *, wait: bool = False) -> int:
    """Addresses and texts of messages; unsent ones are stopped (marked not sent)."""
    messages = _claim(messages, wait=wait)
    stopped = messages.filter(
        status__in=[OutboxMessage.Status.PENDING, OutboxMessage.Status.SENDING]
    ).update(status=OutboxMessage.Status.SUPPRESSED)
    blanked = messages.filter(
        ~Q(recipient="")
        | ~Q(subject="")
        | ~Q(body_text="")
        | ~Q(body_html="")
        | ~Q(link_secrets="")
    ).update(
        recipient="",
        subject="",
        body_text="",
        body_html="",
        attachments=[],
        last_error="",
        link_secrets="",
    )
    return stopped + blanked


def _anonymise_invitations(invitations, *, wait: bool = False) -> int:
    # The pk keeps (survey, contact) unique without keeping anything of the contact.
    return _claim(invitations.exclude(contact__startswith=ERASED_PREFIX), wait=wait).update(
        contact=_erased_marker()
    )


def _anonymise_users(users) -> int:
    changed = 0
    for user in users.exclude(email__endswith="@erased.invalid"):
        Session.objects.filter(pk__in=_session_keys_of(user.pk)).delete()
        changed += User.objects.filter(pk=user.pk, email=user.email).update(
            email=f"erased-{user.pk}@erased.invalid",
            full_name="",
            badge_number="",
            is_active=False,
            password="!erased",  # an unusable password: no hasher produces a leading "!"
        )
    return changed


def _session_keys_of(user_id: int) -> list[str]:
    keys = []
    for session in Session.objects.filter(expire_date__gte=timezone.now()).iterator():
        if str(session.get_decoded().get("_auth_user_id")) == str(user_id):
            keys.append(session.pk)
    return keys


def _anonymise_residents(residents, now: datetime, *, wait: bool = False) -> int:
    """The Resident rows themselves: PROTECTed rows and the reach summaries keep pointing
    at them; they keep their neighbourhood and language (facts of the figures)."""
    ids = list(
        _claim(
            residents.exclude(email_normalised__startswith=ERASED_PREFIX), wait=wait
        ).values_list("pk", flat=True)
    )
    if not ids:
        return 0
    _anonymise_users(User.objects.filter(resident__pk__in=ids))
    Consent.objects.filter(resident_id__in=ids, withdrawn_at__isnull=True).update(withdrawn_at=now)
    return (
        Resident.objects.filter(pk__in=ids)
        .exclude(email_normalised__startswith=ERASED_PREFIX)
        .update(
            name="",
            email="",
            phone="",
            phone_normalised="",
            email_normalised=_erased_marker(),
            user=None,
        )
    )


# --- The nightly purge ------------------------------------------------------------------


def purge_registrations(now: datetime) -> int:
    return _claim(
        AccommodationRequest.objects.filter(
            registration__event__ends_at__lt=cutoff("registrations", now)
        ).exclude(details="")
    ).update(details="")


def purge_applications(now: datetime) -> int:
    default_cut = cutoff("applications", now)
    own = dict(
        ApplicationForm.objects.filter(retention_days__isnull=False).values_list(
            "program_id", "retention_days"
        )
    )
    changed = 0
    groups = [(~Q(program_id__in=list(own)), default_cut)] + [
        (Q(program_id=program_id), now - timedelta(days=days)) for program_id, days in own.items()
    ]
    for in_programs, cut in groups:
        expired = (
            Application.objects.filter(in_programs, anonymised_at__isnull=True, created_at__lt=cut)
            .filter(Q(decided_at__isnull=True) | Q(decided_at__lt=cut))
            .filter(Q(withdrawn_at__isnull=True) | Q(withdrawn_at__lt=cut))
        )
        changed += _anonymise_applications(expired, now)
    return changed


def purge_requests(now: datetime) -> int:
    cut = cutoff("requests", now)
    return _anonymise_requests(
        ResidentRequest.objects.filter(created_at__lt=cut).filter(
            Q(handled_at__isnull=True) | Q(handled_at__lt=cut)
        ),
        now,
    )


def purge_volunteers(now: datetime) -> int:
    return _claim(
        HoursEntry.objects.filter(ended_at__lt=cutoff("volunteers", now)).exclude(description="")
    ).update(description="")


def purge_public_input(now: datetime) -> int:
    cut = cutoff("public_input", now)
    replies = _claim(
        AnnouncementReply.objects.filter(received_at__lt=cut).filter(
            ~Q(name="") | ~Q(contact="") | ~Q(message="")
        )
    ).update(name="", contact="", message="")
    questions = _claim(
        PressQuestion.objects.filter(submitted_on__lt=timezone.localdate(cut)).exclude(name="")
    ).update(name="")
    comments = _claim(PublicComment.objects.filter(submitted_at__lt=cut).exclude(name="")).update(
        name=""
    )
    return replies + questions + comments


def purge_survey_contacts(now: datetime) -> int:
    cut = cutoff("survey_contacts", now)
    invitations = _anonymise_invitations(
        Invitation.objects.filter(
            Q(last_sent_at__lt=cut) | Q(last_sent_at__isnull=True, survey__created_at__lt=cut)
        )
    )
    follow_ups, _by_model = _claim(
        FollowUpContact.objects.filter(survey__closed_at__lt=cut)
    ).delete()
    return invitations + follow_ups


def purge_held_answers(now: datetime) -> int:
    """Anonymous answers left sealed when their survey closed (a group under 10 is never
    published): no figure counts them, so they are deleted."""
    deleted, _by_model = _claim(
        HeldResponse.objects.filter(survey__closed_at__lt=cutoff("held_answers", now))
    ).delete()
    return deleted


def purge_outbox_messages(now: datetime) -> int:
    return _blank_messages(
        OutboxMessage.objects.filter(
            created_at__lt=cutoff("outbox_messages", now), status__in=FINISHED_MESSAGES
        )
    )


def purge_audit_log(now: datetime) -> int:
    deleted, _by_model = _claim(AuditLog.objects.filter(at__lt=cutoff("audit_log", now))).delete()
    return deleted


def purge_sessions(now: datetime) -> int:
    deleted, _by_model = _claim(Session.objects.filter(expire_date__lt=now)).delete()
    return deleted


def expired_residents(now: datetime):
    """Residents without an active account whose every record has outlived the period."""
    cut = cutoff("residents", now)
    day = timezone.localdate(cut)
    mine = {"resident": OuterRef("pk")}
    live = [
        Registration.objects.filter(**mine, event__ends_at__gte=cut),
        Application.objects.filter(**mine, anonymised_at__isnull=True),
        ResidentRequest.objects.filter(**mine, anonymised_at__isnull=True),
        Volunteer.objects.filter(**mine).filter(
            Q(status=Volunteer.Status.ACTIVE) | Q(joined_on__gte=day) | Q(hours__ended_at__gte=cut)
        ),
        GroupMember.objects.filter(**mine, term_ends__gte=day),
        Attendance.objects.filter(**mine, event__starts_at__gte=cut),
        CohortMember.objects.filter(**mine).filter(
            Q(cohort__closed_at__isnull=True)
            | Q(cohort__closed_at__gte=cut)
            | Q(joined_at__gte=cut)
        ),
        Response.objects.filter(**mine, submitted_on__gte=day),
        Consent.objects.filter(**mine, withdrawn_at__isnull=True, granted_at__gte=cut),
    ]
    residents = (
        Resident.objects.exclude(email_normalised__startswith=ERASED_PREFIX)
        .filter(created_at__lt=cut)
        .filter(Q(user__isnull=True) | Q(user__is_active=False))
    )
    for records in live:
        residents = residents.filter(~Exists(records))
    return residents


def purge_residents(now: datetime) -> int:
    return _anonymise_residents(expired_residents(now), now)


# The residents' own rows come last: they count as expired only once their applications
# and requests are anonymised.
PURGES = {
    "registrations": purge_registrations,
    "applications": purge_applications,
    "requests": purge_requests,
    "volunteers": purge_volunteers,
    "public_input": purge_public_input,
    "survey_contacts": purge_survey_contacts,
    "held_answers": purge_held_answers,
    "outbox_messages": purge_outbox_messages,
    "audit_log": purge_audit_log,
    "sessions": purge_sessions,
    "residents": purge_residents,
}


def purge_expired_personal_data(*, now: datetime | None = None) -> dict[str, int]:
    """Anonymise (or delete, where no figure needs the row) every kind of personal data past
    its retention period; {kind: rows changed}. Every step is a conditional update, so a
    second run, or one at the same time, changes nothing more."""
    now = now or timezone.now()
    changed = {}
    for kind, purge in PURGES.items():
        with transaction.atomic():
            changed[kind] = purge(now)
    return changed


# --- Erasure on request -----------------------------------------------------------------


def _scrub_text(text: str, needles: list[str]) -> str:
    """`text` with each needle replaced where it stands as a whole word (erasing "Al" must
    not touch "Alice")."""
    for needle in needles:
        text = re.sub(rf"(?<!\w){re.escape(needle)}(?!\w)", ERASED_TEXT, text, flags=re.I)
    return text


def _scrub_logs(needles: list[str]) -> int:
    """Names, emails and phones written into the audit log and the Django admin's log."""
    changed = 0
    for needle in needles:
        entries = AuditLog.objects.annotate(_details=Cast("details", TextField())).filter(
            Q(target__icontains=needle) | Q(_details__icontains=needle)
        )
        for entry in entries:
            details = json.loads(_scrub_text(json.dumps(entry.details), needles))
            changed += AuditLog.objects.filter(pk=entry.pk).update(
                target=_scrub_text(entry.target, needles), details=details
            )
        for entry in LogEntry.objects.filter(
            Q(object_repr__icontains=needle) | Q(change_message__icontains=needle)
        ):
            changed += LogEntry.objects.filter(pk=entry.pk).update(
                object_repr=_scrub_text(entry.object_repr, needles),
                change_message=_scrub_text(entry.change_message, needles),
            )
    return changed


def _forget_login_attempts(emails: list[str]) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    deleted = 0
    for email in emails:
        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            count, _by_model = model.objects.filter(username__iexact=email).delete()
            deleted += count
    return deleted


@transaction.atomic(durable=True)
def erase_resident(*, resident_id: int, actor, now: datetime | None = None) -> Resident:
    """Erase one resident everywhere, in place: the figures keep their facts, nothing keeps
    the person. Erasing an erased resident changes nothing (and logs the request again)."""
    return _erase(resident_id=resident_id, actor=actor, now=now or timezone.now())


def _erase(*, resident_id: int, actor, now: datetime, log: bool = True) -> Resident:
    # Lock the row: a registration at the same moment either finishes first (and is erased
    # here) or waits and finds the row erased.
    resident = Resident.objects.select_for_update().get(pk=resident_id)
    user = resident.user
    emails = [e for e in {resident.email, resident.email_normalised} if e and "@" in e]
    if user is not None and not user.email.endswith("@erased.invalid"):
        emails.append(user.email)
    phones = [p for p in {resident.phone, resident.phone_normalised} if p]
    names = [n for n in {resident.name, user.full_name if user else ""} if n.strip()]
    contacts = emails + phones
    contact_q = Q()
    for contact in contacts:
        contact_q |= Q(recipient__iexact=contact)

    changed = {
        "accommodations": AccommodationRequest.objects.filter(registration__resident=resident)
        .exclude(details="")
        .update(details=""),
        "applications": _anonymise_applications(
            Application.objects.filter(resident=resident), now, wait=True
        ),
        "requests": _anonymise_requests(
            ResidentRequest.objects.filter(resident=resident), now, wait=True
        ),
        # Reminders not yet queued would write to no one (and name no one): skip them.
        "reminders": Reminder.objects.filter(
            registration__resident=resident, queued_at__isnull=True, skipped=False
        ).update(skipped=True),
        "hours": HoursEntry.objects.filter(volunteer__resident=resident)
        .exclude(description="")
        .update(description=""),
        "messages": _blank_messages(
            OutboxMessage.objects.filter(
                Q(resident=resident) | (contact_q if contacts else Q(pk=None))
            ),
            wait=True,
        ),
        "survey_answers": Answer.objects.filter(response__resident=resident)
        .exclude(text="")
        .update(text=""),
        "invitations": _anonymise_invitations(
            Invitation.objects.filter(Q(resident=resident) | Q(contact__in=contacts)), wait=True
        ),
    }
    follow_ups = FollowUpContact.objects.none()
    for email in emails:
        follow_ups |= FollowUpContact.objects.filter(email__iexact=email)
    changed["follow_ups"] = follow_ups.delete()[0]
    replies = AnnouncementReply.objects.filter(contact__in=contacts) if contacts else None
    changed["public_input"] = replies.update(name="", contact="", message="") if replies else 0
    for name in names:
        changed["public_input"] += (
            AnnouncementReply.objects.filter(name__iexact=name).update(name="")
            + PressQuestion.objects.filter(name__iexact=name).update(name="")
            + PublicComment.objects.filter(name__iexact=name).update(name="")
        )
    # What strangers typed naming her (provisional records waiting for her confirmation)
    # holds her address: erase those records the same way, and the links waiting for her.
    provisional_ids = list(
        Resident.objects.filter(provisional_for=resident)
        .exclude(email_normalised__startswith=ERASED_PREFIX)
        .values_list("pk", flat=True)
    )
    for provisional_id in provisional_ids:
        _erase(resident_id=provisional_id, actor=actor, now=now, log=False)
    changed["provisional_records"] = len(provisional_ids)
    changed["contact_claims"] = ContactClaim.objects.filter(
        resident=resident, confirmed_at__isnull=True
    ).delete()[0]
    changed["logs"] = _scrub_logs(names + contacts)
    changed["login_attempts"] = _forget_login_attempts(emails)
    if user is not None:
        changed["account"] = _anonymise_users(User.objects.filter(pk=user.pk))
    changed["resident"] = _anonymise_residents(
        Resident.objects.filter(pk=resident.pk), now, wait=True
    )
    if not log:
        return resident
    # Counts only: the entry must not itself keep what was erased.
    audit(
        actor=actor,
        action="resident.erased",
        target=f"resident {resident.pk}",
        **{k: v for k, v in changed.items() if v},
    )
    resident.refresh_from_db()
    return resident


def is_erased(resident: Resident) -> bool:
    return resident.email_normalised.startswith(ERASED_PREFIX)
