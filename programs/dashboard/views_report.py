"""Command outputs: the CSV export of any dashboard table and the printable monthly report.

Both are aggregates only (every figure already suppressed under 10 people by the
selectors), so nothing here is audit-logged. Anonymous visitors are sent to log in; signed-in
users without the command permission get a 403 (CommandRequiredMixin).
"""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from engagement_portal.core.mixins import CommandRequiredMixin
from programs.dashboard import selectors_report
from programs.dashboard.scope import scope_from_request
from programs.dashboard.tables import csv_text, get_table


class ExportView(CommandRequiredMixin, View):
    http_method_names = ["get", "head"]

    def get(self, request, table: str):
        build = get_table(table)
        if build is None:
            raise Http404
        scope, scope_form = scope_from_request(request)
        try:
            scope.previous()
        except OverflowError:
            # No period before the first days of year 1 to compare with: use the default
            # start, as the pages do.
            scope_form.add_error("start", _("Choose a later start."))
            scope = scope_form.scope()
        headers, rows = build(scope)
        response = HttpResponse(csv_text(headers, rows), content_type="text/csv; charset=utf-8")
        filename = f"{table}_{scope.start:%Y-%m-%d}_{scope.end:%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "private, no-store"
        return response


class MonthlyReportView(CommandRequiredMixin, TemplateView):
    template_name = "dashboard/report.html"

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        asked = self.request.GET.get("month")
        month = selectors_report.parse_month(asked, today)
        if month is None:
            month = selectors_report.last_full_month(today)
            if asked:
                messages.warning(
                    self.request,
                    _("“%(month)s” is not a month that has begun; showing %(shown)s instead.")
                    % {"month": asked[:20], "shown": f"{month:%Y-%m}"},
                )
        report = selectors_report.monthly_report(month, today=today)
        this_month = selectors_report.month_start(today)
        following = selectors_report.next_month(month)
        return super().get_context_data(
            tab="report",
            scope=report.scope,
            report=report,
            month_value=f"{month:%Y-%m}",
            previous_value=f"{report.previous_month:%Y-%m}",
            next_value=f"{following:%Y-%m}" if following <= this_month else "",
            latest_value=f"{this_month:%Y-%m}",
            export_query=report.scope.querystring(),
            neighbourhood_lists=[
                ("top-heading", _("Highest participation per 1,000 residents"), report.top),
                ("lowest-heading", _("Lowest participation per 1,000 residents"), report.lowest),
            ],
            **kwargs,
        )


export_csv = ExportView.as_view()
monthly_report = MonthlyReportView.as_view()
