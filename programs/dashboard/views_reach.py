"""Command dashboards: reach and representation, and the four principles.

Command staff and administrators only: anonymous visitors are sent to log in, everyone
else gets a 403."""

from datetime import timedelta

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from programs.dashboard import selectors_principles, selectors_reach
from programs.dashboard.scope import Scope, ScopeForm

COMMAND = "accounts.access_command_portal"


def _scope(request) -> tuple[Scope, ScopeForm]:
    """The scope asked for. Dates at the very edges of the calendar (a period whose
    previous period would start before year 1, or that ends on 31 December 9999) cannot
    be compared or counted: they fall back to the default period, like any unusable filter."""
    form = ScopeForm(request.GET or None)
    try:
        scope = form.scope()
        scope.previous()
        scope.end + timedelta(days=1)
    except OverflowError:
        form.add_error("start", _("Choose dates closer to today."))
        scope = Scope.default()
    if not form.is_bound:
        # Show the default period in the date fields rather than empty ones.
        form = ScopeForm(initial={"start": scope.start, "end": scope.end})
        form._scope = scope
    return scope, form


@login_required
@permission_required(COMMAND, raise_exception=True)
def reach(request):
    scope, scope_form = _scope(request)
    return render(
        request,
        "dashboard/reach.html",
        {
            "tab": "reach",
            "scope": scope,
            "scope_form": scope_form,
            "reach": selectors_reach.reach(scope),
            "boundaries_note": selectors_reach.BOUNDARIES_NOTE,
            "score_note": selectors_reach.SCORE_NOTE,
            "participants_note": selectors_reach.PARTICIPANTS_NOTE,
        },
    )


@login_required
@permission_required(COMMAND, raise_exception=True)
def principles(request):
    scope, scope_form = _scope(request)
    return render(
        request,
        "dashboard/principles.html",
        {
            "tab": "principles",
            "scope": scope,
            "scope_form": scope_form,
            "principles": selectors_principles.principles(scope),
        },
    )
