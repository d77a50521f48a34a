"""Forms for sending a survey to an audience. Parsing a CSV here writes nothing."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core.dates import abbr_date
from events.models import Event
from programs.models import Program

from .distribution import CHANNEL_PREFERENCES, CsvResult, read_contacts_csv
from .models import Distribution
from .selectors import programs_for_surveys

MAX_CSV_BYTES = 25 * 1024 * 1024
# The form lists this many bad lines; the rest are summed up in one message.
MAX_ERRORS_SHOWN = 50


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, event: Event) -> str:
        when = abbr_date(timezone.localtime(event.starts_at), "j M Y")
        return f"{event.title} — {when} ({event.program.title})"


class DistributionForm(forms.Form):
    audience = forms.ChoiceField(
        label=gettext_lazy("Who should receive the survey?"),
        choices=Distribution.Audience.choices,
        widget=forms.RadioSelect,
    )
    program = forms.ModelChoiceField(
        label=gettext_lazy("Program"),
        queryset=Program.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "For “Participants of a program”: everyone registered for any "
            "of its events, except cancelled registrations."
        ),
    )
    event = EventChoiceField(
        label=gettext_lazy("Event"),
        queryset=Event.objects.none(),
        required=False,
        help_text=gettext_lazy("For the registrants or the attendees of an event."),
    )
    neighbourhoods = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Neighbourhoods"),
        queryset=Neighbourhood.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Only residents who agreed to receive messages are included."),
    )
    csv_file = forms.FileField(
        label=gettext_lazy("List of contacts (CSV)"),
        required=False,
        help_text=gettext_lazy(
            "UTF-8 CSV with the columns name, email, phone and, optionally, language (en or "
            "es). Each row needs an email address or a mobile number. At most 100,000 rows."
        ),
    )
    skip_bad_rows = forms.BooleanField(
        label=gettext_lazy("Skip the bad rows and invite the rest"),
        required=False,
        help_text=gettext_lazy(
            "Without this, a file with any bad row is refused and nothing is imported."
        ),
    )
    channel = forms.ChoiceField(
        label=gettext_lazy("Send by"),
        choices=CHANNEL_PREFERENCES,
        initial="email",
        widget=forms.RadioSelect,
    )
    reminder_after_days = forms.IntegerField(
        label=gettext_lazy("Remind those who have not answered after (days)"),
        required=False,
        min_value=1,
        max_value=60,
        help_text=gettext_lazy("Leave empty for no reminders."),
    )
    max_reminders = forms.IntegerField(
        label=gettext_lazy("At most this many reminders"),
        min_value=0,
        max_value=5,
        initial=1,
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        programs = programs_for_surveys(user)
        self.fields["program"].queryset = programs
        self.fields["event"].queryset = (
            Event.objects.filter(program__in=programs)
            .select_related("program")
            .order_by("-starts_at")
        )
        self.fields["neighbourhoods"].queryset = Neighbourhood.objects.order_by("name")
        self.csv_result: CsvResult | None = None

    def clean_csv_file(self):
        upload = self.cleaned_data.get("csv_file")
        if upload and upload.size > MAX_CSV_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB. Split it into smaller files.")
                % {"mb": MAX_CSV_BYTES // (1024 * 1024)}
            )
        return upload

    def clean(self):
        data = super().clean()
        audience = data.get("audience")
        Kind = Distribution.Audience
        if audience == Kind.PROGRAM and not data.get("program"):
            self.add_error("program", _("Choose the program."))
        if audience in (Kind.EVENT_REGISTRANTS, Kind.EVENT_ATTENDEES) and not data.get("event"):
            self.add_error("event", _("Choose the event."))
        if audience == Kind.NEIGHBOURHOODS and not data.get("neighbourhoods"):
            self.add_error("neighbourhoods", _("Choose at least one neighbourhood."))
        if audience == Kind.CSV and "csv_file" not in self.errors:
            upload = data.get("csv_file")
            if not upload:
                self.add_error("csv_file", _("Choose the CSV file to upload."))
            else:
                self._check_csv(upload, data.get("skip_bad_rows"))
        days, most = data.get("reminder_after_days"), data.get("max_reminders")
        if days and not most:
            self.add_error(
                "max_reminders", _("Allow at least one reminder, or leave the days empty.")
            )
        return data

    def _check_csv(self, upload, skip_bad_rows: bool) -> None:
        result = read_contacts_csv(upload)
        self.csv_result = result
        if result.problem:
            self.add_error("csv_file", result.problem)
            return
        if result.bad_rows and not skip_bad_rows:
            shown = result.errors[:MAX_ERRORS_SHOWN]
            for message in shown:
                self.add_error("csv_file", message)
            if result.bad_rows > len(shown):
                self.add_error(
                    "csv_file",
                    _("…and %(n)d more bad rows.") % {"n": result.bad_rows - len(shown)},
                )
            self.add_error(
                "csv_file",
                _(
                    "Nothing was imported. Correct the file, or tick “Skip the bad rows” to "
                    "invite the %(good)d good rows."
                )
                % {"good": len(result.contacts)},
            )
        elif not result.contacts:
            self.add_error("csv_file", _("No row of the file can be used."))

    def parameters(self) -> dict:
        data, Kind = self.cleaned_data, Distribution.Audience
        params = {"channel": data["channel"]}
        audience = data["audience"]
        if audience == Kind.PROGRAM:
            params["program"] = data["program"].pk
            params["label"] = data["program"].title
        elif audience in (Kind.EVENT_REGISTRANTS, Kind.EVENT_ATTENDEES):
            params["event"] = data["event"].pk
            params["label"] = str(self.fields["event"].label_from_instance(data["event"]))
        elif audience == Kind.NEIGHBOURHOODS:
            params["neighbourhoods"] = [n.pk for n in data["neighbourhoods"]]
            params["label"] = ", ".join(n.name for n in data["neighbourhoods"])
        elif audience == Kind.CSV and self.csv_result is not None:
            params["label"] = data["csv_file"].name[:200]
            params["csv_rows"] = self.csv_result.rows
            params["bad_rows_skipped"] = self.csv_result.bad_rows
            params["csv_duplicates"] = self.csv_result.duplicates
        return params
