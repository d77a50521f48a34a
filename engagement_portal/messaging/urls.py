from django.urls import path

from . import views

app_name = "messaging"

urlpatterns = [
    path("messages/opt-out/<str:token>/", views.opt_out, name="opt-out"),
    path("administration/machinery/", views.MachineryView.as_view(), name="machinery"),
]
