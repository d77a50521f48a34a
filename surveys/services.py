"""Writes for surveys: building, versions, opening, and storing answers anonymously.

The rules that protect respondents live here and nowhere else:
- an anonymous Response gets a random key, the date only, and no link to a person or an
  invitation;
- an invitation is claimed (used = true) by a conditional UPDATE in its own transaction,
  before and apart from the transaction that stores the response, so two submissions of
  one invitation at the same moment store one response;
- questions of a survey that has answers cannot change: edits go to a new version.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core.tokens import hash_token, new_token
from engagement_portal.dashboard import services as summaries

from .models import Answer, FollowUpContact, Invitation, Question, Response, Survey

Kind = Question.Kind
MAX_TEXT = {Kind.SHORT_TEXT: 300, Kind.LONG_TEXT: 5000}
SCALES = {Kind.AGREEMENT: (1, 5), Kind.RATING: (1, 5), Kind.SCALE: (0, 10), Kind.YES_NO: (0, 1)}
DECLINED = "declined"  # the form value of "Prefer not to say"


class SurveyLocked(ValidationError):
    """The survey has answers: its questions are frozen."""


# --- Languages ---------------------------------------------------------------------------


def portal_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def translation_gaps(survey: Survey) -> list[str]:
    """Every text the survey lacks in one of its languages, in words for the builder."""
    gaps = []
    languages = survey.languages or []
    names = dict(settings.LANGUAGES)

    def check(texts, what):
        for language in languages:
            if not (texts or {}).get(language, "").strip():
                gaps.append(
                    _("%(what)s has no %(language)s text.")
                    % {"what": what, "language": names.get(language, language)}
                )

    check(survey.title, _("The title"))
    if any((survey.introduction or {}).values()):
        check(survey.introduction, _("The introduction"))
    for number, question in enumerate(
        survey.questions.prefetch_related("choices").order_by("page", "position", "pk"), start=1
    ):
        check(question.text, _("Question %(n)d") % {"n": number})
        if any((question.help or {}).values()):
            check(question.help, _("The help text of question %(n)d") % {"n": number})
        for choice_number, choice in enumerate(question.choices.all(), start=1):
            check(
                choice.label,
                _("Choice %(c)d of question %(n)d") % {"c": choice_number, "n": number},
            )
    return gaps


# --- Building and versions ---------------------------------------------------------------


def is_locked(survey: Survey) -> bool:
    return survey.responses.exists()


def ensure_editable(survey: Survey) -> None:
    if is_locked(survey):
        raise SurveyLocked(
            _(
                "This survey already has answers, so its questions cannot change. "
                "Make a new version to edit them."
            )
        )


def set_mode(*, survey: Survey, mode: str) -> Survey:
    """Change anonymous/identified; refused once the survey has a response."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().get(pk=survey.pk)
        if survey.mode != mode:
            if survey.responses.exists():
                raise ValidationError(
                    _("The mode of a survey cannot change once it has a response.")
                )
            survey.mode = mode
            survey.save(update_fields=["mode"])
    return survey


def open_survey(*, survey: Survey, now=None) -> Survey:
    """Open a survey for answers. Refused while any text is missing in an offered language."""
    now = now or timezone.now()
    if not survey.questions.exists():
        raise ValidationError(_("Add at least one question before opening the survey."))
    if not survey.languages:
        raise ValidationError(_("Choose at least one language."))
    gaps = translation_gaps(survey)
    if gaps:
        raise ValidationError([_("Some texts are not translated yet:")] + gaps)
    survey.status = Survey.Status.OPEN
    survey.closed_at = None
    survey.save(update_fields=["status", "closed_at"])
    return survey


def close_survey(*, survey: Survey, now=None) -> Survey:
    """Close a survey. Closing it twice keeps the first closing time."""
    if survey.status != Survey.Status.CLOSED:
        survey.status = Survey.Status.CLOSED
        survey.closed_at = now or timezone.now()
        survey.save(update_fields=["status", "closed_at"])
    return survey


@transaction.atomic
def new_version(*, survey: Survey, user) -> Survey:
    """Copy a survey with its questions into version + 1, a draft that replaces it.

    The old version is closed and keeps its answers under its own wording. Running it on a
    survey that was already replaced returns the existing newer version.
    """
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.replaced_by_id:
        return survey.replaced_by
    copy = Survey.objects.get(pk=survey.pk)
    copy.pk = None
    copy.public_id = Survey._meta.get_field("public_id").default()
    copy.version = survey.version + 1
    copy.status = Survey.Status.DRAFT
    copy.closed_at = None
    copy.results_published = False
    copy.results_summary = {}
    copy.created_at = timezone.now()
    copy.owner = user
    copy.save()
    choice_map = {}
    questions = list(survey.questions.prefetch_related("choices").order_by("page", "position"))
    new_questions = {}
    for question in questions:
        old_pk = question.pk
        choices = list(question.choices.all())
        question.pk = None
        question.survey = copy
        question.condition_choice = None
        question.save()
        new_questions[old_pk] = question
        for choice in choices:
            old_choice = choice.pk
            choice.pk = None
            choice.question = question
            choice.save()
            choice_map[old_choice] = choice
    for old in survey.questions.filter(condition_choice__isnull=False):
        new_questions[old.pk].condition_choice = choice_map.get(old.condition_choice_id)
        new_questions[old.pk].save(update_fields=["condition_choice"])
    survey.replaced_by = copy
    survey.save(update_fields=["replaced_by"])
    close_survey(survey=survey)
    return copy


