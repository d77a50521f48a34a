"""Reads for survey pages: who manages a survey, the builder's lists and question order."""

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext

from engagement_portal.core.links import base_url
from programs.models import Program
from programs.selectors import user_can_manage_program

from .models import Question, Survey, pick

STAFF_PORTAL = "accounts.access_staff_portal"
MANAGE_ALL = "programs.manage_all_programs"


def user_can_manage_survey(user, survey: Survey) -> bool:
    """The survey's owner, the owner and team of its program (or of its event's program),
    and those allowed to manage all programs. Nobody else, command staff included."""
    if not user.is_authenticated or not user.has_perm(STAFF_PORTAL):
        return False
    if user.has_perm(MANAGE_ALL) or survey.owner_id == user.pk:
        return True
    program = survey.program or (survey.event.program if survey.event_id else None)
    return program is not None and user_can_manage_program(user, program)


def surveys_managed_by(user) -> QuerySet[Survey]:
    """The surveys `user_can_manage_survey` allows, as one query, for the staff list."""
    surveys = Survey.objects.all()
    if not user.has_perm(MANAGE_ALL):
        mine = Q(owner=user)
        if user.has_perm("programs.change_program"):
            mine |= (
                Q(program__owner=user)
                | Q(program__team=user)
                | Q(program__isnull=True, event__program__owner=user)
                | Q(program__isnull=True, event__program__team=user)
            )
        surveys = surveys.filter(pk__in=Survey.objects.filter(mine).values("pk"))
    return (
        surveys.select_related("program", "event", "replaced_by")
        .annotate(response_count=Count("responses", distinct=True))
        .annotate(question_count=Count("questions", distinct=True))
        .order_by("-created_at", "-pk")
    )


def programs_for_surveys(user) -> QuerySet[Program]:
    """Programs a user may attach a survey to: those they manage (all, for administrators)."""
    if user.has_perm(MANAGE_ALL):
        programs = Program.objects.exclude(status=Program.Status.ARCHIVED)
    elif user.has_perm("programs.change_program"):
        programs = Program.objects.filter(
            pk__in=Program.objects.filter(Q(owner=user) | Q(team=user)).values("pk")
        ).exclude(status=Program.Status.ARCHIVED)
    else:
        programs = Program.objects.none()
    return programs.order_by("title")


def ordered_questions(survey: Survey) -> list[Question]:
    """The survey's questions in answering order, with what the builder shows of each.

    Three queries however many questions: questions (with condition and standard item),
    their choices.
    """
    return list(
        survey.questions.select_related("condition_choice", "condition_question", "standard_item")
        .prefetch_related("choices")
        .order_by("page", "position", "pk")
    )


def describe_condition(question: Question, numbers: dict[int, int]) -> dict | None:
    """What a question's display condition says, for the builder and the paper version:
    {"number": the question it depends on, "answer": the answer picked (a choice, Yes or
    No)} or {"number", "operator": "is at least"..., "value"}. In the active language."""
    if question.condition_choice_id:
        choice = question.condition_choice
        return {"number": numbers.get(choice.question_id), "answer": pick(choice.label)}
    target = question.condition_question
    if target is None:
        return None
    number = numbers.get(target.pk)
    equal = question.condition_operator == Question.Operator.EQUAL
    if target.kind == Question.Kind.YES_NO and equal:
        return {"number": number, "answer": gettext("Yes" if question.condition_value else "No")}
    return {
        "number": number,
        "operator": question.get_condition_operator_display(),
        "value": question.condition_value,
    }


def number_questions(questions: list[Question]) -> dict[int, int]:
    """Question pk → its number as staff see it ("Question 3"), the same numbering as the
    translation gaps use."""
    return {question.pk: number for number, question in enumerate(questions, start=1)}


def follow_up_survey_url(event) -> str:
    """The open survey about this event, else about its program: asked in the thank-you
    (registered with events.hooks)."""

    from .models import Survey

    open_surveys = Survey.objects.filter(status=Survey.Status.OPEN, replaced_by__isnull=True)
    survey = (
        open_surveys.filter(event=event).order_by("-created_at").first()
        or open_surveys.filter(program=event.program, event__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if survey is None:
        return ""
    return base_url() + survey.get_absolute_url()
