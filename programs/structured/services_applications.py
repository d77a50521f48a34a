"""Writes for applications and selection: staff set up a program's application form and its
questions; residents apply (a minor's guardian consents through their own link); staff move
applications through review and decide, one at a time or in bulk; applicants withdraw.

Private links. An applicant's and a guardian's link carry a token derived from the
application's random public id with the site's secret key (an HMAC, like Django's password
reset tokens); the database keeps only the token's SHA-256. Deriving rather than drawing
the token lets later messages (decisions, a link sent again) carry the same link without
the database ever holding it. If the secret key changes, old links keep working (their hash
is stored) but can no longer be re-sent; messages then point to the first one instead.

Every change of an application locks its row first, so two reviewers deciding at once (or
an applicant withdrawing while staff accept) cannot both act: the second sees the first
one's result. Messages go through the outbox under a key per application and step, so a
decision repeated never sends twice.
"""

import base64
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.accounts.services import normalise_phone
from engagement_portal.accounts.services_claims import (
    person_on_file,
    resident_for_public_form,
    same_contact_ids,
)
from engagement_portal.core.links import base_url
from engagement_portal.core.services import audit
from engagement_portal.core.tokens import hash_token
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import queue_message, start_sending
from programs.models import EngagementType, Program
from programs.structured.models_applications import (
    Acknowledgement,
    Application,
    ApplicationForm,
    ApplicationNote,
    ApplicationQuestion,
)
from programs.structured.selectors_applications import LIVE, age_on, agency_today

Status = Application.Status
Kind = ApplicationQuestion.Kind

MAX_SHORT_ANSWER = 200
MAX_LONG_ANSWER = 3000
MAX_TEXT = 5000
OLDEST_AGE = 120

# What staff may do to an application, by its current status. Accepted and declined are
# final for staff; only the applicant withdraws (withdraw_application).
TRANSITIONS = {
    Status.SUBMITTED: {Status.UNDER_REVIEW},
    Status.UNDER_REVIEW: {Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED},
    Status.WAITLISTED: {Status.ACCEPTED, Status.DECLINED},
}
STAFF_STATUSES = (Status.UNDER_REVIEW, Status.ACCEPTED, Status.WAITLISTED, Status.DECLINED)


class AlreadyApplied(ValidationError):
    """The person already has a live application for this program."""

    def __init__(self, message: str, *, application: Application, link_resent: bool):
        super().__init__({NON_FIELD_ERRORS: [message]}, code="already_applied")
        self.application = application
        self.link_resent = link_resent


# --- Private links ---------------------------------------------------------------------


def _derived_token(application: Application, purpose: str) -> str:
    digest = salted_hmac(
        f"programs.applications.{purpose}", application.public_id, algorithm="sha256"
    ).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _token_if_current(application: Application, purpose: str, stored: str | None) -> str | None:
    token = _derived_token(application, purpose)
    return token if stored and hash_token(token) == stored else None


def status_token(application: Application) -> str | None:
    """The token of the applicant's private link, or None if it can no longer be derived."""
    return _token_if_current(application, "status", application.token_hash)


def guardian_token(application: Application) -> str | None:
    """The token of the guardian's link, or None (no guardian, or not derivable any more)."""
    return _token_if_current(application, "guardian", application.guardian_token_hash)


def _absolute(url: str) -> str:
    return base_url() + url


def status_url(token: str) -> str:
    return _absolute(reverse("applications:status", args=[token]))


def guardian_url(token: str) -> str:
    return _absolute(reverse("applications:guardian", args=[token]))


def _by_hash(field_name: str, token: str) -> Application | None:
    if not token or len(token) > 64:
        return None
    return (
        Application.objects.select_related(
            "program__engagement_type", "program__application_form", "resident"
        )
        .filter(**{field_name: hash_token(token)})
        .first()
    )


def application_by_token(token: str) -> Application | None:
    return _by_hash("token_hash", token)