def current_version(survey: Survey) -> Survey:
    """Follow replacements to the survey that public links should show now."""
    seen = set()
    while survey.replaced_by_id and survey.pk not in seen:
        seen.add(survey.pk)
        survey = survey.replaced_by
    return survey


def answering_problem(survey: Survey, now=None) -> str | None:
    """Why the survey cannot be answered now, in words for the resident; None if open."""
    now = now or timezone.now()
    if survey.status == Survey.Status.DRAFT or (survey.opens_at and now < survey.opens_at):
        return _("This survey is not open yet.")
    if survey.status == Survey.Status.CLOSED or (survey.closes_at and now >= survey.closes_at):
        return _("This survey is closed.")
    return None


# --- Answers -----------------------------------------------------------------------------


@dataclass
class CleanAnswers:
    answers: list[dict] = field(default_factory=list)
    errors: dict[int, str] = field(default_factory=dict)
    neighbourhood: Neighbourhood | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def visible_questions(questions: list[Question], chosen: set[int]) -> list[Question]:
    """Questions whose display condition (if any) is met by the choices made."""
    return [
        q for q in questions if q.condition_choice_id is None or q.condition_choice_id in chosen
    ]


def clean_answers(survey: Survey, raw: dict[str, list[str]], questions=None) -> CleanAnswers:
    """Check raw form values (key "q<id>" → list of strings) against the survey.

    Hidden questions (unmet display conditions) are ignored; required questions must be
    answered; choices must belong to the question; numbers must be whole and in range;
    texts have a length limit. Never raises on bad input: errors come back per question.
    """
    questions = questions or list(survey.questions.prefetch_related("choices"))
    result = CleanAnswers()
    chosen: set[int] = set()
    for question in questions:
        if question.kind in Question.CHOICE_KINDS:
            valid = {str(c.pk): c.pk for c in question.choices.all()}
            chosen.update(valid[v] for v in raw.get(f"q{question.pk}", []) if v in valid)
    for question in visible_questions(questions, chosen):
        values = [v.strip() for v in raw.get(f"q{question.pk}", []) if v and v.strip()]
        required = question.required and not question.demographic
        if not values:
            if required:
                result.errors[question.pk] = _("Please answer this question.")
            continue
        if DECLINED in values:
            if question.demographic:
                result.answers.append({"question": question, "declined": True})
            else:
                result.errors[question.pk] = _("Choose one of the answers offered.")
            continue
        error = _clean_one(question, values, result)
        if error:
            result.errors[question.pk] = error
    return result


def _clean_one(question: Question, values: list[str], result: CleanAnswers) -> str | None:
    kind = question.kind
    if kind in Question.CHOICE_KINDS:
        valid = {str(c.pk): c for c in question.choices.all()}
        if any(v not in valid for v in values) or (kind == Kind.SINGLE and len(values) > 1):
            return _("Choose one of the answers offered.")
        for value in dict.fromkeys(values):
            result.answers.append({"question": question, "choice": valid[value]})
        return None
    if len(values) > 1:
        return _("Give one answer.")
    value = values[0]
    if kind in MAX_TEXT:
        if len(value) > MAX_TEXT[kind]:
            return _("Please keep this answer under %(n)d characters.") % {"n": MAX_TEXT[kind]}
        result.answers.append({"question": question, "text": value})
        return None
    if kind == Kind.NEIGHBOURHOOD:
        neighbourhood = Neighbourhood.objects.filter(pk=value).first() if value.isdigit() else None
        if neighbourhood is None:
            return _("Choose one of the answers offered.")
        result.neighbourhood = neighbourhood
        result.answers.append({"question": question, "number": neighbourhood.pk})
        return None
    try:
        number = int(value)
    except ValueError:
        return _("Enter a whole number.")
    low, high = SCALES.get(kind, (question.min_value, question.max_value))
    if low is not None and number < low or high is not None and number > high:
        if kind in SCALES:
            return _("Choose one of the answers offered.")
        return _("Enter a number between %(low)s and %(high)s.") % {
            "low": low if low is not None else "…",
            "high": high if high is not None else "…",
        }
    if abs(number) > 10**9:
        return _("Enter a smaller number.")
    result.answers.append({"question": question, "number": number})
    return None


