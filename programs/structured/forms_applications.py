"""Forms for applications and selection. They parse input; the rules (window, ages,
acknowledgements, transitions) are services_applications', which these forms call only to
check, never to write, so a resident sees every problem at once."""

import django_filters
from django import forms
from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.forms import ResidentContactMixin
from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.accounts.services import normalise_phone
from events.forms_staff import LocalDateTimeField
from programs.structured import services_applications as services
from programs.structured.models_applications import (
    Acknowledgement,
    Application,
    ApplicationForm,
    ApplicationQuestion,
)
from programs.structured.selectors_applications import (
    DEFAULT_ACKNOWLEDGEMENT_TEXTS,
    acknowledgement_label,
    acknowledgement_text,
    guardian_pending_q,
    text_in,
)

Kind = ApplicationQuestion.Kind
LANGUAGE_NAMES = dict(settings.LANGUAGES)
MAX_TEXT = services.MAX_TEXT
MAX_QUESTION = 500
MAX_CHOICES = 20
MAX_CHOICE = 200
MAX_MESSAGE = 2000


def language_name(code: str) -> str:
    return str(LANGUAGE_NAMES.get(code, code))


def _in_language(label, code: str) -> str:
    return _("%(what)s (%(language)s)") % {"what": label, "language": language_name(code)}


# --- Staff: the form's settings and questions -----------------------------------------


class WindowDateTimeField(LocalDateTimeField):
    """A date and time for an application window, in a plausible range: a typo such as
    year 9999 would otherwise overflow when converted to UTC."""

    EARLIEST, LATEST = 2000, 2100

    def to_python(self, value):
        result = super().to_python(value)
        if result is not None and not self.EARLIEST <= result.year <= self.LATEST:
            raise forms.ValidationError(
                _("Enter a date between %(first)d and %(last)d.")
                % {"first": self.EARLIEST, "last": self.LATEST},
                code="invalid",
            )
        return result


