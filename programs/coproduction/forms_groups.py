"""Forms for standing groups. No side effects: views hand cleaned data to the services."""

from pathlib import PurePath

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from engagement_portal.accounts.forms import ResidentContactMixin
from engagement_portal.accounts.models import Neighbourhood
from engagement_portal.core.forms import DateInput
from events.forms_public import current_language
from events.forms_staff import LocalDateTimeField
from programs.coproduction.models_groups import GroupMember, ReviewItem
from programs.coproduction.selectors_groups import staff_who_can_be_named

MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# Extension → the content type it is served with, and how its first bytes must start.
DOCUMENT_TYPES = {
    "pdf": ("application/pdf", (b"%PDF-",)),
    "docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    "odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    "txt": ("text/plain; charset=utf-8", None),
    "png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    "jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    "jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
}


def document_content_type(filename: str) -> str:
    extension = PurePath(filename).suffix.lower().lstrip(".")
    return DOCUMENT_TYPES.get(extension, ("application/octet-stream", None))[0]


class TermFields(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=GroupMember.Role.choices)
    term_starts = forms.DateField(label=_("Term starts"), widget=DateInput())
    term_ends = forms.DateField(label=_("Term ends"), widget=DateInput())

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("term_starts"), cleaned.get("term_ends")
        if starts and ends and ends <= starts:
            self.add_error("term_ends", _("The term must end after it starts."))
        return cleaned


