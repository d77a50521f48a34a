from django.urls import path

from programs.in_person import views_partners as views

app_name = "partners"

urlpatterns = [
    path("staff/partners/", views.staff_list, name="staff-list"),
    path("staff/partners/new/", views.staff_create, name="staff-create"),
    path("staff/partners/<int:partner_pk>/", views.staff_detail, name="staff-detail"),
    path("staff/partners/<int:partner_pk>/edit/", views.staff_edit, name="staff-edit"),
    path("staff/partners/<int:partner_pk>/contacts/new/", views.contact_add, name="contact-add"),
    path("staff/partners/contacts/<int:contact_pk>/edit/", views.contact_edit, name="contact-edit"),
    path(
        "staff/partners/<int:partner_pk>/agreements/new/",
        views.agreement_add,
        name="agreement-add",
    ),
    path(
        "staff/partners/agreements/<int:agreement_pk>/edit/",
        views.agreement_edit,
        name="agreement-edit",
    ),
]
