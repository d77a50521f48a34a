from django.urls import path

from programs.coproduction import views_groups as views

app_name = "groups"

urlpatterns = [
    # Public: items open for comment, and a group's published meeting records.
    path("consultations/", views.public_list, name="public-list"),
    path("consultations/<str:public_id>/", views.public_item, name="public-item"),
    path("programs/<slug:slug>/meetings/", views.public_meetings, name="public-meetings"),
    path(
        "review-documents/<int:pk>/",
        views.document,
        name="document",
    ),
    # Members' area (residents on the group, with an account) and named staff.
    path("groups/<slug:slug>/", views.member_home, name="member-home"),
    path("groups/<slug:slug>/items/<str:public_id>/", views.member_item, name="member-item"),
    # Staff.
    path("staff/programs/<int:pk>/group/", views.staff_group, name="staff-group"),
    path("staff/programs/<int:pk>/members/", views.staff_members, name="staff-members"),
    path(
        "staff/programs/<int:pk>/representation/",
        views.staff_representation,
        name="staff-representation",
    ),
    path("staff/members/<int:pk>/", views.staff_member_edit, name="staff-member-edit"),
    path("staff/meetings/<int:pk>/", views.staff_meeting, name="staff-meeting"),
    path(
        "staff/programs/<int:pk>/review-items/new/",
        views.staff_item_create,
        name="staff-item-create",
    ),
    path("staff/review-items/<int:pk>/", views.staff_item, name="staff-item"),
    path(
        "staff/review-items/<int:pk>/comments/<int:comment_pk>/<str:action>/",
        views.staff_moderate,
        name="staff-moderate",
    ),
]
