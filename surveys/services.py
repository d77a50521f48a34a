"""Writes for surveys: building, versions, opening, and storing answers anonymously.

The rules that protect respondents live here and nowhere else:
- an anonymous submission is held, sealed, until 10 of its stratum (survey, language,
  source) can be published together as Response rows with a random key, a shared day, and
  no link to a person or an invitation (release_held_responses);
- an invitation is claimed (used = true) under a row lock in the transaction that stores
  the submission, so two submissions of one invitation at the same moment store one;
- questions of a survey that has answers cannot change: edits go to a new version.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core import jobs, ledger
from engagement_portal.core.tokens import hash_token, new_token

from . import sealing
from .models import (
    Answer,
    Choice,
    FollowUpContact,
    HeldResponse,
    Invitation,
    Question,
    Response,
    Survey,
)

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
    return survey.responses.exists() or survey.held_responses.exists()


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
            if is_locked(survey):
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
    """Close a survey and publish what may be published of its held responses. Closing it
    twice keeps the first closing time."""
    if survey.status != Survey.Status.CLOSED:
        survey.status = Survey.Status.CLOSED
        survey.closed_at = now or timezone.now()
        survey.save(update_fields=["status", "closed_at"])
        transaction.on_commit(_dispatch_release)
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
        question.condition_question = None
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
    for old in survey.questions.filter(condition_question__isnull=False):
        copied = new_questions[old.pk]
        copied.condition_question = new_questions.get(old.condition_question_id)
        copied.save(update_fields=["condition_question"])
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


def _number(values: list[str]) -> int | None:
    """The whole number a single raw answer holds, else None."""
    if len(values) != 1:
        return None
    try:
        return int(values[0].strip())
    except ValueError:
        return None


def visible_questions(questions: list[Question], raw: dict[str, list[str]]) -> list[Question]:
    """The questions shown for the raw answers given so far (key "q<id>" → values), in
    order. A question with a display condition shows when the question it depends on shows
    and its answer meets the condition: a choice picked, or a yes/no, scale or number answer
    compared with a value. `questions` come in order, with their choices prefetched."""
    owner = {
        choice.pk: question.pk
        for question in questions
        if question.kind in Question.CHOICE_KINDS
        for choice in question.choices.all()
    }
    shown: list[Question] = []
    shown_ids: set[int] = set()
    for question in questions:
        if question.condition_choice_id is not None:
            target = owner.get(question.condition_choice_id)
            met = target in shown_ids and str(question.condition_choice_id) in raw.get(
                f"q{target}", []
            )
        elif question.condition_question_id is not None:
            target = question.condition_question_id
            met = target in shown_ids and question.value_condition_met(
                _number(raw.get(f"q{target}", []))
            )
        else:
            met = True
        if met:
            shown.append(question)
            shown_ids.add(question.pk)
    return shown


def clean_answers(survey: Survey, raw: dict[str, list[str]], questions=None) -> CleanAnswers:
    """Check raw form values (key "q<id>" → list of strings) against the survey.

    Hidden questions (unmet display conditions) are ignored; required questions must be
    answered; choices must belong to the question; numbers must be whole and in range;
    texts have a length limit. Never raises on bad input: errors come back per question.
    """
    questions = questions or list(
        survey.questions.prefetch_related("choices").order_by("page", "position", "pk")
    )
    result = CleanAnswers()
    for question in visible_questions(questions, raw):
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


def _lock_invitation(invitation_id: int, survey: Survey) -> Invitation:
    """Lock the invitation row and mark it used, in the caller's transaction.

    Two submissions of one invitation at the same moment: the second waits for the first's
    lock, then reads used = true and is refused; its whole transaction rolls back.
    """
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("survey")
        .filter(pk=invitation_id)
        .first()
    )
    # An invitation sent before a new version still answers the current version, once.
    if invitation is None or current_version(invitation.survey).pk != survey.pk:
        raise InvitationUsed(_("This invitation is not valid for this survey."))
    if invitation.used:
        raise InvitationUsed(_("This invitation has already been used to answer the survey."))
    Invitation.objects.filter(pk=invitation.pk).update(used=True)
    ledger.record(ledger.INVITATION_USED, survey_id=survey.pk)
    return invitation


def submit_response(
    *,
    survey: Survey,
    cleaned: CleanAnswers,
    language: str,
    source: str,
    invitation_id: int | None = None,
    resident=None,
    today=None,
) -> "Response | HeldResponse":
    """Store one response; with an invitation, claim it in the same transaction. A second
    submission of one invitation is refused and stores nothing.

    Identified survey: a Response linked to the resident (from the invitation if any).
    Anonymous survey: a HeldResponse, sealed, labelled only with its stratum; it becomes a
    Response when its stratum has 10 (release_held_responses, tried after each commit).
    """
    if not cleaned.ok:
        raise ValidationError(_("Some answers need attention."))
    problem = answering_problem(survey)
    if problem:
        raise ValidationError(problem)
    today = today or timezone.localdate()
    with transaction.atomic():
        invitation = None
        if invitation_id is not None:
            invitation = _lock_invitation(invitation_id, survey)
            source = Response.Source.INVITATION
        if survey.is_anonymous:
            held = HeldResponse.objects.create(
                survey=survey,
                language=language,
                source=source,
                sealed=sealing.seal(_held_payload(cleaned, today), purpose=HELD),
            )
            transaction.on_commit(_dispatch_release)
            return held
        if invitation is not None and invitation.resident_id:
            resident = invitation.resident
        response = Response.objects.create(
            survey=survey,
            language=language,
            source=source,
            submitted_on=today,
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
        ledger.record(
            ledger.RESPONDED,
            program_id=survey.program_id,
            survey_id=survey.pk,
            day=response.submitted_on,
            neighbourhood_id=response.neighbourhood_id,
        )
    return response


def delete_response(*, response: "Response | HeldResponse", by, reason: str = "") -> None:
    """Delete one response and its answers (a duplicate paper entry, a test, a resident
    withdrawing what they said in an identified survey), and take it out of the dashboards.
    A response still waiting to be published is simply deleted. Deleting twice: one effect.
    """
    from engagement_portal.core.services import audit

    with transaction.atomic():
        if isinstance(response, HeldResponse):
            held = HeldResponse.objects.select_for_update().filter(pk=response.pk).first()
            if held is None:
                return  # already deleted, or published since: nothing more to do
            audit(
                actor=by,
                action="survey.response.delete",
                target=held.survey,
                survey=held.survey_id,
                reason=reason.strip(),
            )
            held.delete()
            return
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
        ledger.record(
            ledger.RESPONDED,
            program_id=survey.program_id,
            survey_id=survey.pk,
            day=day,
            neighbourhood_id=hood,
        )


def leave_follow_up_email(*, survey: Survey, email: str, language: str) -> None:
    """Keep an email, unlinked from any response, to report back. Leaving it twice keeps one."""
    try:
        with transaction.atomic():
            FollowUpContact.objects.get_or_create(
                survey=survey, email=email.strip().lower(), defaults={"language": language}
            )
    except IntegrityError:
        pass


# --- Publishing anonymous responses in groups ------------------------------------------
#
# Against someone who can read the database (every column, row order, PostgreSQL's
# transaction ids), not the server's settings. A submission claims its invitation and
# stores a sealed HeldResponse in one transaction, so those two rows share a transaction
# id, but the held row shows only its stratum. When a stratum has MIN_GROUP held rows,
# one transaction turns all of them into Response rows, in random order, all dated the
# day the group was complete, and deletes the held rows. A published response can then be
# narrowed at best to the invitations claimed since its stratum was last published: at
# least MIN_GROUP of them.

MIN_GROUP = 10
HELD = "surveys.held-response"


def _held_payload(cleaned: CleanAnswers, day) -> dict:
    return {
        "day": day.isoformat(),
        "hood": cleaned.neighbourhood.pk if cleaned.neighbourhood else None,
        "answers": [
            {
                "q": a["question"].pk,
                "c": a["choice"].pk if a.get("choice") else None,
                "n": a.get("number"),
                "t": a.get("text", ""),
                "d": a.get("declined", False),
            }
            for a in cleaned.answers
        ],
    }


def _dispatch_release() -> None:
    """After a submission commits: try publishing the groups that are complete. Never
    raises into the request; the periodic sweep catches up if this fails."""
    import logging

    try:
        # Every survey that is due, not only this one: in the embedded default no beat runs,
        # and a survey that closed by its closing time publishes its pooled leftovers here.
        jobs.enqueue("surveys.tasks.release_held_responses")
    except Exception:  # a broker that is down must not fail a stored submission
        logging.getLogger(__name__).warning("release of held responses not queued", exc_info=True)


def held_count(survey: Survey) -> int:
    return HeldResponse.objects.filter(survey=survey).count()


def _is_closed(survey: Survey, now) -> bool:
    return survey.status == Survey.Status.CLOSED or bool(
        survey.closes_at and survey.closes_at <= now
    )


def _groups_to_release(held: list[HeldResponse], closed: bool) -> list[tuple[list, str, str]]:
    """(rows, language, source) of each group that may be published now.

    A stratum with MIN_GROUP rows is published as it is. Once the survey is closed, the
    strata that never reached MIN_GROUP are pooled, languages dropped: invitation answers
    with each other (a response pooled with non-invitation ones could still be narrowed to
    the few invitations left), everything else as "combined". A pool still under
    MIN_GROUP stays held and unpublished.
    """
    strata: dict[tuple[str, str], list] = {}
    for row in held:
        strata.setdefault((row.language, row.source), []).append(row)
    groups, leftovers = [], {"invitation": [], "other": []}
    for (language, source), rows in strata.items():
        if len(rows) >= MIN_GROUP:
            groups.append((rows, language, source))
        else:
            leftovers["invitation" if source == Response.Source.INVITATION else "other"] += rows
    if closed:
        for pool, source in (
            (leftovers["invitation"], Response.Source.INVITATION),
            (leftovers["other"], Response.Source.COMBINED),
        ):
            if len(pool) >= MIN_GROUP:
                sources = {row.source for row in pool}
                groups.append((pool, "", sources.pop() if len(sources) == 1 else source))
    return groups


def release_held_responses(*, survey_id: int | None = None, now=None) -> int:
    """Publish every group of held anonymous responses that may be published now (of one
    survey, or of all). Returns how many responses were published; run twice, the second
    run publishes nothing more."""
    now = now or timezone.now()
    published = 0
    for pk in _surveys_due(survey_id, now):
        published += _release_survey(pk, now)
    return published


def _surveys_due(survey_id: int | None, now) -> list[int]:
    """Surveys with a group that may be published, found from counts alone (nothing is
    unsealed for surveys whose strata all wait), so the sweep can run after every commit."""
    from django.db.models import Count

    counts = HeldResponse.objects.values("survey_id", "language", "source").annotate(n=Count("pk"))
    if survey_id is not None:
        counts = counts.filter(survey_id=survey_id)
    full, pools = set(), {}
    for row in counts.order_by():
        if row["n"] >= MIN_GROUP:
            full.add(row["survey_id"])
        else:
            kind = row["source"] == Response.Source.INVITATION
            pools[row["survey_id"], kind] = pools.get((row["survey_id"], kind), 0) + row["n"]
    poolable = {pk for (pk, _kind), n in pools.items() if n >= MIN_GROUP}
    closed = {
        survey.pk
        for survey in Survey.objects.filter(pk__in=poolable - full).only("status", "closes_at")
        if _is_closed(survey, now)
    }
    return sorted(full | closed)


def _release_survey(survey_id: int, now) -> int:
    import random

    rng = random.SystemRandom()
    with transaction.atomic():
        # One release per survey at a time: a second one waits, then finds the rows gone.
        survey = Survey.objects.select_for_update().filter(pk=survey_id).first()
        if survey is None:
            return 0
        held = list(HeldResponse.objects.select_for_update().filter(survey=survey))
        readable = []
        for row in held:
            row.payload = sealing.unseal(row.sealed, purpose=HELD)
            if row.payload is None:
                import logging

                logging.getLogger(__name__).error("held response %s cannot be unsealed", row.pk)
                continue
            readable.append(row)
        groups = _groups_to_release(readable, _is_closed(survey, now))
        if not groups:
            return 0
        questions = {q.pk: q for q in survey.questions.all()}
        choices = {c.pk: c for c in Choice.objects.filter(question__survey=survey)}
        # A neighbourhood deleted while the answer waited: as if deleted after (SET_NULL).
        hoods = set(Neighbourhood.objects.values_list("pk", flat=True))
        responses, answers, released = [], [], []
        for rows, language, source in groups:
            # Every response of a group gets the day the group was complete: a day of its
            # own would tell apart invitations claimed on different days.
            day = max(date.fromisoformat(row.payload["day"]) for row in rows)
            rng.shuffle(rows)
            for row in rows:
                response = Response(
                    survey=survey,
                    language=language,
                    source=source,
                    submitted_on=day,
                    neighbourhood_id=row.payload["hood"] if row.payload["hood"] in hoods else None,
                )
                responses.append(response)
                for a in row.payload["answers"]:
                    if a["q"] not in questions:
                        continue
                    answers.append(
                        Answer(
                            response=response,
                            question=questions[a["q"]],
                            choice=choices.get(a["c"]),
                            number=a["n"],
                            text=a["t"],
                            declined=a["d"],
                        )
                    )
                released.append(row.pk)
        rng.shuffle(responses)
        rng.shuffle(answers)
        Response.objects.bulk_create(responses)
        Answer.objects.bulk_create(answers)
        HeldResponse.objects.filter(pk__in=released).delete()
        for day, hood in sorted({(r.submitted_on, r.neighbourhood_id) for r in responses}, key=str):
            ledger.record(
                ledger.RESPONDED,
                program_id=survey.program_id,
                survey_id=survey.pk,
                day=day,
                neighbourhood_id=hood,
            )
    return len(released)


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