class ApplicantsForm(TermFields):
    """Seat accepted applicants on the group, all with the same role and term."""

    applications = forms.ModelMultipleChoiceField(
        label=_("Accepted applicants"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Tick at least one applicant.")},
    )
    field_order = ["applications", "role", "term_starts", "term_ends"]

    def __init__(self, *args, applications, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["applications"].queryset = applications
        self.fields["applications"].label_from_instance = lambda a: (
            f"{a.resident.name} ({a.resident.neighbourhood})"
            if a.resident.neighbourhood_id
            else a.resident.name
        )


class MemberByHandForm(ResidentContactMixin, TermFields):
    """Add someone who did not apply through the portal (an appointee, say)."""

    name = forms.CharField(label=_("Name"), max_length=150)
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=254,
        help_text=_("An email address, a mobile phone number, or both."),
    )
    phone = forms.CharField(
        label=_("Mobile phone"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Not recorded"),
    )
    language = forms.ChoiceField(label=_("Language for messages"), choices=settings.LANGUAGES)
    field_order = [
        "name",
        "email",
        "phone",
        "neighbourhood",
        "language",
        "role",
        "term_starts",
        "term_ends",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in ("name", "email"):
            self.fields[field].widget.attrs["autocomplete"] = "off"

    def clean(self):
        cleaned = super().clean()
        self.require_email_or_phone(cleaned)
        return cleaned


class MemberEditForm(TermFields):
    ended_early_on = forms.DateField(
        label=_("Left early on"),
        required=False,
        widget=DateInput(),
        help_text=_("The first day they no longer serve. Leave empty if they serve the term."),
    )

    def clean(self):
        cleaned = super().clean()
        starts, ends = cleaned.get("term_starts"), cleaned.get("term_ends")
        left = cleaned.get("ended_early_on")
        if left and starts and ends and not starts <= left <= ends:
            self.add_error("ended_early_on", _("The day they left must fall within their term."))
        return cleaned


class MeetingRecordForm(forms.Form):
    agenda = forms.CharField(
        label=_("Agenda"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Members see it in their area before the meeting."),
    )
    minutes = forms.CharField(
        label=_("Minutes"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Members see them at once; the public once you publish them."),
    )


class AttendanceForm(forms.Form):
    present = forms.MultipleChoiceField(
        label=_("Present"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Tick everyone who came. Members not ticked are recorded as absent."),
    )

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [
            (
                str(row.member.resident_id),
                f"{row.member.resident.name} · {row.member.get_role_display()}",
            )
            for row in rows
        ]
        if not self.is_bound:
            self.initial["present"] = [str(row.member.resident_id) for row in rows if row.present]


class CommentPeriodFields(forms.Form):
    comment_opens_at = LocalDateTimeField(label=_("Public comment opens"), required=False)
    comment_closes_at = LocalDateTimeField(label=_("Public comment closes"), required=False)

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("comment_opens_at"), cleaned.get("comment_closes_at")
        if "comment_opens_at" in cleaned and "comment_closes_at" in cleaned:
            if bool(opens) != bool(closes):
                field = "comment_closes_at" if opens else "comment_opens_at"
                self.add_error(
                    field, _("Give both the opening and the closing of the comment period.")
                )
            elif opens and closes <= opens:
                self.add_error(
                    "comment_closes_at", _("The comment period must close after it opens.")
                )
        return cleaned


class ReviewItemForm(CommentPeriodFields):
    kind = forms.ChoiceField(label=_("Kind"), choices=ReviewItem.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What is being reviewed and what the group is asked. Residents see it."),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[
            (ReviewItem.Status.DRAFT, ReviewItem.Status.DRAFT.label),
            (ReviewItem.Status.UNDER_REVIEW, ReviewItem.Status.UNDER_REVIEW.label),
        ],
        help_text=_("Members and the public see an item once it is under review."),
    )
    confidential = forms.BooleanField(
        label=_("Confidential case material"),
        required=False,
        help_text=_(
            "For review boards and hiring panels: only the group's current members, the "
            "staff named below and administrators see it, and every view is logged. "
            "It never takes public comment."
        ),
    )
    named_staff = forms.ModelMultipleChoiceField(
        label=_("Staff who may see it"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("You are always named."),
    )
    field_order = [
        "kind",
        "title",
        "summary",
        "status",
        "confidential",
        "named_staff",
        "comment_opens_at",
        "comment_closes_at",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_staff"].queryset = staff_who_can_be_named().exclude(pk=user.pk)
        self.fields["comment_opens_at"].help_text = _(
            "Open a period only for items residents may comment on. Leave both empty for none."
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("confidential") and (
            cleaned.get("comment_opens_at") or cleaned.get("comment_closes_at")
        ):
            self.add_error(
                "confidential",
                _(
                    "A confidential item cannot take public comment. Clear the comment "
                    "period, or untick “confidential case material”."
                ),
            )
        return cleaned


class CommentPeriodForm(CommentPeriodFields):
    pass


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(
        label=_("File"),
        required=False,
        help_text=_("PDF, Word (.docx), OpenDocument (.odt), text, PNG or JPEG; at most %(size)s.")
        % {"size": "20 MB"},
    )
    link = forms.URLField(
        label=_("Or a link to it"),
        required=False,
        max_length=200,
        assume_scheme="https",
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return upload
        extension = PurePath(upload.name).suffix.lower().lstrip(".")
        if extension not in DOCUMENT_TYPES:
            raise forms.ValidationError(_("Upload a PDF, .docx, .odt, .txt, PNG or JPEG file."))
        if upload.size > MAX_DOCUMENT_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; the limit is 20 MB.")
                % {"size": filesizeformat(upload.size)}
            )
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        upload.seek(0)
        head = upload.read(2048)
        upload.seek(0)
        signatures = DOCUMENT_TYPES[extension][1]
        if signatures is None:
            ok = b"\x00" not in head and _is_text(head)
        else:
            ok = head.startswith(signatures)
        if not ok:
            raise forms.ValidationError(
                _("This file is not what its name says (a .%(ext)s file). Check it and try again.")
                % {"ext": extension}
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        if "file" not in cleaned or "link" not in cleaned:
            return cleaned
        if cleaned["file"] and cleaned["link"]:
            self.add_error("link", _("Give a file or a link, not both."))
        elif not cleaned["file"] and not cleaned["link"]:
            self.add_error("file", _("Upload a file or give a link."))
        return cleaned


def _is_text(head: bytes) -> bool:
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # A multi-byte character cut at the end of the sample is still text.
        return error.start >= len(head) - 3
    return True


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is not published"),
        max_length=300,
        help_text=_("Kept on file for staff; the resident does not see it."),
    )


class PublicCommentForm(forms.Form):
    text = forms.CharField(
        label=_("Your comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Up to 5000 characters. Please do not include anyone's personal details."),
        error_messages={"required": _("Write your comment before sending it.")},
    )
    name = forms.CharField(
        label=_("Your name (optional)"),
        max_length=150,
        required=False,
        help_text=_(
            "Shown with your comment if it is published. Leave it empty to stay anonymous."
        ),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Your neighbourhood (optional)"),
        queryset=Neighbourhood.objects.all(),
        required=False,
        empty_label=_("Prefer not to say"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def comment_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "text": data["text"],
            "name": data["name"],
            "neighbourhood": data["neighbourhood"],
            "language": current_language(),
        }
