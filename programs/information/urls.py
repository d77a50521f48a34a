from django.urls import path

from programs.information import views

app_name = "announcements"

urlpatterns = [
    path("news/", views.public_list, name="public-list"),
    path("news/feed.atom", views.AnnouncementFeed(), name="feed"),
    path("news/<str:public_id>/", views.public_detail, name="public-detail"),
    path("news/<str:public_id>/reply/", views.reply, name="reply"),
    path("events/<str:public_id>/questions/", views.ask_question, name="ask"),
    path("staff/announcements/", views.staff_list, name="staff-list"),
    path("staff/announcements/new/", views.staff_create, name="staff-create"),
    path("staff/announcements/<int:pk>/edit/", views.staff_edit, name="staff-edit"),
    path("staff/announcements/<int:pk>/publish/", views.staff_publish, name="staff-publish"),
    path("staff/announcements/<int:pk>/replies/", views.staff_replies, name="staff-replies"),
    path("staff/events/<int:pk>/questions/", views.staff_questions, name="staff-questions"),
    path(
        "staff/press-questions/<int:question_pk>/<str:action>/",
        views.staff_moderate,
        name="staff-moderate",
    ),
]
