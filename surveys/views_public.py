"""Answering a survey: the public link, invitation links, the kiosk, QR codes, the printable
paper version, and the staff screen for keying in paper responses.

Answers of earlier pages wait in the session (one key per survey and per web/kiosk) until
the last page is submitted, sealed (surveys.sealing) so that a session row read from the
database shows neither answers nor an invitation; the key is deleted when the response is
stored. An invitation link stores the invitation's id there, sealed too, and redirects at
once to the token-free address.
"""

import copy
import io

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from engagement_portal.core.http import limit_public_posts, private_page, too_many_requests
from engagement_portal.core.links import base_url

from . import sealing, services
from .forms_public import AnswerForm, FollowUpForm, declined_name, field_name
from .models import HeldResponse, Invitation, Question, Response, Survey, pick
from .selectors import describe_condition, user_can_manage_survey

# Counted apart from event registration. The kiosk is one tablet answering for a whole
# event, so it is not limited.
limit_posts = limit_public_posts("surveys-public-post")
survey_page = private_page


# --- Finding the survey, its questions and the language ---------------------------------


def _survey(public_id: str) -> Survey:
    survey = None
    if len(public_id) <= 16:
        survey = Survey.objects.select_related("replaced_by").filter(public_id=public_id).first()
    if survey is None:
        raise Http404
    return services.current_version(survey)


def _questions(survey: Survey) -> list[Question]:
    return list(survey.questions.prefetch_related("choices").order_by("page", "position", "pk"))


def _offered(survey: Survey) -> list[str]:
    return survey.languages or [settings.LANGUAGE_CODE]


def _language(request, survey: Survey) -> str:
    """?lang= if the survey offers it, else the portal's active language if offered, else
    the survey's first language. POSTs carry the language their page was shown in."""
    offered = _offered(survey)
    asked = request.POST.get("lang") if request.method == "POST" else request.GET.get("lang")
    if asked in offered:
        return asked
    active = (translation.get_language() or "").split("-")[0]
    return active if active in offered else offered[0]


def _remember_language(request, response: HttpResponse) -> HttpResponse:
    """A language picked with ?lang= becomes the portal's language too, as the header's
    language menu would do, so the two never disagree on the next page."""
    asked = request.GET.get("lang")
    if asked and asked in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            asked,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _render(request, template: str, context: dict, language: str, status: int = 200):
    with translation.override(language):
        return render(request, template, context, status=status)


def _problem_page(request, survey: Survey, problem: str, language: str) -> HttpResponse:
    now = timezone.now()
    closed_on = opens_on = None
    if survey.status == Survey.Status.CLOSED and survey.closed_at:
        closed_on = survey.closed_at
    elif survey.closes_at and survey.closes_at <= now:
        closed_on = survey.closes_at
    elif survey.opens_at and survey.opens_at > now and survey.status != Survey.Status.DRAFT:
        opens_on = survey.opens_at
    return _render(
        request,
        "surveys/public_problem.html",
        {
            "survey": survey,
            "title": pick(survey.title, language),
            "problem": problem,
            "closed_on": closed_on,
            "opens_on": opens_on,
        },
        language,
    )


# --- Pages and display conditions -------------------------------------------------------


def _pages(questions: list[Question], answers: dict) -> dict[int, list[Question]]:
    """Page number → its questions shown now, for pages with at least one question shown."""
    pages: dict[int, list[Question]] = {}
    for question in services.visible_questions(questions, answers):
        pages.setdefault(question.page, []).append(question)
    return pages


def _form_data(questions: list[Question], answers: dict) -> QueryDict:
    """Kept answers as the POST data that would have produced them, to redraw a page."""
    data = QueryDict(mutable=True)
    for question in questions:
        values = answers.get(field_name(question)) or []
        boxed = question.kind in (Question.Kind.NUMBER, *Question.TEXT_KINDS)
        if boxed and question.demographic and values == [services.DECLINED]:
            data[declined_name(question)] = "on"
        else:
            data.setlist(field_name(question), values)
    return data


def _state_key(survey: Survey, kiosk: bool) -> str:
    return f"survey-{'kiosk' if kiosk else 'web'}-{survey.pk}"


STATE = "surveys.answering-state"


def _load_state(request, key: str) -> dict:
    sealed = request.session.get(key)
    state = sealing.unseal(sealed, purpose=STATE) if isinstance(sealed, str) else None
    return state if isinstance(state, dict) else {}


def _save_state(request, key: str, state: dict) -> None:
    # When the answers were last touched: a kiosk forgets them after a while (_stale).
    state["seen"] = timezone.now().timestamp()
    request.session[key] = sealing.seal(state, purpose=STATE)


