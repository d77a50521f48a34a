from django.urls import path

from . import views_public as public
from . import views_staff as staff

app_name = "events"

urlpatterns = [
    # Public: no account needed. Events are addressed by a random public_id, registrations
    # by a private token; sequential ids never appear in public URLs.
    path("events/", public.event_list, name="list"),
    path("events/calendar.ics", public.feed, name="feed"),
    path("programs/<slug:slug>/events.ics", public.program_feed, name="program-feed"),
    path("events/r/<str:token>/", public.manage, name="manage"),
    path("events/r/<str:token>/cancel/", public.manage_cancel, name="manage-cancel"),
    path("events/r/<str:token>/qr.<str:fmt>", public.manage_qr, name="manage-qr"),
    path("events/<str:public_id>/", public.event_detail, name="detail"),
    path("events/<str:public_id>/register/", public.register, name="register"),
    path("events/<str:public_id>/calendar.ics", public.event_ics, name="ics"),
    # Staff.
    path("staff/events/", staff.event_list, name="staff-list"),
    path("staff/programs/<int:program_pk>/events/new/", staff.event_create, name="staff-create"),
    path(
        "staff/programs/<int:program_pk>/events/series/", staff.series_create, name="staff-series"
    ),
    path("staff/events/<int:pk>/", staff.event_detail, name="staff-detail"),
    path("staff/events/<int:pk>/edit/", staff.event_edit, name="staff-edit"),
    path("staff/events/<int:pk>/cancel/", staff.event_cancel, name="staff-cancel"),
    path("staff/events/<int:pk>/delete/", staff.event_delete, name="staff-delete"),
    path("staff/events/<int:pk>/add/", staff.add_registrant, name="staff-add-registrant"),
    path("staff/events/<int:pk>/door/", staff.door, name="staff-door"),
    path(
        "staff/events/<int:pk>/door/<int:registration_pk>/",
        staff.door_check_in,
        name="staff-check-in",
    ),
    path("staff/events/check-in/<str:code>/", staff.check_in_by_code, name="staff-check-in-code"),
    path("staff/events/<int:pk>/walk-in/", staff.walk_in, name="staff-walk-in"),
    path("staff/events/<int:pk>/no-shows/", staff.no_shows, name="staff-no-shows"),
    path("staff/events/<int:pk>/roster.csv", staff.roster_csv, name="staff-export"),
    path("staff/events/<int:pk>/personnel/", staff.personnel, name="staff-personnel"),
    path("staff/events/requests/", staff.accommodations, name="staff-requests"),
    path("staff/events/requests/<int:pk>/", staff.accommodation_toggle, name="staff-accommodation"),
]
