"""Applications and selection, the pages: apply (bad input keeps what was typed, no 500 for
any input), the applicant's status page, the guardian's consent page, and the staff pages
(who may open them, settings and questions, the review queue, one application)."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
import time_machine
from django.urls import reverse

from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from programs.models import Program
from programs.structured import services_applications as services
from programs.structured.models_applications import (
    Application,
    ApplicationForm,
    ApplicationQuestion,
)
from tests.factories import ApplicationNoteFactory, NeighbourhoodFactory, ProgramFactory

from . import test_applications as shared
from .test_applications import ADULT, NOW, _type, answers_for, apply, apply_minor

# The service tests' fixtures, shared here: the academy, the youth program, a frozen clock.
academy = shared.academy
youth = shared.youth
frozen = shared.frozen
fresh_rate_limits = shared.fresh_rate_limits

Status = Application.Status
Kind = ApplicationQuestion.Kind


@pytest.fixture
def unlimited_posts(settings):
    settings.PORTAL_PUBLIC_POST_RATE = "10000/m"


def form_data(program, **overrides) -> dict:
    data = {
        "name": "Rosa Diaz",
        "email": "rosa@example.net",
        "phone": "",
        "language": "en",
        "neighbourhood": "",
        "date_of_birth": "1990-05-01",
        "address": "12 Elm Street",
        "lives_in_service_area": "on",
        **answers_for(program),
    }
    for key in program.application_form.acknowledgements:
        data[f"ack_{key}"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def apply_url(program) -> str:
    return reverse("applications:apply", args=[program.slug])


# --- The public detail page and the apply page ------------------------------------------


def test_program_page_invites_to_apply_with_the_window(client, academy):
    page = client.get(academy.get_absolute_url()).content.decode()
    assert apply_url(academy) in page
    assert "Open now" in page and "March 9, 2026" in page


def test_program_page_without_a_form_has_no_apply_button(client, alice):
    program = ProgramFactory(engagement_type=_type("ride-outs"), owner=alice)
    assert apply_url(program) not in client.get(program.get_absolute_url()).content.decode()


def test_apply_page_shows_introduction_window_eligibility_and_statements(client, academy):
    page = client.get(apply_url(academy)).content.decode()
    for text in [
        "Twelve Tuesday evenings.",
        "Aged 18 or over on the day you apply.",
        "You live or work in the service area.",
        "I will treat everyone with respect.",
        "Which sessions suit you?",
        "Weekends",
    ]:
        assert text in page, text


def test_apply_page_speaks_the_residents_language(client, academy):
    client.cookies["django_language"] = "es"
    page = client.get(apply_url(academy)).content.decode()
    assert "Doce martes por la tarde." in page
    assert "¿Qué sesiones le convienen?" in page and "Fines de semana" in page
    assert "Trataré a todos con respeto." in page


def test_acknowledgement_falls_back_to_english_when_not_written_in_the_language(client, academy):
    form = academy.application_form
    form.acknowledgement_texts = {"conduct": {"en": "English only."}}
    form.save()
    client.cookies["django_language"] = "es"
    assert "English only." in client.get(apply_url(academy)).content.decode()


def test_a_statement_staff_did_not_write_shows_the_standard_wording(client, academy, alice):
    ApplicationForm.objects.update(acknowledgement_texts={})
    assert "follow the program&#x27;s rules" in client.get(apply_url(academy)).content.decode()
    client.force_login(alice)
    settings_page = client.get(reverse("applications:staff-settings", args=[academy.pk]))
    body = settings_page.content.decode()
    assert "Standard wording" in body
    conduct_en = re.search(r'<textarea[^>]*name="ack_conduct_en"[^>]*>([^<]*)</textarea>', body)
    assert conduct_en.group(1).strip() == ""


@pytest.mark.parametrize("change", ["draft", "internal", "no_form", "not_selective"])
def test_apply_page_is_a_404_unless_the_program_takes_applications(client, academy, change):
    if change == "draft":
        Program.objects.filter(pk=academy.pk).update(status=Program.Status.DRAFT)
    elif change == "internal":
        Program.objects.filter(pk=academy.pk).update(visibility=Program.Visibility.INTERNAL)
    elif change == "no_form":
        ApplicationForm.objects.all().delete()
    else:
        Program.objects.filter(pk=academy.pk).update(
            engagement_type=_type("unstructured-engagement")
        )
    assert client.get(apply_url(academy)).status_code == 404


def test_a_closed_window_shows_no_form_and_says_so(client, academy):
    with time_machine.travel(NOW + timedelta(days=40), tick=False):
        page = client.get(apply_url(academy)).content.decode()
    assert "Applications closed on" in page and 'name="name"' not in page


def test_a_window_not_yet_open_says_when_it_opens(client, academy):
    ApplicationForm.objects.update(opens_at=NOW + timedelta(days=2))
    page = client.get(apply_url(academy)).content.decode()
    assert "They open on March 12, 2026" in page


def test_applying_redirects_to_the_private_status_page(client, academy):
    response = client.post(apply_url(academy), form_data(academy))

    assert response.status_code == 302
    application = Application.objects.get()
    assert application.resident.name == "Rosa Diaz" and application.language == "en"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert page["Referrer-Policy"] == "no-referrer"
    body = page.content.decode()
    assert "Thank you: your application is in." in body
    assert "To understand policing." in body and "Weekends" in body


def test_missing_acknowledgement_keeps_everything_typed(client, academy):
    why = academy.application_form.questions.get(kind=Kind.SHORT)
    sessions = academy.application_form.questions.get(kind=Kind.CHOICE)
    response = client.post(
        apply_url(academy),
        form_data(
            academy,
            ack_conduct=None,
            name="Rosa Typed",
            **{f"q{why.pk}": "Because I care", f"q{sessions.pk}": "0"},
        ),
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "Read this and tick the box to accept it: it is required." in page
    assert 'value="Rosa Typed"' in page and 'value="Because I care"' in page
    assert 'value="1990-05-01"' in page and 'value="12 Elm Street"' in page
    chosen = re.search(rf'<input[^>]*name="q{sessions.pk}"[^>]*value="0"[^>]*>', page).group(0)
    assert "checked" in chosen
    assert 'href="#id_ack_conduct"' in page
    assert not Application.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"date_of_birth": "2012-01-01"}, "You must be at least 18 years old"),
        ({"date_of_birth": "2031-01-01"}, "cannot be in the future"),
        ({"date_of_birth": "31/31/1990"}, "Enter a valid date."),
        ({"lives_in_service_area": None}, "live or work in the service area"),
        ({"email": "", "phone": ""}, "Give an email address or a mobile phone number"),
        ({"phone": "12"}, "does not look like a phone number"),
    ],
)
def test_refusals_are_explained_and_keep_the_name(client, academy, overrides, message):
    response = client.post(apply_url(academy), form_data(academy, name="Kept", **overrides))
    page = response.content.decode()
    assert response.status_code == 200
    assert message in page, page
    assert 'value="Kept"' in page
    assert not Application.objects.exists()


def test_every_problem_is_shown_at_once(client, academy):
    why = academy.application_form.questions.get(kind=Kind.SHORT)
    response = client.post(
        apply_url(academy),
        form_data(academy, email="not-an-email", ack_conduct=None, **{f"q{why.pk}": ""}),
    )
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert "Read this and tick the box" in page
    assert "Answer this question." in page


def test_an_invalid_choice_is_refused_with_a_clear_message(client, academy):
    sessions = academy.application_form.questions.get(kind=Kind.CHOICE)
    response = client.post(apply_url(academy), form_data(academy, **{f"q{sessions.pk}": "9"}))
    assert "Choose one of the answers listed." in response.content.decode()


def test_applying_after_the_window_closed_keeps_what_was_typed(client, academy):
    with time_machine.travel(NOW + timedelta(days=40), tick=False):
        response = client.post(apply_url(academy), form_data(academy, name="Late Larry"))
    page = response.content.decode()
    assert "Applications closed on" in page and 'value="Late Larry"' in page


def test_applying_twice_says_where_to_find_the_link(client, academy, unlimited_posts):
    client.post(apply_url(academy), form_data(academy))
    response = client.post(apply_url(academy), form_data(academy))
    page = response.content.decode()
    assert response.status_code == 200
    assert "You have already applied to this program" in page
    assert Application.objects.count() == 1


def test_a_minor_must_give_a_guardian_and_then_the_guardian_is_written_to(client, youth):
    data = form_data(youth, name="Leo Diaz", email="leo@example.net", date_of_birth="2010-07-01")
    refused = client.post(apply_url(youth), data).content.decode()
    assert "a parent or guardian must consent" in refused

    data.update(guardian_name="Marta Diaz", guardian_email="marta@example.net")
    assert client.post(apply_url(youth), data).status_code == 302
    assert OutboxMessage.objects.filter(recipient="marta@example.net").exists()


def test_apply_is_rate_limited(client, academy):
    with time_machine.travel(NOW, tick=False):
        codes = [
            client.post(apply_url(academy), form_data(academy, name="")).status_code
            for _n in range(10)
        ]
        blocked = client.post(apply_url(academy), form_data(academy))
    assert codes == [200] * 10
    assert blocked.status_code == 429


FUZZ = [
    {"name": "x" * 100_000},
    {"email": "@" * 5000},
    {"phone": "9" * 5000},
    {"date_of_birth": "0000-00-00"},
    {"date_of_birth": "99999-01-01"},
    {"date_of_birth": "1990-02-30"},
    {"date_of_birth": "0001-01-01"},
    {"date_of_birth": "9999-12-31"},
    {"date_of_birth": "📅"},
    {"language": "klingon"},
    {"neighbourhood": "99999999999999999999"},
    {"neighbourhood": "abc"},
    {"address": "a" * 10_000},
    {"guardian_name": "g" * 1000, "guardian_email": "nope"},
    {"lives_in_service_area": "maybe"},
    {"ack_conduct": "x" * 5000},
    {"ack_waiver": "on", "ack_unknown": "on"},
    {"q999999": "answer to a question that does not exist"},
]


@pytest.mark.parametrize("overrides", FUZZ)
def test_no_input_gives_a_server_error(client, academy, youth, unlimited_posts, overrides):
    for program in (academy, youth):
        response = client.post(apply_url(program), form_data(program, **overrides))
        assert response.status_code in (200, 302), overrides


def test_tampered_answers_never_give_a_server_error(client, academy, unlimited_posts):
    for question in academy.application_form.questions.all():
        for value in ["x" * 50_000, "-1", "999", "<script>alert(1)</script>", "yes\x85"]:
            response = client.post(
                apply_url(academy), form_data(academy, **{f"q{question.pk}": value})
            )
            assert response.status_code in (200, 302)
        # A list where one value is expected.
        data = form_data(academy)
        response = client.post(apply_url(academy), {**data, f"q{question.pk}": ["0", "1"]})
        assert response.status_code in (200, 302)


def test_nul_characters_are_refused_before_the_view(client, academy):
    response = client.post(apply_url(academy), form_data(academy, name="Rosa\x00"))
    assert response.status_code == 400


# --- The applicant's status page --------------------------------------------------------


@pytest.mark.parametrize("token", ["not-a-valid-token", "x" * 100, "%20"])
def test_a_bad_status_link_is_a_clear_404(client, db, token):
    response = client.get(reverse("applications:status", args=[token]))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_status_page_shows_plain_words_and_no_staff_notes(client, academy, alice):
    submitted = apply(academy)
    ApplicationNoteFactory(application=submitted.application, text="Secret reviewer note")
    page = client.get(reverse("applications:status", args=[submitted.token])).content.decode()
    assert "We have your application. Staff will review it" in page
    assert "Secret reviewer note" not in page
    assert "Withdraw my application" in page


def test_withdrawing_needs_the_confirmation_box(client, academy):
    submitted = apply(academy)
    url = reverse("applications:status", args=[submitted.token])

    response = client.post(url, {"action": "withdraw"})
    assert response.status_code == 200
    assert "Tick the box to confirm" in response.content.decode()
    assert Application.objects.get().status == Status.SUBMITTED

    response = client.post(url, {"action": "withdraw", "confirm": "on"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "You withdrew this application." in page
    assert "Withdraw my application" not in page
    # Withdrawing twice changes nothing and sends nothing more.
    client.post(url, {"action": "withdraw", "confirm": "on"})
    assert OutboxMessage.objects.filter(key__endswith=":withdrawn").count() == 1


def test_status_page_shows_an_accepted_decision_with_its_message(client, academy, alice):
    submitted = apply(academy)
    application = submitted.application
    services.decide_application(application=application, status=Status.UNDER_REVIEW, user=alice)
    services.decide_application(
        application=application, status=Status.ACCEPTED, user=alice, message="Bring ID."
    )
    page = client.get(reverse("applications:status", args=[submitted.token])).content.decode()
    assert "Congratulations: you are accepted." in page and "Bring ID." in page


def test_status_page_shows_guardian_consent_pending_then_given(client, youth):
    submitted = apply_minor(youth)
    url = reverse("applications:status", args=[submitted.token])
    assert "We are waiting for Marta Diaz to give consent" in client.get(url).content.decode()

    client.post(url, {"action": "resend_guardian"})
    assert OutboxMessage.objects.filter(recipient="marta@example.net").count() == 2

    services.give_guardian_consent(application=submitted.application, signature="Marta Diaz")
    assert "Marta Diaz gave consent on" in client.get(url).content.decode()


# --- The guardian's page ----------------------------------------------------------------


def guardian_url(application) -> str:
    return reverse("applications:guardian", args=[services.guardian_token(application)])


def test_a_bad_guardian_link_is_a_clear_404(client, db):
    response = client.get(reverse("applications:guardian", args=["nope"]))
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_the_status_token_does_not_open_the_guardian_page(client, youth):
    submitted = apply_minor(youth)
    assert client.get(reverse("applications:guardian", args=[submitted.token])).status_code == 404


def test_guardian_reads_what_they_consent_to_and_consents_once(client, youth):
    application = apply_minor(youth).application
    url = guardian_url(application)

    page = client.get(url)
    body = page.content.decode()
    assert page["Referrer-Policy"] == "no-referrer"
    assert "Explorer Post 7" in body and "Leo Diaz" in body
    assert "I am the parent or legal guardian of Leo Diaz" in body
    assert "treat officers, staff and other participants with respect" in body

    refused = client.post(url, {"signature": "Marta Diaz"})
    assert "Tick the box to give your consent." in refused.content.decode()
    assert 'value="Marta Diaz"' in refused.content.decode()

    assert client.post(url, {"signature": "Marta Diaz", "consent": "on"}).status_code == 302
    after = client.get(url).content.decode()
    assert "Consent already given on" in after and 'name="signature"' not in after
    # Once used, the link shows nothing personal: not the applicant, not who signed.
    assert "Leo Diaz" not in after and "Marta Diaz" not in after
    assert application.guardian_name not in after

    client.post(url, {"signature": "Someone Else", "consent": "on"})
    application.refresh_from_db()
    assert application.guardian_signature == "Marta Diaz"


def test_guardian_link_of_a_withdrawn_application_says_so(client, youth):
    application = apply_minor(youth).application
    services.withdraw_application(application=application)
    page = client.get(guardian_url(application)).content.decode()
    assert "This application was withdrawn, so no consent is needed." in page


# --- Staff pages: who may open them -----------------------------------------------------


def staff_urls(program, application, question) -> list[str]:
    return [
        reverse("applications:staff-queue", args=[program.pk]),
        reverse("applications:staff-settings", args=[program.pk]),
        reverse("applications:staff-question-edit", args=[program.pk, question.pk]),
        reverse("applications:staff-detail", args=[application.pk]),
    ]


@pytest.mark.parametrize("persona", ["bob", "carol", "dave"])
def test_staff_pages_refuse_everyone_but_the_programs_staff(client, request, academy, persona):
    application = apply(academy).application
    question = academy.application_form.questions.first()
    client.force_login(request.getfixturevalue(persona))
    for url in staff_urls(academy, application, question):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"action": "note", "note-text": "x"}).status_code == 403, url
    assert not application.notes.exists()


def test_staff_pages_send_anonymous_visitors_to_log_in(client, academy):
    application = apply(academy).application
    question = academy.application_form.questions.first()
    for url in staff_urls(academy, application, question):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_team_member_and_an_administrator_may_open_them(client, academy, bob, root):
    academy.team.add(bob)
    application = apply(academy).application
    question = academy.application_form.questions.first()
    for user in (bob, root):
        client.force_login(user)
        for url in staff_urls(academy, application, question):
            assert client.get(url).status_code == 200, url


# --- Staff: settings and questions ------------------------------------------------------


def settings_data(**overrides) -> dict:
    data = {
        "action": "settings",
        "opens_at": "2026-04-01T09:00",
        "closes_at": "2026-04-30T17:00",
        "places": "15",
        "minimum_age": "18",
        "maximum_age": "",
        "guardian_consent_under": "",
        "residency_required": "on",
        "acknowledgements": ["waiver"],
        "intro_en": "Ride along on a patrol.",
        "intro_es": "Acompañe una patrulla.",
        "ack_waiver_en": "Ride at your own risk.",
        "ack_waiver_es": "Bajo su propio riesgo.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def ride_outs(alice, frozen):
    return ProgramFactory(title="Ride-outs", engagement_type=_type("ride-outs"), owner=alice)


def test_a_new_form_starts_from_the_types_defaults(client, alice, ride_outs):
    client.force_login(alice)
    page = client.get(reverse("applications:staff-settings", args=[ride_outs.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    waiver = re.search(r'<input[^>]*value="waiver"[^>]*>', body).group(0)
    assert "checked" in waiver
    assert 'name="minimum_age" value="18"' in body
    assert "Save the form's settings before adding questions" not in body


def test_staff_create_the_form_and_residents_see_it(client, alice, ride_outs):
    client.force_login(alice)
    url = reverse("applications:staff-settings", args=[ride_outs.pk])
    assert client.post(url, settings_data()).status_code == 302

    form = ApplicationForm.objects.get(program=ride_outs)
    assert form.places == 15 and form.residency_required
    assert form.acknowledgements == ["waiver"]
    assert form.acknowledgement_texts["waiver"] == {
        "en": "Ride at your own risk.",
        "es": "Bajo su propio riesgo.",
    }
    assert form.introduction["es"] == "Acompañe una patrulla."
    assert form.opens_at.isoformat() == "2026-04-01T14:00:00+00:00"  # 09:00 in Chicago


def test_settings_refuse_a_window_that_closes_before_it_opens(client, alice, ride_outs):
    client.force_login(alice)
    response = client.post(
        reverse("applications:staff-settings", args=[ride_outs.pk]),
        settings_data(closes_at="2026-03-01T09:00", intro_en="Typed intro"),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Applications must close after they open." in page and "Typed intro" in page
    assert not ApplicationForm.objects.exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"opens_at": "yesterday"},
        {"closes_at": "99999-01-01T00:00"},
        {"places": "-4"},
        {"minimum_age": "30", "maximum_age": "20"},
        {"acknowledgements": ["made-up"]},
        {"intro_en": "x" * 6000},
        {"guardian_consent_under": "abc"},
        {"closes_at": "9999-12-31T23:59"},
        {"opens_at": "0001-01-01T00:00", "closes_at": "0001-01-01T01:00"},
    ],
)
def test_bad_settings_never_give_a_server_error(client, alice, ride_outs, overrides):
    client.force_login(alice)
    url = reverse("applications:staff-settings", args=[ride_outs.pk])
    assert client.post(url, settings_data(**overrides)).status_code == 200
    assert not ApplicationForm.objects.exists()


def test_staff_add_edit_move_and_delete_questions(client, alice, academy):
    client.force_login(alice)
    settings_url = reverse("applications:staff-settings", args=[academy.pk])
    response = client.post(
        settings_url,
        {
            "action": "question",
            "new-text_en": "Which shift?",
            "new-text_es": "¿Qué turno?",
            "new-kind": "choice",
            "new-required": "on",
            "new-choices_en": "Day\nNight",
            "new-choices_es": "Día\nNoche",
        },
    )
    assert response.status_code == 302
    question = ApplicationQuestion.objects.get(text__en="Which shift?")
    assert question.choices == [{"en": "Day", "es": "Día"}, {"en": "Night", "es": "Noche"}]
    assert question.position == 3

    edit_url = reverse("applications:staff-question-edit", args=[academy.pk, question.pk])
    assert client.get(edit_url).status_code == 200
    client.post(
        edit_url,
        {
            "action": "save",
            "text_en": "Which shift suits you?",
            "kind": "short",
            "required": "",
        },
    )
    question.refresh_from_db()
    assert question.text == {"en": "Which shift suits you?"} and not question.required
    assert question.choices == []

    client.post(edit_url, {"action": "up"})
    question.refresh_from_db()
    assert question.position == 2

    client.post(edit_url, {"action": "delete"})
    assert not ApplicationQuestion.objects.filter(pk=question.pk).exists()


def test_question_choices_must_match_across_languages(client, alice, academy):
    client.force_login(alice)
    response = client.post(
        reverse("applications:staff-settings", args=[academy.pk]),
        {
            "action": "question",
            "new-text_en": "Which shift?",
            "new-kind": "choice",
            "new-choices_en": "Day\nNight",
            "new-choices_es": "Día",
        },
    )
    assert "same number of choices" in response.content.decode()


def test_another_programs_question_is_a_404(client, alice, academy, youth):
    client.force_login(alice)
    question = academy.application_form.questions.first()
    url = reverse("applications:staff-question-edit", args=[youth.pk, question.pk])
    assert client.get(url).status_code == 404


# --- Staff: the queue -------------------------------------------------------------------


def queue_url(program, **query) -> str:
    url = reverse("applications:staff-queue", args=[program.pk])
    if query:
        url += "?" + urlencode(query)
    return url


def test_queue_filters_by_status_guardian_neighbourhood_and_name(client, alice, youth):
    hillcrest = NeighbourhoodFactory(name="Hillcrest")
    adult = apply(youth, name="Ana Adult", date_of_birth=ADULT.replace(year=2007))
    minor = apply_minor(youth, neighbourhood=hillcrest)
    services.decide_application(
        application=adult.application, status=Status.UNDER_REVIEW, user=alice
    )
    client.force_login(alice)

    def names(**query):
        page = client.get(queue_url(youth, **query)).content.decode()
        return {name for name in ("Ana Adult", "Leo Diaz") if f">{name}</a>" in page}

    assert names() == {"Ana Adult", "Leo Diaz"}
    assert names(status="under_review") == {"Ana Adult"}
    assert names(guardian="pending") == {"Leo Diaz"}
    assert names(neighbourhood=hillcrest.pk) == {"Leo Diaz"}
    assert names(q="ana") == {"Ana Adult"}
    assert names(status="nonsense", neighbourhood="x", guardian="?") == {"Ana Adult", "Leo Diaz"}
    services.give_guardian_consent(application=minor.application, signature="Marta Diaz")
    assert names(guardian="given") == {"Leo Diaz"}


def test_queue_shows_counts_and_places_left(client, alice, academy):
    apps = [apply(academy, email=f"p{n}@example.net").application for n in range(3)]
    services.decide_applications(
        program=academy,
        application_ids=[a.pk for a in apps],
        status=Status.UNDER_REVIEW,
        user=alice,
    )
    services.decide_application(application=apps[0], status=Status.ACCEPTED, user=alice)
    client.force_login(alice)
    page = client.get(queue_url(academy)).content.decode()
    assert "1 of 2 places left." in page
    assert "3 applications in all." in page


def test_bulk_decision_from_the_queue_reports_changes_and_skips(client, alice, youth):
    adult = apply(youth, name="Ana Adult", date_of_birth=ADULT.replace(year=2007)).application
    minor = apply_minor(youth).application
    client.force_login(alice)
    url = queue_url(youth, status="submitted")

    response = client.post(
        url, {"bulk-applications": [adult.pk, minor.pk], "bulk-status": "under_review"}
    )
    assert response.status_code == 302 and response["Location"] == url
    response = client.post(
        url,
        {
            "bulk-applications": [adult.pk, minor.pk],
            "bulk-status": "accepted",
            "bulk-message": "Welcome aboard.",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "1 application is now: Accepted." in page
    assert "Leo Diaz (waiting for the parent or guardian&#x27;s consent)" in page
    adult.refresh_from_db()
    assert adult.status == Status.ACCEPTED and adult.decision_note == "Welcome aboard."


@pytest.mark.parametrize(
    "data",
    [
        {"bulk-status": "accepted"},
        {"bulk-applications": ["abc"], "bulk-status": "accepted"},
        {"bulk-applications": ["999999"], "bulk-status": "accepted"},
        {"bulk-applications": ["1"], "bulk-status": "withdrawn"},
        {"bulk-applications": ["1"], "bulk-status": "accepted", "bulk-message": "m" * 3000},
    ],
)
def test_bad_bulk_input_is_explained_not_a_server_error(client, alice, academy, data):
    apply(academy)
    client.force_login(alice)
    response = client.post(queue_url(academy), data)
    assert response.status_code == 200
    assert "Please correct the following" in response.content.decode()


def test_another_programs_application_cannot_be_decided_from_this_queue(
    client, alice, academy, youth
):
    other = apply_minor(youth).application
    client.force_login(alice)
    response = client.post(
        queue_url(academy), {"bulk-applications": [other.pk], "bulk-status": "under_review"}
    )
    assert response.status_code == 200
    other.refresh_from_db()
    assert other.status == Status.SUBMITTED


@pytest.mark.parametrize("count", [1, 30])
def test_queue_queries_stay_bounded(client, alice, academy, count, django_assert_max_num_queries):
    hillcrest = NeighbourhoodFactory()
    for n in range(count):
        apply(academy, email=f"p{n}@example.net", neighbourhood=hillcrest)
    client.force_login(alice)
    with django_assert_max_num_queries(14):
        assert client.get(queue_url(academy)).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(queue_url(academy, status="submitted", q="Rosa")).status_code == 200


# --- Staff: one application -------------------------------------------------------------


def detail_url(application) -> str:
    return reverse("applications:staff-detail", args=[application.pk])


def test_detail_shows_everything_the_applicant_gave_and_logs_the_look(client, alice, youth):
    application = apply_minor(youth, address="4 Oak Lane").application
    client.force_login(alice)

    page = client.get(detail_url(application)).content.decode()

    for text in ["Leo Diaz", "leo@example.net", "4 Oak Lane", "15 when applying", "Marta Diaz"]:
        assert text in page, text
    assert "Code of conduct" in page and "Not given yet." in page
    assert "It cannot be accepted until the parent or guardian consents." in page
    assert AuditLog.objects.filter(
        action="view_application", actor=alice, target=f"application {application.pk}"
    ).exists()


def test_notes_are_added_on_the_detail_page(client, alice, academy):
    application = apply(academy).application
    client.force_login(alice)
    response = client.post(detail_url(application), {"action": "note", "note-text": "Call back"})
    assert response.status_code == 302
    assert "Call back" in client.get(detail_url(application)).content.decode()
    empty = client.post(detail_url(application), {"action": "note", "note-text": ""})
    assert empty.status_code == 200 and application.notes.count() == 1


def test_single_decision_from_the_detail_page(client, alice, academy):
    submitted = apply(academy)
    application = submitted.application
    client.force_login(alice)
    url = detail_url(application)

    refused = client.post(url, {"action": "decide", "decide-status": "accepted"})
    assert refused.status_code == 200  # only "under review" is offered yet
    client.post(url, {"action": "decide", "decide-status": "under_review"})
    response = client.post(
        url, {"action": "decide", "decide-status": "declined", "decide-message": "Next time!"}
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Status.DECLINED and application.decided_by == alice
    message = OutboxMessage.objects.get(key__endswith=":decision:declined")
    assert "Next time!" in message.body_text
    page = client.get(url).content.decode()
    assert "No further decision can be made on this application." in page


def test_a_missing_application_is_a_404(client, alice, db):
    client.force_login(alice)
    assert client.get(reverse("applications:staff-detail", args=[999999])).status_code == 404


def test_staff_pages_of_a_program_that_does_not_select_are_a_404(client, alice):
    program = ProgramFactory(engagement_type=_type("unstructured-engagement"), owner=alice)
    client.force_login(alice)
    assert client.get(queue_url(program)).status_code == 404
    assert client.get(reverse("applications:staff-settings", args=[program.pk])).status_code == 404


@pytest.mark.parametrize(
    "data",
    [
        {"action": "nonsense"},
        {"action": "withdraw", "confirm": "x" * 10_000},
        {"action": ["withdraw", "resend_guardian"]},
        {"signature": "s" * 10_000, "consent": "on"},
        {"signature": "   ", "consent": "on"},
        {},
    ],
)
def test_private_pages_never_give_a_server_error(client, youth, unlimited_posts, data):
    submitted = apply_minor(youth)
    status = client.post(reverse("applications:status", args=[submitted.token]), data)
    guardian = client.post(guardian_url(submitted.application), data)
    assert status.status_code in (200, 302) and guardian.status_code in (200, 302)
    submitted.application.refresh_from_db()
    assert submitted.application.guardian_consented_at is None
