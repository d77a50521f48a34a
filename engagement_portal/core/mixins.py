"""Access rules for views. Anonymous visitors are sent to log in; signed-in users without
the permission get a 403 (Django's AccessMixin does exactly that; `staff_only` is the same
rule for function views)."""

from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin


def staff_only(view):
    """Anonymous visitors go to log in; signed-in users without staff access get a 403."""
    return login_required(
        permission_required("accounts.access_staff_portal", raise_exception=True)(view)
    )


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
    "staff_only",
]
