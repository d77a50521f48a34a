from django.contrib import admin

from engagement_portal.core.admin import AuditedPersonalDataAdmin

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
class ResidentRequestAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    list_display = ["kind", "resident", "status", "created_at"]
    list_filter = ["kind", "status"]
    search_fields = ["resident__name", "details"]
    readonly_fields = ["public_id", "token_hash", "created_event", "created_at"]
    raw_id_fields = ["resident", "program", "created_event"]


# --- Building blocks. Administrators see them here; staff work in the staff pages. ------

from . import models as m  # noqa: E402


class ApplicationQuestionInline(admin.TabularInline):
    model = m.ApplicationQuestion
    extra = 0


@admin.register(m.ApplicationForm)
class ApplicationFormAdmin(admin.ModelAdmin):
    list_display = ["program", "opens_at", "closes_at", "minimum_age"]
    inlines = [ApplicationQuestionInline]
    raw_id_fields = ["program"]


@admin.register(m.Application)
class ApplicationAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    list_display = ["resident", "program", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["resident__name", "program__title"]
    raw_id_fields = ["program", "resident", "decided_by"]
    readonly_fields = ["public_id", "token_hash", "guardian_token_hash", "created_at"]


@admin.register(m.Cohort)
class CohortAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "completion_percent", "closed_at"]
    raw_id_fields = ["program"]


@admin.register(m.CohortMember)
class CohortMemberAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    list_display = ["resident", "cohort", "status", "completed_at"]
    list_filter = ["status"]
    raw_id_fields = ["cohort", "resident", "application"]
    readonly_fields = ["certificate_id"]


@admin.register(m.Training)
class TrainingAdmin(admin.ModelAdmin):
    list_display = ["name", "valid_for_months"]
    search_fields = ["name"]


@admin.register(m.VolunteerRole)
class VolunteerRoleAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "uses_agency_equipment"]
    filter_horizontal = ["required_trainings"]
    raw_id_fields = ["program"]


@admin.register(m.Volunteer)
class VolunteerAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    list_display = ["resident", "program", "role", "status"]
    list_filter = ["status"]
    raw_id_fields = ["program", "resident", "role", "application"]
    readonly_fields = ["public_id", "token_hash"]


@admin.register(m.HoursEntry)
class HoursEntryAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "started_at", "ended_at", "status"]
    list_filter = ["status"]
    raw_id_fields = ["volunteer", "shift", "logged_by", "reviewed_by"]


@admin.register(m.Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ["title", "program", "starts_at", "capacity"]
    raw_id_fields = ["program", "role", "event"]


@admin.register(m.GroupMember)
class GroupMemberAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    list_display = ["resident", "program", "role", "term_starts", "term_ends"]
    raw_id_fields = ["program", "resident", "application"]


@admin.register(m.ReviewItem)
class ReviewItemAdmin(admin.ModelAdmin):
    """Confidential items are left out: views of case material are audited in the staff
    pages, which the admin would bypass."""

    list_display = ["title", "program", "kind", "status", "confidential"]
    list_filter = ["kind", "status"]
    raw_id_fields = ["program", "created_by"]
    filter_horizontal = ["named_staff"]

    def get_queryset(self, request):
        return super().get_queryset(request).filter(confidential=False)


@admin.register(m.PublicComment)
class PublicCommentAdmin(admin.ModelAdmin):
    list_display = ["item", "status", "submitted_at"]
    list_filter = ["status"]
    raw_id_fields = ["item", "moderated_by"]
