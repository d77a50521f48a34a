from django.urls import path

from programs.coproduction import views_recommendations as views

app_name = "recommendations"

urlpatterns = [
    path("you-said-we-did/", views.public_list, name="public-list"),
    path("you-said-we-did/<str:public_id>/", views.public_detail, name="public-detail"),
    path("staff/recommendations/", views.staff_list, name="staff-list"),
    path(
        "staff/programs/<int:program_pk>/recommendations/new/",
        views.staff_create,
        name="staff-create",
    ),
    path("staff/recommendations/<int:pk>/", views.staff_detail, name="staff-detail"),
    path("staff/recommendations/<int:pk>/respond/", views.staff_respond, name="staff-respond"),
]
