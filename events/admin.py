from django.contrib import admin

from engagement_portal.core.admin import AuditedPersonalDataAdmin

from .models import (
    AccommodationRequest,
    Event,
    EventPersonnel,
    EventSeries,
    Registration,
    WalkIn,
)


class RegistrationInline(admin.TabularInline):
    """Read-only: seats change only through the services, which hold the event lock."""

    model = Registration
    fields = [
        "resident",
        "status",
        "party_size",
        "language",
        "source",
        "created_at",
        "checked_in_at",
    ]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class EventPersonnelInline(admin.TabularInline):
    model = EventPersonnel
    autocomplete_fields = ["user"]
    extra = 0


@admin.register(Event)
class EventAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    list_display = ["title", "program", "starts_at", "status", "visibility", "capacity"]
    list_filter = ["status", "visibility", "program__engagement_type__tier"]
    search_fields = ["title", "program__title", "venue_name", "address"]
    date_hierarchy = "starts_at"
    list_select_related = ["program"]
    autocomplete_fields = ["program", "neighbourhood"]
    filter_horizontal = ["languages"]
    # Capacity and status change through the staff pages, which promote and notify.
    readonly_fields = [
        "public_id",
        "series",
        "status",
        "capacity",
        "cancellation_reason",
        "created_at",
        "updated_at",
    ]
    inlines = [EventPersonnelInline, RegistrationInline]

    audit_changelist = False  # the list shows titles and programs, no one's data

    def audited_residents(self, obj) -> list[int]:
        return list(obj.registrations.values_list("resident_id", flat=True))


class AccommodationInline(admin.TabularInline):
    model = AccommodationRequest
    fields = ["kind", "details", "fulfilled", "fulfilled_by", "fulfilled_at"]
    readonly_fields = ["fulfilled_by", "fulfilled_at"]
    extra = 0


@admin.register(Registration)
class RegistrationAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    """Statuses and party sizes are read-only here: the services keep seats and the waiting
    list consistent under the event lock, and an edit here would bypass them."""

    list_display = [
        "resident",
        "event",
        "status",
        "party_size",
        "source",
        "is_sensitive",
        "created_at",
    ]
    list_filter = ["status", "source", "language", "is_sensitive"]
    search_fields = ["resident__name", "resident__email", "event__title", "check_in_code"]
    list_select_related = ["resident", "event"]
    readonly_fields = [
        "event",
        "resident",
        "status",
        "party_size",
        "source",
        "check_in_code",
        "created_at",
        "queued_at",
        "confirmed_at",
        "cancelled_at",
        "checked_in_at",
    ]
    exclude = ["token_hash"]
    inlines = [AccommodationInline]

    def has_add_permission(self, request):
        return False


@admin.register(WalkIn)
class WalkInAdmin(admin.ModelAdmin):
    list_display = ["event", "party_size", "neighbourhood", "language", "age_group", "recorded_at"]
    list_filter = ["age_group", "neighbourhood"]
    search_fields = ["event__title"]
    list_select_related = ["event", "neighbourhood"]
    raw_id_fields = ["event"]
    readonly_fields = ["recorded_by", "recorded_at"]


@admin.register(EventSeries)
class EventSeriesAdmin(admin.ModelAdmin):
    list_display = ["program", "frequency", "interval", "occurrences", "created_at"]
    list_select_related = ["program"]
    readonly_fields = ["rule", "created_at"]
