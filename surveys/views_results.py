"""Results pages: a survey's results for the staff who run it, its CSV export and public
page, and the trend of the standard questions for any staff.

A survey's own pages check `user_can_manage_survey` before looking at the method or the
input, so a refused user always gets a 403. The figures come from surveys.results, which
hides every group of fewer than 10 responses.
"""

import csv
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseNotAllowed, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core.mixins import staff_only

from . import results as selectors
from . import services
from .forms_results import PublishForm, ResultsFilterForm
from .models import Survey, pick
from .selectors import user_can_manage_survey

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _survey_for_manager(request, pk) -> Survey:
    survey = get_object_or_404(
        Survey.objects.select_related("program", "event__program", "owner"), pk=pk
    )
    if not user_can_manage_survey(request.user, survey):
        raise PermissionDenied
    return survey


def csv_safe(value) -> str:
    """Spreadsheets run cells that start with these characters as formulas: defuse them."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


class Echo:
    """A file-like object whose write returns the line, for streaming csv.writer output."""

    def write(self, value):
        return value


@staff_only
def results(request, pk):
    survey = _survey_for_manager(request, pk)
    return _render_results(request, survey, PublishForm(survey=survey))


def _render_results(request, survey: Survey, publish_form: PublishForm, status: int = 200):
    neighbourhoods = list(Neighbourhood.objects.order_by("name").values_list("pk", "name"))
    filter_form = ResultsFilterForm(
        request.GET if _has_filters(request.GET) else None,
        survey=survey,
        neighbourhoods=neighbourhoods,
    )
    text_question = request.GET.get("answers", "")
    text_search = request.GET.get("q", "").strip()[:100]
    data = selectors.survey_results(
        survey,
        filters=filter_form.filters(),
        text_question=int(text_question) if text_question.isdigit() else None,
        text_search=text_search,
        text_page=request.GET.get("page", 1),
    )
    filter_items = [(k, v) for k, v in request.GET.items() if k in filter_form.fields and v]
    filter_query = urlencode(filter_items)
    text_query = urlencode([*filter_items, ("answers", text_question), ("q", text_search)])
    return render(
        request,
        "surveys/results_staff.html",
        {
            "survey": survey,
            "title": pick(survey.title),
            "results": data,
            "filter_form": filter_form,
            "filter_items": filter_items,
            "filter_query": filter_query,
            "text_query": text_query,
            "publish_form": publish_form,
            "has_held": survey.is_anonymous and services.held_count(survey) > 0,
        },
        status=status,
    )


def _has_filters(params) -> bool:
    keys = ("language", "neighbourhood", "source", "date_from", "date_to")
    return any(params.get(key) for key in keys)


@staff_only
def results_csv(request, pk):
    survey = _survey_for_manager(request, pk)
    try:
        header, rows = services.export_results(survey=survey, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("surveys:staff-results", pk=survey.pk)
    writer = csv.writer(Echo())

    def lines():
        yield "\ufeff"  # so spreadsheet programs read accents correctly
        yield writer.writerow([csv_safe(cell) for cell in header])
        for row in rows:
            yield writer.writerow([csv_safe(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    filename = f"survey-{survey.pk}-v{survey.version}-responses.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@staff_only
def publish(request, pk):
    survey = _survey_for_manager(request, pk)
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if request.POST.get("action") == "unpublish":
        services.unpublish_results(survey=survey, user=request.user)
        messages.success(request, _("The public results page is no longer published."))
        return redirect("surveys:staff-results", pk=survey.pk)
    form = PublishForm(request.POST, survey=survey)
    if not form.is_valid():
        return _render_results(request, survey, form, status=400)
    services.publish_results(survey=survey, summaries=form.summaries(), user=request.user)
    messages.success(request, _("The results summary is published."))
    return redirect("surveys:staff-results", pk=survey.pk)


def public_results(request, public_id):
    survey = get_object_or_404(Survey, public_id=public_id, results_published=True)
    language = get_language()
    data = selectors.survey_results(
        survey, include_text=False, include_distributions=False, language=language
    )
    return render(
        request,
        "surveys/results_public.html",
        {
            "survey": survey,
            "title": pick(survey.title, language),
            "summary": pick(survey.results_summary, language),
            "results": data,
            "public": True,
        },
    )


@staff_only
def trends(request):
    return render(
        request,
        "surveys/results_trends.html",
        {"trends": selectors.standard_item_trends(language=get_language())},
    )
