from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.core.admin import AuditedPersonalDataAdmin, audit_trail_link

from . import services
from .boundaries import load_boundaries
from .forms import BoundaryUploadForm, NeighbourhoodImportForm
from .models import Consent, Language, Neighbourhood, NeighbourhoodBoundary, Resident, Unit, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "rank", "unit", "is_active"]
    list_filter = ["groups", "rank", "unit", "is_active"]
    search_fields = ["email", "full_name", "badge_number"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            gettext_lazy("Person"),
            {"fields": ["full_name", "preferred_language", "rank", "unit", "badge_number"]},
        ),
        (
            gettext_lazy("Role and permissions"),
            {"fields": ["is_active", "groups", "is_staff", "is_superuser", "user_permissions"]},
        ),
        (gettext_lazy("Dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]}),
    ]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "is_community_outreach"]


@admin.register(Language)
class LanguageAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "native_name"]
    search_fields = ["code", "name", "native_name"]


class BoundaryInline(admin.StackedInline):
    model = NeighbourhoodBoundary
    extra = 0


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "population", "has_boundary"]
    search_fields = ["name", "code"]
    change_list_template = "admin/accounts/neighbourhood/change_list.html"
    inlines = [BoundaryInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("boundary").defer("boundary__geometry")

    @admin.display(boolean=True, description=gettext_lazy("outline"))
    def has_boundary(self, obj) -> bool:
        return hasattr(obj, "boundary")

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_csv),
                name="accounts_neighbourhood_import",
            ),
            path(
                "boundaries/",
                self.admin_site.admin_view(self.load_boundaries),
                name="accounts_neighbourhood_boundaries",
            ),
        ] + super().get_urls()

    def load_boundaries(self, request):
        if not self.has_change_permission(request):
            raise PermissionDenied
        form = BoundaryUploadForm(request.POST or None, request.FILES or None)
        errors = []
        if request.method == "POST" and form.is_valid():
            result = load_boundaries(form.cleaned_data["file"].read(), key=form.cleaned_data["key"])
            if result.ok:
                messages.success(
                    request,
                    _("Loaded %(n)d neighbourhood outlines.") % {"n": len(result.loaded)},
                )
                if result.without:
                    messages.warning(
                        request,
                        _("Still without an outline: %(codes)s.")
                        % {"codes": ", ".join(result.without)},
                    )
                return redirect("admin:accounts_neighbourhood_changelist")
            errors = result.errors
        context = {
            **self.admin_site.each_context(request),
            "title": _("Load neighbourhood outlines (GeoJSON)"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/neighbourhood/boundaries.html", context)

    def import_csv(self, request):
        if not self.has_add_permission(request) or not self.has_change_permission(request):
            raise PermissionDenied
        if request.method == "POST":
            form = NeighbourhoodImportForm(request.POST, request.FILES)
        else:
            form = NeighbourhoodImportForm()
        errors = []
        if request.method == "POST" and form.is_valid():
            result = services.import_neighbourhoods(form.cleaned_data["file"].read())
            if result.ok:
                messages.success(
                    request,
                    _("Imported %(created)d new and %(updated)d updated neighbourhoods.")
                    % {"created": result.created, "updated": result.updated},
                )
                return redirect("admin:accounts_neighbourhood_changelist")
            errors = result.errors
        context = {
            **self.admin_site.each_context(request),
            "title": _("Import neighbourhoods from CSV"),
            "form": form,
            "errors": errors,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/accounts/neighbourhood/import.html", context)


class ConsentInline(admin.TabularInline):
    model = Consent
    extra = 0
    readonly_fields = ["channel", "granted_at", "withdrawn_at", "source"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Resident)
class ResidentAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    audited_resident = None
    list_display = ["name", "email", "phone", "neighbourhood", "preferred_language"]
    list_filter = ["neighbourhood", "preferred_language"]
    search_fields = ["name", "email_normalised", "phone_normalised"]
    autocomplete_fields = ["user"]
    inlines = [ConsentInline]
    readonly_fields = ["audit_trail"]

    @admin.display(description=gettext_lazy("audit log"))
    def audit_trail(self, obj) -> str:
        return audit_trail_link(obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting would take the resident's rows out of the reach summaries and change
        # published figures: residents are erased in place (Administration → Privacy).
        return False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.email_normalised.startswith("erased:"):
            return False  # nothing left to edit; saving would need a contact again
        return super().has_change_permission(request, obj)

    def save_model(self, request, obj, form, change):
        obj.email_normalised = services.normalise_email(obj.email)
        obj.phone_normalised = services.normalise_phone(obj.phone)
        super().save_model(request, obj, form, change)