def application_by_guardian_token(token: str) -> Application | None:
    return _by_hash("guardian_token_hash", token)


# --- Messages --------------------------------------------------------------------------


def _local(value: datetime) -> str:
    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


def _send(
    application: Application,
    *,
    key: str,
    step: str,
    channel: str,
    recipient: str,
    template: str = "application",
    resident=None,
    extra: dict | None = None,
    send_now: bool = True,
) -> OutboxMessage:
    token = status_token(application)
    context = {
        "application": application,
        "program": application.program,
        "resident": application.resident,
        "step": step,
        "status_url": status_url(token) if token else "",
        "program_url": _absolute(application.program.get_absolute_url()),
        **(extra or {}),
    }
    return queue_message(
        key=key,
        channel=channel,
        recipient=recipient,
        language=application.language,
        template=template,
        context=context,
        resident=resident,
        # Each message answers the person's own application: no marketing consent needed.
        essential=True,
        send_now=send_now,
    )


def _notify_applicant(
    application: Application, step: str, *, key: str | None = None, send_now: bool = True
) -> OutboxMessage | None:
    """Tell the applicant about `step`, once per application and key."""
    resident = application.resident
    if resident.email_normalised:
        channel, recipient = OutboxMessage.Channel.EMAIL, resident.email
    elif resident.phone_normalised:
        channel, recipient = OutboxMessage.Channel.SMS, resident.phone_normalised
    else:
        return None
    return _send(
        application,
        key=key or f"application:{application.pk}:{step}",
        step=step,
        channel=channel,
        recipient=recipient,
        resident=resident,
        send_now=send_now,
    )


def _notify_guardian(application: Application, *, key: str) -> OutboxMessage | None:
    """Send the guardian their own consent link, in the applicant's language."""
    token = guardian_token(application)
    if token is None:
        return None
    if application.guardian_email:
        channel, recipient = OutboxMessage.Channel.EMAIL, application.guardian_email
    elif normalise_phone(application.guardian_phone):
        channel, recipient = OutboxMessage.Channel.SMS, normalise_phone(application.guardian_phone)
    else:
        return None
    return _send(
        application,
        key=key,
        step="guardian",
        channel=channel,
        recipient=recipient,
        template="application_guardian",
        extra={"guardian_url": guardian_url(token)},
    )


def resend_status_link(*, application: Application, now: datetime | None = None) -> bool:
    """Send the applicant their private link again. At most one such message a day, however
    often it is asked for; False when the link can no longer be derived."""
    if status_token(application) is None:
        return False
    day = agency_today(now).isoformat()
    return (
        _notify_applicant(application, "link", key=f"application:{application.pk}:link:{day}")
        is not None
    )


def resend_guardian_link(*, application: Application, now: datetime | None = None) -> bool:
    """Send the guardian their consent link again, at most once a day; False when there is
    nothing to send (no guardian, consent already given, application closed)."""
    if not application.guardian_consent_pending or application.status not in LIVE:
        return False
    day = agency_today(now).isoformat()
    return (
        _notify_guardian(application, key=f"application:{application.pk}:guardian:{day}")
        is not None
    )


# --- Staff: the form, its window and questions -----------------------------------------


def default_acknowledgements(engagement_type: EngagementType) -> list[str]:
    """The acknowledgements a new form of this type starts with (staff can change them).

    Ride-outs and other activities with officers need the waiver. Role-players in training
    and hiring scenarios see tactics and candidates, and boards see cases and deliberations,
    so both promise confidentiality; a board's "waiver" is that promise, not an activity
    waiver.
    """
    keys: list[str] = []
    if engagement_type.requires_waiver:
        if engagement_type.standing_membership:
            keys.append(Acknowledgement.CONFIDENTIALITY)
        elif engagement_type.tier.number == 4:
            keys += [Acknowledgement.WAIVER, Acknowledgement.CONFIDENTIALITY]
        else:
            keys.append(Acknowledgement.WAIVER)
    return keys


