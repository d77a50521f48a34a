"""Forms for volunteers. No side effects: views hand cleaned data to the services."""

from datetime import UTC, datetime

from dateutil.relativedelta import relativedelta
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.forms import ResidentContactMixin
from engagement_portal.core.forms import DateInput
from events.forms_public import current_language
from events.forms_staff import LocalDateTimeField, aware_wall_time
from events.models import Event
from programs.structured.models_applications import Application
from programs.structured.models_volunteers import (
    Certification,
    HoursEntry,
    Training,
    Volunteer,
    VolunteerRole,
)

MAX_CAPACITY = 500


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _shift_label(shift) -> str:
    start = timezone.localtime(shift.starts_at)
    return f"{formats.date_format(start, 'SHORT_DATE_FORMAT')} {start:%H:%M} · {shift.title}"


# --- Trainings and roles -----------------------------------------------------------------


class TrainingForm(forms.ModelForm):
    valid_for_months = forms.IntegerField(
        label=_("Valid for (months)"),
        required=False,
        min_value=1,
        max_value=240,
        help_text=_("Blank means it never lapses."),
        error_messages={
            "min_value": _("Give a number of months between 1 and 240, or leave it empty."),
            "max_value": _("Give a number of months between 1 and 240, or leave it empty."),
        },
    )

    class Meta:
        model = Training
        fields = ["name", "description", "valid_for_months"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_for_months"].widget.attrs.update(min=1, max=240)

    def clean_valid_for_months(self):
        months = self.cleaned_data["valid_for_months"]
        if months is not None and not 1 <= months <= 240:
            raise ValidationError(
                _("Give a number of months between 1 and 240, or leave it empty.")
            )
        return months

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = Training.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise ValidationError(_("A training with this name already exists."))
        return name


class VolunteerRoleForm(forms.ModelForm):
    class Meta:
        model = VolunteerRole
        fields = ["name", "description", "required_trainings", "uses_agency_equipment"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "required_trainings": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, program, trainings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        if trainings is not None:
            self.fields["required_trainings"].queryset = trainings

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        clash = VolunteerRole.objects.filter(program=self.program, name__iexact=name).exclude(
            pk=self.instance.pk
        )
        if clash.exists():
            raise ValidationError(_("This program already has a role with that name."))
        return name


# --- The roster --------------------------------------------------------------------------


class RosterFilterForm(forms.Form):
    role = forms.ModelChoiceField(
        label=_("Role"),
        queryset=VolunteerRole.objects.none(),
        required=False,
        empty_label=_("All roles"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *Volunteer.Status.choices],
    )

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles

    def options(self) -> dict:
        if not self.is_valid():
            return {}
        return {k: v for k, v in self.cleaned_data.items() if v}


class _RoleMixin:
    def set_roles(self, roles) -> None:
        self.fields["role"].queryset = roles
        first_two = list(roles[:2])
        if len(first_two) == 1:
            self.fields["role"].initial = first_two[0].pk


class AddFromApplicationForm(_RoleMixin, forms.Form):
    application = forms.ModelChoiceField(
        label=_("Accepted applicant"),
        queryset=Application.objects.none(),
        empty_label=_("Choose an applicant"),
    )
    role = forms.ModelChoiceField(
        label=_("Role"), queryset=VolunteerRole.objects.none(), empty_label=_("Choose a role")
    )

    def __init__(self, *args, applications, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].queryset = applications
        self.fields["application"].label_from_instance = lambda a: a.resident.name
        self.set_roles(roles)


class AddByHandForm(_RoleMixin, ResidentContactMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
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
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)
    role = forms.ModelChoiceField(
        label=_("Role"), queryset=VolunteerRole.objects.none(), empty_label=_("Choose a role")
    )

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].initial = current_language()
        self.set_roles(roles)

    def clean(self):
        cleaned = super().clean()
        self.require_email_or_phone(cleaned)
        return cleaned


class VolunteerForm(forms.Form):
    role = forms.ModelChoiceField(label=_("Role"), queryset=VolunteerRole.objects.none())
    status = forms.ChoiceField(label=_("Status"), choices=Volunteer.Status.choices)
    language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles


# --- Certifications ----------------------------------------------------------------------


class CertificationForm(forms.Form):
    training = forms.ModelChoiceField(
        label=_("Training"), queryset=Training.objects.none(), empty_label=_("Choose a training")
    )
    completed_on = forms.DateField(label=_("Completed on"), widget=DateInput())
    expires_on = forms.DateField(
        label=_("Expires on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to work it out from how long the training is valid."),
    )

    def __init__(self, *args, trainings=None, **kwargs):
        super().__init__(*args, **kwargs)
        if trainings is None:
            del self.fields["training"]
        else:
            self.fields["training"].queryset = trainings

    def clean(self):
        cleaned = super().clean()
        completed, expires = cleaned.get("completed_on"), cleaned.get("expires_on")
        if completed and completed > timezone.localdate():
            self.add_error("completed_on", _("The completion date cannot be in the future."))
        if completed and expires and expires <= completed:
            self.add_error("expires_on", _("The expiry date must be after the completion date."))
        return cleaned


def certification_edit_form(certification: Certification, data=None) -> CertificationForm:
    return CertificationForm(
        data,
        prefix=f"cert-{certification.pk}",
        initial={
            "completed_on": certification.completed_on,
            "expires_on": certification.expires_on,
        },
    )


# --- Shifts ------------------------------------------------------------------------------


class ShiftForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    role = forms.ModelChoiceField(
        label=_("Role"),
        queryset=VolunteerRole.objects.none(),
        required=False,
        empty_label=_("Any role"),
    )
    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(label=_("Ends"))
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    capacity = forms.IntegerField(
        label=_("Volunteers needed"), min_value=1, max_value=MAX_CAPACITY, initial=2
    )
    event = forms.ModelChoiceField(
        label=_("At event (optional)"),
        queryset=Event.objects.none(),
        required=False,
        empty_label=_("Not at an event"),
    )

    def __init__(self, *args, roles, events, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].queryset = roles
        self.fields["event"].queryset = events
        self.fields["event"].label_from_instance = lambda e: (
            f"{formats.date_format(timezone.localtime(e.starts_at), 'SHORT_DATE_FORMAT')} · "
            f"{e.title}"
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("starts_at"), cleaned.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("The end must be after the start."))
        return cleaned


class ShiftVolunteerForm(forms.Form):
    """Staff add a volunteer to a shift. Choices are given, so each form costs no query."""

    volunteer = forms.TypedChoiceField(label=_("Add a volunteer"), coerce=int)

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].choices = [("", _("Choose a volunteer")), *choices]


