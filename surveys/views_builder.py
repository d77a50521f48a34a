"""Staff pages of the survey builder: list, create and edit, questions, bank, translations.

Every survey page first checks that the user manages the survey (its owner, its program's
owner or team, or someone who manages all programs), before looking at the HTTP method or
the input: a refused user always gets a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from engagement_portal.core.mixins import staff_only

from . import builder, selectors, services
from .forms_builder import (
    BankItemForm,
    MoveForm,
    QuestionForm,
    StatusForm,
    SurveyForm,
    TranslationsForm,
    language_name,
)
from .models import Question, StandardItem, Survey


def _survey_for_manager(request, pk) -> Survey:
    survey = get_object_or_404(
        Survey.objects.select_related("program", "event__program", "owner", "replaced_by"), pk=pk
    )
    if not selectors.user_can_manage_survey(request.user, survey):
        raise PermissionDenied
    return survey


def _question_for_manager(request, question_pk) -> Question:
    question = get_object_or_404(
        Question.objects.select_related(
            "survey__program", "survey__event__program", "survey__owner"
        ),
        pk=question_pk,
    )
    if not selectors.user_can_manage_survey(request.user, question.survey):
        raise PermissionDenied
    return question


def _staff_url(survey: Survey, anchor: str = "") -> str:
    url = reverse("surveys:staff-detail", args=[survey.pk])
    return f"{url}#{anchor}" if anchor else url


def _refuse_if_locked(request, survey: Survey):
    """A frozen survey's question pages send staff back with the reason and the way out."""
    try:
        services.ensure_editable(survey)
    except services.SurveyLocked as exc:
        messages.error(request, exc.messages[0])
        return redirect(_staff_url(survey))
    return None


# --- List, create, edit ---------------------------------------------------------------------


@staff_only
def survey_list(request):
    page = Paginator(selectors.surveys_managed_by(request.user), 25).get_page(
        request.GET.get("page")
    )
    for survey in page:
        survey.language_names = ", ".join(language_name(code) for code in survey.languages or [])
    return render(request, "surveys/builder_list.html", {"page": page, "query": ""})


@login_required
@permission_required(["accounts.access_staff_portal", "programs.add_program"], raise_exception=True)
def survey_create(request):
    form = SurveyForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        survey = builder.create_survey(owner=request.user, **form.survey_data())
        messages.success(
            request,
            _("Survey “%(title)s” created as a draft. Now add questions.") % {"title": survey},
        )
        return redirect(_staff_url(survey))
    return render(request, "surveys/builder_form.html", {"form": form, "creating": True})


