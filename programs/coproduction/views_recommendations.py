"""“You said, we did”: what residents recommended and the agency's dated answer.

Public pages show recommendations marked public; staff pages show all of them. Recording one
is for the program's managers; answering is for them and the staff member made responsible.
Access is checked before the HTTP method or the input is looked at.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from engagement_portal.core.http import limit_public_posts, too_many_requests
from engagement_portal.core.mixins import staff_only
from programs.coproduction import selectors_recommendations as selectors
from programs.coproduction import services_recommendations as services
from programs.coproduction.forms_recommendations import (
    FollowForm,
    RecommendationFilterForm,
    RecommendationForm,
    RespondForm,
    StaffRecommendationFilterForm,
)
from programs.coproduction.models_recommendations import Recommendation
from programs.models import Program
from programs.selectors import user_can_manage_program


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# --- Public ---------------------------------------------------------------------------


@require_safe
def public_list(request):
    filters = RecommendationFilterForm(
        request.GET or None, programs=selectors.programs_with_public_recommendations()
    )
    options = filters.options()
    base = selectors.filter_recommendations(
        selectors.public_recommendations(),
        tier=options.get("tier"),
        program=options.get("program"),
    )
    recommendations = selectors.filter_recommendations(base, status=options.get("status", ""))
    page = Paginator(recommendations, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "coproduction/recommendations/public_list.html",
        {
            "filter_form": filters,
            "page": page,
            "counts": selectors.status_counts(base),
            "query": _query_without_page(request),
            "filtered": bool(options),
        },
    )


def _render_public_detail(request, recommendation, form, status=200):
    return render(
        request,
        "coproduction/recommendations/public_detail.html",
        {"recommendation": recommendation, "form": form},
        status=status,
    )


@limit_public_posts("recommendations-follow")
@require_http_methods(["GET", "POST"])
def public_detail(request, public_id):
    if request.limited:
        return too_many_requests(request)
    recommendation = selectors.public_recommendation(public_id)
    if recommendation is None:
        raise Http404
    if request.method == "GET":
        return _render_public_detail(request, recommendation, FollowForm())
    form = FollowForm(request.POST)
    if not form.is_valid():
        return _render_public_detail(request, recommendation, form)
    try:
        user = request.user if request.user.is_authenticated else None
        services.follow(recommendation=recommendation, user=user, **form.cleaned_data)
    except ValidationError as error:
        form.add_error(None, error)
        return _render_public_detail(request, recommendation, form)
    # The same answer whether or not this address already followed: it may not be theirs.
    messages.success(request, _("Thank you. We will email you when the agency's answer changes."))
    return redirect("recommendations:public-detail", public_id=recommendation.public_id)


# --- Staff ----------------------------------------------------------------------------


@staff_only
@require_safe
def staff_list(request):
    filters = StaffRecommendationFilterForm(request.GET or None)
    options = filters.options()
    base = selectors.filter_recommendations(
        selectors.staff_recommendations(),
        tier=options.get("tier"),
        program=options.get("program"),
        overdue=bool(options.get("overdue")),
    )
    if options.get("mine"):
        base = base.filter(responsible_user=request.user)
    recommendations = selectors.filter_recommendations(base, status=options.get("status", ""))
    page = Paginator(recommendations, 25).get_page(request.GET.get("page"))
    return render(
        request,
        "coproduction/recommendations/staff_list.html",
        {
            "filter_form": filters,
            "page": page,
            "counts": selectors.status_counts(base),
            "query": _query_without_page(request),
        },
    )


@staff_only
@require_http_methods(["GET", "POST"])
def staff_create(request, program_pk):
    program = get_object_or_404(Program.objects.select_related("engagement_type"), pk=program_pk)
    if not user_can_manage_program(request.user, program):
        raise PermissionDenied
    form = RecommendationForm(
        request.POST or None,
        instance=Recommendation(program=program),
        program=program,
        initial={"responsible_user": request.user.pk},
    )
    if request.method == "POST" and form.is_valid():
        recommendation = services.create_recommendation(
            form=form, program=program, user=request.user
        )
        messages.success(
            request, _("Recommendation “%(title)s” recorded.") % {"title": recommendation.title}
        )
        return redirect("recommendations:staff-detail", pk=recommendation.pk)
    return render(
        request, "coproduction/recommendations/staff_form.html", {"form": form, "program": program}
    )


def _staff_recommendation(pk) -> Recommendation:
    recommendation = selectors.staff_recommendation(pk)
    if recommendation is None:
        raise Http404
    return recommendation


@staff_only
@require_safe
def staff_detail(request, pk):
    recommendation = _staff_recommendation(pk)
    return render(
        request,
        "coproduction/recommendations/staff_detail.html",
        {
            "recommendation": recommendation,
            "can_respond": selectors.user_can_respond(request.user, recommendation),
        },
    )


@staff_only
def staff_respond(request, pk):
    recommendation = _staff_recommendation(pk)
    if not selectors.user_can_respond(request.user, recommendation):
        raise PermissionDenied
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    form = RespondForm(request.POST or None, recommendation=recommendation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["changes_answer"]:
            services.respond(
                recommendation=recommendation,
                status=data["status"],
                rationale=data["rationale"],
                note=data["note"],
                user=request.user,
                now=timezone.now(),
            )
            messages.success(request, _("The agency's answer is saved."))
        else:
            services.add_progress_update(
                recommendation=recommendation, text=data["note"], user=request.user
            )
            messages.success(request, _("Progress note added."))
        return redirect(reverse("recommendations:staff-detail", args=[recommendation.pk]))
    return render(
        request,
        "coproduction/recommendations/staff_respond.html",
        {"form": form, "recommendation": recommendation},
    )
