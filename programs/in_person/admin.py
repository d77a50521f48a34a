from django.contrib import admin

from engagement_portal.core.admin import AuditedPersonalDataAdmin
from programs.in_person.models import (
    PartnerAgreement,
    PartnerContact,
    PartnerOrganisation,
    RequestRoute,
    ResidentRequest,
)


class PartnerContactInline(admin.TabularInline):
    model = PartnerContact
    extra = 0


class PartnerAgreementInline(admin.StackedInline):
    model = PartnerAgreement
    extra = 0
    autocomplete_fields = ["responsible_user"]


@admin.register(PartnerOrganisation)
class PartnerOrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind"]
    inlines = [PartnerContactInline, PartnerAgreementInline]
    list_filter = ["kind"]
    search_fields = ["name"]
    filter_horizontal = ["programs"]


@admin.register(ResidentRequest)
class ResidentRequestAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    list_display = ["kind", "resident", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["resident__name", "details"]
    readonly_fields = ["public_id", "token_hash", "created_event", "created_at"]
    raw_id_fields = ["resident", "program", "created_event"]


@admin.register(RequestRoute)
class RequestRouteAdmin(admin.ModelAdmin):
    list_display = ["kind", "unit"]
    autocomplete_fields = ["handlers"]
