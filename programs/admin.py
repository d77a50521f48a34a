from django.contrib import admin

from .models import (
    EngagementType,
    PartnerAgreement,
    PartnerContact,
    PartnerOrganisation,
    Program,
    ResidentRequest,
    Tier,
)


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["number", "name"]

    # The five tiers are the reference spectrum; they are seeded, never edited here.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(EngagementType)
class EngagementTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "tier", "is_seeded", "uses_sessions", "selective_application"]
    list_filter = ["tier", "is_seeded"]
    search_fields = ["name", "description"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["is_seeded"]


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


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "engagement_type", "status", "visibility", "owner"]
    list_filter = ["status", "visibility", "engagement_type__tier"]
    search_fields = ["title", "intention"]
    autocomplete_fields = ["owner", "team"]
    filter_horizontal = ["partners", "languages", "neighbourhoods"]
    prepopulated_fields = {"slug": ["title"]}


@admin.register(ResidentRequest)
class ResidentRequestAdmin(admin.ModelAdmin):
    list_display = ["kind", "resident", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["resident__name", "details"]
    readonly_fields = ["public_id", "token_hash", "created_event", "created_at"]
    raw_id_fields = ["resident", "program", "created_event"]
