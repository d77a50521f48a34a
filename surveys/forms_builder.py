"""Forms of the staff survey builder. They parse and check input; `surveys.builder` writes.

Texts are one field per language (title_en, title_es, ...); `texts(prefix)` gathers them
into the {language: text} dicts the models store.
"""

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from events.forms_staff import LocalDateTimeField
from events.models import Event
from programs.models import Program

from . import selectors
from .builder import MAX_CHOICES
from .models import Question, StandardItem, Survey, pick
from .services import SCALES

LANGUAGE_NAMES = dict(settings.LANGUAGES)
MAX_TITLE = 200
MAX_TEXT = 500
MAX_LONG = 3000
MAX_CHOICE = 200


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))


class TextsMixin:
    """One field per language for each translated text."""

    def add_text_fields(self, prefix, label, languages, *, widget=None, max_length=MAX_TEXT):
        for code in languages:
            self.fields[f"{prefix}_{code}"] = forms.CharField(
                label=_("%(what)s (%(language)s)")
                % {"what": label, "language": language_name(code)},
                required=False,
                max_length=max_length,
                widget=widget() if widget else None,
            )

    def texts(self, prefix) -> dict[str, str]:
        return {
            name[len(prefix) + 1 :]: value
            for name, value in self.cleaned_data.items()
            if name.startswith(f"{prefix}_") and isinstance(value, str)
        }

    def require_one(self, prefix, languages, message):
        if not any((self.cleaned_data.get(f"{prefix}_{code}") or "").strip() for code in languages):
            self.add_error(f"{prefix}_{languages[0]}", message)


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, event):
        return f"{event.title} · {date_format(event.starts_at, 'DATETIME_FORMAT')}"


class SurveyForm(TextsMixin, forms.Form):
    languages = forms.MultipleChoiceField(
        label=_("Languages offered"),
        choices=settings.LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Every text must be written in each language before the survey opens."),
        error_messages={"required": _("Choose at least one language.")},
    )
    mode = forms.ChoiceField(
        label=_("Mode"),
        choices=Survey.Mode.choices,
        widget=forms.RadioSelect,
        initial=Survey.Mode.ANONYMOUS,
        help_text=_(
            "Anonymous: nothing links an answer to a person, not even an invitation. "
            "Identified: answers are linked to the resident, and the first page says so. "
            "The mode cannot change once the survey has a response."
        ),
    )
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=None,
        required=False,
        empty_label=_("No program"),
        help_text=_("Optional. Only programs you run are listed."),
    )
    event = EventChoiceField(
        label=_("Event"),
        queryset=None,
        required=False,
        empty_label=_("No event"),
        help_text=_("Optional, for feedback on one event. Its program is chosen with it."),
    )
    opens_at = LocalDateTimeField(
        label=_("Opens"),
        required=False,
        help_text=_("Agency time. Blank means as soon as you open it."),
    )
    closes_at = LocalDateTimeField(
        label=_("Closes"),
        required=False,
        help_text=_("Agency time. Blank means when you close it."),
    )

    def __init__(self, *args, user, survey: Survey | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        codes = [code for code, _name in settings.LANGUAGES]
        text_fields = dict(self.fields)
        self.fields.clear()
        self.add_text_fields("title", _("Title"), codes, max_length=MAX_TITLE)
        self.add_text_fields(
            "introduction",
            _("Introduction"),
            codes,
            widget=lambda: forms.Textarea(attrs={"rows": 3}),
            max_length=MAX_LONG,
        )
        self.fields.update(text_fields)
        programs = selectors.programs_for_surveys(user)
        if survey is not None and survey.program_id:
            # Keep the survey's current program even if the user no longer runs it.
            programs = Program.objects.filter(
                Q(pk__in=programs.values("pk")) | Q(pk=survey.program_id)
            ).order_by("title")
        self.fields["program"].queryset = programs
        self.fields["event"].queryset = (
            Event.objects.filter(program__in=programs.values("pk"))
            .select_related("program")
            .order_by("-starts_at")
        )
        if survey is not None and not self.is_bound:
            for code in codes:
                self.initial[f"title_{code}"] = survey.title.get(code, "")
                self.initial[f"introduction_{code}"] = (survey.introduction or {}).get(code, "")
            self.initial.update(
                languages=survey.languages,
                mode=survey.mode,
                program=survey.program_id,
                event=survey.event_id,
                opens_at=survey.opens_at,
                closes_at=survey.closes_at,
            )
        elif not self.is_bound:
            self.initial.setdefault("languages", codes)

    def clean(self):
        cleaned = super().clean()
        languages = cleaned.get("languages") or [code for code, _name in settings.LANGUAGES]
        self.require_one("title", languages, _("Write the title in at least one language."))
        program, event = cleaned.get("program"), cleaned.get("event")
        if program and event and event.program_id != program.pk:
            self.add_error("event", _("This event belongs to another program."))
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("The survey must close after it opens."))
        return cleaned

    def survey_data(self) -> dict:
        data = self.cleaned_data
        return {
            "title": self.texts("title"),
            "introduction": self.texts("introduction"),
            "languages": data["languages"],
            "mode": data["mode"],
            "program": data["program"],
            "event": data["event"],
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
        }


