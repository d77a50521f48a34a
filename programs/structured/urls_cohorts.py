from django.urls import path

from programs.structured import views_cohorts as views

app_name = "cohorts"

urlpatterns = [
    path("staff/programs/<int:pk>/cohorts/new/", views.staff_create, name="staff-create"),
    path("staff/cohorts/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("staff/cohorts/<int:pk>/sessions/", views.staff_sessions, name="staff-sessions"),
    path("staff/cohorts/<int:pk>/members/", views.staff_members, name="staff-members"),
    path(
        "staff/cohorts/<int:pk>/attendance/<int:event_pk>/",
        views.staff_attendance,
        name="staff-attendance",
    ),
    path("staff/cohorts/<int:pk>/close/", views.staff_close, name="staff-close"),
    path("staff/cohorts/<int:pk>/invite/", views.staff_invite_alumni, name="staff-invite"),
    path("certificates/<str:certificate_id>/", views.certificate, name="certificate"),
    path("staff/programs/<int:pk>/readiness/", views.staff_readiness, name="staff-readiness"),
]
