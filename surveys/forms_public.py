"""Forms residents (and staff keying in paper) fill in to answer a survey.

`AnswerForm` is built from a survey's questions for one page, in one language. It only
parses and renders: validation is `services.clean_answers`, whose per-question messages the
view hands back with `show_errors`, so the rules live in one place for web, kiosk and paper.
"""

from dataclasses import dataclass

from django import forms
from django.forms.utils import ErrorDict
from django.utils.translation import gettext_lazy as _
from django.utils.translation import override

from engagement_portal.accounts.models import Neighbourhood

from . import services
from .models import Question, pick

Kind = Question.Kind

AGREEMENT_LABELS = [
    (5, _("Strongly agree")),
    (4, _("Agree")),
    (3, _("Neither agree nor disagree")),
    (2, _("Disagree")),
    (1, _("Strongly disagree")),
]
PREFER_NOT_TO_SAY = _("Prefer not to say")
GROUP_KINDS = {
    Kind.SINGLE,
    Kind.MULTIPLE,
    Kind.AGREEMENT,
    Kind.RATING,
    Kind.SCALE,
    Kind.YES_NO,
}


def field_name(question: Question) -> str:
    return f"q{question.pk}"


def declined_name(question: Question) -> str:
    return f"q{question.pk}_declined"


def _fixed_choices(question: Question) -> list[tuple[str, str]]:
    kind = question.kind
    if kind == Kind.AGREEMENT:
        return [(str(value), label) for value, label in AGREEMENT_LABELS]
    if kind == Kind.RATING:
        return [
            ("1", _("1 (lowest)")),
            ("2", "2"),
            ("3", "3"),
            ("4", "4"),
            ("5", _("5 (highest)")),
        ]
    if kind == Kind.SCALE:
        middle = [(str(n), str(n)) for n in range(1, 10)]
        return [("0", _("0 (lowest)")), *middle, ("10", _("10 (highest)"))]
    if kind == Kind.YES_NO:
        return [("1", _("Yes")), ("0", _("No"))]
    return [(str(c.pk), pick(c.label)) for c in question.choices.all()]


@dataclass
class Item:
    """One question as the template draws it."""

    question: Question
    field: forms.BoundField
    declined: forms.BoundField | None
    text: str
    help: str
    grouped: bool  # a fieldset with a legend; otherwise a single labelled input

    @property
    def anchor(self) -> str:
        """The id the error summary links to: the first input of the question."""
        if self.grouped:
            return f"{self.field.auto_id}_0"
        return self.field.auto_id

    @property
    def described_by(self) -> str:
        ids = []
        if self.help:
            ids.append(f"{self.field.auto_id}-help")
        if self.field.errors:
            ids.append(f"{self.field.auto_id}-error")
        return " ".join(ids)

    @property
    def is_textarea(self) -> bool:
        return self.question.kind == Kind.LONG_TEXT


