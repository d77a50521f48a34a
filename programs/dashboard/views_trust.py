"""Command dashboard: trust and satisfaction (the standard survey questions by month, by
neighbourhood, and before and after a program).

Command staff and administrators only: anonymous visitors are sent to log in, everyone
else gets a 403 (CommandRequiredMixin)."""

from django import forms
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from engagement_portal.core.mixins import CommandRequiredMixin
from programs.dashboard import selectors_trust as selectors
from programs.dashboard.scope import Scope, scope_from_request


class CompareForm(forms.Form):
    """Which program's surveys to compare, among those that can be. A bad value is shown
    as an error and the default program is compared instead."""

    compare = forms.TypedChoiceField(
        label=_("Program to compare"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, data, *, candidates: list[selectors.ProgramChoice]):
        super().__init__(data if data and "compare" in data else None)
        self.fields["compare"].choices = [(c.pk, c.title) for c in candidates]

    def program_id(self) -> int | None:
        if self.is_bound and self.is_valid():
            return self.cleaned_data["compare"]
        return None


class TrustView(CommandRequiredMixin, TemplateView):
    template_name = "dashboard/trust.html"

    def get_context_data(self, **kwargs):
        scope, scope_form = scope_from_request(self.request)
        candidates = selectors.comparable_programs(scope)
        compare_form = CompareForm(self.request.GET, candidates=candidates)
        trust = selectors.trust(scope, candidates=candidates, program=compare_form.program_id())
        if trust.program is not None and not trust.program_from_scope:
            compare_form.initial["compare"] = trust.program.pk
        return super().get_context_data(
            tab="trust",
            scope=scope,
            scope_form=scope_form,
            trust=trust,
            compare_form=compare_form,
            hidden_scope=_hidden(scope),
            before_after_query=_export_query(scope, trust),
            notes={
                "months": selectors.MONTHS_NOTE,
                "interval": selectors.INTERVAL_NOTE,
                "anonymous": selectors.ANONYMOUS_NOTE,
                "neighbourhoods": selectors.NEIGHBOURHOOD_NOTE,
                "before_after": selectors.BEFORE_AFTER_NOTE,
            },
            **kwargs,
        )


class TrustQuestionView(CommandRequiredMixin, TemplateView):
    """One question's figures by month and by neighbourhood in full: the tables the trust
    page summarises."""

    template_name = "dashboard/trust_question.html"

    def get_context_data(self, **kwargs):
        scope, scope_form = scope_from_request(self.request)
        detail = selectors.question_detail(scope, kwargs["key"])
        if detail is None:
            raise Http404
        return super().get_context_data(
            tab="trust",
            scope=scope,
            scope_form=scope_form,
            detail=detail,
            notes={
                "months": selectors.MONTHS_NOTE,
                "neighbourhoods": selectors.NEIGHBOURHOOD_NOTE,
            },
            **kwargs,
        )


def _hidden(scope: Scope) -> list[tuple[str, str]]:
    """The filters, carried along when another program is chosen for comparison."""
    return sorted(scope.params().items())


def _export_query(scope: Scope, trust: selectors.Trust) -> str:
    """The CSV of the before/after table covers the program compared on the page."""
    if trust.program is None or scope.program is not None:
        return scope.querystring()
    return scope.querystring(program=trust.program.pk)


trust = TrustView.as_view()
trust_question = TrustQuestionView.as_view()
