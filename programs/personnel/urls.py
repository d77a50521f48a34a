from django.urls import path

from programs.personnel import views

app_name = "personnel"

urlpatterns = [
    path(
        "staff/events/<int:pk>/co-facilitators/",
        views.co_facilitators,
        name="staff-co-facilitators",
    ),
    path(
        "staff/co-facilitators/<int:pk>/edit/",
        views.edit_co_facilitator,
        name="staff-co-facilitator-edit",
    ),
    path(
        "staff/co-facilitators/<int:pk>/remove/",
        views.remove_co_facilitator,
        name="staff-co-facilitator-remove",
    ),
]
