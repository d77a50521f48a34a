from django.urls import path

from programs.personnel import views

app_name = "personnel"

urlpatterns = [
    path(
        "staff/events/<int:pk>/co-facilitators/",
        views.co_facilitators,
        name="staff-co-facilitators",
    ),
]
