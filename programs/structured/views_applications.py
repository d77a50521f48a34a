"""Applications and selection: the public apply page, the applicant's private status page,
the guardian's consent page, and the staff pages (form settings, questions, review queue,
one application).

Staff pages show or change applicants' personal data, so each first checks that the user
runs the program (programs.change_program and owner, team or allowed to manage all
programs), before looking at the HTTP method or the input: a refused user always gets a 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from engagement_portal.core.http import limit_public_posts, private_page, too_many_requests
from engagement_portal.core.services import audit, audit_view
from events.forms_public import current_language
from programs.models import Program
from programs.selectors import user_can_manage_program
from programs.structured import selectors_applications as selectors
from programs.structured import services_applications as services
from programs.structured.forms_applications import (
    ApplicationFilter,
    ApplyForm,
    BulkDecisionForm,
    DecisionForm,
    FormSettingsForm,
    GuardianConsentForm,
    NoteForm,
    QuestionForm,
    WithdrawForm,
)
from programs.structured.models_applications import (
    Application,
    ApplicationForm,
    ApplicationQuestion,
)

limit_posts = limit_public_posts("applications")
Status = Application.Status


def reviewers_only(view):
    """Anonymous visitors go to log in; users who cannot change programs get a 403."""
    return login_required(
        permission_required("programs.change_program", raise_exception=True)(view)
    )


def _program_for_reviewer(request, pk) -> Program:
    program = get_object_or_404(
        Program.objects.select_related("engagement_type__tier").prefetch_related("languages"),
        pk=pk,
    )
    if not user_can_manage_program(request.user, program):
        raise PermissionDenied
    if not program.engagement_type.selective_application:
        raise Http404
    return program


def _not_get_or_post(request) -> HttpResponse | None:
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return None


def _add_errors(form, error: ValidationError) -> None:
    """Attach a service's refusal to the form: to its field when the form has one."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, errors in error.error_dict.items():
        target = name if name in form.fields else None
        for message in errors:
            form.add_error(None if target == NON_FIELD_ERRORS else target, message)


# --- Public: applying ------------------------------------------------------------------


@limit_posts
@require_http_methods(["GET", "POST"])
def apply(request, slug):
    if request.limited:
        return too_many_requests(request)
    program = selectors.program_for_applying(slug)
    if program is None:
        raise Http404
    application_form = program.application_form
    language = current_language()
    form = ApplyForm(
        request.POST if request.method == "POST" else None,
        application_form=application_form,
        questions=selectors.form_questions(application_form),
        language=language,
        user=request.user,
    )
    if request.method == "POST" and form.is_valid():
        user = request.user if request.user.is_authenticated else None
        try:
            submitted = services.submit_application(
                program=program, user=user, **form.application_kwargs()
            )
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(
                request,
                _(
                    "Thank you: your application is in. We sent you a message with the link "
                    "to this page; keep it to follow your application."
                ),
            )
            return redirect("applications:status", token=submitted.token)
    now = timezone.now()
    return render(
        request,
        "structured/applications/apply.html",
        {
            "program": program,
            "application_form": application_form,
            "form": form,
            "is_open": application_form.is_open(now),
            "not_open_yet": now < application_form.opens_at,
            "introduction": selectors.text_in(application_form.introduction, language),
        },
        status=200,
    )


def _invalid_link(request) -> HttpResponse:
    return render(request, "structured/applications/link_invalid.html", status=404)


@private_page
@limit_posts
@require_http_methods(["GET", "POST"])
def status(request, token):
    if request.limited:
        return too_many_requests(request)
    application = services.application_by_token(token)
    if application is None:
        return _invalid_link(request)
    action = request.POST.get("action") if request.method == "POST" else None
    withdraw_form = WithdrawForm(request.POST if action == "withdraw" else None)
    if action == "withdraw" and withdraw_form.is_valid():
        try:
            services.withdraw_application(application=application)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Your application is withdrawn."))
        return redirect("applications:status", token=token)
    if action == "resend_guardian":
        if services.resend_guardian_link(application=application):
            messages.success(request, _("We sent your parent or guardian their link again."))
        else:
            messages.info(request, _("There is no consent link to send."))
        return redirect("applications:status", token=token)
    if request.method == "POST" and action != "withdraw":
        return redirect("applications:status", token=token)
    return render(
        request,
        "structured/applications/status.html",
        {
            "application": application,
            "program": application.program,
            "token": token,
            "explanation": selectors.status_explanation(application),
            "answers": selectors.answer_rows(application),
            "can_withdraw": application.status in selectors.LIVE,
            "withdraw_form": withdraw_form,
        },
    )