new_invitation_token = new_token


def invitation_by_token(token: str) -> Invitation | None:
    if not token or len(token) > 64:
        return None
    return Invitation.objects.select_related("survey").filter(token_hash=hash_token(token)).first()


class InvitationUsed(ValidationError):
    """The invitation was already used to answer."""


def claim_invitation(invitation_id: int) -> None:
    """Mark an invitation used, in a transaction of its own. Only one caller ever succeeds."""
    with transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation_id, used=False).update(used=True)
        if claimed:
            summaries.invitation_used(invitation_id, +1)
    if not claimed:
        raise InvitationUsed(_("This invitation has already been used to answer the survey."))


def release_invitation(invitation_id: int) -> None:
    """Undo a claim when storing the response failed, so the resident can try again."""
    with transaction.atomic():
        if Invitation.objects.filter(pk=invitation_id, used=True).update(used=False):
            summaries.invitation_used(invitation_id, -1)


def submit_response(
    *,
    survey: Survey,
    cleaned: CleanAnswers,
    language: str,
    source: str,
    invitation_id: int | None = None,
    resident=None,
    today=None,
) -> Response:
    """Store one response. With an invitation, claim it first, in its own transaction.

    In an anonymous survey the response records no resident and no invitation, only the
    date. In an identified survey the resident is linked (from the invitation if any).
    """
    if not cleaned.ok:
        raise ValidationError(_("Some answers need attention."))
    problem = answering_problem(survey)
    if problem:
        raise ValidationError(problem)
    invitation = None
    if invitation_id is not None:
        invitation = Invitation.objects.select_related("survey").filter(pk=invitation_id).first()
        # An invitation sent before a new version still answers the current version, once.
        if invitation is None or current_version(invitation.survey).pk != survey.pk:
            raise InvitationUsed(_("This invitation is not valid for this survey."))
        claim_invitation(invitation.pk)
    if survey.is_anonymous:
        resident = None
    elif invitation is not None and invitation.resident_id:
        resident = invitation.resident
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                language=language,
                source=Response.Source.INVITATION if invitation else source,
                submitted_on=today or timezone.localdate(),
                neighbourhood=cleaned.neighbourhood,
                resident=resident,
            )
            Answer.objects.bulk_create(
                [
                    Answer(
                        response=response,
                        question=a["question"],
                        choice=a.get("choice"),
                        number=a.get("number"),
                        text=a.get("text", ""),
                        declined=a.get("declined", False),
                    )
                    for a in cleaned.answers
                ]
            )
            if not survey.is_anonymous:
                # Anonymous answers reach the dashboard through the mixing sweep instead:
                # a summary row rewritten here would carry this transaction's id.
                summaries.participation_changed(survey.program_id, response.submitted_on)
                summaries.standard_answers_changed(
                    survey.pk, response.submitted_on, response.neighbourhood_id
                )
    except Exception:
        if invitation is not None:
            release_invitation(invitation.pk)
        raise
    return response


def delete_response(*, response: Response, by, reason: str = "") -> None:
    """Delete one response and its answers (a duplicate paper entry, a test, a resident
    withdrawing what they said in an identified survey), and take it out of the dashboards.

    Anonymous responses too: the mixing sweep only recomputes buckets of responses that
    still exist, so the deletion refreshes its own buckets. That writes nothing that could
    link a remaining answer to anyone.
    """
    from engagement_portal.core.services import audit

    with transaction.atomic():
        response = (
            Response.objects.select_related("survey")
            .select_for_update(of=("self",))
            .filter(pk=response.pk)
            .first()
        )
        if response is None:
            return  # already deleted: nothing more to do
        survey, day, hood = response.survey, response.submitted_on, response.neighbourhood_id
        audit(
            actor=by,
            action="survey.response.delete",
            target=survey,
            survey=survey.pk,
            submitted_on=day.isoformat(),
            reason=reason.strip(),
        )
        response.delete()
        summaries.participation_changed(survey.program_id, day)
        summaries.standard_answers_changed(survey.pk, day, hood)


def leave_follow_up_email(*, survey: Survey, email: str, language: str) -> None:
    """Keep an email, unlinked from any response, to report back. Leaving it twice keeps one."""
    try:
        with transaction.atomic():
            FollowUpContact.objects.get_or_create(
                survey=survey, email=email.strip().lower(), defaults={"language": language}
            )
    except IntegrityError:
        pass


# --- Mixing: anonymity against someone who can read the database itself ----------------


