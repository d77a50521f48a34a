"""Forms for cohorts and readiness. They parse and validate input; services do the work."""

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.forms import ResidentContactMixin
from events.forms_staff import LocalDateTimeField
from programs.models import Program
from programs.readiness import POLICY_APPROVED, items_for
from programs.structured.models_cohorts import Cohort
from programs.structured.services_cohorts import MAX_SESSIONS_AT_ONCE


class CohortForm(forms.ModelForm):
    completion_percent = forms.IntegerField(
        label=_("Sessions to attend to complete (%)"),
        min_value=1,
        max_value=100,
        initial=80,
        help_text=_("Members who attend at least this share of the sessions held complete it."),
    )

    class Meta:
        model = Cohort
        fields = ["name", "completion_percent"]


class SessionForm(forms.Form):
    """One session: when, how long, where."""

    start = LocalDateTimeField(label=_("Starts"))
    duration_minutes = forms.IntegerField(
        label=_("Length (minutes)"), min_value=15, max_value=12 * 60
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=150,
        required=False,
        help_text=_("Blank uses the cohort's name. Sessions are numbered."),
    )
    venue_name = forms.CharField(label=_("Place"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            tomorrow = timezone.localdate() + timedelta(days=1)
            self.initial.setdefault(
                "start", timezone.make_aware(datetime.combine(tomorrow, time(18, 0)))
            )
            self.initial.setdefault(
                "duration_minutes", program.engagement_type.default_duration_minutes or 60
            )

    def clean(self):
        cleaned = super().clean()
        place = (cleaned.get("venue_name") or "").strip() or (cleaned.get("address") or "").strip()
        if not place:
            self.add_error("venue_name", _("Give a place or an address."))
        return cleaned


class SessionRunForm(SessionForm):
    """A run of sessions created in one step."""

    start = LocalDateTimeField(label=_("First session starts"))
    count = forms.IntegerField(
        label=_("Number of sessions"), min_value=2, max_value=MAX_SESSIONS_AT_ONCE, initial=8
    )
    every_weeks = forms.IntegerField(
        label=_("Every how many weeks"),
        min_value=1,
        max_value=12,
        initial=1,
        help_text=_("1 for every week, 2 for every other week."),
    )
    field_order = ["start", "duration_minutes", "count", "every_weeks", "title", "venue_name"]


class ApplicantChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, application):
        return f"{application.resident.name} ({application.get_language_display()})"


class AddApplicantsForm(forms.Form):
    applications = ApplicantChoiceField(
        label=_("Accepted applicants not yet in a cohort"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = queryset
        self.fields["applications"].error_messages["required"] = _("Choose at least one person.")


class AddMemberForm(ResidentContactMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=30, required=False)
    language = forms.ChoiceField(
        label=_("Language for messages and the certificate"), choices=settings.LANGUAGES
    )

    def clean(self):
        cleaned = super().clean()
        self.require_email_or_phone(cleaned)
        return cleaned


class MemberActionForm(forms.Form):
    ACTIONS = ("left", "restore", "remove")

    member = forms.IntegerField(min_value=1)
    do = forms.ChoiceField(choices=[(a, a) for a in ACTIONS])


class AttendanceForm(forms.Form):
    present = forms.TypedMultipleChoiceField(
        label=_("Present"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, sheet, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (row.member.resident_id, row.member.resident.name) for row in sheet
        ]


class InviteAlumniForm(forms.Form):
    program = forms.ModelChoiceField(
        label=_("Program to invite them to"),
        queryset=None,
        empty_label=_("Choose a program"),
        help_text=_("Active programs that are taking applications now."),
    )

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = queryset


class ReadinessForm(forms.Form):
    governing_policy = forms.CharField(
        label=_("Policy number and title"),
        max_length=200,
        required=False,
        help_text=_("For example: GO 4.12 Volunteer Program."),
    )
    governing_policy_url = forms.URLField(
        label=_("Link to the policy"), max_length=200, required=False, assume_scheme="https"
    )
    done = forms.MultipleChoiceField(
        label=_("Checklist"), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = items_for(program.engagement_type)
        self.fields["done"].choices = [(item.key, item.label) for item in self.items]

    def clean(self):
        cleaned = super().clean()
        policy = (cleaned.get("governing_policy") or "").strip()
        approved = POLICY_APPROVED in (cleaned.get("done") or [])
        if approved and not policy and "governing_policy" not in self.errors:
            self.add_error("governing_policy", _("Record the policy before marking it approved."))
        return cleaned
