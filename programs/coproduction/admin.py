"""Administrators see the blocks' records here; staff work in the staff pages."""

from django.contrib import admin

from engagement_portal.core.admin import AuditedPersonalDataAdmin
from programs.coproduction import models as m


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
