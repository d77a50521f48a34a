from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

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
        messages.success(request, _("Welcome! Your account is ready."))
        return redirect("core:resident-home")
    return render(request, "registration/signup.html", {"form": form})
