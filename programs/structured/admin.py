"""Administrators see the blocks' records here; staff work in the staff pages."""

from django.contrib import admin

from engagement_portal.core.admin import AuditedPersonalDataAdmin
from programs.structured import models as m


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
