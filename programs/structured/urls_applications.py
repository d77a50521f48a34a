from django.urls import path

from programs.structured import views_applications as views

app_name = "applications"

urlpatterns = [
    path("take-part/apply/<slug:slug>/", views.apply, name="apply"),
    path("take-part/application/<str:token>/", views.status, name="status"),
    path("take-part/guardian/<str:token>/", views.guardian_consent, name="guardian"),
    path("staff/programs/<int:pk>/applications/", views.staff_queue, name="staff-queue"),
    path(
        "staff/programs/<int:pk>/applications/settings/",
        views.staff_form_settings,
        name="staff-settings",
    ),
    path(
        "staff/programs/<int:pk>/applications/questions/<int:question_pk>/",
        views.staff_question_edit,
        name="staff-question-edit",
    ),
    path("staff/applications/<int:pk>/", views.staff_detail, name="staff-detail"),
]