def default_form_settings(program: Program, *, now: datetime | None = None) -> dict:
    """Starting values for a program's first application form."""
    now = (now or timezone.now()).replace(minute=0, second=0, microsecond=0)
    engagement_type = program.engagement_type
    return {
        "opens_at": now,
        "closes_at": now + timedelta(days=30),
        "minimum_age": engagement_type.minimum_age,
        "acknowledgements": default_acknowledgements(engagement_type),
        "guardian_consent_under": 18 if engagement_type.requires_guardian_consent else None,
        "residency_required": False,
    }


def _clean_texts(texts: dict | None) -> dict[str, str]:
    return {
        code: text.strip()
        for code, text in (texts or {}).items()
        if isinstance(text, str) and text.strip()
    }


@transaction.atomic
def save_form_settings(
    *,
    program: Program,
    user,
    opens_at: datetime,
    closes_at: datetime,
    places: int | None = None,
    minimum_age: int | None = None,
    maximum_age: int | None = None,
    residency_required: bool = False,
    acknowledgements: list[str] = (),
    acknowledgement_texts: dict | None = None,
    guardian_consent_under: int | None = None,
    introduction: dict | None = None,
    retention_days: int | None = None,
) -> ApplicationForm:
    """Create or update the program's application form. Saving the same values twice
    leaves one form with those values."""
    errors = {}
    if closes_at <= opens_at:
        errors["closes_at"] = _("Applications must close after they open.")
    if minimum_age is not None and maximum_age is not None and maximum_age < minimum_age:
        errors["maximum_age"] = _("The maximum age cannot be below the minimum age.")
    unknown = set(acknowledgements) - set(Acknowledgement.values)
    if unknown:
        errors["acknowledgements"] = _("Choose acknowledgements from the list.")
    if errors:
        raise ValidationError(errors)
    texts = {
        key: cleaned
        for key, per_language in (acknowledgement_texts or {}).items()
        if key in Acknowledgement.values and (cleaned := _clean_texts(per_language))
    }
    form, created = ApplicationForm.objects.update_or_create(
        program=program,
        defaults={
            "opens_at": opens_at,
            "closes_at": closes_at,
            "places": places,
            "minimum_age": minimum_age,
            "maximum_age": maximum_age,
            "residency_required": residency_required,
            "acknowledgements": [k for k in Acknowledgement.values if k in acknowledgements],
            "acknowledgement_texts": texts,
            "guardian_consent_under": guardian_consent_under,
            "introduction": _clean_texts(introduction),
            "retention_days": retention_days,
        },
    )
    audit(
        actor=user,
        action="create_application_form" if created else "change_application_form",
        target=program,
    )
    return form


def _renumber(form: ApplicationForm, ordered: list[ApplicationQuestion]) -> None:
    for position, question in enumerate(ordered):
        if question.position != position:
            question.position = position
            question.save(update_fields=["position"])


def _locked_questions(form: ApplicationForm) -> list[ApplicationQuestion]:
    return list(
        ApplicationQuestion.objects.select_for_update().filter(form=form).order_by("position", "pk")
    )


@transaction.atomic
def save_question(
    *,
    form: ApplicationForm,
    kind: str,
    text: dict,
    help_text: dict | None = None,
    choices: list[dict] | None = None,
    required: bool = True,
    question: ApplicationQuestion | None = None,
) -> ApplicationQuestion:
    """Add a question at the end of the form, or change `question`. Saving the same values
    again changes nothing."""
    text = _clean_texts(text)
    if not text:
        raise ValidationError(_("Write the question in at least one language."))
    if kind not in Kind.values:
        raise ValidationError(_("Choose a kind of question."))
    choices = [c for c in (_clean_texts(choice) for choice in choices or []) if c]
    if kind == Kind.CHOICE and len(choices) < 2:
        raise ValidationError(_("Give at least two choices, one per line."))
    if question is None:
        last = form.questions.select_for_update().aggregate(last=Max("position"))["last"]
        question = ApplicationQuestion(form=form, position=0 if last is None else last + 1)
    elif question.form_id != form.pk:
        raise ValidationError(_("This question belongs to another form."))
    question.kind = kind
    question.text = text
    question.help_text = _clean_texts(help_text)
    question.choices = choices if kind == Kind.CHOICE else []
    question.required = required
    question.save()
    return question


