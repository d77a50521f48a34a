"""Each block keeps its own URL namespace."""

from django.urls import include, path

urlpatterns = [
    path("", include("programs.structured.urls_applications")),
    path("", include("programs.structured.urls_cohorts")),
    path("", include("programs.structured.urls_volunteers")),
]
