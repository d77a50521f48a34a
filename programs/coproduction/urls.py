"""Each block keeps its own URL namespace."""

from django.urls import include, path

urlpatterns = [
    path("", include("programs.coproduction.urls_recommendations")),
    path("", include("programs.coproduction.urls_groups")),
]