@staff_only
def survey_edit(request, pk):
    survey = _survey_for_manager(request, pk)
    form = SurveyForm(request.POST or None, user=request.user, survey=survey)
    if request.method == "POST" and form.is_valid():
        try:
            builder.update_survey(survey=survey, **form.survey_data())
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                exc = ValidationError({"mode": exc.messages})
            form.add_error(None, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect(_staff_url(survey))
    return render(request, "surveys/builder_form.html", {"form": form, "survey": survey})


# --- The survey page ------------------------------------------------------------------------


def _detail_context(survey: Survey) -> dict:
    questions = selectors.ordered_questions(survey)
    numbers = selectors.number_questions(questions)
    pages: list[dict] = []
    for index, question in enumerate(questions):
        question.number = numbers[question.pk]
        question.is_first = index == 0
        question.is_last = index == len(questions) - 1
        question.condition = selectors.describe_condition(question, numbers)
        if not pages or pages[-1]["number"] != question.page:
            pages.append({"number": question.page, "questions": []})
        pages[-1]["questions"].append(question)
    # Published and still held alike: either freezes the questions.
    response_count = survey.responses.count() + services.held_count(survey)
    gaps = services.translation_gaps(survey)
    return {
        "survey": survey,
        "pages": pages,
        "question_count": len(questions),
        "response_count": response_count,
        "locked": response_count > 0,
        "gap_count": len(gaps),
        "survey_languages": [(code, language_name(code)) for code in survey.languages or []],
    }


@staff_only
def survey_detail(request, pk):
    survey = _survey_for_manager(request, pk)
    return render(request, "surveys/builder_detail.html", _detail_context(survey))


@staff_only
def status(request, pk):
    survey = _survey_for_manager(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to open or close the survey."))
        return redirect(_staff_url(survey))
    if form.cleaned_data["action"] == "close":
        services.close_survey(survey=survey)
        messages.success(request, _("The survey is closed. No more answers are accepted."))
        return redirect(_staff_url(survey))
    if survey.replaced_by_id:
        messages.error(request, _("A newer version replaces this survey: open that one instead."))
        return redirect(_staff_url(survey))
    try:
        services.open_survey(survey=survey)
    except ValidationError as exc:
        context = _detail_context(survey)
        errors = exc.messages
        # open_survey leads its list of gaps with a sentence ending in a colon.
        if len(errors) > 1 and errors[0].endswith(":"):
            context["status_intro"], errors = errors[0], errors[1:]
        context["status_errors"] = errors
        return render(request, "surveys/builder_detail.html", context)
    messages.success(request, _("The survey is open for answers."))
    return redirect(_staff_url(survey))


@staff_only
def version(request, pk):
    survey = _survey_for_manager(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not services.is_locked(survey):
        messages.error(request, _("This survey has no answers yet: edit its questions directly."))
        return redirect(_staff_url(survey))
    copy = services.new_version(survey=survey, user=request.user)
    messages.success(
        request,
        _(
            "Version %(n)d is a draft copy you can edit. Version %(old)d is closed and keeps "
            "its answers."
        )
        % {"n": copy.version, "old": survey.version},
    )
    return redirect(_staff_url(copy))


# --- Questions ------------------------------------------------------------------------------


@staff_only
def question_add(request, pk):
    survey = _survey_for_manager(request, pk)
    if request.method != "POST" and (refused := _refuse_if_locked(request, survey)):
        return refused
    questions = selectors.ordered_questions(survey)
    form = QuestionForm(request.POST or None, survey=survey, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            question = builder.add_question(survey=survey, **form.question_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Question added."))
            return redirect(_staff_url(survey, f"question-{question.pk}"))
    return render(
        request,
        "surveys/builder_question_form.html",
        {"form": form, "survey": survey, "creating": True},
    )


@staff_only
def question_edit(request, question_pk):
    question = _question_for_manager(request, question_pk)
    survey = question.survey
    if request.method != "POST" and (refused := _refuse_if_locked(request, survey)):
        return refused
    questions = selectors.ordered_questions(survey)
    question = next(q for q in questions if q.pk == question.pk)
    form = QuestionForm(request.POST or None, survey=survey, questions=questions, question=question)
    if request.method == "POST" and form.is_valid():
        try:
            builder.update_question(question=question, **form.question_data())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Question saved."))
            return redirect(_staff_url(survey, f"question-{question.pk}"))
    number = selectors.number_questions(questions)[question.pk]
    return render(
        request,
        "surveys/builder_question_form.html",
        {"form": form, "survey": survey, "question": question, "number": number},
    )


@staff_only
def question_move(request, question_pk):
    question = _question_for_manager(request, question_pk)
    survey = question.survey
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to move the question up or down."))
        return redirect(_staff_url(survey, f"question-{question.pk}"))
    direction = form.cleaned_data["direction"]
    try:
        builder.move_question(question=question, direction=direction)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(_staff_url(survey, f"question-{question.pk}"))
    order = list(survey.questions.order_by("page", "position", "pk").values_list("pk", "page"))
    number = [pk for pk, _page in order].index(question.pk) + 1
    messages.success(
        request,
        _("Moved: it is now question %(n)d, on page %(page)d.")
        % {"n": number, "page": order[number - 1][1]},
    )
    # Focus lands back on the same button, so pressing it again keeps moving the question;
    # at the top or bottom that button is gone and focus goes to the question itself.
    at_end = number == 1 if direction == "up" else number == len(order)
    anchor = f"question-{question.pk}" if at_end else f"move-{direction}-{question.pk}"
    return redirect(_staff_url(survey, anchor))


@staff_only
def question_delete(request, question_pk):
    question = _question_for_manager(request, question_pk)
    survey = question.survey
    if request.method != "POST" and (refused := _refuse_if_locked(request, survey)):
        return refused
    error = None
    if request.method == "POST":
        try:
            builder.delete_question(question=question)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(request, _("Question deleted."))
            return redirect(_staff_url(survey, "questions"))
    numbers = selectors.number_questions(
        list(survey.questions.order_by("page", "position", "pk").only("pk"))
    )
    return render(
        request,
        "surveys/builder_question_delete.html",
        {
            "survey": survey,
            "question": question,
            "number": numbers.get(question.pk),
            "error": error,
        },
    )


# --- Standard bank and translations ---------------------------------------------------------


@staff_only
def bank_add(request, pk):
    survey = _survey_for_manager(request, pk)
    if request.method != "POST" and (refused := _refuse_if_locked(request, survey)):
        return refused
    error = None
    if request.method == "POST":
        form = BankItemForm(request.POST)
        if not form.is_valid():
            error = _("Choose a question from the bank.")
        else:
            try:
                question = builder.add_standard_item(survey=survey, item=form.cleaned_data["item"])
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, _("“%(text)s” is in the survey.") % {"text": question})
                return redirect(_staff_url(survey, f"question-{question.pk}"))
    items = list(StandardItem.objects.all())
    kinds = dict(Question.Kind.choices)
    for item in items:
        item.kind_label = kinds.get(item.kind, item.kind)
    used = set(
        survey.questions.filter(standard_item__isnull=False).values_list(
            "standard_item_id", flat=True
        )
    )
    return render(
        request,
        "surveys/builder_bank.html",
        {"survey": survey, "items": items, "used": used, "error": error},
    )


@staff_only
def translations(request, pk):
    survey = _survey_for_manager(request, pk)
    questions = selectors.ordered_questions(survey)
    form = TranslationsForm(request.POST or None, survey=survey, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            builder.save_translations(survey=survey, texts=form.texts())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            gaps = services.translation_gaps(survey)
            if gaps:
                messages.success(
                    request,
                    ngettext(
                        "Translations saved. %(n)d text is still missing.",
                        "Translations saved. %(n)d texts are still missing.",
                        len(gaps),
                    )
                    % {"n": len(gaps)},
                )
                return redirect(reverse("surveys:staff-translations", args=[survey.pk]))
            messages.success(request, _("Translations saved. Nothing is missing."))
            return redirect(_staff_url(survey))
    return render(
        request,
        "surveys/builder_translations.html",
        {
            "survey": survey,
            "form": form,
            "gaps": services.translation_gaps(survey),
            "locked": services.is_locked(survey),
        },
    )
