from django.urls import path

from programs.structured import views_volunteers as views

app_name = "volunteers"

urlpatterns = [
    path("staff/programs/<int:pk>/volunteers/", views.staff_roster, name="staff-roster"),
    path("staff/programs/<int:pk>/volunteers/add/", views.staff_add, name="staff-add"),
    path("staff/programs/<int:pk>/volunteers/roles/", views.staff_roles, name="staff-roles"),
    path("staff/programs/<int:pk>/shifts/", views.staff_shifts, name="staff-shifts"),
    path("staff/programs/<int:pk>/hours/", views.staff_hours, name="staff-hours"),
    path("staff/volunteers/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("staff/trainings/", views.staff_trainings, name="staff-trainings"),
    path("volunteer/<str:token>/", views.volunteer_home, name="home"),
]