def _stale(state: dict) -> bool:
    """A kiosk's answers left untouched for PORTAL_KIOSK_FORGET_SECONDS: the tablet's script
    restarts the survey much sooner, and this keeps them from the next person should it not
    have run."""
    seen = state.get("seen")
    age = timezone.now().timestamp() - seen if isinstance(seen, (int, float)) else 0
    return age > settings.PORTAL_KIOSK_FORGET_SECONDS


def _kiosk_context(survey: Survey) -> dict:
    return {
        "base_template": "surveys/kiosk_base.html",
        "kiosk_url": reverse("surveys:kiosk", args=[survey.public_id]),
        "kiosk_idle_seconds": settings.PORTAL_KIOSK_IDLE_SECONDS,
        "kiosk_warning_seconds": settings.PORTAL_KIOSK_WARNING_SECONDS,
    }


def _forget_state(request, key: str) -> None:
    request.session.pop(key, None)
    if not request.session.keys():
        # Django leaves an emptied session's row as it was; delete the row itself.
        request.session.flush()


# --- Answering ----------------------------------------------------------------------------


@survey_page
@limit_posts
@require_http_methods(["GET", "POST"])
def answer(request, public_id):
    if request.limited:
        return too_many_requests(request)
    return _answer(request, _survey(public_id), kiosk=False)


@survey_page
@require_http_methods(["GET", "POST"])
def kiosk(request, public_id):
    return _answer(request, _survey(public_id), kiosk=True)


def _answer(request, survey: Survey, *, kiosk: bool) -> HttpResponse:
    language = _language(request, survey)
    here = reverse("surveys:kiosk" if kiosk else "surveys:answer", args=[survey.public_id])
    problem = services.answering_problem(survey)
    if problem:
        return _remember_language(request, _problem_page(request, survey, problem, language))
    key = _state_key(survey, kiosk)
    state = _load_state(request, key)
    if kiosk and state and _stale(state):
        _forget_state(request, key)
        state = {}
        if request.method == "POST":  # a page left open too long: start from the top
            return redirect(here)

    if kiosk and request.method == "POST" and request.POST.get("action") == "restart":
        # A new respondent at the tablet: nothing of the last one may remain.
        _forget_state(request, key)
        response = redirect(here)
        response.delete_cookie(settings.LANGUAGE_COOKIE_NAME)
        return response
    if kiosk and state.get("done"):
        context = {"survey": survey, **_kiosk_context(survey)}
        return _render(request, "surveys/public_kiosk_done.html", context, language)

    questions = _questions(survey)
    answers = state.get("answers", {})
    if request.method == "GET":
        pages = _pages(questions, answers)
        numbers = list(pages)
        number = state.get("page") if state.get("page") in pages else numbers[0]
        form = AnswerForm(
            _form_data(pages[number], answers), questions=pages[number], language=language
        )
        context = _page_context(survey, numbers, number, form, language, kiosk)
        return _remember_language(
            request, _render(request, "surveys/public_answer.html", context, language)
        )

    # POST: the answers of one page, and where to go.
    try:
        number = int(request.POST.get("page", ""))
    except ValueError:
        raise Http404 from None
    if number not in {q.page for q in questions}:
        raise Http404
    on_page = [q for q in questions if q.page == number]
    posted = AnswerForm(request.POST, questions=on_page, language=language).raw_answers()
    answers = {**answers, **posted}
    pages = _pages(questions, answers)
    numbers = list(pages)
    state["answers"] = answers

    def stay_with_errors(page_number: int, errors: dict[int, str]) -> HttpResponse:
        state["page"] = page_number
        _save_state(request, key, state)
        form = AnswerForm(
            _form_data(pages[page_number], answers),
            questions=pages[page_number],
            language=language,
        )
        form.show_errors(errors)
        context = _page_context(survey, numbers, page_number, form, language, kiosk)
        return _render(request, "surveys/public_answer.html", context, language)

    if request.POST.get("action") == "back":
        earlier = [n for n in numbers if n < number]
        state["page"] = earlier[-1] if earlier else numbers[0]
        _save_state(request, key, state)
        return redirect(here)

    if number in pages:
        so_far = [q for q in questions if q.page <= number]
        errors = services.clean_answers(survey, answers, questions=so_far).errors
        errors = {pk: e for pk, e in errors.items() if pk in {q.pk for q in pages[number]}}
        if errors:
            return stay_with_errors(number, errors)
    later = [n for n in numbers if n > number]
    if later:
        state["page"] = later[0]
        _save_state(request, key, state)
        return redirect(here)

    cleaned = services.clean_answers(survey, answers, questions=questions)
    if not cleaned.ok:
        first = next(n for n in numbers if any(q.pk in cleaned.errors for q in pages[n]))
        return stay_with_errors(first, cleaned.errors)
    invitation_id = None if kiosk else state.get("invitation")
    resident = None
    if not survey.is_anonymous and request.user.is_authenticated:
        resident = getattr(request.user, "resident", None)
    try:
        services.submit_response(
            survey=survey,
            cleaned=cleaned,
            language=language,
            source=Response.Source.KIOSK if kiosk else Response.Source.WEB,
            invitation_id=invitation_id,
            resident=resident,
        )
    except services.InvitationUsed:
        _forget_state(request, key)
        return _render(request, "surveys/public_invitation_used.html", {}, language)
    except ValidationError as error:  # the survey closed while they were answering
        _save_state(request, key, state)
        return _problem_page(request, survey, " ".join(error.messages), language)
    _forget_state(request, key)
    if kiosk:
        _save_state(request, key, {"done": True})
        return redirect(here)
    return redirect("surveys:thanks", survey.public_id)


