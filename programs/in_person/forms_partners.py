"""Forms for partnerships. No side effects: views hand cleaned data to the services."""

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.forms import DateInput
from programs.filters import staff_users
from programs.in_person.models import PartnerAgreement, PartnerContact, PartnerOrganisation


class PartnerForm(forms.ModelForm):
    website = forms.URLField(label=_("website"), required=False, assume_scheme="https")

    class Meta:
        model = PartnerOrganisation
        fields = ["name", "kind", "website"]


class PartnerContactForm(forms.ModelForm):
    class Meta:
        model = PartnerContact
        fields = ["name", "role", "email", "phone"]

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("email") and not cleaned.get("phone") and not self.errors:
            raise forms.ValidationError(_("Give an email address or a phone number."))
        return cleaned


class PartnerAgreementForm(forms.ModelForm):
    document_url = forms.URLField(
        label=_("link to the document"), required=False, assume_scheme="https"
    )

    class Meta:
        model = PartnerAgreement
        fields = [
            "title",
            "kind",
            "starts_on",
            "renews_on",
            "renewal_notice_days",
            "responsible_user",
            "document_url",
            "notes",
        ]
        widgets = {
            "starts_on": DateInput(),
            "renews_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible_user"].queryset = staff_users()
        notice = self.fields["renewal_notice_days"]
        notice.max_value = 365
        notice.validators.append(MaxValueValidator(365))
        notice.widget.attrs["max"] = 365

    def clean(self):
        cleaned = super().clean()
        starts_on, renews_on = cleaned.get("starts_on"), cleaned.get("renews_on")
        if starts_on and renews_on and renews_on <= starts_on:
            self.add_error("renews_on", _("The renewal date must be after the start date."))
        return cleaned
