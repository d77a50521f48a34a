from django.contrib import admin

from programs.models import EngagementType, Program, Tier


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


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["title", "engagement_type", "status", "visibility", "owner"]
    list_filter = ["status", "visibility", "engagement_type__tier"]
    search_fields = ["title", "intention"]
    autocomplete_fields = ["owner", "team"]
    filter_horizontal = ["languages", "neighbourhoods"]
    prepopulated_fields = {"slug": ["title"]}
