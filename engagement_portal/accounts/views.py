from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_ratelimit.core import is_ratelimited

from engagement_portal.core.http import too_many_requests

from . import services
from .forms import ResidentSignupForm
from .models import normalise_email


def _address_rate(group, request) -> str:
    return settings.PORTAL_ACCOUNT_POST_RATE


def _account_rate(group, request) -> str:
    return settings.PORTAL_ACCOUNT_EMAIL_RATE


def _account_key(group, request) -> str:
    return normalise_email(request.POST.get("email", ""))


def _limited(request, group: str, *, key, rate) -> bool:
    """Count this POST under `group` and say whether it is over `rate`."""
    return is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)


def _over_address_limit(request, group: str) -> bool:
    # "ip" is the client behind DJANGO_PROXY_COUNT trusted proxies (RATELIMIT_IP_META_KEY).
    return _limited(request, f"{group}-address", key="ip", rate=_address_rate)


def _over_account_limit(request, group: str) -> bool:
    return _limited(request, f"{group}-account", key=_account_key, rate=_account_rate)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view, limited per client address and per account.

    Too many posts from one address get a readable 429. Too many for one account (from any
    number of addresses) look exactly like a successful request but send nothing, so the
    limit neither floods that person's inbox nor says whether the account exists."""

    def post(self, request, *args, **kwargs):
        if _over_address_limit(request, "password-reset"):
            return too_many_requests(request)
        if _over_account_limit(request, "password-reset"):
            return redirect(self.get_success_url())
        return super().post(request, *args, **kwargs)


def signup(request):
    """Residents may create an account to see their history; nobody needs one to take part."""
    if request.user.is_authenticated:
        return redirect("core:role-home")
    if request.method == "POST" and (
        _over_address_limit(request, "signup") or _over_account_limit(request, "signup")
    ):
        return too_many_requests(request)
    form = ResidentSignupForm(
        request.POST or None,
        language_choices=settings.LANGUAGES,
        initial={"preferred_language": get_language()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.register_resident_account(
            email=data["email"],
            password=data["password1"],
            full_name=data["full_name"],
            preferred_language=data["preferred_language"],
            neighbourhood=data["neighbourhood"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(
            request,
            _(
                "Welcome! Your account is ready. We sent a link to %(email)s: open it to "
                "confirm the address, and your history with us will appear here."
            )
            % {"email": user.email},
        )
        return redirect("core:resident-home")
    return render(request, "registration/signup.html", {"form": form})


@require_safe
def confirm_email(request, token):
    """The link from the confirmation email. Opening it twice is harmless."""
    user = services.confirm_email(token)
    if user is None:
        return render(request, "registration/confirm_email_invalid.html", status=404)
    messages.success(request, _("Thank you: your email address is confirmed."))
    if request.user.is_authenticated and request.user.pk == user.pk:
        return redirect("core:resident-home")
    return redirect("login")


@login_required
@require_POST
def resend_confirmation(request):
    if services.email_confirmed(request.user):
        messages.info(request, _("Your email address is already confirmed."))
    else:
        services.send_email_confirmation(request.user)
        messages.success(
            request,
            _("We sent the link again to %(email)s.") % {"email": request.user.email},
        )
    return redirect("core:resident-home")