@transaction.atomic
def move_question(*, question: ApplicationQuestion, offset: int) -> ApplicationQuestion:
    """Move a question up (-1) or down (+1); at either end nothing moves."""
    ordered = _locked_questions(question.form)
    index = next((i for i, q in enumerate(ordered) if q.pk == question.pk), None)
    if index is None:
        return question
    target = index + offset
    if 0 <= target < len(ordered):
        ordered[index], ordered[target] = ordered[target], ordered[index]
    _renumber(question.form, ordered)
    return next(q for q in ordered if q.pk == question.pk)


@transaction.atomic
def delete_question(*, question: ApplicationQuestion) -> None:
    """Remove a question from the form. Applications keep their answers to it (they carry
    a copy of the question). Deleting twice is harmless."""
    form = question.form
    ApplicationQuestion.objects.filter(pk=question.pk).delete()
    _renumber(form, _locked_questions(form))


# --- Residents: applying ---------------------------------------------------------------


@dataclass
class Submitted:
    application: Application
    token: str


def _answer_errors_and_snapshot(
    questions: list[ApplicationQuestion], answers: dict
) -> tuple[dict, dict]:
    errors: dict[str, str] = {}
    snapshot: dict[str, dict] = {}
    for question in questions:
        name = f"q{question.pk}"
        raw = answers.get(name)
        raw = raw.strip() if isinstance(raw, str) else ""
        if not raw:
            if question.required:
                errors[name] = answer_required_message()
            continue
        stored = raw
        if question.kind == Kind.YES_NO:
            if raw not in ("yes", "no"):
                errors[name] = _("Choose yes or no.")
                continue
        elif question.kind == Kind.CHOICE:
            index = int(raw) if raw.isdigit() else -1
            if not 0 <= index < len(question.choices or []):
                errors[name] = _("Choose one of the answers listed.")
                continue
            stored = question.choices[index]
        else:
            limit = MAX_LONG_ANSWER if question.kind == Kind.LONG else MAX_SHORT_ANSWER
            if len(raw) > limit:
                errors[name] = _("Keep this answer under %(n)d characters.") % {"n": limit}
                continue
        snapshot[str(question.pk)] = {
            "question": question.text,
            "kind": question.kind,
            "answer": stored,
        }
    return errors, snapshot


def answer_required_message() -> str:
    return _("Answer this question.")


def acknowledgement_required_message() -> str:
    return _("Read this and tick the box to accept it: it is required.")


def residency_required_message() -> str:
    return _(
        "This program is for people who live or work in the service area. Tick the box to "
        "confirm that you do."
    )


