from django.urls import path

from . import views, views_privacy

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.role_home, name="role-home"),
    path("me/", views.resident_home, name="resident-home"),
    path("staff/", views.StaffHomeView.as_view(), name="staff-home"),
    path("command/", views.CommandHomeView.as_view(), name="command-home"),
    path("administration/", views.AdminHomeView.as_view(), name="admin-home"),
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
]
