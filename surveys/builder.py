"""Writes of the staff survey builder: surveys, questions, choices, order and translations.

Every write that touches questions or choices calls `services.ensure_editable` first: once a
survey has an answer its questions are frozen (edits go to `services.new_version`), so results
never mix two wordings. Texts are {language: text} dicts; an empty text is left out, so that
`services.translation_gaps` lists it.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Q
from django.utils.translation import gettext as _

from . import services
from .models import Choice, Question, StandardItem, Survey

Kind = Question.Kind
MAX_CHOICES = 50


def clean_texts(texts: dict[str, str] | None) -> dict[str, str]:
    """{"en": " Hi ", "es": ""} → {"en": "Hi"}: blanks are gaps, not texts."""
    return {lang: text.strip() for lang, text in (texts or {}).items() if text and text.strip()}


def _lock_survey(survey: Survey) -> Survey:
    # Serialises builder writes on one survey (two tabs reordering at once would otherwise
    # interleave their renumbering).
    return Survey.objects.select_for_update().get(pk=survey.pk)


def _check_conditions(questions: list[Question]) -> None:
    """Each display condition must be a choice of an earlier single or multiple question, or
    a value within the range of an earlier yes/no, scale or number question."""
    seen: set[int] = set()
    number = {q.pk: n for n, q in enumerate(questions, start=1)}
    by_pk = {q.pk: q for q in questions}
    for question in questions:
        target = None
        choice = question.condition_choice
        if choice is not None:
            target = choice.question
            if target.kind not in Question.CHOICE_KINDS or target.survey_id != question.survey_id:
                raise ValidationError(
                    {"condition": _("A condition must be an answer of a choice question.")}
                )
        elif question.condition_question_id is not None:
            target = by_pk.get(question.condition_question_id)
            if target is None or target.kind not in Question.VALUE_KINDS:
                raise ValidationError(
                    {
                        "condition": _(
                            "Question %(n)d depends on a question whose answer is not a "
                            "yes or no, a scale or a number."
                        )
                        % {"n": number[question.pk]}
                    }
                )
            low, high = services.SCALES.get(target.kind, (target.min_value, target.max_value))
            value = question.condition_value
            if value is None:
                raise ValidationError(
                    {"condition_value": _("Give the number the answer is compared with.")}
                )
            if (low is not None and value < low) or (high is not None and value > high):
                raise ValidationError(
                    {
                        "condition_value": _(
                            "Question %(m)d's answers go from %(low)s to %(high)s: compare "
                            "with a number in that range."
                        )
                        % {
                            "m": number[target.pk],
                            "low": low if low is not None else "…",
                            "high": high if high is not None else "…",
                        }
                    }
                )
        if target is not None and target.pk not in seen:
            raise ValidationError(
                {
                    "condition": _(
                        "Question %(n)d depends on the answer to question %(m)d, "
                        "so it must come after it."
                    )
                    % {"n": number[question.pk], "m": number.get(target.pk, 0)}
                }
            )
        seen.add(question.pk)


def _questions_in_order(survey: Survey) -> list[Question]:
    return list(
        survey.questions.select_related("condition_choice__question").order_by(
            "page", "position", "pk"
        )
    )


def _renumber(questions: list[Question]) -> None:
    for position, question in enumerate(questions):
        question.position = position
    Question.objects.bulk_update(questions, ["page", "position"])


# --- Surveys -------------------------------------------------------------------------------


@transaction.atomic
def create_survey(
    *,
    owner,
    title: dict,
    introduction: dict | None = None,
    languages: list[str],
    mode: str = Survey.Mode.ANONYMOUS,
    program=None,
    event=None,
    opens_at=None,
    closes_at=None,
) -> Survey:
    """Create a draft survey. Each call creates one more survey (it is not idempotent)."""
    if event is not None and program is None:
        program = event.program
    return Survey.objects.create(
        owner=owner,
        title=clean_texts(title),
        introduction=clean_texts(introduction),
        languages=list(dict.fromkeys(languages)),
        mode=mode,
        program=program,
        event=event,
        opens_at=opens_at,
        closes_at=closes_at,
    )


@transaction.atomic
def update_survey(
    *,
    survey: Survey,
    title: dict,
    introduction: dict | None = None,
    languages: list[str],
    mode: str,
    program=None,
    event=None,
    opens_at=None,
    closes_at=None,
) -> Survey:
    """Save the survey's settings. Running it twice with the same values changes nothing more.

    The mode goes through `services.set_mode` (refused once there is a response). The
    languages cannot change on a survey with answers: its questions could not be translated.
    """
    survey = services.set_mode(survey=survey, mode=mode)
    languages = list(dict.fromkeys(languages))
    if languages != list(survey.languages or []) and services.is_locked(survey):
        raise ValidationError(
            {
                "languages": _(
                    "This survey already has answers, so its languages cannot change. "
                    "Make a new version to offer other languages."
                )
            }
        )
    if event is not None and program is None:
        program = event.program
    survey.title = clean_texts(title)
    survey.introduction = clean_texts(introduction)
    survey.languages = languages
    survey.program = program
    survey.event = event
    survey.opens_at = opens_at
    survey.closes_at = closes_at
    survey.save(
        update_fields=[
            "title",
            "introduction",
            "languages",
            "program",
            "event",
            "opens_at",
            "closes_at",
        ]
    )
    return survey


# --- Questions -----------------------------------------------------------------------------


def _question_fields(
    question: Question,
    *,
    kind,
    text,
    help,
    required,
    demographic,
    page,
    min_value,
    max_value,
    condition_choice,
    condition_question=None,
    condition_operator="",
    condition_value=None,
) -> None:
    question.kind = kind
    question.text = clean_texts(text)
    question.help = clean_texts(help)
    question.demographic = bool(demographic)
    # A demographic question is always optional (and offers "Prefer not to say").
    question.required = bool(required) and not question.demographic
    question.page = page or 1
    is_number = kind == Kind.NUMBER
    question.min_value = min_value if is_number else None
    question.max_value = max_value if is_number else None
    question.condition_choice = condition_choice
    # One condition at most: an answer picked, or a value compared.
    has_value = condition_choice is None and condition_question is not None
    question.condition_question = condition_question if has_value else None
    question.condition_operator = (
        (condition_operator or Question.Operator.EQUAL) if has_value else ""
    )
    question.condition_value = condition_value if has_value else None


@transaction.atomic
def add_question(
    *,
    survey: Survey,
    kind: str,
    text: dict,
    help: dict | None = None,
    required: bool = False,
    demographic: bool = False,
    page: int = 1,
    min_value: int | None = None,
    max_value: int | None = None,
    choices: list[dict] | None = None,
    condition_choice: Choice | None = None,
    condition_question: Question | None = None,
    condition_operator: str = "",
    condition_value: int | None = None,
    standard_item: StandardItem | None = None,
) -> Question:
    """Add a question at the end of its page. Each call adds one more question."""
    survey = _lock_survey(survey)
    services.ensure_editable(survey)
    last = survey.questions.filter(page=page).aggregate(last=Max("position"))["last"]
    question = Question(survey=survey, standard_item=standard_item)
    _question_fields(
        question,
        kind=kind,
        text=text,
        help=help,
        required=required,
        demographic=demographic,
        page=page,
        min_value=min_value,
        max_value=max_value,
        condition_choice=condition_choice,
        condition_question=condition_question,
        condition_operator=condition_operator,
        condition_value=condition_value,
    )
    question.position = 0 if last is None else last + 1
    question.save()
    _check_conditions(_questions_in_order(survey))
    set_choices(question=question, labels=choices or [])
    return question


@transaction.atomic
def update_question(
    *,
    question: Question,
    kind: str,
    text: dict,
    help: dict | None = None,
    required: bool = False,
    demographic: bool = False,
    page: int = 1,
    min_value: int | None = None,
    max_value: int | None = None,
    choices: list[dict] | None = None,
    condition_choice: Choice | None = None,
    condition_question: Question | None = None,
    condition_operator: str = "",
    condition_value: int | None = None,
) -> Question:
    """Save a question's wording and settings. Running it twice gives the same question.

    Moving it to another page puts it at the end of that page.
    """
    survey = _lock_survey(question.survey)
    services.ensure_editable(survey)
    question = Question.objects.get(pk=question.pk)
    old_page = question.page
    _question_fields(
        question,
        kind=kind,
        text=text,
        help=help,
        required=required,
        demographic=demographic,
        page=page,
        min_value=min_value,
        max_value=max_value,
        condition_choice=condition_choice,
        condition_question=condition_question,
        condition_operator=condition_operator,
        condition_value=condition_value,
    )
    if question.page != old_page:
        last = survey.questions.filter(page=question.page).aggregate(last=Max("position"))
        question.position = 0 if last["last"] is None else last["last"] + 1
    question.save()
    _check_conditions(_questions_in_order(survey))
    set_choices(question=question, labels=choices or [])
    return question


@transaction.atomic
def set_choices(*, question: Question, labels: list[dict]) -> list[Choice]:
    """Make the question's choices exactly `labels`, in order. Idempotent.

    Existing choices are relabelled in place, so display conditions that point to them stay
    attached. Non-choice questions have no choices. A choice that another question's
    condition points to cannot be removed.
    """
    services.ensure_editable(question.survey)
    labels = (
        [clean_texts(label) for label in labels] if question.kind in Question.CHOICE_KINDS else []
    )
    if len(labels) > MAX_CHOICES:
        raise ValidationError(_("At most %(n)d choices.") % {"n": MAX_CHOICES})
    existing = list(question.choices.order_by("position", "pk"))
    removed = existing[len(labels) :]
    if removed:
        dependents = Question.objects.filter(condition_choice__in=removed)
        if dependents.exists():
            raise ValidationError(
                {
                    "choices": _(
                        "Another question is shown only after one of the choices you removed. "
                        "Change that question's condition first."
                    )
                }
            )
        Choice.objects.filter(pk__in=[c.pk for c in removed]).delete()
    kept = []
    for position, label in enumerate(labels):
        if position < len(existing):
            choice = existing[position]
            if choice.label != label or choice.position != position:
                choice.label, choice.position = label, position
                choice.save(update_fields=["label", "position"])
        else:
            choice = Choice.objects.create(question=question, position=position, label=label)
        kept.append(choice)
    return kept


@transaction.atomic
def move_question(*, question: Question, direction: str) -> Question:
    """Move a question one step up or down; at a page boundary it joins the next page first.

    Each call moves one more step (not idempotent); at the top or bottom it does nothing.
    Refused when it would put a question before the question its condition depends on.
    """
    if direction not in ("up", "down"):
        raise ValidationError(_("Choose to move the question up or down."))
    survey = _lock_survey(question.survey)
    services.ensure_editable(survey)
    questions = _questions_in_order(survey)
    index = next(i for i, q in enumerate(questions) if q.pk == question.pk)
    current = questions[index]
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(questions):
        return current
    neighbour = questions[other]
    if neighbour.page != current.page:
        # Crossing into the neighbouring page is one step: same slot, new page.
        current.page = neighbour.page
    else:
        questions[index], questions[other] = neighbour, current
    _check_conditions(questions)
    _renumber(questions)
    return current


@transaction.atomic
def delete_question(*, question: Question) -> None:
    """Delete a question and its choices. Deleting it again does nothing.

    Refused while another question's display condition depends on one of its choices.
    """
    survey = _lock_survey(question.survey)
    services.ensure_editable(survey)
    depends = Q(condition_choice__question_id=question.pk) | Q(condition_question_id=question.pk)
    if Question.objects.filter(depends).exists():
        raise ValidationError(
            _(
                "Another question is shown only after an answer to this one. "
                "Change or remove that question's condition first."
            )
        )
    Question.objects.filter(pk=question.pk).delete()


@transaction.atomic
def add_standard_item(*, survey: Survey, item: StandardItem, page: int | None = None) -> Question:
    """Add a standard-bank item as a question, with its texts in the survey's languages.

    Adding the same item twice keeps one question (trends need one answer per survey).
    """
    survey = _lock_survey(survey)
    services.ensure_editable(survey)
    existing = survey.questions.filter(standard_item=item).first()
    if existing is not None:
        return existing
    languages = survey.languages or services.portal_languages()
    if page is None:
        page = survey.questions.aggregate(last=Max("page"))["last"] or 1
    question = add_question(
        survey=survey,
        kind=item.kind,
        text={lang: item.text.get(lang, "") for lang in languages},
        help={lang: (item.help or {}).get(lang, "") for lang in languages},
        page=page,
        standard_item=item,
        # A demographic item is optional and offers "Prefer not to say".
        demographic=bool(item.category),
        choices=[
            {lang: group["label"].get(lang, "") for lang in languages} for group in item.groups
        ],
    )
    # Each choice stands for its group, so answers can be set against the population.
    for choice, group in zip(question.choices.order_by("position"), item.groups, strict=True):
        choice.code = group["code"]
        choice.save(update_fields=["code"])
    return question


# --- Translations --------------------------------------------------------------------------


@transaction.atomic
def save_translations(*, survey: Survey, texts: dict[str, dict[str, str]]) -> Survey:
    """Save texts by key ("title", "introduction", "q<pk>", "h<pk>", "c<pk>") and language.

    Idempotent. The title and introduction can always be edited; question and choice texts
    only while the survey has no answers.
    """
    survey = _lock_survey(survey)
    questions = {q.pk: q for q in survey.questions.all()}
    choices = {c.pk: c for c in Choice.objects.filter(question__survey=survey)}
    changed_questions: set[int] = set()
    changed_choices: set[int] = set()
    for key, by_language in texts.items():
        if key in ("title", "introduction"):
            setattr(survey, key, clean_texts({**getattr(survey, key), **by_language}))
            continue
        kind, pk = key[0], int(key[1:])
        if kind in "qh" and pk in questions:
            field = "text" if kind == "q" else "help"
            question = questions[pk]
            new = clean_texts({**getattr(question, field), **by_language})
            if new != getattr(question, field):
                setattr(question, field, new)
                changed_questions.add(pk)
        elif kind == "c" and pk in choices:
            choice = choices[pk]
            new = clean_texts({**choice.label, **by_language})
            if new != choice.label:
                choice.label = new
                changed_choices.add(pk)
    if changed_questions or changed_choices:
        services.ensure_editable(survey)
        Question.objects.bulk_update([questions[pk] for pk in changed_questions], ["text", "help"])
        Choice.objects.bulk_update([choices[pk] for pk in changed_choices], ["label"])
    survey.save(update_fields=["title", "introduction"])
    return survey
