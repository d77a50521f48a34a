"""Staff pages for sending a survey: create a distribution, confirm, follow its progress.

Each page first checks that the user manages the survey, before looking at the HTTP method
or the input: a refused user always gets a 403 (anonymous visitors go to log in).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.core.mixins import staff_only

from . import distribution as services
from . import selectors
from .forms_distribution import DistributionForm
from .models import Distribution, Survey

REFRESH_SECONDS = 5


def _survey_for_manager(request, pk) -> Survey:
    survey = get_object_or_404(
        Survey.objects.select_related("program", "event__program", "owner"), pk=pk
    )
    if not selectors.user_can_manage_survey(request.user, survey):
        raise PermissionDenied
    return survey


def _distribution_for_manager(request, distribution_pk) -> Distribution:
    distribution = get_object_or_404(
        Distribution.objects.select_related(
            "survey__program", "survey__event__program", "survey__owner", "created_by"
        ),
        pk=distribution_pk,
    )
    if not selectors.user_can_manage_survey(request.user, distribution.survey):
        raise PermissionDenied
    return distribution


def _detail_url(distribution: Distribution) -> str:
    return reverse("surveys:staff-distribution", args=[distribution.pk])


@staff_only
def distribution_list(request, pk):
    survey = _survey_for_manager(request, pk)
    form = DistributionForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            distribution = services.create_distribution(
                survey=survey,
                audience=data["audience"],
                user=request.user,
                parameters=form.parameters(),
                contacts=form.csv_result.contacts if form.csv_result else None,
                reminder_after_days=data["reminder_after_days"],
                max_reminders=data["max_reminders"] or 0,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Check who will be invited, then start sending."))
            return redirect(_detail_url(distribution))
    return render(
        request,
        "surveys/distribution_list.html",
        {
            "survey": survey,
            "form": form,
            "distributions": services.distributions_with_progress(survey),
        },
    )


@staff_only
def distribution_detail(request, distribution_pk):
    distribution = _distribution_for_manager(request, distribution_pk)
    counts = services.progress(distribution)
    # Also while its queued invitations are still on their way, after the last is queued.
    working = distribution.status == Distribution.Status.RUNNING or (
        distribution.status == Distribution.Status.DONE and counts["sending"]
    )
    auto = working and request.GET.get("auto") != "off"
    response = render(
        request,
        "surveys/distribution_detail.html",
        {
            "distribution": distribution,
            "survey": distribution.survey,
            "counts": counts,
            "auto_refresh": auto,
            "refresh_seconds": REFRESH_SECONDS,
            "survey_problem": services.answering_problem(distribution.survey),
        },
    )
    if auto:
        # A header, not a script: the page reloads itself under the strict CSP, and the
        # page offers a link that stops it (WCAG 2.2.2).
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


ACTIONS = {
    "start": (
        services.start_distribution,
        gettext_lazy("Sending has started."),
        gettext_lazy("This distribution cannot be started."),
    ),
    "resume": (
        services.resume_distribution,
        gettext_lazy("Sending has resumed."),
        gettext_lazy("This distribution cannot be resumed."),
    ),
    "pause": (
        services.pause_distribution,
        gettext_lazy("Sending is paused; the batch in progress finishes first."),
        gettext_lazy("Only a distribution that is sending can be paused."),
    ),
    "cancel": (
        services.cancel_distribution,
        gettext_lazy("The distribution is cancelled. Invitations not yet sent will not be sent."),
        gettext_lazy("This distribution is already finished or cancelled."),
    ),
}


@staff_only
def distribution_action(request, distribution_pk, action):
    distribution = _distribution_for_manager(request, distribution_pk)
    if action not in ACTIONS:
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    service, done, refused = ACTIONS[action]
    try:
        changed = service(distribution)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        if changed:
            messages.success(request, str(done))
        else:
            messages.error(request, str(refused))
    return redirect(_detail_url(distribution))
