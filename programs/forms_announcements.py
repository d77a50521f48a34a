"""Forms for announcements, their public filter, and press-conference questions."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Neighbourhood

from .models import Announcement, PressQuestion, Program
from .selectors import programs_managed_by


class AnnouncementForm(forms.Form):
    """A title and a text per portal language (the default one required), kind, program and
    neighbourhoods. `texts()` gives the per-language dicts the service takes."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Announcement.Kind.choices)
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        required=False,
        empty_label=_("None: an announcement of the agency"),
        help_text=_("Only programs you run are listed."),
    )
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=_("Neighbourhoods"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Leave empty for news about the whole service area."),
    )

    def __init__(self, *args, user, announcement: Announcement | None = None, **kwargs):
        if announcement is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": announcement.kind,
                "program": announcement.program_id,
                "neighbourhoods": list(announcement.neighbourhoods.all()),
                **{f"title_{c}": t for c, t in announcement.title.items()},
                **{f"body_{c}": t for c, t in announcement.body.items()},
            }
        super().__init__(*args, **kwargs)
        for code, name in settings.LANGUAGES:
            required = code == settings.LANGUAGE_CODE
            self.fields[f"title_{code}"] = forms.CharField(
                label=_("Title (%(language)s)") % {"language": name},
                max_length=200,
                required=required,
            )
            self.fields[f"body_{code}"] = forms.CharField(
                label=_("Text (%(language)s)") % {"language": name},
                max_length=10000,
                required=required,
                widget=forms.Textarea(attrs={"rows": 6}),
            )
        if user.has_perm("programs.manage_all_programs"):
            programs = Program.objects.exclude(status=Program.Status.ARCHIVED)
        else:
            programs = Program.objects.filter(pk__in=programs_managed_by(user).values("pk"))
        if announcement is not None and announcement.program_id:
            programs = programs | Program.objects.filter(pk=announcement.program_id)
        self.fields["program"].queryset = programs.distinct().order_by("title")
        self.order_fields(
            [f for code, _name in settings.LANGUAGES for f in (f"title_{code}", f"body_{code}")]
        )

    def language_fields(self):
        """(language name, title field, text field) for each portal language, for the template."""
        return [
            (name, self[f"title_{code}"], self[f"body_{code}"]) for code, name in settings.LANGUAGES
        ]

    def texts(self) -> tuple[dict[str, str], dict[str, str]]:
        data = self.cleaned_data
        titles = {code: data.get(f"title_{code}", "") for code, _name in settings.LANGUAGES}
        bodies = {code: data.get(f"body_{code}", "") for code, _name in settings.LANGUAGES}
        return titles, bodies


class NewsFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All kinds")), *Announcement.Kind.choices], required=False
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Whole service area"),
    )


class PressQuestionForm(forms.ModelForm):
    class Meta:
        model = PressQuestion
        fields = ["question", "name", "neighbourhood"]
        widgets = {"question": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "question": _("Up to 1000 characters. Staff read every question before it is shown."),
            "name": _("Staff may read it out with your question. It is not shown on this page."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].label = _("Your neighbourhood (optional)")
        self.fields["neighbourhood"].empty_label = _("Prefer not to say")

    def clean_question(self) -> str:
        question = self.cleaned_data["question"].strip()
        if not question:
            raise forms.ValidationError(_("Please write your question."))
        return question


class ModerationNoteForm(forms.Form):
    note = forms.CharField(label=_("Answer given (optional)"), max_length=2000, required=False)