class FormSettingsForm(forms.Form):
    """The window, eligibility, acknowledgements and introduction of a program's form.

    Texts are one field per language: intro_en, intro_es, ack_waiver_en, ..."""

    opens_at = WindowDateTimeField(label=_("Applications open"))
    closes_at = WindowDateTimeField(label=_("Applications close"))
    places = forms.IntegerField(
        label=_("Places"),
        required=False,
        min_value=1,
        max_value=100000,
        help_text=_("How many people you expect to accept. Blank means no set number."),
    )
    minimum_age = forms.IntegerField(
        label=_("Minimum age"),
        required=False,
        min_value=0,
        max_value=services.OLDEST_AGE,
        help_text=_("Age on the day of applying. Blank means no minimum."),
    )
    maximum_age = forms.IntegerField(
        label=_("Maximum age"),
        required=False,
        min_value=0,
        max_value=services.OLDEST_AGE,
        help_text=_("For youth programs. Blank means no maximum."),
    )
    residency_required = forms.BooleanField(
        label=_("Applicants must live or work in the service area"), required=False
    )
    guardian_consent_under = forms.IntegerField(
        label=_("A parent or guardian must consent for applicants younger than"),
        required=False,
        min_value=1,
        max_value=25,
        help_text=_("In years, on the day of applying. Blank means no guardian consent."),
    )
    retention_days = forms.IntegerField(
        label=_("Keep applicants' details for (days)"),
        required=False,
        min_value=1,
        max_value=36500,
        help_text=_(
            "After the decision; then the nightly purge blanks them and keeps only what the "
            "figures need. Blank means the agency's default."
        ),
    )
    acknowledgements = forms.MultipleChoiceField(
        label=_("Applicants must accept"),
        required=False,
        choices=Acknowledgement.choices,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, languages: list[str], form: ApplicationForm | None = None, **kw):
        super().__init__(*args, **kw)
        self.languages = languages
        for code in languages:
            self.fields[f"intro_{code}"] = forms.CharField(
                label=_in_language(_("Introduction"), code),
                required=False,
                max_length=MAX_TEXT,
                widget=forms.Textarea(attrs={"rows": 3}),
            )
        for key, label in Acknowledgement.choices:
            for code in languages:
                self.fields[f"ack_{key}_{code}"] = forms.CharField(
                    label=_in_language(label, code),
                    required=False,
                    max_length=MAX_TEXT,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )
        if form is not None and not self.is_bound:
            self.initial.update(
                opens_at=timezone.localtime(form.opens_at),
                closes_at=timezone.localtime(form.closes_at),
                places=form.places,
                minimum_age=form.minimum_age,
                maximum_age=form.maximum_age,
                residency_required=form.residency_required,
                guardian_consent_under=form.guardian_consent_under,
                retention_days=form.retention_days,
                acknowledgements=list(form.acknowledgements or []),
            )
        if form is not None and not self.is_bound:
            for code in languages:
                self.initial[f"intro_{code}"] = (form.introduction or {}).get(code, "")
                for key in Acknowledgement.values:
                    written = (form.acknowledgement_texts or {}).get(key) or {}
                    self.initial[f"ack_{key}_{code}"] = written.get(code, "")

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Applications must close after they open."))
        low, high = cleaned.get("minimum_age"), cleaned.get("maximum_age")
        if low is not None and high is not None and high < low:
            self.add_error("maximum_age", _("The maximum age cannot be below the minimum age."))
        return cleaned

    def main_fields(self):
        return [self[name] for name in self.base_fields]

    def intro_fields(self):
        return [self[f"intro_{code}"] for code in self.languages]

    def acknowledgement_groups(self):
        """Per statement: its key, title, the portal's standard wording, its text fields."""
        return [
            (
                key,
                label,
                DEFAULT_ACKNOWLEDGEMENT_TEXTS[key],
                [self[f"ack_{key}_{code}"] for code in self.languages],
            )
            for key, label in Acknowledgement.choices
        ]

    def settings_data(self) -> dict:
        data = self.cleaned_data
        return {
            "opens_at": data["opens_at"],
            "closes_at": data["closes_at"],
            "places": data["places"],
            "minimum_age": data["minimum_age"],
            "maximum_age": data["maximum_age"],
            "residency_required": data["residency_required"],
            "guardian_consent_under": data["guardian_consent_under"],
            "retention_days": data["retention_days"],
            "acknowledgements": data["acknowledgements"],
            "acknowledgement_texts": {
                key: {code: data[f"ack_{key}_{code}"] for code in self.languages}
                for key in Acknowledgement.values
            },
            "introduction": {code: data[f"intro_{code}"] for code in self.languages},
        }


