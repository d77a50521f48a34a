from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from . import services
from .forms import ResidentSignupForm


def signup(request):
    """Residents may create an account to see their history; nobody needs one to take part."""
    if request.user.is_authenticated:
        return redirect("core:role-home")
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
