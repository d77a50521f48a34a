from django.urls import path

from programs.in_person import views_requests as views

app_name = "requests"

urlpatterns = [
    path("take-part/request/", views.request_form, name="form"),
    path("take-part/request/<str:token>/", views.request_status, name="status"),
    path("staff/requests/", views.staff_list, name="staff-list"),
    path("staff/requests/<int:pk>/", views.staff_detail, name="staff-detail"),
]