def condition_options(questions: list[Question], before: int) -> list[tuple[str, str]]:
    """The conditions the first `before` questions offer, as (value, label):
    ("<choice pk>", "Q2: Yes") for each choice of a single or multiple choice question,
    ("yes:<pk>", "Q3: Yes") and ("no:<pk>", "Q3: No") for a yes/no question, and
    ("value:<pk>", "Q4: the answer compared below") for a scale or a number."""
    options = []
    for number, question in enumerate(questions[:before], start=1):
        if question.kind in Question.CHOICE_KINDS:
            for choice in question.choices.all():
                options.append((str(choice.pk), f"Q{number}: {pick(choice.label)}"))
        elif question.kind == Question.Kind.YES_NO:
            options.append((f"yes:{question.pk}", f"Q{number}: {_('Yes')}"))
            options.append((f"no:{question.pk}", f"Q{number}: {_('No')}"))
        elif question.kind in Question.VALUE_KINDS:
            low, high = SCALES.get(question.kind, (question.min_value, question.max_value))
            if low is not None and high is not None:
                scale = _("answer from %(low)s to %(high)s, compared below") % {
                    "low": low,
                    "high": high,
                }
            else:
                scale = _("the number given, compared below")
            options.append((f"value:{question.pk}", f"Q{number}: {scale}"))
    return options


def condition_initial(question: Question) -> dict:
    """The condition fields' values for a saved question."""
    if question.condition_choice_id:
        return {"condition": str(question.condition_choice_id)}
    target = question.condition_question
    if target is None:
        return {}
    equal = question.condition_operator == Question.Operator.EQUAL
    if target.kind == Question.Kind.YES_NO and equal and question.condition_value in (0, 1):
        return {"condition": f"{'yes' if question.condition_value else 'no'}:{target.pk}"}
    return {
        "condition": f"value:{target.pk}",
        "condition_operator": question.condition_operator,
        "condition_value": question.condition_value,
    }