def mix_recent_anonymous_rows(*, days: int = 2, today=None) -> dict[str, int]:
    """Rewrite recent anonymous responses, their answers and used invitations, in random
    order, in one transaction. Safe to run any number of times.

    Columns already hide who answered (random keys, dates without times). But a database
    keeps more than columns: on PostgreSQL each row version carries the id of the
    transaction that wrote it (xmin) and sits in the heap in write order (ctid). Claiming
    an invitation and storing its response happen one after the other, so those system
    values would pair them. After this sweep every mixed row has the same xmin and a
    random physical position. (SQLite keeps rowids on update, so there the defence is
    the columns alone; production runs on PostgreSQL.) Beat runs it every 15 minutes.
    """
    import random
    from datetime import timedelta

    from django.db import connection

    today = today or timezone.localdate()
    since = today - timedelta(days=days)
    surveys = Survey.objects.filter(mode=Survey.Mode.ANONYMOUS).filter(models_q_recent(since))
    response_ids = list(
        Response.objects.filter(survey__in=surveys, submitted_on__gte=since).values_list(
            "pk", flat=True
        )
    )
    answer_ids = list(
        Answer.objects.filter(response_id__in=response_ids).values_list("pk", flat=True)
    )
    invitation_ids = list(
        Invitation.objects.filter(survey__in=surveys, used=True).values_list("pk", flat=True)
    )
    rng = random.SystemRandom()
    for ids in (response_ids, answer_ids, invitation_ids):
        rng.shuffle(ids)
    with transaction.atomic(), connection.cursor() as cursor:
        # The dashboard counts anonymous responses from here, in the same transaction as
        # every mixed row, never from the transaction that stored one response.
        for program_id, day in (
            Response.objects.filter(pk__in=response_ids, survey__program__isnull=False)
            .values_list("survey__program_id", "submitted_on")
            .distinct()
            .order_by()
        ):
            summaries.participation_changed(program_id, day)
        for survey_id, day, neighbourhood_id in (
            Response.objects.filter(pk__in=response_ids)
            .values_list("survey_id", "submitted_on", "neighbourhood_id")
            .distinct()
            .order_by()
        ):
            summaries.standard_answers_changed(survey_id, day, neighbourhood_id)
        for model, ids, column in (
            (Response, response_ids, "language"),
            (Answer, answer_ids, "declined"),
            (Invitation, invitation_ids, "used"),
        ):
            if ids:
                table = model._meta.db_table
                cursor.executemany(
                    f'UPDATE "{table}" SET "{column}" = "{column}" WHERE "id" = %s',
                    [(_db_key(pk, connection),) for pk in ids],
                )
    return {
        "responses": len(response_ids),
        "answers": len(answer_ids),
        "invitations": len(invitation_ids),
    }


def _db_key(pk, connection):
    if isinstance(pk, int):
        return pk
    return pk.hex if connection.vendor == "sqlite" else str(pk)  # SQLite stores UUIDs as hex


def models_q_recent(since):
    from django.db.models import Q

    return Q(status=Survey.Status.OPEN) | Q(closed_at__date__gte=since)


# --- Results: publishing and export ------------------------------------------------------


@transaction.atomic
def publish_results(*, survey: Survey, summaries: dict[str, str], user) -> Survey:
    """Publish the results page with a summary per language. Running it twice leaves one
    published page with the latest summary."""
    from engagement_portal.core.services import audit

    survey.results_summary = {lang: text.strip() for lang, text in summaries.items()}
    survey.results_published = True
    survey.save(update_fields=["results_summary", "results_published"])
    audit(actor=user, action="publish_survey_results", target=survey)
    return survey


@transaction.atomic
def unpublish_results(*, survey: Survey, user) -> Survey:
    """Take the public results page down; the summary is kept for next time. Idempotent."""
    from engagement_portal.core.services import audit

    if survey.results_published:
        survey.results_published = False
        survey.save(update_fields=["results_published"])
        audit(actor=user, action="unpublish_survey_results", target=survey)
    return survey


def export_results(*, survey: Survey, user):
    """Audit-log an export of a survey's responses and return (header, rows) to stream.

    Refused below 10 responses: so few rows could identify the people who answered. Each
    call is one export and writes one audit row.
    """
    from django.utils import translation

    from engagement_portal.core.services import audit

    from . import results

    count = survey.responses.count()
    if count < results.MIN_GROUP:
        raise ValidationError(
            _(
                "This survey has fewer than 10 responses. So few answers could identify "
                "the people who gave them, so they cannot be exported yet."
            )
        )
    language = (survey.languages or ["en"])[0]
    questions = list(
        survey.questions.prefetch_related("choices").order_by("page", "position", "pk")
    )
    audit(actor=user, action="export_survey_results", target=survey, rows=count)
    with translation.override(language):
        return results.export_header(questions, language), results.export_rows(
            survey, questions, language
        )