def _page_context(survey, numbers, number, form, language, kiosk) -> dict:
    names = dict(settings.LANGUAGES)
    position = numbers.index(number) + 1
    return {
        "survey": survey,
        "title": pick(survey.title, language),
        "introduction": pick(survey.introduction, language),
        "form": form,
        "items": form.items(),
        "page_number": number,
        "position": position,
        "page_count": len(numbers),
        "first": position == 1,
        "last": position == len(numbers),
        "language": language,
        "survey_languages": [(code, names.get(code, code)) for code in _offered(survey)],
        "kiosk": kiosk,
        **(_kiosk_context(survey) if kiosk else {}),
    }


# --- Invitations ----------------------------------------------------------------------------


@survey_page
@require_safe
def invitation(request, token):
    found = services.invitation_by_token(token)
    if found is None:
        return render(request, "surveys/public_invitation_invalid.html", status=404)
    if found.used:
        return render(request, "surveys/public_invitation_used.html")
    Invitation.objects.filter(pk=found.pk, opened=False).update(opened=True)
    # Invitations sent before a new version answer the current one (services checks it).
    survey = services.current_version(found.survey)
    key = _state_key(survey, kiosk=False)
    state = _load_state(request, key)
    state["invitation"] = found.pk
    _save_state(request, key, state)
    # Language of the invitation, unless the resident already chose one.
    if found.language in _offered(survey) and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
        response = redirect(f"{survey.get_absolute_url()}?lang={found.language}")
    else:
        response = redirect(survey.get_absolute_url())
    return response


# --- Thanks -------------------------------------------------------------------------------


