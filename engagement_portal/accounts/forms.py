from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from .models import Neighbourhood, User, normalise_email


class EmailAuthenticationForm(AuthenticationForm):
    """Django's login form; emails are matched case-insensitively."""

    def clean_username(self):
        return normalise_email(self.cleaned_data.get("username", ""))


class ResidentSignupForm(forms.Form):
    full_name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(label=_("Email address"))
    preferred_language = forms.ChoiceField(label=_("Preferred language"))
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Prefer not to say"),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, language_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["preferred_language"].choices = language_choices

    def clean_email(self):
        email = normalise_email(self.cleaned_data["email"])
        if User.objects.filter(email__iexact=email).exists():
            raise forms.ValidationError(
                _("An account with this email already exists. Log in or reset your password.")
            )
        return email

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("password1"), cleaned.get("password2")
        if p1 and p2 and p1 != p2:
            self.add_error("password2", _("The two passwords do not match."))
        elif p1:
            candidate = User(email=cleaned.get("email", ""), full_name=cleaned.get("full_name", ""))
            try:
                password_validation.validate_password(p1, candidate)
            except forms.ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class NeighbourhoodImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: name, code, population, and optional shares as “category:group” "
            "columns holding percentages, e.g. age:18-24."
        ),
    )


class BoundaryUploadForm(forms.Form):
    file = forms.FileField(
        label=_("GeoJSON file"),
        help_text=_(
            "A FeatureCollection of Polygons or MultiPolygons in longitude and latitude, one "
            "feature per neighbourhood. Outlines are simplified to about 5 metres."
        ),
    )
    key = forms.SlugField(
        label=_("Property holding the neighbourhood code"),
        initial="code",
        max_length=60,
    )


class ResidentContactMixin:
    """The contact rules shared by forms residents fill in without an account: a phone must
    look like one, at least one of email and phone is needed, and a signed-in user's name
    and email are filled in for them. The form declares name, email and phone fields."""

    def prefill_contact(self, user) -> None:
        if user is not None and user.is_authenticated:
            self.fields["name"].initial = user.get_full_name()
            self.fields["email"].initial = user.email

    def clean_phone(self) -> str:
        from .services import normalise_phone

        phone = self.cleaned_data["phone"].strip()
        if phone and not normalise_phone(phone):
            raise forms.ValidationError(
                _("This does not look like a phone number. Check it, or leave it empty.")
            )
        return phone

    def require_email_or_phone(self, cleaned: dict) -> None:
        # Only when both fields parsed: a malformed one already carries its own error.
        if (
            "email" in cleaned
            and "phone" in cleaned
            and not cleaned["email"]
            and not cleaned["phone"]
        ):
            self.add_error(
                "email", _("Give an email address or a mobile phone number so we can reach you.")
            )
