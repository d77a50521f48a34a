from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.role_home, name="role-home"),
    path("me/", views.resident_home, name="resident-home"),
    path("staff/", views.StaffHomeView.as_view(), name="staff-home"),
    path("command/", views.CommandHomeView.as_view(), name="command-home"),
    path("administration/", views.AdminHomeView.as_view(), name="admin-home"),
    path("healthz", views.healthz, name="healthz"),
]
