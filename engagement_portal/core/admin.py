from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from .models import AuditLog
from .services import audit_view


class ResidentListFilter(admin.SimpleListFilter):
    """Filter by one person: reached from the resident's own admin page (or by typing the id),
    so the sidebar never lists residents' names."""

    title = _("resident")
    parameter_name = "resident"

    def lookups(self, request, model_admin):
        value = self.value()
        if not value or not value.isdigit():
            return []
        # The resident model by the log's relation: core sits below accounts.
        residents = AuditLog._meta.get_field("residents").related_model._default_manager
        return [(value, str(residents.filter(pk=value).first() or value))]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(residents__pk=value)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "target", "people"]
    list_filter = [ResidentListFilter, ("actor", admin.RelatedOnlyFieldListFilter), "action"]
    date_hierarchy = "at"
    search_fields = ["target", "actor__email", "=residents__email_normalised"]
    list_select_related = ["actor"]
    readonly_fields = ["at", "actor", "action", "target", "details", "residents"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("residents")

    @admin.display(description=_("residents"))
    def people(self, obj) -> int:
        return len(obj.residents.all())

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AuditedPersonalDataAdmin:
    """Mixin for ModelAdmins of residents' personal data: every view of a change page or of
    the list is written to the audit log, with the residents it showed.

    `audited_resident` names the field that points to the resident (None: the object is
    the resident); override `audited_residents` for anything else."""

    audited_resident: str | None = "resident"
    audit_changelist = True

    def audited_residents(self, obj) -> list[int]:
        if self.audited_resident is None:
            return [obj.pk]
        return [getattr(obj, f"{self.audited_resident}_id")]

    def _audit_page(self, request, response, page: str, target, residents) -> None:
        if request.method == "GET" and response.status_code == 200:
            audit_view(actor=request.user, page=page, target=target, residents=residents)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if obj is not None:
            page = f"admin:{self.opts.app_label}_{self.opts.model_name}_change"
            residents = self.audited_residents(obj)
            self._audit_page(request, response, page, obj, residents)
        return response

    def history_view(self, request, object_id, extra_context=None):
        return self._audit_object_page(
            request, "history", super().history_view(request, object_id, extra_context)
        )

    def delete_view(self, request, object_id, extra_context=None):
        return self._audit_object_page(
            request, "delete", super().delete_view(request, object_id, extra_context)
        )

    def _audit_object_page(self, request, kind: str, response):
        """The history and delete-confirmation pages name the object (and so the person)."""
        obj = (getattr(response, "context_data", None) or {}).get("object")
        if obj is not None:
            page = f"admin:{self.opts.app_label}_{self.opts.model_name}_{kind}"
            self._audit_page(request, response, page, obj, self.audited_residents(obj))
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None and self.audit_changelist:
            page = f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            residents = [r for obj in changelist.result_list for r in self.audited_residents(obj)]
            self._audit_page(request, response, page, self.opts.label_lower, residents)
        return response


def audit_trail_link(resident) -> str:
    """A link from a resident's admin page to every audit entry about them."""
    if resident is None or resident.pk is None:
        return "—"
    url = reverse("admin:core_auditlog_changelist") + f"?resident={resident.pk}"
    return format_html('<a href="{}">{}</a>', url, _("Who has seen or changed this person's data"))