@survey_page
@limit_posts
@require_http_methods(["GET", "POST"])
def thanks(request, public_id):
    if request.limited:
        return too_many_requests(request)
    survey = _survey(public_id)
    language = _language(request, survey)
    form = None
    if survey.is_anonymous and request.GET.get("email") != "saved":
        form = FollowUpForm(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            services.leave_follow_up_email(
                survey=survey, email=form.cleaned_data["email"], language=language
            )
            return redirect(reverse("surveys:thanks", args=[survey.public_id]) + "?email=saved")
    return _render(
        request,
        "surveys/public_thanks.html",
        {
            "survey": survey,
            "title": pick(survey.title, language),
            "form": form,
            "email_saved": request.GET.get("email") == "saved" and survey.is_anonymous,
            "language": language,
        },
        language,
    )


# --- QR code and paper ----------------------------------------------------------------------


def public_link(survey: Survey) -> str:
    return base_url() + survey.get_absolute_url()


@require_safe
def qr(request, public_id, fmt):
    if fmt not in ("png", "svg"):
        raise Http404
    survey = None
    if len(public_id) <= 16:
        survey = Survey.objects.filter(public_id=public_id).first()
    if survey is None:
        raise Http404
    code = segno.make(public_link(survey), error="m")
    out = io.BytesIO()
    if fmt == "png":
        code.save(out, kind="png", scale=8, border=2)
        return HttpResponse(out.getvalue(), content_type="image/png")
    code.save(out, kind="svg", scale=6, border=2, xmldecl=False, svgns=True, title=str(survey))
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")


def response_code(survey: Survey, language: str) -> str:
    """The short code printed on paper copies: which survey, in which language."""
    return f"{survey.public_id[:6].upper()}-{language.upper()}"


@require_safe
def printable(request, public_id, lang):
    survey = _survey(public_id)
    if lang not in _offered(survey):
        raise Http404
    questions = list(
        survey.questions.select_related("condition_choice", "condition_question")
        .prefetch_related("choices")
        .order_by("page", "position", "pk")
    )
    numbers = {q.pk: n for n, q in enumerate(questions, start=1)}
    form = AnswerForm(questions=questions, language=lang)
    pages: dict[int, list] = {}
    for item in form.items():
        with translation.override(lang):
            item.condition = describe_condition(item.question, numbers)
        item.number = numbers[item.question.pk]
        item.lines = range(5 if item.question.kind == Question.Kind.LONG_TEXT else 1)
        pages.setdefault(item.question.page, []).append(item)
    return _render(
        request,
        "surveys/public_print.html",
        {
            "survey": survey,
            "title": pick(survey.title, lang),
            "introduction": pick(survey.introduction, lang),
            "pages": list(pages.values()),
            "code": response_code(survey, lang),
            "link": public_link(survey),
            "language": lang,
        },
        lang,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def paper_entry(request, pk):
    survey = get_object_or_404(Survey.objects.select_related("program", "event__program"), pk=pk)
    if not user_can_manage_survey(request.user, survey):
        raise PermissionDenied
    offered = _offered(survey)
    asked = request.POST.get("lang") if request.method == "POST" else request.GET.get("lang")
    language = asked if asked in offered else offered[0]
    # A paper respondent may leave any question blank: enter what is on the paper rather
    # than refuse it. (In-memory copies; the questions themselves are not changed.)
    questions = [copy.copy(q) for q in _questions(survey)]
    for question in questions:
        question.required = False
    form = AnswerForm(
        request.POST if request.method == "POST" else None,
        questions=questions,
        language=language,
        compact=True,
    )
    problem = services.answering_problem(survey)
    if request.method == "POST":
        cleaned = services.clean_answers(survey, form.raw_answers(), questions=questions)
        form.show_errors(cleaned.errors)
        if cleaned.ok:
            try:
                response = services.submit_response(
                    survey=survey,
                    cleaned=cleaned,
                    language=language,
                    source=Response.Source.PAPER,
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                _remember_paper_entry(request, survey, response)
                count = _paper_count(survey)
                messages.success(request, _("Saved. Paper responses entered: %(n)d") % {"n": count})
                url = reverse("surveys:staff-paper", args=[survey.pk]) + f"?lang={language}"
                return redirect(url)
    if not form.errors and questions:
        # The next paper starts at the first question (errors take focus to their summary).
        form.fields[field_name(questions[0])].widget.attrs["autofocus"] = True
    names = dict(settings.LANGUAGES)
    return render(
        request,
        "surveys/paper_entry.html",
        {
            "survey": survey,
            "title": pick(survey.title, language),
            "form": form,
            "items": form.items(),
            "problem": problem,
            "language": language,
            "survey_languages": [(code, names.get(code, code)) for code in offered],
            "entered": _paper_count(survey),
            "can_undo": bool(_paper_entries(request, survey)),
        },
    )


# Undoing a paper entry: only the responses this user typed in this browser session, most
# recent first. The ids live in the server-side session, never in the page, so no screen
# ever lists responses one by one (their anonymity rests on that too).
PAPER_ENTRIES = "paper_entries"


def _paper_count(survey) -> int:
    paper = Response.Source.PAPER
    return (
        survey.responses.filter(source=paper).count()
        + survey.held_responses.filter(source=paper).count()
    )


PAPER_UNDO_LIMIT = 20


def _paper_entries(request, survey) -> list[str]:
    return list(request.session.get(PAPER_ENTRIES, {}).get(str(survey.pk), []))


def _remember_paper_entry(request, survey, response) -> None:
    entries = dict(request.session.get(PAPER_ENTRIES, {}))
    ids = [str(response.pk), *entries.get(str(survey.pk), [])][:PAPER_UNDO_LIMIT]
    entries[str(survey.pk)] = ids
    request.session[PAPER_ENTRIES] = entries


@login_required
def paper_entry_undo(request, pk):
    survey = get_object_or_404(Survey, pk=pk)
    if not user_can_manage_survey(request.user, survey):
        raise PermissionDenied
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    ids = _paper_entries(request, survey)
    url = reverse("surveys:staff-paper", args=[survey.pk])
    lang = request.POST.get("lang", "")
    if lang in _offered(survey):
        url += f"?lang={lang}"
    if not ids:
        messages.info(request, _("There is no paper response of yours to undo."))
        return redirect(url)
    # Published already, it is one of a group and no longer known apart: nothing to undo.
    response = HeldResponse.objects.filter(pk=ids[0], survey=survey).first()
    if response is None and not survey.is_anonymous:
        response = Response.objects.filter(pk=ids[0], survey=survey).first()
    if response is not None:
        services.delete_response(
            response=response, by=request.user, reason="paper entry undone by who typed it"
        )
    entries = dict(request.session.get(PAPER_ENTRIES, {}))
    entries[str(survey.pk)] = ids[1:]
    request.session[PAPER_ENTRIES] = entries
    if response is None:
        messages.info(
            request,
            _(
                "That paper response was already published with others to protect "
                "anonymity, so it can no longer be undone."
            ),
        )
    else:
        messages.success(request, _("The last paper response you entered is deleted."))
    return redirect(url)