@private_page
@limit_posts
@require_http_methods(["GET", "POST"])
def guardian_consent(request, token):
    if request.limited:
        return too_many_requests(request)
    application = services.application_by_guardian_token(token)
    if application is None:
        return _invalid_link(request)
    is_open = application.guardian_consented_at is None and application.status in selectors.LIVE
    form = GuardianConsentForm(request.POST if request.method == "POST" and is_open else None)
    if request.method == "POST":
        if not is_open:
            return redirect("applications:guardian", token=token)
        if form.is_valid():
            try:
                services.give_guardian_consent(
                    application=application, signature=form.cleaned_data["signature"]
                )
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Thank you: your consent is recorded."))
                return redirect("applications:guardian", token=token)
    application_form = getattr(application.program, "application_form", None)
    return render(
        request,
        "structured/applications/guardian.html",
        {
            "application": application,
            "program": application.program,
            "token": token,
            "form": form,
            "is_open": is_open,
            "acknowledgements": (
                selectors.acknowledgements_for(application_form) if application_form else []
            ),
        },
    )


# --- Staff: the form and its questions --------------------------------------------------


@reviewers_only
def staff_form_settings(request, pk):
    program = _program_for_reviewer(request, pk)
    if refused := _not_get_or_post(request):
        return refused
    application_form = ApplicationForm.objects.filter(program=program).first()
    languages = selectors.text_languages(program)
    action = request.POST.get("action") if request.method == "POST" else None
    settings_form = FormSettingsForm(
        request.POST if action == "settings" else None,
        languages=languages,
        form=application_form,
        initial=services.default_form_settings(program) if application_form is None else None,
    )
    question_form = QuestionForm(
        request.POST if action == "question" else None, languages=languages, prefix="new"
    )
    if action == "settings" and settings_form.is_valid():
        try:
            services.save_form_settings(
                program=program, user=request.user, **settings_form.settings_data()
            )
        except ValidationError as error:
            _add_errors(settings_form, error)
        else:
            messages.success(request, _("The application form is saved."))
            return redirect("applications:staff-settings", pk=program.pk)
    if action == "question" and application_form is None:
        question_form.add_error(None, _("Save the form's settings before adding questions."))
    elif action == "question" and question_form.is_valid():
        try:
            services.save_question(form=application_form, **question_form.question_data())
        except ValidationError as error:
            _add_errors(question_form, error)
        else:
            messages.success(request, _("The question is added."))
            url = reverse("applications:staff-settings", args=[program.pk])
            return redirect(url + "#questions")
    return render(
        request,
        "structured/applications/staff_settings.html",
        {
            "program": program,
            "application_form": application_form,
            "settings_form": settings_form,
            "question_form": question_form,
            "questions": selectors.form_questions(application_form) if application_form else [],
        },
    )


@reviewers_only
def staff_question_edit(request, pk, question_pk):
    program = _program_for_reviewer(request, pk)
    question = get_object_or_404(
        ApplicationQuestion.objects.select_related("form"), pk=question_pk, form__program=program
    )
    if refused := _not_get_or_post(request):
        return refused
    settings_url = reverse("applications:staff-settings", args=[program.pk]) + "#questions"
    action = request.POST.get("action") if request.method == "POST" else None
    if action in ("up", "down"):
        services.move_question(question=question, offset=-1 if action == "up" else 1)
        return redirect(settings_url)
    if action == "delete":
        services.delete_question(question=question)
        messages.success(request, _("The question is deleted."))
        return redirect(settings_url)
    languages = selectors.text_languages(program)
    form = QuestionForm(
        request.POST if action == "save" else None, languages=languages, question=question
    )
    if action == "save" and form.is_valid():
        try:
            services.save_question(form=question.form, question=question, **form.question_data())
        except ValidationError as error:
            _add_errors(form, error)
        else:
            messages.success(request, _("The question is saved."))
            return redirect(settings_url)
    return render(
        request,
        "structured/applications/staff_question.html",
        {"program": program, "question": question, "form": form},
    )


# --- Staff: review ----------------------------------------------------------------------


def _report_message(request, report: services.DecisionReport) -> None:
    label = dict(Status.choices)[report.status]
    changed = len(report.changed)
    if changed:
        messages.success(
            request,
            ngettext(
                "%(n)d application is now: %(status)s.",
                "%(n)d applications are now: %(status)s.",
                changed,
            )
            % {"n": changed, "status": label},
        )
    if report.skipped:
        reasons = "; ".join(f"{app.resident.name} ({reason})" for app, reason in report.skipped)
        messages.warning(
            request,
            ngettext(
                "%(n)d application was not changed: %(reasons)s.",
                "%(n)d applications were not changed: %(reasons)s.",
                len(report.skipped),
            )
            % {"n": len(report.skipped), "reasons": reasons},
        )


