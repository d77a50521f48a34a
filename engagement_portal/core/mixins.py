"""Access rules for views. Anonymous visitors are sent to log in; signed-in users without
the permission get a 403 (Django's AccessMixin does exactly that)."""

from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin


class StaffRequiredMixin(PermissionRequiredMixin):
    permission_required = "accounts.access_staff_portal"


class CommandRequiredMixin(PermissionRequiredMixin):
    permission_required = "accounts.access_command_portal"


class AdministratorRequiredMixin(PermissionRequiredMixin):
    permission_required = "accounts.change_user"


__all__ = [
    "AdministratorRequiredMixin",
    "CommandRequiredMixin",
    "LoginRequiredMixin",
    "StaffRequiredMixin",
]
