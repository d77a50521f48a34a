"""Forms for the staff side of events. They parse and validate input; services do the work."""

import re
from datetime import UTC, datetime, time, timedelta

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.fields import BaseTemporalField
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.models import Language, Neighbourhood
from programs.filters import staff_users
from programs.models import Program

from .models import Event, EventPersonnel, EventSeries, WalkIn

LOCAL_INPUT_FORMAT = "%Y-%m-%dT%H:%M"
MAX_REMINDER_MINUTES = 60 * 24 * 60  # 60 days


class LocalDateTimeInput(forms.DateTimeInput):
    """An HTML datetime-local input. Values are read and shown in the agency's time zone."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format=LOCAL_INPUT_FORMAT)


def aware_wall_time(naive: datetime) -> datetime:
    """The instant a person means by a wall time in the agency's zone. In the hour that
    happens twice when the clocks go back it is the first of the two, as calendars read it
    (RFC 5545); a time in the hour skipped when they go forward is refused."""
    zone = timezone.get_current_timezone()
    aware = naive.replace(tzinfo=zone, fold=0)
    try:
        exists = aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
    except OverflowError:  # the first or last hours of year 1 or 9999
        raise ValidationError(
            forms.DateTimeField.default_error_messages["invalid"], code="invalid"
        ) from None
    if not exists:
        raise ValidationError(
            _(
                "That time does not exist on that day: the clocks go forward an hour. "
                "Choose a time after the change."
            ),
            code="skipped_hour",
        )
    return aware


class LocalDateTimeField(forms.DateTimeField):
    """A wall time typed in the agency's zone, cleaned to an instant in UTC.

    Django refuses a time in the hour that happens twice; staff could then not enter, or
    even re-save, an event on that night. And in UTC, what services add to or subtract from
    the value is time that passes: on a datetime of the agency's zone Python would count the
    wall clock, an hour out across a change of clocks."""

    widget = LocalDateTimeInput
    input_formats = [LOCAL_INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            moment = value
        else:
            try:
                moment = parse_datetime(value.strip())
            except ValueError:
                raise ValidationError(self.error_messages["invalid"], code="invalid") from None
            # The input formats, as Django's own field tries them.
            moment = moment or BaseTemporalField.to_python(self, value)
        if timezone.is_naive(moment):
            moment = aware_wall_time(moment)
        return moment.astimezone(UTC)


def format_offsets(minutes_list) -> str:
    """[1440, 120, 30] → "24h, 2h, 30m"."""
    parts = []
    for minutes in minutes_list or []:
        if minutes % 60 == 0:
            parts.append(f"{minutes // 60}h")
        else:
            parts.append(f"{minutes}m")
    return ", ".join(parts)


class ReminderOffsetsField(forms.CharField):
    """Reminder times before the start as text: "24h, 2h" (a bare number means hours)."""

    TOKEN = re.compile(r"^(\d+(?:\.\d+)?)\s*([hm]?)$", re.IGNORECASE)

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return format_offsets(value)
        return value

    def to_python(self, value):
        if isinstance(value, list):
            return value
        text = super().to_python(value)
        offsets = set()
        for token in filter(None, (t.strip() for t in re.split(r"[,;]", text))):
            match = self.TOKEN.match(token)
            if not match:
                raise forms.ValidationError(
                    _("“%(token)s” is not a time. Write hours like 24h or minutes like 30m."),
                    params={"token": token[:20]},
                    code="invalid",
                )
            amount = float(match.group(1))
            minutes = round(amount if match.group(2).lower() == "m" else amount * 60)
            if minutes < 1 or minutes > MAX_REMINDER_MINUTES:
                raise forms.ValidationError(
                    _("Reminders can be sent between one minute and 60 days before the start."),
                    code="range",
                )
            offsets.add(minutes)
        if len(offsets) > 5:
            raise forms.ValidationError(_("At most five reminders."), code="too_many")
        return sorted(offsets, reverse=True)


class EventForm(forms.ModelForm):
    """Create or edit one event. The instance must carry its program (for the defaults)."""

    starts_at = LocalDateTimeField(label=_("Starts"))
    ends_at = LocalDateTimeField(
        label=_("Ends"),
        required=False,
    )
    registration_opens_at = LocalDateTimeField(
        label=_("Registration opens"),
        required=False,
        help_text=_("Blank means registration is open as soon as the event is published."),
    )
    registration_closes_at = LocalDateTimeField(
        label=_("Registration closes"),
        required=False,
        help_text=_("Blank means registration closes when the event starts."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=0,
        max_value=100000,
        help_text=_("Seats, counting guests. Blank means unlimited."),
    )
    max_party_size = forms.IntegerField(
        label=_("Largest party per registration"),
        min_value=1,
        max_value=50,
        initial=1,
        help_text=_("1 means no guests; more lets residents bring family or friends."),
    )
    online_url = forms.URLField(
        label=_("Online link"), required=False, max_length=200, assume_scheme="https"
    )
    reminder_offsets = ReminderOffsetsField(
        label=_("Reminders before the start"),
        required=False,
        max_length=100,
        help_text=_(
            "Separated by commas: hours like 24h, minutes like 30m. Blank sends no reminders."
        ),
    )

    class Meta:
        model = Event
        fields = [
            "title",
            "description",
            "starts_at",
            "ends_at",
            "venue_name",
            "address",
            "accessibility_notes",
            "neighbourhood",
            "online_url",
            "capacity",
            "registration_opens_at",
            "registration_closes_at",
            "waitlist_enabled",
            "max_party_size",
            "languages",
            "interpretation_available",
            "visibility",
            "reminder_offsets",
            "is_sensitive",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 4}),
            "accessibility_notes": forms.Textarea(attrs={"rows": 3}),
            "languages": forms.CheckboxSelectMultiple,
            "visibility": forms.RadioSelect,
        }

    def __init__(self, *args, program: Program, **kwargs):
        super().__init__(*args, **kwargs)
        self.program = program
        self.default_duration = timedelta(
            minutes=program.engagement_type.default_duration_minutes or 60
        )
        self.fields["ends_at"].help_text = _(
            "Blank means the usual length for this kind of engagement: %(n)d minutes."
        ) % {"n": self.default_duration.total_seconds() // 60}
        self.fields["languages"].queryset = Language.objects.order_by("name")
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.order_by("name")
        self.fields["visibility"].choices = Event.Visibility.choices
        if self.instance.pk is None and not self.is_bound:
            self._set_defaults(program)

    def _set_defaults(self, program: Program) -> None:
        """Defaults for a new event from the program and its engagement type."""
        tomorrow = timezone.localdate() + timedelta(days=1)
        start = timezone.make_aware(datetime.combine(tomorrow, time(18, 0)))
        self.initial.update(
            {
                "title": program.title,
                "starts_at": start,
                "ends_at": start + self.default_duration,
                "capacity": program.engagement_type.default_capacity,
                "languages": list(program.languages.all()),
            }
        )

    def clean(self):
        cleaned = super().clean()
        starts = cleaned.get("starts_at")
        ends = cleaned.get("ends_at")
        if starts and not ends and "ends_at" not in self.errors:
            ends = cleaned["ends_at"] = starts + self.default_duration  # in UTC: time that passes
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        opens = cleaned.get("registration_opens_at")
        closes = cleaned.get("registration_closes_at")
        if closes and ends and closes > ends:
            self.add_error(
                "registration_closes_at", _("Registration must close before the event ends.")
            )
        if opens and closes and opens >= closes:
            self.add_error("registration_opens_at", _("Registration must open before it closes."))
        elif opens and starts and not closes and opens >= starts:
            self.add_error(
                "registration_opens_at", _("Registration must open before the event starts.")
            )
        capacity = cleaned.get("capacity")
        party = cleaned.get("max_party_size")
        if capacity is not None and party and capacity and party > capacity:
            self.add_error(
                "max_party_size", _("A party cannot be larger than the capacity of the event.")
            )
        place = (cleaned.get("venue_name") or "").strip() or (cleaned.get("address") or "").strip()
        if not place and not cleaned.get("online_url") and "online_url" not in self.errors:
            self.add_error(None, _("Give a place (name or address) or an online link."))
        return cleaned


class SeriesForm(EventForm):
    """One event form plus how it repeats."""

    frequency = forms.ChoiceField(
        label=_("Repeats"),
        choices=EventSeries.Frequency.choices,
        initial=EventSeries.Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    interval = forms.IntegerField(
        label=_("Every how many weeks"),
        min_value=1,
        max_value=12,
        initial=2,
        required=False,
        help_text=_("Only for “every few weeks”."),
    )
    occurrences = forms.IntegerField(
        label=_("Number of sessions"),
        min_value=2,
        max_value=52,
        initial=6,
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("frequency") == EventSeries.Frequency.EVERY_N_WEEKS:
            if not cleaned.get("interval") and "interval" not in self.errors:
                self.add_error("interval", _("Say every how many weeks."))
        elif "interval" not in self.errors:
            cleaned["interval"] = 1
        return cleaned


class CancelEventForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Everyone registered is told, with this reason."),
    )


class AddRegistrantForm(forms.Form):
    """A registration taken by staff: by phone, on paper, at a community meeting."""

    name = forms.CharField(label=_("Name"), max_length=200)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(
        label=_("Mobile phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"), queryset=Neighbourhood.objects.order_by("name"), required=False
    )
    language = forms.ChoiceField(
        label=_("Language for messages"), choices=settings.LANGUAGES, initial="en"
    )
    accessibility = forms.CharField(
        label=_("Accessibility needs"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    interpretation = forms.CharField(
        label=_("Interpretation needed"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    wants_reminders = forms.BooleanField(
        label=_("The resident agreed to receive reminders"), required=False
    )
    is_sensitive = forms.BooleanField(
        label=_("Sensitive contact"),
        required=False,
        help_text=_(
            "A victim, a young person without guardian consent, or anyone who must not be "
            "surveyed automatically: no survey distribution will include this registration."
        ),
    )

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party_size"] = forms.IntegerField(
            label=_("Number of people"),
            min_value=1,
            max_value=event.max_party_size,
            initial=1,
            help_text=_("Up to %(n)d for this event.") % {"n": event.max_party_size},
        )
        # Keep the field order of the form: party size after the neighbourhood.
        self.order_fields(["name", "email", "phone", "neighbourhood", "party_size", "language"])

    def clean(self):
        cleaned = super().clean()
        if (
            not cleaned.get("email")
            and not (cleaned.get("phone") or "").strip()
            and "email" not in self.errors
        ):
            self.add_error("email", _("Give an email address or a mobile phone number."))
        return cleaned


class DoorSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Name, email, phone or check-in code"), required=False, max_length=200
    )

    def clean_q(self):
        query = self.cleaned_data["q"].strip()
        # A scanned QR code typed into the box by a scanner is the whole check-in URL.
        match = re.search(r"/check-in/([A-Za-z0-9]+)/?$", query)
        return match.group(1) if match else query


class CheckInForm(forms.Form):
    action = forms.ChoiceField(choices=[("check_in", "check_in"), ("undo", "undo")])
    q = forms.CharField(required=False, max_length=200)


class WalkInForm(forms.Form):
    party_size = forms.IntegerField(
        label=_("Number of people"), min_value=1, max_value=500, initial=1
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.order_by("name"),
        required=False,
        empty_label=_("Not asked / prefer not to say"),
    )
    language = forms.ChoiceField(label=_("Language"), required=False)
    age_group = forms.ChoiceField(
        label=_("Age group"),
        choices=WalkIn.AgeGroup.choices,
        required=False,
        initial=WalkIn.AgeGroup.UNDISCLOSED,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Not asked / prefer not to say"))] + [
            (language.code, str(language)) for language in Language.objects.order_by("name")
        ]


class AccommodationForm(forms.Form):
    fulfilled = forms.TypedChoiceField(
        choices=[("1", "yes"), ("0", "no")], coerce=lambda value: value == "1"
    )


class PersonnelForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=None)
    role = forms.ChoiceField(
        label=_("Part in the event"),
        choices=EventPersonnel.Role.choices,
        initial=EventPersonnel.Role.SUPPORT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_users().select_related("unit")
        self.fields["user"].label_from_instance = self.label_for_user

    @staticmethod
    def label_for_user(user) -> str:
        details = ", ".join(str(part) for part in [user.get_rank_display(), user.unit] if part)
        return f"{user} ({details})" if details else str(user)


class PersonnelRemoveForm(forms.Form):
    user = forms.ModelChoiceField(queryset=None)

    def __init__(self, *args, event: Event, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = event.personnel.all()


class StaffEventFilterForm(forms.Form):
    WHEN_CHOICES = [
        ("upcoming", _("Upcoming")),
        ("past", _("Recent and past")),
        ("all", _("All")),
    ]

    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.order_by("title"),
        required=False,
        empty_label=_("All programs"),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status"))] + list(Event.Status.choices),
        required=False,
    )
    when = forms.ChoiceField(label=_("When"), choices=WHEN_CHOICES, required=False)
    mine = forms.BooleanField(label=_("Only programs I run"), required=False)
    series = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)
