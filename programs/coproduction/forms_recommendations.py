"""Forms for recommendations. No side effects: views hand cleaned data to the services."""

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.forms import DateInput
from events.forms_public import current_language
from programs.coproduction.models_recommendations import Recommendation
from programs.filters import staff_users
from programs.models import Program, Tier


class RecommendationForm(forms.ModelForm):
    class Meta:
        model = Recommendation
        fields = [
            "title",
            "text",
            "received_on",
            "event",
            "survey",
            "public",
            "responsible_unit",
            "responsible_user",
            "response_due",
        ]
        widgets = {
            "text": forms.Textarea(attrs={"rows": 4}),
            "received_on": DateInput(),
            "response_due": DateInput(),
        }

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = program.events.order_by("-starts_at")
        self.fields["survey"].queryset = program.surveys.order_by("-created_at")
        self.fields["responsible_user"].queryset = staff_users()
        self.fields["responsible_unit"].queryset = self.fields[
            "responsible_unit"
        ].queryset.order_by("name")
        if not self.is_bound:
            self.initial.setdefault("received_on", timezone.localdate())

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > timezone.localdate():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return received_on

    def clean(self):
        cleaned = super().clean()
        received_on, due = cleaned.get("received_on"), cleaned.get("response_due")
        if received_on and due and due < received_on:
            self.add_error("response_due", _("The answer cannot be due before it was received."))
        return cleaned


class RespondForm(forms.Form):
    """Change the status and the agency's answer, or only add a dated progress note."""

    status = forms.ChoiceField(label=_("Status"), choices=Recommendation.Status.choices)
    rationale = forms.CharField(
        label=_("The agency's answer and why"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Shown publicly. Required once the recommendation is answered."),
    )
    note = forms.CharField(
        label=_("Progress note"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Added to the public, dated history. Leave the status as it is to only add a note."
        ),
    )

    def __init__(self, *args, recommendation: Recommendation, **kwargs):
        kwargs.setdefault(
            "initial", {"status": recommendation.status, "rationale": recommendation.rationale}
        )
        super().__init__(*args, **kwargs)
        self.recommendation = recommendation

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("status")
        rationale = (cleaned.get("rationale") or "").strip()
        note = (cleaned.get("note") or "").strip()
        if status is None:
            return cleaned
        if status in Recommendation.ANSWERED and not rationale:
            self.add_error("rationale", _("Say what the agency decided and why."))
        unchanged = (
            status == self.recommendation.status and rationale == self.recommendation.rationale
        )
        if unchanged and not note:
            raise forms.ValidationError(
                _("Nothing changed: change the status or the answer, or write a progress note.")
            )
        cleaned["changes_answer"] = not unchanged
        return cleaned


class FollowForm(forms.Form):
    name = forms.CharField(label=_("Your name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        max_length=254,
        help_text=_(
            "We email you when the agency's answer changes. Every message has a link to stop."
        ),
    )
    language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("language", current_language())


class RecommendationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *Recommendation.Status.choices],
    )
    tier = forms.ModelChoiceField(
        label=_("Tier"), required=False, queryset=Tier.objects.all(), empty_label=_("Any tier")
    )
    program = forms.ModelChoiceField(
        label=_("Program"),
        required=False,
        queryset=Program.objects.none(),
        empty_label=_("Any program"),
    )

    def __init__(self, *args, programs=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = (
            programs if programs is not None else Program.objects.order_by("title")
        )

    def options(self) -> dict:
        if not self.is_bound or not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v not in ("", None, False)}


class StaffRecommendationFilterForm(RecommendationFilterForm):
    overdue = forms.BooleanField(label=_("Only overdue answers"), required=False)
    mine = forms.BooleanField(label=_("Only those I am responsible for"), required=False)
