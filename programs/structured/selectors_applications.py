"""Reads for applications and selection: the public form, the applicant's and guardian's
pages, the staff queue, and the accepted applicants other building blocks enrol."""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language, gettext, gettext_lazy, override

from programs.models import Program
from programs.structured.models_applications import (
    Acknowledgement,
    Application,
    ApplicationForm,
    ApplicationQuestion,
)

Status = Application.Status

# Live applications: the ones that hold the applicant's place (one per person per program).
LIVE = (Status.SUBMITTED, Status.UNDER_REVIEW, Status.ACCEPTED, Status.WAITLISTED)

# Shown when staff have not written an acknowledgement's text in any language. Translated
# like the rest of the interface, so an applicant always reads something in their language.
DEFAULT_ACKNOWLEDGEMENT_TEXTS = {
    Acknowledgement.WAIVER: gettext_lazy(
        "I understand that this program includes activities with police officers, such as "
        "riding in a patrol car or taking part in practical exercises, that carry some risk. "
        "I take part at my own risk, I will follow every instruction the officers give, and "
        "I may be asked to leave at any time for my own safety or the safety of others."
    ),
    Acknowledgement.CONFIDENTIALITY: gettext_lazy(
        "I will keep confidential everything I learn about people, cases, tactics and "
        "deliberations through this program. I will not share it, post it online or use it "
        "for any other purpose, during the program or after it."
    ),
    Acknowledgement.CONDUCT: gettext_lazy(
        "I will treat officers, staff and other participants with respect, follow the "
        "program's rules, and accept that breaking them may end my participation."
    ),
    Acknowledgement.BACKGROUND_CHECK: gettext_lazy(
        "I agree that the agency may check my criminal history and references before "
        "deciding on my application. The results are used only for this decision."
    ),
}

STATUS_EXPLANATIONS = {
    Status.SUBMITTED: gettext_lazy(
        "We have your application. Staff will review it; we will write to you when they "
        "have decided."
    ),
    Status.UNDER_REVIEW: gettext_lazy(
        "Staff are reviewing your application now. We will write to you when they have decided."
    ),
    Status.ACCEPTED: gettext_lazy(
        "Congratulations: you are accepted. Staff will contact you with the next steps."
    ),
    Status.WAITLISTED: gettext_lazy(
        "You are on the waiting list. If a place opens up, we will write to you straight away."
    ),
    Status.DECLINED: gettext_lazy(
        "We are sorry: you were not selected this time. You are welcome to apply again next time."
    ),
    Status.WITHDRAWN: gettext_lazy("You withdrew this application. Nothing more will happen."),
}


def text_in(texts: dict | None, language: str | None = None) -> str:
    """The text in `language` (default: the active one), else English, else any."""
    if not texts or not isinstance(texts, dict):
        return ""
    language = (language or get_language() or "en").split("-")[0]
    return texts.get(language) or texts.get("en") or next(iter(texts.values()), "")


def agency_today(now: datetime | None = None) -> date:
    """Today's date where the agency is: ages and windows are judged by its calendar."""
    return timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE)).date()


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def text_languages(program: Program) -> list[str]:
    """Languages staff write the form's texts in: English, Spanish, and any other interface
    language the program offers, in the order of settings.LANGUAGES."""
    wanted = {"en", "es"} | {language.code for language in program.languages.all()}
    return [code for code, _name in settings.LANGUAGES if code in wanted]


def accepts_applications(program: Program) -> bool:
    """The program takes applications through the portal (its type is selective and staff
    set up its form)."""
    if not program.engagement_type.selective_application:
        return False
    return ApplicationForm.objects.filter(program=program).exists()


def program_for_applying(slug: str) -> Program | None:
    """An active public selective program with an application form, ready for the apply page."""
    return (
        Program.objects.filter(
            slug=slug,
            status=Program.Status.ACTIVE,
            visibility=Program.Visibility.PUBLIC,
            engagement_type__selective_application=True,
            application_form__isnull=False,
        )
        .select_related("engagement_type__tier", "application_form")
        .first()
    )


def form_questions(form: ApplicationForm) -> list[ApplicationQuestion]:
    return list(form.questions.order_by("position", "pk"))


