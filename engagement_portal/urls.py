from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Engagement Portal administration")
admin.site.site_title = _("Engagement Portal")

urlpatterns = [
    path("", include("engagement_portal.urls_core")),
    path("", include("programs.urls")),
    path("", include("events.urls")),
    path("", include("surveys.urls")),
    path("", include("programs.information.urls")),
    path("", include("programs.in_person.urls")),
    path("", include("programs.structured.urls")),
    path("", include("programs.personnel.urls")),
    path("", include("programs.coproduction.urls")),
    path("", include("programs.dashboard.urls")),
    path("accounts/", include("engagement_portal.accounts.urls")),
    path("", include("engagement_portal.messaging.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler404 = "engagement_portal.core.errors.page_not_found"
handler403 = "engagement_portal.core.errors.permission_denied"
handler500 = "engagement_portal.core.errors.server_error"