def _over_places_warning(request, program: Program) -> None:
    application_form = ApplicationForm.objects.filter(program=program).first()
    remaining = selectors.places_remaining(application_form, selectors.status_counts(program))
    if remaining is not None and remaining < 0:
        messages.warning(
            request,
            _("You have accepted %(n)d more than the %(places)d places planned.")
            % {"n": -remaining, "places": application_form.places},
        )


@reviewers_only
def staff_queue(request, pk):
    program = _program_for_reviewer(request, pk)
    if refused := _not_get_or_post(request):
        return refused
    bulk = BulkDecisionForm(
        request.POST if request.method == "POST" else None, program=program, prefix="bulk"
    )
    if request.method == "POST" and bulk.is_valid():
        data = bulk.cleaned_data
        report = services.decide_applications(
            program=program,
            application_ids=[a.pk for a in data["applications"]],
            status=data["status"],
            user=request.user,
            message=data["message"],
        )
        _report_message(request, report)
        if report.changed and report.status == Status.ACCEPTED:
            _over_places_warning(request, program)
        return redirect(request.get_full_path())
    filters = ApplicationFilter(
        request.GET or None, queryset=selectors.applications_for_queue(program)
    )
    page = Paginator(filters.qs, 50).get_page(request.GET.get("page"))
    application_form = ApplicationForm.objects.filter(program=program).first()
    counts = selectors.status_counts(program)
    query = request.GET.copy()
    query.pop("page", None)
    selected = {str(v) for v in (bulk["applications"].value() or [])} if bulk.is_bound else set()
    rows = [
        {
            "application": application,
            "age": application.age_on(selectors.agency_today(application.created_at)),
            "selected": str(application.pk) in selected,
        }
        for application in page
    ]
    audit_view(
        actor=request.user,
        page="applications:staff-queue",
        target=program,
        residents=[row["application"].resident_id for row in rows],
        program=program,
    )
    return render(
        request,
        "structured/applications/staff_queue.html",
        {
            "program": program,
            "application_form": application_form,
            "filter": filters,
            "page": page,
            "rows": rows,
            "query": query.urlencode(),
            "counts": [(value, label, counts[value]) for value, label in Status.choices],
            "total": sum(counts.values()),
            "places_remaining": selectors.places_remaining(application_form, counts),
            "bulk": bulk,
        },
    )


@reviewers_only
def staff_detail(request, pk):
    application = selectors.application_for_staff(pk)
    if application is None:
        raise Http404
    program = application.program
    if not user_can_manage_program(request.user, program):
        raise PermissionDenied
    if refused := _not_get_or_post(request):
        return refused
    action = request.POST.get("action") if request.method == "POST" else None
    note_form = NoteForm(request.POST if action == "note" else None, prefix="note")
    decision_form = DecisionForm(
        request.POST if action == "decide" else None,
        allowed=services.allowed_statuses(application),
        prefix="decide",
    )
    if action == "note" and note_form.is_valid():
        services.add_note(
            application=application, author=request.user, text=note_form.cleaned_data["text"]
        )
        messages.success(request, _("Your note is added."))
        return redirect("applications:staff-detail", pk=application.pk)
    if action == "decide" and decision_form.is_valid():
        data = decision_form.cleaned_data
        try:
            services.decide_application(
                application=application,
                status=data["status"],
                user=request.user,
                message=data["message"],
            )
        except ValidationError as error:
            decision_form.add_error(None, error)
        else:
            label = dict(Status.choices)[data["status"]]
            messages.success(request, _("Done: %(status)s.") % {"status": label})
            if data["status"] == Status.ACCEPTED:
                _over_places_warning(request, program)
            return redirect("applications:staff-detail", pk=application.pk)
    if request.method != "POST":
        # Applicants' dates of birth, addresses and answers: every look is on record.
        audit(
            actor=request.user,
            action="view_application",
            target=f"application {application.pk}",
            residents=[application.resident_id],
            page="applications:staff-detail",
            program=program.pk,
        )
    application_form = getattr(program, "application_form", None)
    return render(
        request,
        "structured/applications/staff_detail.html",
        {
            "application": application,
            "program": program,
            "age_then": application.age_on(selectors.agency_today(application.created_at)),
            "age_now": application.age_on(selectors.agency_today()),
            "answers": selectors.answer_rows(application),
            "acknowledgements": selectors.acknowledgements_given(application),
            "required_acknowledgements": application_form.acknowledgements
            if application_form
            else [],
            "notes": application.notes.select_related("author"),
            "note_form": note_form,
            "decision_form": decision_form,
            "allowed": services.allowed_statuses(application),
        },
    )