class QuestionForm(forms.Form):
    """One of the program's own questions, with its texts (and choices) per language."""

    kind = forms.ChoiceField(label=_("Kind of answer"), choices=Kind.choices)
    required = forms.BooleanField(label=_("Applicants must answer it"), required=False)

    def __init__(self, *args, languages: list[str], question=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.languages = languages
        for code in languages:
            self.fields[f"text_{code}"] = forms.CharField(
                label=_in_language(_("Question"), code), required=False, max_length=MAX_QUESTION
            )
        for code in languages:
            self.fields[f"help_{code}"] = forms.CharField(
                label=_in_language(_("Help text"), code),
                required=False,
                max_length=MAX_QUESTION,
            )
        for code in languages:
            self.fields[f"choices_{code}"] = forms.CharField(
                label=_in_language(_("Choices"), code),
                required=False,
                max_length=MAX_CHOICES * (MAX_CHOICE + 2),
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_(
                    "For “One of a list” only. One choice per line, in the same order in "
                    "every language."
                ),
            )
        # Text first, then the kind and whether it is required, then help and choices.
        order = [f"text_{code}" for code in languages] + ["kind", "required"]
        self.order_fields(order)
        if question is not None and not self.is_bound:
            self.initial.update(kind=question.kind, required=question.required)
            for code in languages:
                self.initial[f"text_{code}"] = (question.text or {}).get(code, "")
                self.initial[f"help_{code}"] = (question.help_text or {}).get(code, "")
                self.initial[f"choices_{code}"] = "\n".join(
                    (choice or {}).get(code, "") for choice in question.choices or []
                )
        elif not self.is_bound:
            self.initial.setdefault("required", True)

    def clean(self):
        cleaned = super().clean()
        texts = {code: cleaned.get(f"text_{code}", "") for code in self.languages}
        if not any(text.strip() for text in texts.values() if isinstance(text, str)):
            self.add_error(
                f"text_{self.languages[0]}", _("Write the question in at least one language.")
            )
        self.choice_texts = []
        if cleaned.get("kind") == Kind.CHOICE:
            self._clean_choices()
        return cleaned

    def _clean_choices(self):
        lines = {}
        for code in self.languages:
            text = self.cleaned_data.get(f"choices_{code}") or ""
            rows = [line.strip() for line in text.splitlines() if line.strip()]
            if rows:
                lines[code] = rows
        first = f"choices_{self.languages[0]}"
        if not lines or max(len(rows) for rows in lines.values()) < 2:
            self.add_error(first, _("Give at least two choices, one per line."))
            return
        counts = {len(rows) for rows in lines.values()}
        if len(counts) > 1:
            for code in lines:
                self.add_error(
                    f"choices_{code}",
                    _("Every language needs the same number of choices, in the same order."),
                )
            return
        count = counts.pop()
        if count > MAX_CHOICES:
            self.add_error(first, _("At most %(n)d choices.") % {"n": MAX_CHOICES})
            return
        for code, rows in lines.items():
            if any(len(row) > MAX_CHOICE for row in rows):
                self.add_error(
                    f"choices_{code}",
                    _("Keep each choice under %(n)d characters.") % {"n": MAX_CHOICE},
                )
                return
        self.choice_texts = [{code: rows[i] for code, rows in lines.items()} for i in range(count)]

    def text_fields(self):
        return [self[f"text_{code}"] for code in self.languages]

    def setting_fields(self):
        return [self["kind"], self["required"]]

    def help_fields(self):
        return [self[f"help_{code}"] for code in self.languages]

    def choice_fields(self):
        return [self[f"choices_{code}"] for code in self.languages]

    def question_data(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "required": data["required"],
            "text": {code: data[f"text_{code}"] for code in self.languages},
            "help_text": {code: data[f"help_{code}"] for code in self.languages},
            "choices": self.choice_texts,
        }


# --- Residents: applying, the guardian's consent, withdrawing -------------------------


def question_field_name(question: ApplicationQuestion) -> str:
    return f"q{question.pk}"


class ApplyForm(ResidentContactMixin, forms.Form):
    """What an applicant fills in: contact details, date of birth, address, the program's
    questions in `language`, each acknowledgement, and a guardian when they are a minor."""

    name = forms.CharField(label=_("Your full name"), max_length=150)
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
    language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)
    neighbourhood = forms.ModelChoiceField(
        label=_("Your neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Prefer not to say"),
    )
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%m/%d/%Y", "%d/%m/%Y"],
        help_text=_("Eligibility depends on your age on the day you apply."),
    )
    address = forms.CharField(
        label=_("Home address"),
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )

    def __init__(
        self,
        *args,
        application_form: ApplicationForm,
        questions: list[ApplicationQuestion],
        language: str,
        user=None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.application_form = application_form
        self.questions = questions
        self.language = language
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["language"].initial = language
        self.prefill_contact(user)
        if application_form.residency_required:
            self.fields["lives_in_service_area"] = forms.BooleanField(
                label=_("I live or work in the service area"),
                error_messages={"required": services.residency_required_message()},
            )
        for question in questions:
            self.fields[question_field_name(question)] = self._question_field(question)
        for key in application_form.acknowledgements or []:
            label = _("I have read and accept the %(what)s") % {
                "what": acknowledgement_label(key).lower()
            }
            self.fields[f"ack_{key}"] = forms.BooleanField(
                label=label,
                error_messages={"required": services.acknowledgement_required_message()},
            )
        if application_form.guardian_consent_under is not None:
            self.fields["guardian_name"] = forms.CharField(
                label=_("Parent or guardian's full name"), required=False, max_length=150
            )
            self.fields["guardian_email"] = forms.EmailField(
                label=_("Parent or guardian's email"), required=False, max_length=254
            )
            self.fields["guardian_phone"] = forms.CharField(
                label=_("Parent or guardian's mobile phone"),
                required=False,
                max_length=30,
                widget=forms.TextInput(attrs={"type": "tel"}),
            )

    def _question_field(self, question: ApplicationQuestion) -> forms.Field:
        label = text_in(question.text, self.language)
        help_text = text_in(question.help_text, self.language)
        messages = {
            "required": services.answer_required_message(),
            "invalid_choice": _("Choose one of the answers listed."),
        }
        common = {
            "label": label,
            "help_text": help_text,
            "required": question.required,
            "error_messages": messages,
        }
        if question.kind == Kind.LONG:
            return forms.CharField(
                max_length=services.MAX_LONG_ANSWER,
                widget=forms.Textarea(attrs={"rows": 4}),
                **common,
            )
        if question.kind == Kind.YES_NO:
            return forms.ChoiceField(
                choices=[("yes", _("Yes")), ("no", _("No"))], widget=forms.RadioSelect, **common
            )
        if question.kind == Kind.CHOICE:
            choices = [
                (str(i), text_in(choice, self.language))
                for i, choice in enumerate(question.choices or [])
            ]
            return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
        return forms.CharField(max_length=services.MAX_SHORT_ANSWER, **common)

    # Groups of fields, in the order the page shows them.
    def contact_fields(self):
        return [self[n] for n in ("name", "email", "phone", "language", "neighbourhood")]

    def about_fields(self):
        names = ["date_of_birth", "address"]
        if "lives_in_service_area" in self.fields:
            names.append("lives_in_service_area")
        return [self[n] for n in names]

    def question_fields(self):
        return [self[question_field_name(q)] for q in self.questions]

    def acknowledgement_items(self):
        return [
            {
                "key": key,
                "title": acknowledgement_label(key),
                "text": acknowledgement_text(self.application_form, key, self.language),
                "field": self[f"ack_{key}"],
            }
            for key in self.application_form.acknowledgements or []
        ]

    def guardian_fields(self):
        if "guardian_name" not in self.fields:
            return []
        return [self[n] for n in ("guardian_name", "guardian_email", "guardian_phone")]

    def clean_guardian_phone(self) -> str:
        phone = self.cleaned_data["guardian_phone"].strip()
        if phone and not normalise_phone(phone):
            raise forms.ValidationError(
                _("This does not look like a phone number. Check it, or leave it empty.")
            )
        return phone

    def clean(self):
        cleaned = super().clean()
        self.require_email_or_phone(cleaned)
        # Every rule at once, so the applicant fixes everything in one go. The service
        # checks again when it records the application.
        errors, _snapshot, _guardian = services.eligibility_errors(
            **self._rule_inputs(cleaned), now=timezone.now()
        )
        for name, message in errors.items():
            if name == NON_FIELD_ERRORS:
                self.add_error(None, message)
            elif name in self.fields and not self.has_error(name) and name in cleaned:
                self.add_error(name, message)
        return cleaned

    def _rule_inputs(self, cleaned: dict) -> dict:
        return {
            "form": self.application_form,
            "date_of_birth": cleaned.get("date_of_birth"),
            "lives_in_service_area": bool(cleaned.get("lives_in_service_area")),
            "acknowledged": [
                key
                for key in self.application_form.acknowledgements or []
                if cleaned.get(f"ack_{key}")
            ],
            "answers": {
                question_field_name(q): cleaned.get(question_field_name(q)) or ""
                for q in self.questions
            },
            "questions": self.questions,
            "guardian_name": cleaned.get("guardian_name", ""),
            "guardian_email": cleaned.get("guardian_email", ""),
            "guardian_phone": cleaned.get("guardian_phone", ""),
        }

    def application_kwargs(self) -> dict:
        data = self.cleaned_data
        rules = self._rule_inputs(data)
        return {
            "name": data["name"],
            "email": data["email"],
            "phone": data["phone"],
            "neighbourhood": data["neighbourhood"],
            "language": data["language"],
            "date_of_birth": data["date_of_birth"],
            "address": data["address"],
            "lives_in_service_area": rules["lives_in_service_area"],
            "answers": rules["answers"],
            "acknowledged": rules["acknowledged"],
            "guardian_name": rules["guardian_name"],
            "guardian_email": rules["guardian_email"],
            "guardian_phone": rules["guardian_phone"],
        }


class GuardianConsentForm(forms.Form):
    signature = forms.CharField(
        label=_("Your full name, as your signature"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    consent = forms.BooleanField(
        label=_("I consent"),
        error_messages={"required": _("Tick the box to give your consent.")},
    )


class WithdrawForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("Yes, withdraw my application. I understand this cannot be undone."),
        error_messages={"required": _("Tick the box to confirm that you want to withdraw.")},
    )


# --- Staff: the review queue and decisions ----------------------------------------------


class ApplicationFilter(django_filters.FilterSet):
    """Filters of the review queue. A value that does not parse is ignored, never a 500."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Application.Status.choices, empty_label=_("Any status")
    )
    guardian = django_filters.ChoiceFilter(
        label=_("Guardian consent"),
        choices=[("pending", _("Waiting for consent")), ("given", _("Given"))],
        empty_label=_("Any"),
        method="filter_guardian",
    )
    neighbourhood = django_filters.ModelChoiceFilter(
        label=_("Neighbourhood"),
        field_name="resident__neighbourhood",
        queryset=Neighbourhood.objects.all(),
        empty_label=_("Anywhere"),
    )
    q = django_filters.CharFilter(label=_("Name"), method="search")

    class Meta:
        model = Application
        fields = ["status", "guardian", "neighbourhood", "q"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["q"].max_length = 150

    def filter_guardian(self, queryset, name, value):
        if value == "pending":
            return queryset.filter(guardian_pending_q())
        return queryset.filter(guardian_consented_at__isnull=False)

    def search(self, queryset, name, value):
        return queryset.filter(resident__name__icontains=value.strip()[:150])


BULK_ACTIONS = [
    (Application.Status.UNDER_REVIEW, _("Move to under review")),
    (Application.Status.ACCEPTED, _("Accept")),
    (Application.Status.WAITLISTED, _("Put on the waiting list")),
    (Application.Status.DECLINED, _("Decline")),
]


class BulkDecisionForm(forms.Form):
    applications = forms.ModelMultipleChoiceField(
        label=_("Applications"),
        queryset=Application.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one application in the table.")},
    )
    status = forms.ChoiceField(label=_("Action"), choices=BULK_ACTIONS)
    message = forms.CharField(
        label=_("Message to the applicants (optional)"),
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Sent as you write it with an acceptance, a waiting-list place or a decline; the "
            "rest of each message is in the applicant's own language."
        ),
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = Application.objects.filter(program=program)


class DecisionForm(forms.Form):
    status = forms.ChoiceField(label=_("What to do"), widget=forms.RadioSelect)
    message = forms.CharField(
        label=_("Message to the applicant (optional)"),
        required=False,
        max_length=MAX_MESSAGE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Sent with the decision."),
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(BULK_ACTIONS)
        self.fields["status"].choices = [(s, labels[s]) for s in allowed]


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("Note"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only staff see notes. The applicant never does."),
    )