# --- Hours -------------------------------------------------------------------------------


class HoursForm(forms.Form):
    """When the volunteer worked: a day, a start and an end time on that day."""

    FIELD_FOR_CODE = {
        "negative": "end",
        "end_before_start": "end",
        "future": "end",
        "too_long": "end",
    }

    date = forms.DateField(label=_("Date"), widget=DateInput())
    start = forms.TimeField(label=_("Start time"), widget=TimeInput())
    end = forms.TimeField(
        label=_("End time"),
        widget=TimeInput(),
        help_text=_("For work past midnight, log each day separately."),
    )
    shift = forms.TypedChoiceField(label=_("Shift (optional)"), coerce=int, required=False)
    description = forms.CharField(
        label=_("What you did"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, shifts=(), staff=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.shifts = {shift.pk: shift for shift in shifts}
        self.fields["shift"].choices = [
            ("", _("Not a shift")),
            *((shift.pk, _shift_label(shift)) for shift in shifts),
        ]
        if staff:
            self.fields["description"].label = _("What they did")
            self.fields["approve"] = forms.BooleanField(
                label=_("Approve these hours now"), required=False, initial=True
            )

    def clean_date(self):
        day = self.cleaned_data["date"]
        if day > timezone.localdate():
            raise ValidationError(
                _("Hours cannot be in the future: log them once the work is done.")
            )
        if day < timezone.localdate() - relativedelta(years=5):
            raise ValidationError(_("Check the date: it is more than five years ago."))
        return day

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("start"), cleaned.get("end")
        if day and start and end:
            for name, field, moment in (("started_at", "start", start), ("ended_at", "end", end)):
                try:
                    cleaned[name] = aware_wall_time(datetime.combine(day, moment)).astimezone(UTC)
                except ValidationError as error:
                    self.add_error(field, error)
        return cleaned

    def add_service_error(self, error: ValidationError) -> None:
        """Show a refusal from the service next to the field it is about."""
        field = self.FIELD_FOR_CODE.get(getattr(error, "code", None))
        self.add_error(field if field in self.fields else None, error)

    def hours_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "started_at": data["started_at"],
            "ended_at": data["ended_at"],
            "description": data["description"],
            "shift": self.shifts.get(data.get("shift")),
        }


class EntriesField(forms.ModelMultipleChoiceField):
    """Checked entries; ids that are not small positive numbers are refused before they
    reach the database (an `IN` lookup does not guard against integer overflow)."""

    def _check_values(self, value):
        for pk in value:
            if not str(pk).isdigit() or not 0 < int(pk) < 2**31:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:20]},
                )
        return super()._check_values(value)


class HoursReviewForm(forms.Form):
    entries = EntriesField(
        label=_("Entries"),
        queryset=HoursEntry.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Select at least one entry.")},
    )
    decision = forms.ChoiceField(
        choices=[("approve", _("Approve")), ("reject", _("Reject"))],
        error_messages={"required": _("Choose approve or reject.")},
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        # Any entry of the program: one decided meanwhile by someone else is skipped by the
        # service rather than refused here.
        self.fields["entries"].queryset = HoursEntry.objects.filter(volunteer__program=program)