def eligibility_errors(
    *,
    form: ApplicationForm,
    date_of_birth: date | None,
    lives_in_service_area: bool,
    acknowledged: list[str],
    answers: dict,
    questions: list[ApplicationQuestion],
    guardian_name: str,
    guardian_email: str,
    guardian_phone: str,
    now: datetime,
) -> tuple[dict, dict, bool]:
    """Every reason the application cannot be accepted as it stands, keyed by the form
    field it concerns; also the answers to store and whether a guardian must consent.

    Ages are counted on the day of applying in the agency's time zone. Without a date of
    birth (one that did not parse) the age rules are left to the next attempt.
    """
    errors: dict[str, str] = {}
    if now < form.opens_at:
        errors[NON_FIELD_ERRORS] = _(
            "Applications are not open yet. They open on %(opens)s; come back then."
        ) % {"opens": _local(form.opens_at)}
    elif now >= form.closes_at:
        errors[NON_FIELD_ERRORS] = _(
            "Applications closed on %(closes)s; look out for the next intake."
        ) % {"closes": _local(form.closes_at)}
    needs_guardian = False
    if date_of_birth is not None:
        today = agency_today(now)
        age = age_on(date_of_birth, today)
        if date_of_birth > today:
            errors["date_of_birth"] = _("Your date of birth cannot be in the future.")
        elif age > OLDEST_AGE:
            errors["date_of_birth"] = _("Check your date of birth: the year looks wrong.")
        elif form.minimum_age is not None and age < form.minimum_age:
            errors["date_of_birth"] = _(
                "You must be at least %(min)d years old on the day you apply to join this "
                "program. On that day you are %(age)d."
            ) % {"min": form.minimum_age, "age": age}
        elif form.maximum_age is not None and age > form.maximum_age:
            errors["date_of_birth"] = _(
                "This program is for people aged %(max)d or younger on the day they apply. "
                "On that day you are %(age)d."
            ) % {"max": form.maximum_age, "age": age}
        needs_guardian = (
            "date_of_birth" not in errors
            and form.guardian_consent_under is not None
            and age < form.guardian_consent_under
        )
    if form.residency_required and not lives_in_service_area:
        errors["lives_in_service_area"] = residency_required_message()
    for key in form.acknowledgements or []:
        if key not in acknowledged:
            errors[f"ack_{key}"] = acknowledgement_required_message()
    answer_errors, snapshot = _answer_errors_and_snapshot(questions, answers)
    errors.update(answer_errors)
    if needs_guardian:
        if not guardian_name.strip():
            errors["guardian_name"] = _(
                "You are under %(age)d, so a parent or guardian must consent. Give their name."
            ) % {"age": form.guardian_consent_under}
        if not guardian_email.strip() and not normalise_phone(guardian_phone):
            errors["guardian_email"] = _(
                "Give your parent or guardian's email address or mobile phone number, so we "
                "can send them their consent link."
            )
    return errors, snapshot, needs_guardian


