"""Forms for resident requests. No side effects: views hand cleaned data to the services."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.forms import ResidentContactMixin
from engagement_portal.accounts.models import Neighbourhood
from events.forms_public import current_language
from events.forms_staff import LocalDateTimeField
from programs.in_person.models import ResidentRequest
from programs.models import Program

Kind = ResidentRequest.Kind


class ResidentRequestForm(ResidentContactMixin, forms.Form):
    """What a resident types to ask for a visit, a briefing or a ride-out."""

    kind = forms.ChoiceField(
        label=_("What would you like?"), choices=Kind.choices, widget=forms.RadioSelect
    )
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        help_text=_("Give an email address, a mobile phone number, or both."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Your neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Prefer not to say"),
    )
    address = forms.CharField(
        label=_("Address"),
        required=False,
        max_length=300,
        help_text=_("Needed for a front-porch line-up: where officers should come."),
    )
    topic = forms.CharField(
        label=_("Topic"),
        required=False,
        max_length=200,
        help_text=_("Needed for a briefing. For example: car break-ins, scams, traffic."),
    )
    details = forms.CharField(
        label=_("Anything else we should know"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    preferred_time_1 = forms.CharField(
        label=_("A time that suits you"),
        max_length=200,
        help_text=_("For example: weekday evenings after 6, or Saturday 14 June morning."),
    )
    preferred_time_2 = forms.CharField(label=_("Another time"), required=False, max_length=200)
    preferred_time_3 = forms.CharField(
        label=_("A third time (optional)"), required=False, max_length=200
    )
    language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["address"].widget.attrs["autocomplete"] = "street-address"
        self.fields["language"].initial = current_language()
        self.prefill_contact(user)

    def clean(self):
        cleaned = super().clean()
        self.require_email_or_phone(cleaned)
        kind = cleaned.get("kind")
        if kind == Kind.FRONT_PORCH and not cleaned.get("address", "").strip():
            self.add_error("address", _("Tell us where the line-up should be."))
        if kind == Kind.BRIEFING and not cleaned.get("topic", "").strip():
            self.add_error("topic", _("Tell us what the briefing should be about."))
        return cleaned

    def request_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "neighbourhood": data["neighbourhood"],
            "address": data["address"],
            "topic": data["topic"],
            "details": data["details"],
            "preferred_times": [data[f"preferred_time_{n}"] for n in (1, 2, 3)],
            "language": data["language"],
        }


class RequestFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *Kind.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Open requests")), ("all", _("All")), *ResidentRequest.Status.choices],
    )

    def options(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class AcceptForm(forms.Form):
    program = forms.ModelChoiceField(label=_("Program"), queryset=Program.objects.none())
    start = LocalDateTimeField(label=_("Starts"))
    end = LocalDateTimeField(label=_("Ends"))
    message = forms.CharField(
        label=_("Message to the resident (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        return cleaned


class ProposeForm(forms.Form):
    start = LocalDateTimeField(label=_("Proposed time"))
    message = forms.CharField(
        label=_("Message to the resident"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The resident sees this."),
    )
