from django.urls import path

from programs.dashboard import (
    views_opendata,
    views_overview,
    views_reach,
    views_report,
    views_trust,
)

app_name = "dashboard"

urlpatterns = [
    # Command staff.
    path("command/dashboard/", views_overview.overview, name="overview"),
    path("command/dashboard/spectrum/", views_overview.spectrum, name="spectrum"),
    path("command/dashboard/list/<str:figure>/", views_overview.drill_down, name="drill-down"),
    path("command/dashboard/reach/", views_reach.reach, name="reach"),
    path("command/dashboard/principles/", views_reach.principles, name="principles"),
    path("command/dashboard/trust/", views_trust.trust, name="trust"),
    path(
        "command/dashboard/trust/question/<slug:key>/",
        views_trust.trust_question,
        name="trust-question",
    ),
    path("command/dashboard/export/<str:table>.csv", views_report.export_csv, name="export"),
    path("command/dashboard/report/", views_report.monthly_report, name="report"),
    # Anyone: aggregate, suppressed statistics.
    path("open-data/", views_opendata.open_data, name="open-data"),
    path(
        "open-data/participation.<str:fmt>",
        views_opendata.open_data_file,
        name="open-data-file",
    ),
]