class QuestionForm(TextsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind of question"), choices=Question.Kind.choices)
    required = forms.BooleanField(label=_("An answer is required"), required=False)
    demographic = forms.BooleanField(
        label=_("Demographic question"),
        required=False,
        help_text=_("Always optional, and always offers “Prefer not to say”."),
    )
    page = forms.IntegerField(
        label=_("Page"),
        min_value=1,
        max_value=50,
        initial=1,
        help_text=_("Questions on the same page are shown together."),
    )
    min_value = forms.IntegerField(
        label=_("Smallest number allowed"),
        required=False,
        min_value=-(10**9),
        max_value=10**9,
        help_text=_("Number questions only. Blank means no limit."),
    )
    max_value = forms.IntegerField(
        label=_("Largest number allowed"),
        required=False,
        min_value=-(10**9),
        max_value=10**9,
        help_text=_("Number questions only. Blank means no limit."),
    )
    condition = forms.ChoiceField(
        label=_("Show this question only if"),
        required=False,
        help_text=_(
            "Optional. An answer to an earlier choice or yes/no question, or an earlier "
            "scale or number compared with a value below. Blank means the question is "
            "always shown."
        ),
    )
    condition_operator = forms.ChoiceField(
        label=_("The answer"),
        required=False,
        choices=Question.Operator.choices,
        initial=Question.Operator.EQUAL,
        help_text=_("For a scale or a number chosen above."),
    )
    condition_value = forms.IntegerField(
        label=_("Number"),
        required=False,
        min_value=-(10**9),
        max_value=10**9,
        help_text=_("For a scale or a number chosen above."),
    )

    def __init__(self, *args, survey: Survey, questions: list[Question], question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.question = question
        self.questions = questions
        self.languages = survey.languages or [code for code, _name in settings.LANGUAGES]
        settings_fields = dict(self.fields)
        self.fields.clear()
        self.fields["kind"] = settings_fields.pop("kind")
        self.add_text_fields("text", _("Question"), self.languages)
        self.add_text_fields(
            "help",
            _("Help text"),
            self.languages,
            widget=lambda: forms.Textarea(attrs={"rows": 2}),
            max_length=MAX_LONG,
        )
        for code in self.languages:
            self.fields[f"choices_{code}"] = forms.CharField(
                label=_("Choices (%(language)s)") % {"language": language_name(code)},
                required=False,
                max_length=MAX_CHOICES * (MAX_CHOICE + 2),
                widget=forms.Textarea(attrs={"rows": 5}),
                help_text=_(
                    "Single and multiple choice only. One choice per line, in the same order "
                    "in every language."
                ),
            )
        self.fields.update(settings_fields)
        index = len(questions)
        if question is not None:
            index = next((i for i, q in enumerate(questions) if q.pk == question.pk), index)
        self.fields["condition"].choices = [("", _("Always show it"))] + condition_options(
            questions, index
        )
        if question is not None and not self.is_bound:
            for code in self.languages:
                self.initial[f"text_{code}"] = question.text.get(code, "")
                self.initial[f"help_{code}"] = (question.help or {}).get(code, "")
                self.initial[f"choices_{code}"] = "\n".join(
                    choice.label.get(code, "") for choice in question.choices.all()
                )
            self.initial.update(
                kind=question.kind,
                required=question.required,
                demographic=question.demographic,
                page=question.page,
                min_value=question.min_value,
                max_value=question.max_value,
                **condition_initial(question),
            )
        elif not self.is_bound and questions:
            self.initial["page"] = questions[-1].page

    def clean(self):
        cleaned = super().clean()
        self.require_one("text", self.languages, _("Write the question in at least one language."))
        kind = cleaned.get("kind")
        low, high = cleaned.get("min_value"), cleaned.get("max_value")
        if kind == Question.Kind.NUMBER and low is not None and high is not None and low > high:
            self.add_error("max_value", _("The largest number must not be below the smallest."))
        self.choice_labels = []
        if kind in Question.CHOICE_KINDS:
            self._clean_choices()
        self.condition = self._clean_condition(cleaned)
        return cleaned

    def _clean_condition(self, cleaned) -> dict:
        """The condition chosen, as question_data's condition_* values."""
        none = {
            "condition_choice": None,
            "condition_question": None,
            "condition_operator": "",
            "condition_value": None,
        }
        raw = cleaned.get("condition") or ""
        if raw.isdigit():
            choice = next(
                (c for q in self.questions for c in q.choices.all() if c.pk == int(raw)), None
            )
            return {**none, "condition_choice": choice}
        how, _sep, pk = raw.partition(":")
        target = next((q for q in self.questions if str(q.pk) == pk), None)
        if target is None:
            return none
        if how in ("yes", "no"):
            return {
                **none,
                "condition_question": target,
                "condition_operator": Question.Operator.EQUAL,
                "condition_value": 1 if how == "yes" else 0,
            }
        value = cleaned.get("condition_value")
        if value is None:
            self.add_error("condition_value", _("Give the number the answer is compared with."))
        return {
            **none,
            "condition_question": target,
            "condition_operator": cleaned.get("condition_operator") or Question.Operator.EQUAL,
            "condition_value": value,
        }

    def _clean_choices(self):
        lines = {}
        for code in self.languages:
            text = self.cleaned_data.get(f"choices_{code}") or ""
            lines[code] = [line.strip() for line in text.splitlines() if line.strip()]
        given = {code: rows for code, rows in lines.items() if rows}
        first = self.languages[0]
        if not given or max(len(rows) for rows in given.values()) < 2:
            self.add_error(
                f"choices_{next(iter(given), first)}",
                _("Give at least two choices, one per line."),
            )
            return
        counts = {len(rows) for rows in given.values()}
        if len(counts) > 1:
            summary = ", ".join(
                _("%(language)s: %(n)d") % {"language": language_name(code), "n": len(rows)}
                for code, rows in given.items()
            )
            for code in given:
                self.add_error(
                    f"choices_{code}",
                    _(
                        "Every language needs the same number of choices, in the same order "
                        "(%(counts)s)."
                    )
                    % {"counts": summary},
                )
            return
        count = counts.pop()
        if count > MAX_CHOICES:
            self.add_error(f"choices_{first}", _("At most %(n)d choices.") % {"n": MAX_CHOICES})
            return
        for code, rows in given.items():
            if any(len(row) > MAX_CHOICE for row in rows):
                self.add_error(
                    f"choices_{code}",
                    _("Keep each choice under %(n)d characters.") % {"n": MAX_CHOICE},
                )
                return
        self.choice_labels = [{code: rows[i] for code, rows in given.items()} for i in range(count)]

    def question_data(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "text": self.texts("text"),
            "help": self.texts("help"),
            "required": data["required"],
            "demographic": data["demographic"],
            "page": data["page"],
            "min_value": data.get("min_value"),
            "max_value": data.get("max_value"),
            "choices": self.choice_labels,
            **self.condition,
        }


class BankItemForm(forms.Form):
    item = forms.ModelChoiceField(queryset=StandardItem.objects.all(), widget=forms.HiddenInput)


class StatusForm(forms.Form):
    action = forms.ChoiceField(choices=[("open", _("Open")), ("close", _("Close"))])


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Move up")), ("down", _("Move down"))])


class TranslationsForm(forms.Form):
    """Every text of the survey as rows, one input per language of the survey."""

    def __init__(self, *args, survey: Survey, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.survey = survey
        self.languages = survey.languages or [code for code, _name in settings.LANGUAGES]
        self.rows = []  # (key, label, {language: field name}, {language: current text})
        self._row("title", _("Title"), survey.title, max_length=MAX_TITLE)
        if any((survey.introduction or {}).values()):
            self._row("introduction", _("Introduction"), survey.introduction, long=True)
        for number, question in enumerate(questions, start=1):
            self._row(
                f"q{question.pk}",
                _("Question %(n)d") % {"n": number},
                question.text,
                long=True,
                max_length=MAX_TEXT,
            )
            if any((question.help or {}).values()):
                self._row(
                    f"h{question.pk}",
                    _("The help text of question %(n)d") % {"n": number},
                    question.help,
                    long=True,
                )
            for choice_number, choice in enumerate(question.choices.all(), start=1):
                self._row(
                    f"c{choice.pk}",
                    _("Choice %(c)d of question %(n)d") % {"c": choice_number, "n": number},
                    choice.label,
                    max_length=MAX_CHOICE,
                )

    def _row(self, key, label, texts, *, long=False, max_length=None):
        texts = texts or {}
        names = {}
        for code in self.languages:
            name = f"{key}__{code}"
            attrs = {"class": "form-control", "lang": code}
            self.fields[name] = forms.CharField(
                label=_("%(what)s (%(language)s)")
                % {"what": label, "language": language_name(code)},
                required=False,
                max_length=max_length or (MAX_LONG if long else MAX_TEXT),
                initial=texts.get(code, ""),
                widget=(
                    forms.Textarea(attrs={"rows": 2, **attrs})
                    if long
                    else forms.TextInput(attrs=attrs)
                ),
            )
            names[code] = name
        missing = [code for code in self.languages if not texts.get(code, "").strip()]
        self.rows.append({"key": key, "label": label, "names": names, "missing": missing})

    def bound_rows(self):
        for row in self.rows:
            yield {
                **row,
                "fields": [
                    (code, language_name(code), self[name]) for code, name in row["names"].items()
                ],
            }

    def texts(self) -> dict[str, dict[str, str]]:
        result: dict[str, dict[str, str]] = {}
        for row in self.rows:
            result[row["key"]] = {
                code: self.cleaned_data.get(name, "") for code, name in row["names"].items()
            }
        return result
