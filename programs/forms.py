from django import forms
from django.utils.translation import gettext_lazy as _

from programs.filters import staff_users
from programs.in_person.models import PartnerOrganisation
from programs.models import EngagementType, Program


class EngagementTypeChoiceField(forms.ModelChoiceField):
    """Engagement types grouped under their tier, so the choice reads like the spectrum."""

    def __init__(self, **kwargs):
        super().__init__(queryset=EngagementType.objects.select_related("tier"), **kwargs)

    def _set_grouped_choices(self):
        groups = {}
        for engagement_type in self.queryset:
            groups.setdefault(engagement_type.tier, []).append(
                (engagement_type.pk, engagement_type.display_name)
            )
        self.choices = [("", "---------")] + [
            (f"{tier.number}. {tier.display_name}", options) for tier, options in groups.items()
        ]


class ProgramForm(forms.ModelForm):
    engagement_type = EngagementTypeChoiceField(label=_("Engagement type"))
    # The partner organisations hold the link (in_person tier); the form edits it from here.
    partners = forms.ModelMultipleChoiceField(
        label=_("Partner organisations"),
        queryset=PartnerOrganisation.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Program
        fields = [
            "title",
            "engagement_type",
            "intention",
            "description",
            "visibility",
            "owner",
            "team",
            "partners",
            "languages",
            "neighbourhoods",
            "is_sensitive",
        ]
        widgets = {
            "intention": forms.Textarea(attrs={"rows": 3}),
            "description": forms.Textarea(attrs={"rows": 5}),
            "languages": forms.CheckboxSelectMultiple,
            "neighbourhoods": forms.CheckboxSelectMultiple,
            "team": forms.SelectMultiple(attrs={"size": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and "partners" not in self.initial:
            self.initial["partners"] = [p.pk for p in self.instance.partners.all()]
        self.fields["engagement_type"]._set_grouped_choices()
        self.fields["owner"].queryset = staff_users()
        self.fields["owner"].required = False
        self.fields["owner"].help_text = _("Leave empty to own the program yourself.")
        self.fields["team"].queryset = staff_users()
        self.fields["team"].help_text = _(
            "Staff who run the program with the owner. Hold Ctrl or ⌘ to choose several."
        )

    def _save_m2m(self):
        super()._save_m2m()
        self.instance.partners.set(self.cleaned_data["partners"])

    def clean_intention(self):
        intention = self.cleaned_data["intention"].strip()
        if len(intention) < 20:
            raise forms.ValidationError(
                _("Say in a sentence or two what the agency wants to achieve or learn.")
            )
        return intention


class ProgramStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("New status"))
    outcome = forms.CharField(
        label=_("Outcome"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when completing a program: what did it achieve?"),
    )

    def __init__(self, *args, program: Program, allowed: tuple[str, ...], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, Program.Status(s).label) for s in allowed]
        if program.outcome:
            self.fields["outcome"].initial = program.outcome

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == Program.Status.COMPLETED
            and not cleaned.get("outcome", "").strip()
        ):
            self.add_error("outcome", _("Describe the outcome before completing the program."))
        return cleaned