class AnswerForm(forms.Form):
    """The questions of one page (or the whole survey, for paper), in `language`."""

    def __init__(
        self,
        *args,
        questions: list[Question],
        language: str,
        neighbourhoods=None,
        compact: bool = False,
        **kwargs,
    ):
        kwargs.setdefault("auto_id", "id_%s")
        super().__init__(*args, **kwargs)
        self.questions = questions
        self.language = language
        self.compact = compact
        self._neighbourhoods = neighbourhoods
        with override(language):
            for question in questions:
                self._add_fields(question)

    def neighbourhood_choices(self) -> list[tuple[str, str]]:
        if self._neighbourhoods is None:
            self._neighbourhoods = list(Neighbourhood.objects.order_by("name"))
        return [(str(n.pk), n.name) for n in self._neighbourhoods]

    def _add_fields(self, question: Question) -> None:
        kind = question.kind
        name = field_name(question)
        label = pick(question.text, self.language)
        common = {"label": label, "required": False}
        declined = question.demographic
        if kind == Kind.MULTIPLE:
            choices = _fixed_choices(question)
            if declined:
                choices.append((services.DECLINED, PREFER_NOT_TO_SAY))
            field = forms.MultipleChoiceField(
                choices=choices, widget=forms.CheckboxSelectMultiple, **common
            )
        elif kind in GROUP_KINDS:
            choices = _fixed_choices(question)
            if declined:
                choices.append((services.DECLINED, PREFER_NOT_TO_SAY))
            field = forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        elif kind == Kind.NEIGHBOURHOOD:
            choices = [("", _("Choose your neighbourhood"))] + self.neighbourhood_choices()
            if declined:
                choices.append((services.DECLINED, PREFER_NOT_TO_SAY))
            field = forms.ChoiceField(choices=choices, **common)
            field.widget.attrs["class"] = "form-select"
        elif kind == Kind.NUMBER:
            field = forms.CharField(
                widget=forms.TextInput(
                    attrs={"inputmode": "numeric", "class": "form-control survey-number-input"}
                ),
                **common,
            )
        elif kind == Kind.LONG_TEXT:
            field = forms.CharField(
                widget=forms.Textarea(
                    attrs={
                        "rows": 3 if self.compact else 5,
                        "class": "form-control",
                        "maxlength": services.MAX_TEXT[kind],
                    }
                ),
                **common,
            )
        else:
            field = forms.CharField(
                widget=forms.TextInput(
                    attrs={"class": "form-control", "maxlength": services.MAX_TEXT[Kind.SHORT_TEXT]}
                ),
                **common,
            )
        self.fields[name] = field
        # Numbers, texts: "Prefer not to say" is a box of its own next to the input.
        if declined and kind in (Kind.NUMBER, *Question.TEXT_KINDS):
            self.fields[declined_name(question)] = forms.BooleanField(
                label=PREFER_NOT_TO_SAY, required=False
            )

    # --- Parsing and errors ------------------------------------------------------------

    def full_clean(self):
        """No validation of its own: `services.clean_answers` decides (see the module doc)."""
        self._errors = ErrorDict()
        self.cleaned_data = {}

    def raw_answers(self) -> dict[str, list[str]]:
        """The submitted values, as clean_answers takes them ("q<id>" → list of strings)."""
        raw = {}
        if not self.is_bound:
            return raw
        for question in self.questions:
            name = field_name(question)
            values = [v for v in self.data.getlist(name) if isinstance(v, str)]
            if self.data.get(declined_name(question)) and question.demographic:
                values = [services.DECLINED]
            raw[name] = values
        return raw

    def show_errors(self, errors: dict[int, str]) -> None:
        self.errors  # noqa: B018  (sets up the error dict)
        for question in self.questions:
            if question.pk in errors:
                self._errors[field_name(question)] = self.error_class([errors[question.pk]])

    def items(self) -> list[Item]:
        """The questions to draw, once errors (if any) are shown: single inputs get their
        aria-describedby and aria-invalid here; groups get them on the fieldset."""
        result = []
        for question in self.questions:
            name = field_name(question)
            declined = None
            if declined_name(question) in self.fields:
                declined = self[declined_name(question)]
            item = Item(
                question=question,
                field=self[name],
                declined=declined,
                text=pick(question.text, self.language),
                help=pick(question.help, self.language),
                grouped=question.kind in GROUP_KINDS,
            )
            attrs = self.fields[name].widget.attrs
            if item.grouped:
                attrs["class"] = "form-check-input"
            else:
                if item.described_by:
                    attrs["aria-describedby"] = item.described_by
                if item.field.errors:
                    attrs["aria-invalid"] = "true"
                if question.required and not question.demographic:
                    attrs["aria-required"] = "true"
            result.append(item)
        return result


class FollowUpForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        help_text=_(
            "Kept in a separate list that is not linked to your answers, and used only to "
            "tell you what we did with the results."
        ),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