def submit_application(
    *,
    program: Program,
    name: str,
    email: str = "",
    phone: str = "",
    neighbourhood: Neighbourhood | None = None,
    language: str,
    date_of_birth: date,
    address: str = "",
    lives_in_service_area: bool = False,
    answers: dict | None = None,
    acknowledged: list[str] = (),
    guardian_name: str = "",
    guardian_email: str = "",
    guardian_phone: str = "",
    user=None,
    now: datetime | None = None,
) -> Submitted:
    """Record an application and send its confirmation (and the guardian's consent link).

    Refusals are a ValidationError keyed by form field. Someone who already has a live
    application for the program gets AlreadyApplied, and their own link is sent again (at
    most once a day), so applying twice never makes two applications.
    """
    now = now or timezone.now()
    form = ApplicationForm.objects.get(program=program)
    questions = list(form.questions.order_by("position", "pk"))
    acknowledged = [key for key in acknowledged if key in (form.acknowledgements or [])]
    errors, snapshot, needs_guardian = eligibility_errors(
        form=form,
        date_of_birth=date_of_birth,
        lives_in_service_area=lives_in_service_area,
        acknowledged=acknowledged,
        answers=answers or {},
        questions=questions,
        guardian_name=guardian_name,
        guardian_email=guardian_email,
        guardian_phone=guardian_phone,
        now=now,
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        on_file = person_on_file(email=email, phone=phone)
        existing = program.applications.filter(resident=on_file, status__in=LIVE).first()
        if existing is None:
            # What a public form says about someone on file waits for them to confirm it.
            resident = resident_for_public_form(
                name=name,
                email=email,
                phone=phone,
                preferred_language=language,
                neighbourhood=neighbourhood,
                user=user,
                now=now,
            )
            existing = program.applications.filter(
                resident_id__in=same_contact_ids(resident), status__in=LIVE
            ).first()
        application = None
        if existing is None:
            application = Application(
                program=program,
                resident=resident,
                date_of_birth=date_of_birth,
                address=address.strip(),
                lives_in_service_area=lives_in_service_area,
                answers=snapshot,
                acknowledged={key: now.isoformat() for key in acknowledged},
                language=language,
                created_at=now,
            )
            application.token_hash = hash_token(_derived_token(application, "status"))
            if needs_guardian:
                application.guardian_name = guardian_name.strip()
                application.guardian_email = guardian_email.strip()
                application.guardian_phone = guardian_phone.strip()
                application.guardian_token_hash = hash_token(
                    _derived_token(application, "guardian")
                )
            try:
                with transaction.atomic():
                    application.save(force_insert=True)
            except IntegrityError:
                # The same person submitted twice at once; the other request's one stands.
                application = None
                existing = program.applications.filter(
                    resident_id__in=same_contact_ids(resident), status__in=LIVE
                ).first()
            else:
                _notify_applicant(application, "received")
                if needs_guardian:
                    _notify_guardian(application, key=f"application:{application.pk}:guardian")
    if application is None:
        if existing is None:  # pragma: no cover - the unique constraint names a live row
            raise ValidationError(_("Something went wrong. Please try again."))
        resent = resend_status_link(application=existing, now=now)
        if resent:
            message = _(
                "You have already applied to this program and your application is still "
                "open. We have sent the link to its status page again to the email address "
                "or phone number you gave when you applied."
            )
        else:
            message = _(
                "You have already applied to this program and your application is still "
                "open. Find the link to its status page in the confirmation message we sent "
                "you when you applied."
            )
        raise AlreadyApplied(message, application=existing, link_resent=resent)
    return Submitted(application, status_token(application))


# --- Applicants and guardians through their links --------------------------------------


def _lock(application: Application) -> Application:
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("program__application_form", "resident")
        .get(pk=application.pk)
    )


@transaction.atomic
def withdraw_application(*, application: Application, now: datetime | None = None) -> Application:
    """The applicant withdraws. Withdrawing twice changes nothing and confirms once."""
    locked = _lock(application)
    if locked.status == Status.WITHDRAWN:
        return locked
    if locked.status not in LIVE:
        raise ValidationError(
            _("This application is already decided and can no longer be withdrawn.")
        )
    locked.status = Status.WITHDRAWN
    locked.withdrawn_at = now or timezone.now()
    locked.save(update_fields=["status", "withdrawn_at", "updated_at"])
    _notify_applicant(locked, "withdrawn")
    return locked


@transaction.atomic
def give_guardian_consent(
    *, application: Application, signature: str, now: datetime | None = None
) -> Application:
    """Record the guardian's consent. Works once: later calls change nothing (the first
    signature and time stand)."""
    locked = _lock(application)
    if not locked.needs_guardian_consent:
        raise ValidationError(_("This application does not need a guardian's consent."))
    if locked.guardian_consented_at is not None:
        return locked
    if locked.status == Status.WITHDRAWN:
        raise ValidationError(_("The application was withdrawn, so no consent is needed."))
    if locked.status not in LIVE:
        raise ValidationError(_("This application is closed, so no consent is needed."))
    signature = " ".join(signature.split())
    if not signature:
        raise ValidationError({"signature": _("Type your full name to sign.")})
    if len(signature) > 150:
        raise ValidationError({"signature": _("Keep your name under 150 characters.")})
    locked.guardian_signature = signature
    locked.guardian_consented_at = now or timezone.now()
    locked.save(update_fields=["guardian_signature", "guardian_consented_at", "updated_at"])
    audit(actor=None, action="guardian_consent", target=f"application {locked.pk}")
    _notify_applicant(locked, "guardian_consented")
    return locked


