from django.contrib import admin

from .models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only. The bodies show "[private link removed #n]" where the recipient's links are:
    the sealed tokens (`link_secrets`) are never shown, and are gone once the message is sent."""

    list_display = [
        "created_at",
        "channel",
        "recipient",
        "subject",
        "status",
        "attempts",
        "not_before",
        "last_error",
    ]
    list_filter = ["status", "channel", "essential"]
    ordering = ["-created_at", "-pk"]  # newest first: what a relay outage left waiting
    search_fields = ["key", "recipient", "subject"]
    exclude = ["link_secrets"]
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "link_secrets"]

    def has_add_permission(self, request):
        return False
