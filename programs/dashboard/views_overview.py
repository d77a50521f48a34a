"""Command dashboards: the overview, the spectrum and the drill-down list behind a figure.

Command staff see aggregates only; anonymous visitors are sent to log in, everyone else
without the command permission gets a 403 (CommandRequiredMixin)."""

from datetime import date

from django.core.paginator import Paginator
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from engagement_portal.core.mixins import CommandRequiredMixin
from engagement_portal.core.privacy import Figure
from programs.dashboard import selectors_overview as selectors
from programs.dashboard.scope import scope_from_request


class _DashboardPage(CommandRequiredMixin, TemplateView):
    tab = ""

    def get_context_data(self, **kwargs):
        scope, scope_form = scope_from_request(self.request)
        try:
            scope.previous()
        except OverflowError:
            # A period starting in the first days of year 1 has no period before it to
            # compare with: treat the start like any other unusable filter.
            scope_form.add_error("start", _("Choose a later start."))
            scope = scope_form.scope()
        context = super().get_context_data(
            tab=self.tab, scope=scope, scope_form=scope_form, **kwargs
        )
        context.update(self.page_context(scope))
        return context

    def page_context(self, scope) -> dict:
        return {}


class OverviewView(_DashboardPage):
    template_name = "dashboard/overview.html"
    tab = "overview"

    def page_context(self, scope) -> dict:
        return {
            "overview": selectors.overview(scope),
            "neighbourhood_note": selectors.NEIGHBOURHOOD_NOTE,
        }


class SpectrumView(_DashboardPage):
    template_name = "dashboard/spectrum.html"
    tab = "spectrum"

    def page_context(self, scope) -> dict:
        return {"spectrum": selectors.spectrum(scope)}


class FunctionDrill:
    """A drill-down of the reach and principles pages: a function of the scope returning
    (title, headers, rows), shown as a one-table drill-down page."""

    MODULES = ("selectors_reach", "selectors_principles")

    def __init__(self, name: str, function):
        self.name, self.function = name, function

    @classmethod
    def registry(cls) -> dict:
        from importlib import import_module

        found = {}
        for module in cls.MODULES:
            found.update(getattr(import_module(f"{__package__}.{module}"), "DRILL_DOWNS", {}))
        return found

    @classmethod
    def find(cls, name: str):
        function = cls.registry().get(name)
        return cls(name, function) if function else None

    def bind(self, scope) -> "selectors.DrillDown":
        title, headers, rows = self.function(scope)
        section = selectors.Section(
            key="list",
            title=title,
            headers=tuple(headers),
            items=lambda _scope, _context: rows,
            row=lambda item, _context: list(item),
            numeric_from=1,
        )
        return selectors.DrillDown(self.name, title, "", (section,))


class DrillDownView(_DashboardPage):
    template_name = "dashboard/drill_down.html"
    tab = "overview"

    def get(self, request, *args, **kwargs):
        self.drill = selectors.DRILL_DOWNS.get(kwargs["figure"]) or FunctionDrill.find(
            kwargs["figure"]
        )
        if self.drill is None:
            raise Http404
        return super().get(request, *args, **kwargs)

    def page_context(self, scope) -> dict:
        if isinstance(self.drill, FunctionDrill):
            self.drill = self.drill.bind(scope)
        context = selectors.Context.load()
        sections = []
        for index, section in enumerate(self.drill.sections):
            param = "page" if index == 0 else f"page-{section.key}"
            page = Paginator(section.items(scope, context), selectors.PAGE_SIZE).get_page(
                self.request.GET.get(param)
            )
            sections.append(
                {
                    "section": section,
                    "id": f"list-{section.key}",
                    "table": self.drill.table_name(section),
                    "page": page,
                    "headers": [
                        {"text": header, "numeric": section.is_numeric(index)}
                        for index, header in enumerate(section.headers)
                    ],
                    "rows": [_cells(section, section.row(item, context)) for item in page],
                    "previous_query": _page_query(self.request, param, page, -1),
                    "next_query": _page_query(self.request, param, page, +1),
                }
            )
        return {
            "drill": self.drill,
            "sections": sections,
            "neighbourhood_note": selectors.NEIGHBOURHOOD_NOTE,
        }


def _cells(section, values: list) -> list[dict]:
    return [
        {
            "value": value,
            "numeric": section.is_numeric(index) or isinstance(value, Figure),
            "nowrap": isinstance(value, date | Figure),
            "suppressed": isinstance(value, Figure) and value.suppressed,
        }
        for index, value in enumerate(values)
    ]


def _page_query(request, param: str, page, step: int) -> str:
    """The current querystring (filters and other lists' pages) with this list's page moved."""
    if (step < 0 and not page.has_previous()) or (step > 0 and not page.has_next()):
        return ""
    query = request.GET.copy()
    query[param] = str(page.number + step)
    return query.urlencode()


overview = OverviewView.as_view()
spectrum = SpectrumView.as_view()
drill_down = DrillDownView.as_view()
