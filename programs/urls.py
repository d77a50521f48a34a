from django.urls import path

from programs import views

app_name = "programs"

urlpatterns = [
    path("programs/", views.catalogue, name="catalogue"),
    path("programs/<slug:slug>/", views.public_detail, name="public-detail"),
    path("staff/programs/", views.ProgramListView.as_view(), name="staff-list"),
    path("staff/programs/new/", views.ProgramCreateView.as_view(), name="staff-create"),
    path("staff/programs/<int:pk>/", views.ProgramDetailView.as_view(), name="staff-detail"),
    path("staff/programs/<int:pk>/edit/", views.ProgramEditView.as_view(), name="staff-edit"),
    path("staff/programs/<int:pk>/status/", views.ProgramStatusView.as_view(), name="staff-status"),
    path("staff/spectrum/", views.SpectrumView.as_view(), name="spectrum"),
]
