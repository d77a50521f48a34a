"""Forms of the results pages: the filters (GET) and the publishing form (POST)."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .models import Response, Survey
from .results import Filters


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ResultsFilterForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), required=False)
    neighbourhood = forms.TypedChoiceField(
        label=_("Neighbourhood"), required=False, coerce=int, empty_value=None
    )
    source = forms.ChoiceField(
        label=_("Source"),
        required=False,
        choices=[("", _("All sources")), *Response.Source.choices],
    )
    date_from = forms.DateField(label=_("Answered from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Answered until"), required=False, widget=DateInput())

    def __init__(self, *args, survey: Survey, neighbourhoods: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.fields["language"].choices = [("", _("All languages"))] + [
            (code, names.get(code, code)) for code in survey.languages or []
        ]
        self.fields["neighbourhood"].choices = [("", _("All neighbourhoods")), *neighbourhoods]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise forms.ValidationError(_("The first date must not be after the second."))
        return data

    def filters(self) -> Filters:
        if not self.is_bound or not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            language=data["language"],
            neighbourhood_id=data["neighbourhood"],
            source=data["source"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )


class PublishForm(forms.Form):
    """One summary per language of the survey; every one is needed to publish."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(settings.LANGUAGES)
        self.languages = survey.languages or ["en"]
        for code in self.languages:
            self.fields[f"summary_{code}"] = forms.CharField(
                label=_("Summary in %(language)s") % {"language": names.get(code, code)},
                max_length=4000,
                initial=(survey.results_summary or {}).get(code, ""),
                widget=forms.Textarea(attrs={"rows": 4, "lang": code}),
                help_text=_("A few sentences: what you heard, and what the agency will do."),
            )

    def summaries(self) -> dict[str, str]:
        return {code: self.cleaned_data[f"summary_{code}"] for code in self.languages}
