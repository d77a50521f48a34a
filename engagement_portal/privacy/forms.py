from django import forms
from django.utils.translation import gettext_lazy as _


class ResidentSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Email address, mobile number or name"),
        max_length=150,
        help_text=_("An email or a number finds the one record it belongs to."),
    )


class EraseResidentForm(forms.Form):
    confirm = forms.BooleanField(
        label=_(
            "I confirm this person asked to be erased, and that nothing the agency must "
            "keep (an open case, a legal hold) stops it."
        ),
        required=True,
    )