# --- Staff: review and decisions --------------------------------------------------------


def refusal_reason(application: Application, status: str) -> str | None:
    """Why staff cannot move `application` to `status` now, or None if they can."""
    if application.status == status:
        return _("already %(status)s") % {"status": Status(status).label.lower()}
    if application.status == Status.WITHDRAWN:
        return _("withdrawn by the applicant")
    if application.status in (Status.ACCEPTED, Status.DECLINED):
        return _("already decided: %(status)s") % {
            "status": Status(application.status).label.lower()
        }
    if status not in TRANSITIONS.get(application.status, ()):
        if application.status == Status.SUBMITTED:
            return _("not under review yet: move it to under review first")
        return _("this change is not allowed")
    if status == Status.ACCEPTED and application.guardian_consent_pending:
        return _("waiting for the parent or guardian's consent")
    return None


def allowed_statuses(application: Application) -> list[str]:
    """The statuses staff can move this application to now."""
    return [s for s in STAFF_STATUSES if refusal_reason(application, s) is None]


@dataclass
class DecisionReport:
    status: str
    changed: list[Application] = field(default_factory=list)
    skipped: list[tuple[Application, str]] = field(default_factory=list)


@transaction.atomic
def decide_applications(
    *,
    program: Program,
    application_ids: list[int],
    status: str,
    user,
    message: str = "",
    now: datetime | None = None,
) -> DecisionReport:
    """Move the chosen applications of `program` to `status`, skipping (with the reason) any
    that cannot move, and tell each applicant of a decision. Running it twice changes and
    notifies nothing the second time."""
    if status not in STAFF_STATUSES:
        raise ValidationError(_("Choose what to do with the applications."))
    now = now or timezone.now()
    message = message.strip()
    report = DecisionReport(status=status)
    # Locked in primary-key order, so two bulk decisions over overlapping sets queue up
    # behind each other instead of deadlocking.
    locked = (
        Application.objects.select_for_update(of=("self",))
        .select_related("resident", "program")
        .filter(program=program, pk__in=list(application_ids))
        .order_by("pk")
    )
    for application in locked:
        reason = refusal_reason(application, status)
        if reason:
            report.skipped.append((application, reason))
            continue
        application.status = status
        fields = ["status", "updated_at"]
        if status in Application.DECIDED:
            application.decided_at = now
            application.decided_by = user
            # The message belongs to this decision: an earlier one's is not sent again.
            application.decision_note = message
            fields += ["decided_at", "decided_by", "decision_note"]
        application.save(update_fields=fields)
        if status in Application.DECIDED:
            _notify_applicant(
                application,
                status,
                key=f"application:{application.pk}:decision:{status}",
                send_now=False,
            )
        report.changed.append(application)
    if report.changed:
        start_sending()
        audit(
            actor=user,
            action="decide_applications",
            target=program,
            status=status,
            applications=[a.pk for a in report.changed],
        )
    return report


def decide_application(
    *, application: Application, status: str, user, message: str = "", now=None
) -> Application:
    """One decision from the application's own page. Repeating a decision changes nothing;
    a decision that is not allowed raises ValidationError with the reason."""
    report = decide_applications(
        program=application.program,
        application_ids=[application.pk],
        status=status,
        user=user,
        message=message,
        now=now,
    )
    if report.skipped:
        skipped, reason = report.skipped[0]
        if skipped.status != status:
            raise ValidationError(_("Not changed: %(reason)s.") % {"reason": reason})
        return skipped
    return report.changed[0] if report.changed else application


def add_note(*, application: Application, author, text: str) -> ApplicationNote:
    """Add a reviewer's note (never shown to the applicant). Each call adds one note."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write the note first.")})
    if len(text) > MAX_TEXT:
        message = _("Keep the note under %(n)d characters.") % {"n": MAX_TEXT}
        raise ValidationError({"text": message})
    return ApplicationNote.objects.create(application=application, author=author, text=text)
