"""Each block keeps its own URL namespace."""

from django.urls import include, path

urlpatterns = [
    path("", include("programs.in_person.urls_requests")),
    path("", include("programs.in_person.urls_partners")),
]