def acknowledgement_text(form: ApplicationForm, key: str, language: str | None = None) -> str:
    """The full text of one acknowledgement in `language`.

    Staff's own wording wins: in `language` if they wrote it, else in English (else any
    language they wrote). Where they wrote none, the portal's standard wording is shown,
    translated like the rest of the interface.
    """
    written = text_in((form.acknowledgement_texts or {}).get(key), language)
    if written.strip():
        return written
    default = DEFAULT_ACKNOWLEDGEMENT_TEXTS.get(key)
    if not default:
        return ""
    with override(language or get_language() or settings.LANGUAGE_CODE):
        return str(default)


def acknowledgement_label(key: str) -> str:
    try:
        return str(Acknowledgement(key).label)
    except ValueError:
        return key


@dataclass(frozen=True)
class AcknowledgementRow:
    key: str
    label: str
    text: str
    given_at: str = ""


def acknowledgements_for(form: ApplicationForm, language: str | None = None) -> list:
    """Each acknowledgement the form requires, with its title and text in `language`."""
    return [
        AcknowledgementRow(
            key, acknowledgement_label(key), acknowledgement_text(form, key, language)
        )
        for key in form.acknowledgements or []
    ]


def acknowledgements_given(application: Application) -> list[AcknowledgementRow]:
    """What the applicant accepted and when (the times as recorded, ISO 8601)."""
    rows = []
    for key, when in (application.acknowledged or {}).items():
        try:
            given = datetime.fromisoformat(str(when))
        except ValueError:
            given = None
        rows.append(AcknowledgementRow(key, acknowledgement_label(key), "", given or str(when)))
    return rows


@dataclass(frozen=True)
class AnswerRow:
    question: str
    answer: str


def answer_rows(application: Application, language: str | None = None) -> list[AnswerRow]:
    """The applicant's answers with the questions as they were asked, in `language`.

    Answers carry a copy of their question (see services_applications.submit_application),
    so editing or deleting a question later never changes what an applicant answered.
    """
    rows = []
    for stored in (application.answers or {}).values():
        if not isinstance(stored, dict):
            continue
        answer = stored.get("answer", "")
        if stored.get("kind") == ApplicationQuestion.Kind.YES_NO:
            answer = gettext("Yes") if answer == "yes" else gettext("No") if answer else ""
        elif isinstance(answer, dict):
            answer = text_in(answer, language)
        rows.append(AnswerRow(text_in(stored.get("question"), language), str(answer or "")))
    return rows


def status_explanation(application: Application) -> str:
    return str(STATUS_EXPLANATIONS[application.status])


# --- Staff -----------------------------------------------------------------------------


def applications_for_queue(program: Program) -> QuerySet[Application]:
    return program.applications.select_related("resident__neighbourhood").order_by(
        "created_at", "pk"
    )


def status_counts(program: Program) -> dict[str, int]:
    """How many of the program's applications are in each status (every status present)."""
    rows = program.applications.values("status").annotate(n=Count("pk")).order_by()
    counts = dict.fromkeys(Status.values, 0)
    counts.update({row["status"]: row["n"] for row in rows})
    return counts


def places_remaining(form: ApplicationForm | None, counts: dict[str, int]) -> int | None:
    """Places minus the applicants accepted so far; None when the form sets no number.

    Negative when staff have accepted more people than they planned for."""
    if form is None or form.places is None:
        return None
    return form.places - counts.get(Status.ACCEPTED, 0)


def application_for_staff(pk: int) -> Application | None:
    return (
        Application.objects.select_related(
            "program__engagement_type__tier",
            "program__application_form",
            "resident__neighbourhood",
            "decided_by",
        )
        .filter(pk=pk)
        .first()
    )


def guardian_pending_q() -> Q:
    """Applications that need a guardian's consent that has not been given yet."""
    needs = Q(guardian_token_hash__isnull=False) | ~Q(guardian_name="")
    return needs & Q(guardian_consented_at__isnull=True)


# --- For other building blocks ---------------------------------------------------------


def accepted_applications(program: Program) -> QuerySet[Application]:
    """The program's accepted applicants (a withdrawn application is never accepted), in the
    order they applied: cohorts, volunteer rosters and groups enrol them from here."""
    return (
        program.applications.filter(status=Status.ACCEPTED)
        .select_related("resident__neighbourhood")
        .order_by("created_at", "pk")
    )
