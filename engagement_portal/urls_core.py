"""The "core" namespace: the front pages, administration and health check."""

from django.urls import path

from engagement_portal.core import views
from engagement_portal.privacy import views as views_privacy
from programs import views_home

app_name = "core"

urlpatterns = [
    path("", views_home.home, name="home"),
    path("home/", views_home.role_home, name="role-home"),
    path("me/", views_home.resident_home, name="resident-home"),
    path("staff/", views_home.StaffHomeView.as_view(), name="staff-home"),
    path("command/", views_home.CommandHomeView.as_view(), name="command-home"),
    path("administration/", views_home.AdminHomeView.as_view(), name="admin-home"),
    path("administration/privacy/", views_privacy.PrivacySearchView.as_view(), name="privacy"),
    path(
        "administration/privacy/residents/<int:pk>/",
        views_privacy.PrivacyResidentView.as_view(),
        name="privacy-resident",
    ),
    path(
        "administration/privacy/residents/<int:pk>/download/",
        views_privacy.PrivacyExportView.as_view(),
        name="privacy-export",
    ),
    path(
        "administration/privacy/residents/<int:pk>/erase/",
        views_privacy.PrivacyEraseView.as_view(),
        name="privacy-erase",
    ),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
