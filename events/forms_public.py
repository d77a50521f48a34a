from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.forms import ResidentContactMixin
from engagement_portal.accounts.models import Neighbourhood

from .models import AgeGroup, Event


def current_language() -> str:
    try:
        return translation.get_supported_language_variant(translation.get_language() or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def _party_choices(largest: int) -> list[tuple[int, str]]:
    return [(n, str(n)) for n in range(1, largest + 1)]


class RegistrationForm(ResidentContactMixin, forms.Form):
    """What a resident types to register. No side effects: the view hands cleaned_data to
    events.services.register."""

    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        help_text=_(
            "Give an email address, a mobile phone number, or both. We send your confirmation "
            "and your private link to change or cancel there."
        ),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=30,
        help_text=_("For text message confirmations and reminders."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Your neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Prefer not to say"),
        help_text=_("Optional. It helps us see which parts of the city we reach."),
    )
    age_group = forms.ChoiceField(
        label=_("Your age group"),
        choices=AgeGroup.choices,
        required=False,
        initial=AgeGroup.UNDISCLOSED,
        help_text=_("Optional. It helps us see whether we reach people of every age."),
    )
    party_size = forms.TypedChoiceField(
        label=_("How many people, including you?"),
        coerce=int,
        choices=[(1, "1")],
        initial=1,
    )
    language = forms.ChoiceField(
        label=_("Language for messages"),
        choices=settings.LANGUAGES,
    )
    accessibility = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Optional. For example step-free access, a sign language interpreter, large print "
            "or a quiet space. Staff will arrange it and may contact you."
        ),
    )
    interpretation = forms.CharField(
        label=_("Interpretation needs"),
        required=False,
        max_length=200,
        help_text=_("Optional. Which language would you like interpreted?"),
    )
    wants_reminders = forms.BooleanField(
        label=_("Send me reminders before the event"),
        required=False,
        help_text=_("You can stop them at any time with the link in each message."),
    )

    def __init__(self, *args, event: Event, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.event = event
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        if event.allows_guests:
            self.fields["party_size"].choices = _party_choices(event.max_party_size)
            self.fields["party_size"].help_text = _(
                "Up to %(n)d people on one registration for this event."
            ) % {"n": event.max_party_size}
        else:
            del self.fields["party_size"]
        self.fields["language"].initial = current_language()
        self.prefill_contact(user)

    def clean(self):
        cleaned = super().clean()
        self.require_email_or_phone(cleaned)
        return cleaned

    def registration_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "neighbourhood": data["neighbourhood"],
            "age_group": data.get("age_group") or "",
            "party_size": data.get("party_size") or 1,
            "language": data["language"],
            "accessibility": data["accessibility"],
            "interpretation": data["interpretation"],
            "wants_reminders": data["wants_reminders"],
        }


class PartySizeForm(forms.Form):
    party_size = forms.TypedChoiceField(
        label=_("How many people, including you?"), coerce=int, choices=[(1, "1")]
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_size"].choices = _party_choices(event.max_party_size)
