"""Forms for announcements, their public filter, residents' replies, and press-conference
questions."""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Neighbourhood
from programs.information.models import Announcement, AnnouncementReply, PressQuestion
from programs.information.services import clean_reply_contact
from programs.models import Program
from programs.selectors import programs_managed_by


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


class AnnouncementReplyForm(forms.ModelForm):
    """What a resident knows about an announcement; everything but the message is optional."""

    class Meta:
        model = AnnouncementReply
        fields = ["message", "name", "contact", "neighbourhood"]
        widgets = {"message": forms.Textarea(attrs={"rows": 6})}
        labels = {
            "message": _("What you know"),
            "name": _("Your name (optional)"),
            "contact": _("Email or phone number (optional)"),
        }
        help_texts = {
            "message": _(
                "Up to 5000 characters. What you saw or heard, where and when, as best you can."
            ),
            "contact": _(
                "Only if staff may contact you for more details. Leave it empty to stay anonymous."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["neighbourhood"].label = _("Your neighbourhood (optional)")
        self.fields["neighbourhood"].empty_label = _("Prefer not to say")

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        if not message:
            raise forms.ValidationError(_("Please write what you know."))
        return message

    def clean_contact(self) -> str:
        try:
            return clean_reply_contact(self.cleaned_data["contact"])
        except ValidationError as error:
            raise forms.ValidationError(error.messages) from error


class ReplyFilterForm(forms.Form):
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("", _("All replies")),
            ("open", _("Not followed up yet")),
            ("handled", _("Followed up")),
        ],
    )

    def show_value(self) -> str:
        return self.cleaned_data.get("show", "") if self.is_valid() else ""


class MarkHandledForm(forms.Form):
    """The hidden fields of a "followed up" button: which reply, and the list to go back to."""

    reply = forms.IntegerField(min_value=1, max_value=2**31 - 1)
