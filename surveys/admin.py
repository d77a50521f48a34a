"""Administrators see surveys and the standard bank. Responses stay out of the admin: their
anonymity is easier to keep when no screen lists them one by one."""

from django.contrib import admin

from . import services
from .models import Choice, Distribution, Question, StandardItem, Survey


@admin.register(StandardItem)
class StandardItemAdmin(admin.ModelAdmin):
    list_display = ["key", "__str__", "kind", "position"]
    ordering = ["position", "key"]
    search_fields = ["key"]


class QuestionInline(admin.TabularInline):
    model = Question
    fields = ["page", "position", "kind", "text", "required", "demographic", "standard_item"]
    extra = 0
    show_change_link = True

    # Questions of a survey with answers are frozen here too (see services.ensure_editable).
    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (obj and services.is_locked(obj))

    has_delete_permission = has_change_permission

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not (obj and services.is_locked(obj))


@admin.register(Survey)
class SurveyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "mode", "version", "program", "owner", "created_at"]
    list_filter = ["status", "mode"]
    list_select_related = ["program", "owner"]
    raw_id_fields = ["program", "event", "owner", "replaced_by"]
    readonly_fields = ["public_id", "version", "replaced_by", "closed_at", "created_at"]
    inlines = [QuestionInline]


class ChoiceInline(admin.TabularInline):
    model = Choice
    extra = 0


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "survey", "kind", "page", "position"]
    list_filter = ["kind"]
    list_select_related = ["survey"]
    raw_id_fields = ["survey", "standard_item", "condition_choice"]
    inlines = [ChoiceInline]

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not (
            obj and services.is_locked(obj.survey)
        )

    has_delete_permission = has_change_permission


@admin.register(Distribution)
class DistributionAdmin(admin.ModelAdmin):
    list_display = ["__str__", "status", "created_by", "created_at"]
    list_filter = ["status", "audience"]
    list_select_related = ["survey", "created_by"]
    raw_id_fields = ["survey", "created_by"]
    readonly_fields = ["skipped_sensitive", "skipped_opted_out"]
