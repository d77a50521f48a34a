"""Answering surveys: the public link, invitations, the kiosk, QR codes, paper and data entry.

Residents go through the real views with the test client, page by page, as a browser would.
"""

import base64
import re
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from surveys import sealing, services
from surveys.models import Choice, HeldResponse, Invitation, Question, Response, Survey
from tests.concurrency import run_at_once
from tests.factories import NeighbourhoodFactory, ProgramFactory, ResidentFactory

Kind = Question.Kind


def held():
    """The one anonymous response just submitted, as the server (which has the key) reads
    it: held and sealed until 9 more of its kind can be published with it."""
    row = HeldResponse.objects.get()
    payload = sealing.unseal(row.sealed, purpose=services.HELD)
    answers = [
        SimpleNamespace(question_id=a["q"], choice_id=a["c"], number=a["n"], text=a["t"])
        for a in payload["answers"]
    ]
    return SimpleNamespace(pk=row.pk, source=row.source, language=row.language, answers=answers)


def stored_count() -> int:
    """Responses stored, published or held."""
    return Response.objects.count() + HeldResponse.objects.count()


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    # The limiter counts in the default cache, which outlives a test: start every test at zero.
    cache.clear()
    yield
    cache.clear()


def html(response) -> str:
    return response.content.decode()


def make_survey(owner, **fields):
    fields.setdefault("title", {"en": "Community safety survey", "es": "Encuesta de seguridad"})
    fields.setdefault(
        "introduction",
        {"en": "Tell us how safe you feel.", "es": "Díganos qué tan seguro se siente."},
    )
    fields.setdefault("languages", ["en", "es"])
    fields.setdefault("status", Survey.Status.OPEN)
    return Survey.objects.create(owner=owner, **fields)


def add_question(survey, kind, en, es=None, *, page=1, choices=(), **fields):
    position = survey.questions.count()
    question = Question.objects.create(
        survey=survey,
        kind=kind,
        page=page,
        position=position,
        text={"en": en, "es": es or f"ES {en}"},
        **fields,
    )
    for n, (label_en, label_es) in enumerate(choices):
        Choice.objects.create(question=question, position=n, label={"en": label_en, "es": label_es})
    return question


@pytest.fixture
def survey(alice):
    """Three pages: a contact question on page 1 decides whether page 2 asks for a rating."""
    survey = make_survey(alice)
    contact = add_question(
        survey,
        Kind.SINGLE,
        "Did you contact the police this year?",
        "¿Contactó a la policía este año?",
        choices=[("Yes", "Sí"), ("No", "No")],
        required=True,
        help={"en": "Any kind of contact counts.", "es": "Cualquier contacto cuenta."},
    )
    add_question(
        survey, Kind.AGREEMENT, "I feel safe walking at night", "Me siento seguro", required=True
    )
    add_question(
        survey,
        Kind.RATING,
        "How satisfied were you with that contact?",
        page=2,
        required=True,
        condition_choice=contact.choices.get(position=0),
    )
    add_question(
        survey,
        Kind.MULTIPLE,
        "Which matter most?",
        page=2,
        choices=[("Traffic", "Tráfico"), ("Noise", "Ruido"), ("Theft", "Robo")],
    )
    add_question(survey, Kind.LONG_TEXT, "Anything else?", page=3)
    add_question(
        survey, Kind.NUMBER, "Your age", page=3, demographic=True, min_value=16, max_value=120
    )
    add_question(
        survey,
        Kind.SINGLE,
        "Your age group",
        page=3,
        demographic=True,
        choices=[("Under 30", "Menos de 30"), ("30 or over", "30 o más")],
    )
    return survey


def q(survey, n) -> Question:
    """The n-th question (1-based) in answering order."""
    return list(survey.questions.order_by("page", "position", "pk"))[n - 1]


def name(survey, n) -> str:
    return f"q{q(survey, n).pk}"


def choice(survey, n, position) -> str:
    return str(q(survey, n).choices.get(position=position).pk)


def answer_url(survey) -> str:
    return reverse("surveys:answer", args=[survey.public_id])


def post_page(client, survey, page, data=None, action="next", url=None, lang="en"):
    payload = {"page": page, "action": action, "lang": lang, **(data or {})}
    return client.post(url or answer_url(survey), payload)


def page_one(survey, contacted=True):
    return {name(survey, 1): choice(survey, 1, 0 if contacted else 1), name(survey, 2): "4"}


def answer_everything(client, survey, url=None):
    assert post_page(client, survey, 1, page_one(survey), url=url).status_code == 302
    page2 = {name(survey, 3): "5", name(survey, 4): [choice(survey, 4, 0), choice(survey, 4, 2)]}
    assert post_page(client, survey, 2, page2, url=url).status_code == 302
    page3 = {name(survey, 5): "More patrols, please.", name(survey, 6): "44"}
    return post_page(client, survey, 3, page3, action="submit", url=url)


# --- The first page ----------------------------------------------------------------------


def test_first_page_states_title_introduction_mode_and_languages(client, survey):
    response = client.get(answer_url(survey))
    page = html(response)
    assert response.status_code == 200
    assert page.count("<h1") == 1 and "Community safety survey" in page
    assert "Tell us how safe you feel." in page
    assert "Anonymous:" in page and "not linked to your name, email or invitation" in page
    assert 'href="?lang=es"' in page and "Page 1 of 3" in page
    # Page 1 only: the conditional rating and later pages wait.
    assert "Did you contact the police this year?" in page
    assert "How satisfied" not in page and "Anything else?" not in page
    # Radio groups are fieldsets with legends; required said in words; help linked.
    assert page.count("<fieldset") == 2 and "(required)" in page
    help_id = f"id_{name(survey, 1)}-help"
    assert f'id="{help_id}"' in page and f'aria-describedby="{help_id}"' in page
    assert "Strongly disagree" in page and "Strongly agree" in page


def test_identified_survey_says_so_on_the_first_page(client, alice):
    survey = make_survey(alice, mode=Survey.Mode.IDENTIFIED)
    add_question(survey, Kind.YES_NO, "Would you come again?")
    page = html(client.get(answer_url(survey)))
    assert "Identified:" in page and "can see who answered what" in page
    assert "Anonymous:" not in page


def test_survey_pages_send_no_referrer_elsewhere_and_are_not_cached(client, survey):
    response = client.get(answer_url(survey))
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]


# --- Pages, conditions, errors -----------------------------------------------------------


def test_answering_a_multi_page_survey_keeps_answers_until_submitted(client, survey):
    response = post_page(client, survey, 1, page_one(survey))
    assert response.status_code == 302 and response["Location"] == answer_url(survey)
    page2 = html(client.get(answer_url(survey)))
    assert "Page 2 of 3" in page2 and "How satisfied were you with that contact?" in page2

    response = answer_everything(client, survey)
    assert response.status_code == 302
    assert response["Location"] == reverse("surveys:thanks", args=[survey.public_id])
    stored = held()
    assert stored.source == Response.Source.WEB and stored.language == "en"
    answers = {a.question_id: a for a in stored.answers}
    assert answers[q(survey, 2).pk].number == 4
    assert answers[q(survey, 3).pk].number == 5
    assert answers[q(survey, 5).pk].text == "More patrols, please."
    assert answers[q(survey, 6).pk].number == 44
    assert len([a for a in stored.answers if a.question_id == q(survey, 4).pk]) == 2
    # The session data is deleted once the response is stored.
    assert not [k for k, _v in client.session.items() if k.startswith("survey-")]


def test_back_keeps_the_answers_of_every_page(client, survey):
    post_page(client, survey, 1, page_one(survey))
    typed = {name(survey, 3): "2", name(survey, 4): [choice(survey, 4, 1)]}
    assert post_page(client, survey, 2, typed, action="back").status_code == 302
    page1 = html(client.get(answer_url(survey)))
    assert "Page 1 of 3" in page1
    assert re.search(rf'value="{choice(survey, 1, 0)}"[^>]*checked', page1)
    assert re.search(r'value="4"[^>]*checked', page1)
    post_page(client, survey, 1, page_one(survey))
    page2 = html(client.get(answer_url(survey)))
    assert re.search(r'value="2"[^>]*checked', page2)
    assert re.search(rf'value="{choice(survey, 4, 1)}"[^>]*checked', page2)


def test_display_condition_hides_a_question_until_its_choice_is_picked(client, survey):
    post_page(client, survey, 1, page_one(survey, contacted=False))
    page2 = html(client.get(answer_url(survey)))
    assert "How satisfied" not in page2 and "Which matter most?" in page2
    # The hidden question is required, but hidden: Next goes on without it.
    assert post_page(client, survey, 2, {}).status_code == 302
    post_page(client, survey, 2, {}, action="back")
    post_page(client, survey, 1, page_one(survey, contacted=True))
    assert "How satisfied" in html(client.get(answer_url(survey)))


def test_a_page_whose_questions_are_all_hidden_is_skipped(client, alice):
    survey = make_survey(alice)
    gate = add_question(survey, Kind.YES_NO, "Gate", choices=[])
    single = add_question(survey, Kind.SINGLE, "Own a car?", choices=[("Yes", "Sí"), ("No", "No")])
    add_question(
        survey, Kind.SHORT_TEXT, "Which car?", page=2, condition_choice=single.choices.first()
    )
    add_question(survey, Kind.SHORT_TEXT, "Last words", page=3)
    data = {f"q{gate.pk}": "1", f"q{single.pk}": str(single.choices.last().pk)}
    post_page(client, survey, 1, data)
    page = html(client.get(answer_url(survey)))
    assert "Last words" in page and "Page 2 of 2" in page


def test_required_errors_keep_every_typed_answer_and_are_announced(client, survey):
    post_page(client, survey, 1, page_one(survey))
    response = post_page(
        client, survey, 2, {name(survey, 4): [choice(survey, 4, 0), choice(survey, 4, 1)]}
    )
    page = html(response)
    assert response.status_code == 200
    assert 'role="alert"' in page and 'id="error-summary"' in page
    assert "Please answer this question." in page
    assert f'href="#id_{name(survey, 3)}_0"' in page
    assert f'aria-describedby="id_{name(survey, 3)}-error"' in page
    assert re.search(rf'value="{choice(survey, 4, 0)}"[^>]*checked', page)
    assert re.search(rf'value="{choice(survey, 4, 1)}"[^>]*checked', page)
    assert "<title>Error:" in page
    assert stored_count() == 0


def test_errors_found_at_the_end_reopen_their_page_with_what_was_typed(client, survey):
    post_page(client, survey, 1, page_one(survey))
    post_page(client, survey, 2, {name(survey, 3): "3"})
    response = post_page(
        client,
        survey,
        3,
        {name(survey, 5): "Typed with care", name(survey, 6): "twelve"},
        action="submit",
    )
    page = html(response)
    assert "Enter a whole number." in page
    assert 'value="twelve"' in page and "Typed with care" in page
    assert 'aria-invalid="true"' in page
    assert stored_count() == 0


def test_demographic_questions_offer_prefer_not_to_say_stored_as_declined(client, survey):
    post_page(client, survey, 1, page_one(survey))
    post_page(client, survey, 2, {name(survey, 3): "4"})
    page3 = html(client.get(answer_url(survey)))
    assert page3.count("Prefer not to say") == 2
    response = post_page(
        client,
        survey,
        3,
        {f"{name(survey, 6)}_declined": "on", name(survey, 7): services.DECLINED},
        action="submit",
    )
    assert response.status_code == 302
    payload = sealing.unseal(HeldResponse.objects.get().sealed, purpose=services.HELD)
    declined = [a for a in payload["answers"] if a["d"]]
    assert {a["q"] for a in declined} == {q(survey, 6).pk, q(survey, 7).pk}


def test_prefer_not_to_say_is_refused_on_a_question_that_is_not_demographic(client, survey):
    response = post_page(
        client, survey, 1, {name(survey, 1): services.DECLINED, name(survey, 2): "3"}
    )
    assert response.status_code == 200
    assert "Choose one of the answers offered." in html(response)


def test_spanish_with_lang_renders_survey_texts_and_the_interface(client, survey):
    response = client.get(answer_url(survey) + "?lang=es")
    page = html(response)
    assert '<html lang="es"' in page
    assert "Encuesta de seguridad" in page and "¿Contactó a la policía este año?" in page
    assert "Cualquier contacto cuenta." in page and "Sí" in page
    assert "Saltar al contenido principal" in page
    assert "Skip to main content" not in page
    # The choice sticks: the next page and the stored response are in Spanish too.
    post_page(client, survey, 1, page_one(survey), lang="es")
    assert '<html lang="es"' in html(client.get(answer_url(survey)))
    post_page(client, survey, 2, {name(survey, 3): "4"}, lang="es")
    post_page(client, survey, 3, {}, action="submit", lang="es")
    assert held().language == "es"


def test_a_language_the_survey_does_not_offer_falls_back_to_its_first(client, alice):
    survey = make_survey(alice, languages=["en"], title={"en": "English only"})
    add_question(survey, Kind.YES_NO, "Fine?")
    page = html(client.get(answer_url(survey) + "?lang=es"))
    assert '<html lang="en"' in page and "English only" in page


# --- Not open, closed, versions, unknown --------------------------------------------------


def test_closed_survey_page_says_when_it_closed_in_the_agency_zone(client, survey, settings):
    settings.TIME_ZONE = "America/Chicago"
    services.close_survey(survey=survey, now=datetime(2025, 3, 4, 23, 30, tzinfo=UTC))
    page = html(client.get(answer_url(survey)))
    assert "This survey is closed." in page
    assert "It closed on" in page and "5:30" in page and "CST" in page
    assert 'name="page"' not in page


def test_survey_past_its_closing_time_says_when_it_closed(client, survey):
    survey.closes_at = timezone.now() - timedelta(days=1)
    survey.save()
    page = html(client.get(answer_url(survey)))
    assert "This survey is closed." in page and "It closed on" in page


def test_draft_survey_is_not_open_yet(client, survey):
    survey.status = Survey.Status.DRAFT
    survey.save()
    page = html(client.get(answer_url(survey)))
    assert "This survey is not open yet." in page and 'name="page"' not in page
    assert post_page(client, survey, 1, page_one(survey)).status_code == 200
    assert stored_count() == 0


def test_old_version_link_shows_the_current_version(client, survey, alice):
    newer = services.new_version(survey=survey, user=alice)
    newer.title = {"en": "Community safety survey (2)", "es": "Encuesta (2)"}
    newer.save()
    services.open_survey(survey=newer)
    page = html(client.get(answer_url(survey)))
    assert "Community safety survey (2)" in page
    assert f'value="{newer.questions.first().choices.first().pk}"' in page


@pytest.mark.parametrize("public_id", ["nope", "x" * 17, "../../etc"])
def test_unknown_surveys_are_not_found(client, db, public_id):
    assert client.get(f"/surveys/{public_id}/").status_code == 404
    assert client.get(f"/surveys/{public_id}/thanks/").status_code == 404


@pytest.mark.parametrize("page", ["", "abc", "99", "-1"])
def test_unknown_page_numbers_are_not_found(client, survey, page):
    response = client.post(answer_url(survey), {"page": page, "action": "next"})
    assert response.status_code == 404


# --- Bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "value", "message"),
    [
        (1, "999999", "Choose one of the answers offered."),  # not a choice of this question
        (1, "abc", "Choose one of the answers offered."),
        (2, "9", "Choose one of the answers offered."),  # off the 5-point scale
        (2, "x", "Enter a whole number."),
    ],
)
def test_malformed_values_are_refused_with_a_message(client, survey, n, value, message):
    data = page_one(survey)
    data[name(survey, n)] = value
    response = post_page(client, survey, 1, data)
    assert response.status_code == 200 and message in html(response)


def test_two_values_for_a_single_choice_are_refused(client, survey):
    data = page_one(survey)
    data[name(survey, 1)] = [choice(survey, 1, 0), choice(survey, 1, 1)]
    response = post_page(client, survey, 1, data)
    assert "Choose one of the answers offered." in html(response)


def test_too_long_text_and_huge_numbers_are_refused_with_messages(client, survey):
    post_page(client, survey, 1, page_one(survey))
    post_page(client, survey, 2, {name(survey, 3): "4"})
    response = post_page(
        client,
        survey,
        3,
        {name(survey, 5): "x" * 6000, name(survey, 6): "9" * 40},
        action="submit",
    )
    page = html(response)
    assert response.status_code == 200
    assert "Please keep this answer under 5000 characters." in page
    assert "Enter a number between 16 and 120." in page
    assert stored_count() == 0


def test_a_ten_megabyte_body_gets_the_friendly_400_page(client, survey):
    data = page_one(survey)
    data[name(survey, 1)] = "x" * (10 * 1024 * 1024)
    response = post_page(client, survey, 1, data)
    assert response.status_code == 400
    assert "We could not understand that request" in html(response)


def test_answer_posts_are_rate_limited_but_the_kiosk_is_not(client, survey):
    with time_machine.travel(timezone.now(), tick=False):
        codes = [post_page(client, survey, 1, page_one(survey)).status_code for _ in range(10)]
        blocked = post_page(client, survey, 1, page_one(survey))
        kiosk = [
            post_page(client, survey, 1, page_one(survey), url=kiosk_url(survey)).status_code
            for _ in range(15)
        ]
    assert codes == [302] * 10
    assert blocked.status_code == 429 and "Too many attempts" in html(blocked)
    assert kiosk == [302] * 15


def test_answer_page_queries_are_bounded(client, survey, django_assert_max_num_queries):
    for n in range(20):
        add_question(survey, Kind.SINGLE, f"Extra {n}", choices=[("A", "A"), ("B", "B")])
    NeighbourhoodFactory.create_batch(5)
    add_question(survey, Kind.NEIGHBOURHOOD, "Where do you live?")
    client.get(answer_url(survey))  # the session exists from here on
    with django_assert_max_num_queries(6):
        response = client.get(answer_url(survey))
    assert response.status_code == 200 and "Extra 19" in html(response)


# --- Thanks and follow-up emails ----------------------------------------------------------


def test_thanks_page_keeps_a_follow_up_email_apart_from_the_answers(client, survey):
    answer_everything(client, survey)
    page = html(client.get(reverse("surveys:thanks", args=[survey.public_id])))
    assert "Thank you for your answers" in page
    assert "separate list that is not linked to your answers" in page
    response = client.post(
        reverse("surveys:thanks", args=[survey.public_id]), {"email": " Rosa@Example.net "}
    )
    assert response.status_code == 302
    contact = survey.follow_up_contacts.get()
    assert contact.email == "rosa@example.net"
    assert [f.name for f in contact._meta.concrete_fields] == ["id", "survey", "email", "language"]
    assert "We will write to you" in html(client.get(response["Location"]))


def test_thanks_page_refuses_a_bad_email_with_a_message(client, survey):
    response = client.post(reverse("surveys:thanks", args=[survey.public_id]), {"email": "nope"})
    assert response.status_code == 200 and "Enter a valid email address." in html(response)
    assert not survey.follow_up_contacts.exists()


def test_identified_survey_thanks_page_offers_no_separate_email(client, alice):
    survey = make_survey(alice, mode=Survey.Mode.IDENTIFIED)
    page = html(client.get(reverse("surveys:thanks", args=[survey.public_id])))
    assert "Thank you for your answers" in page and 'name="email"' not in page


def test_thanks_page_links_to_published_results(client, survey):
    survey.results_published = True
    survey.save()
    page = html(client.get(reverse("surveys:thanks", args=[survey.public_id])))
    assert reverse("surveys:public-results", args=[survey.public_id]) in page


# --- Invitations and anonymity -------------------------------------------------------------


def make_invitation(survey, n=1, **fields) -> tuple[Invitation, str]:
    token, token_hash = services.new_invitation_token()
    invitation = Invitation.objects.create(
        survey=survey,
        contact=f"invitee{n}@example.net",
        channel="email",
        language=fields.pop("language", "en"),
        token_hash=token_hash,
        status=Invitation.Status.SENT,
        **fields,
    )
    return invitation, token


def invitation_url(token) -> str:
    return reverse("surveys:invitation", args=[token])


def test_invitation_link_redirects_at_once_to_a_token_free_address(client, survey):
    invitation, token = make_invitation(survey)
    response = client.get(invitation_url(token))
    assert response.status_code == 302
    assert response["Location"].startswith(answer_url(survey))
    assert token not in response["Location"]
    assert response["Referrer-Policy"] == "no-referrer"
    invitation.refresh_from_db()
    assert invitation.opened and not invitation.used

    pages = [client.get(response["Location"])]
    pages.append(answer_everything(client, survey))
    pages.append(client.get(pages[-1]["Location"]))
    for page in pages:
        assert token not in html(page) and token not in page.get("Location", "")
    stored = held()
    assert stored.source == Response.Source.INVITATION
    invitation.refresh_from_db()
    assert invitation.used


def test_invitation_in_spanish_opens_the_survey_in_spanish(client, survey):
    _invitation, token = make_invitation(survey, language="es")
    response = client.get(invitation_url(token), follow=True)
    assert "¿Contactó a la policía este año?" in html(response)


def test_a_used_invitation_gets_the_friendly_page(client, survey):
    invitation, token = make_invitation(survey, used=True)
    response = client.get(invitation_url(token))
    assert response.status_code == 200
    assert "You have already answered this survey" in html(response)


@pytest.mark.parametrize("token", ["not-a-token", "x" * 200])
def test_an_unknown_invitation_gets_the_friendly_404(client, db, token):
    response = client.get(invitation_url(token))
    assert response.status_code == 404
    assert "This survey link does not work" in html(response)


def test_an_invitation_used_meanwhile_gets_the_friendly_page_on_submit(client, survey):
    invitation, token = make_invitation(survey)
    client.get(invitation_url(token))
    Invitation.objects.filter(pk=invitation.pk).update(used=True)  # answered on another device
    response = answer_everything(client, survey)
    assert response.status_code == 200
    assert "You have already answered this survey" in html(response)
    assert stored_count() == 0


def test_stored_anonymous_response_holds_nothing_that_links_it_to_anyone(client, survey, dave):
    resident = ResidentFactory(user=dave)
    invitation, token = make_invitation(survey, resident=resident)
    client.force_login(dave)
    client.get(invitation_url(token))
    # Between pages, the session row read from the database shows no answer, no invitation.
    post_page(client, survey, 1, page_one(survey))
    post_page(client, survey, 2, {name(survey, 3): "5"})
    session_rows = "".join(Session.objects.values_list("session_data", flat=True))
    for row in Session.objects.all():
        for key, value in row.get_decoded().items():
            if key.startswith("survey-"):
                assert "invitation" not in value and "answers" not in value
                assert sealing.unseal(value, purpose="surveys.answering-state")["invitation"]
    assert "invitation" not in session_rows
    answer_everything(client, survey)

    # Nothing is published yet, and what waits shows only its stratum, the rest sealed.
    assert Response.objects.count() == 0
    row = HeldResponse.objects.values().get()
    assert set(row) == {"id", "survey_id", "language", "source", "sealed"}
    assert isinstance(row["id"], uuid.UUID)
    raw = base64.urlsafe_b64decode(row["sealed"])
    assert b"More patrols" not in raw and b'"n":44' not in raw
    assert sealing.unseal(row["sealed"], purpose=services.HELD)["answers"]
    assert (row["language"], row["source"]) == ("en", Response.Source.INVITATION)
    # The invitation learnt only that it was used: no response id, no time.
    before = Invitation.objects.filter(pk=invitation.pk).values().get()
    assert before["used"] is True and before["opened"] is True
    assert not any(isinstance(v, uuid.UUID) and v == row["id"] for v in before.values())
    assert before["last_sent_at"] is None
    assert {f.name for f in Invitation._meta.concrete_fields} & {"response", "used_at"} == set()
    # Once submitted, no session row keeps the answering state, even sealed.
    for stored in Session.objects.all():
        assert not [k for k in stored.get_decoded() if k.startswith("survey-")]


def test_identified_survey_links_the_invitation_resident(client, alice):
    survey = make_survey(alice, mode=Survey.Mode.IDENTIFIED)
    question = add_question(survey, Kind.YES_NO, "Was it useful?", required=True)
    resident = ResidentFactory()
    _invitation, token = make_invitation(survey, resident=resident)
    client.get(invitation_url(token))
    post_page(client, survey, 1, {f"q{question.pk}": "1"}, action="submit")
    assert Response.objects.get().resident == resident


race = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@race
def test_one_invitation_submitted_from_several_devices_at_once_stores_one_response():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")
    from tests.factories import StaffUserFactory

    survey = make_survey(StaffUserFactory())
    question = add_question(survey, Kind.YES_NO, "Was it useful?", required=True)
    invitation, token = make_invitation(survey)
    clients = [Client() for _ in range(8)]
    for device in clients:
        assert device.get(invitation_url(token)).status_code == 302
    results = [None] * len(clients)

    def submit(i):
        results[i] = post_page(clients[i], survey, 1, {f"q{question.pk}": "1"}, action="submit")

    assert run_at_once(len(clients), submit) == []
    assert stored_count() == 1
    assert [a.question_id for a in held().answers] == [question.pk]
    codes = sorted(r.status_code for r in results)
    assert codes == [200] * 7 + [302]
    assert all("already answered" in html(r) for r in results if r.status_code == 200)
    invitation.refresh_from_db()
    assert invitation.used


# --- Kiosk ---------------------------------------------------------------------------------


def kiosk_url(survey) -> str:
    return reverse("surveys:kiosk", args=[survey.public_id])


def test_kiosk_stores_kiosk_responses_and_resets_for_the_next_person(client, survey):
    page = html(client.get(kiosk_url(survey)))
    assert "survey-kiosk" in page and "Start again and clear these answers" in page
    response = answer_everything(client, survey, url=kiosk_url(survey))
    assert response.status_code == 302 and response["Location"] == kiosk_url(survey)
    assert held().source == Response.Source.KIOSK

    done = html(client.get(kiosk_url(survey)))
    assert "Start a new survey" in done and 'name="email"' not in done
    assert client.post(kiosk_url(survey), {"action": "restart"}).status_code == 302
    fresh = html(client.get(kiosk_url(survey)))
    assert "Page 1 of 3" in fresh and "checked" not in fresh


def test_kiosk_start_again_mid_survey_forgets_the_answers(client, survey):
    post_page(client, survey, 1, page_one(survey), url=kiosk_url(survey))
    client.post(kiosk_url(survey), {"action": "restart"})
    page = html(client.get(kiosk_url(survey)))
    assert "Page 1 of 3" in page and "checked" not in page
    assert not [k for k, _v in client.session.items() if k.startswith("survey-")]


def test_a_kiosk_shows_only_the_survey(client, survey, alice):
    """Issue 17, item 8: no site menu, no "Log in", no footer links to wander off through;
    the restart form and the idle settings are on every kiosk page."""
    for page in (html(client.get(kiosk_url(survey))), html(client.get(answer_url(survey)))):
        assert ("Log in" in page) is ("survey-kiosk" not in page)
    kiosk = html(client.get(kiosk_url(survey)))
    assert 'id="main-nav"' not in kiosk and "You said, we did" not in kiosk
    assert 'id="kiosk-reset"' in kiosk and 'data-idle-seconds="90"' in kiosk
    assert "js/kiosk.js" in kiosk and "Are you still there?" in kiosk
    # Signed-in staff setting the tablet up see no staff menu either.
    client.force_login(alice)
    assert "My work" not in html(client.get(kiosk_url(survey)))
    answer_everything(client, survey, url=kiosk_url(survey))
    done = html(client.get(kiosk_url(survey)))
    assert "Start a new survey" in done and 'id="kiosk-reset"' in done and "Log in" not in done


def test_a_kiosk_forgets_answers_left_untouched_even_without_its_script(client, survey, settings):
    settings.PORTAL_KIOSK_FORGET_SECONDS = 600
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        post_page(client, survey, 1, page_one(survey), url=kiosk_url(survey))
    with time_machine.travel(start + timedelta(seconds=590), tick=False):
        kept = html(client.get(kiosk_url(survey)))
    assert "Page 2 of 3" in kept  # still the same person
    with time_machine.travel(start + timedelta(seconds=590 + 601), tick=False):
        fresh = html(client.get(kiosk_url(survey)))
    assert "Page 1 of 3" in fresh and "checked" not in fresh

    # A page posted after such a pause starts over too, keeping nothing of the last person.
    with time_machine.travel(start + timedelta(seconds=1300), tick=False):
        post_page(client, survey, 1, page_one(survey), url=kiosk_url(survey))
    with time_machine.travel(start + timedelta(seconds=1300 + 601), tick=False):
        posted = post_page(client, survey, 2, {}, url=kiosk_url(survey))
        again = html(client.get(kiosk_url(survey)))
    assert posted.status_code == 302
    assert "Page 1 of 3" in again and "checked" not in again
    assert not HeldResponse.objects.exists()


# --- QR code and paper ---------------------------------------------------------------------


def test_qr_codes_in_png_and_svg(client, survey):
    png = client.get(reverse("surveys:qr", args=[survey.public_id, "png"]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = client.get(reverse("surveys:qr", args=[survey.public_id, "svg"]))
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content
    assert client.get(reverse("surveys:qr", args=[survey.public_id, "gif"])).status_code == 404
    assert client.get(reverse("surveys:qr", args=["unknown", "png"])).status_code == 404


def test_qr_code_encodes_the_absolute_public_link(survey, settings):
    from surveys.views_public import public_link

    settings.PORTAL_BASE_URL = "https://engage.example.org/"
    assert public_link(survey) == f"https://engage.example.org/surveys/{survey.public_id}/"


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["Response code:", "Did you contact the police this year?", "Strongly agree"]),
        ("es", ["Código de respuesta:", "¿Contactó a la policía este año?", "Sí"]),
    ],
)
def test_printable_version_has_the_response_code_in_each_language(client, survey, lang, expected):
    response = client.get(reverse("surveys:print", args=[survey.public_id, lang]))
    page = html(response)
    assert response.status_code == 200
    assert f"{survey.public_id[:6].upper()}-{lang.upper()}" in page
    for text in expected:
        assert text in page
    assert page.count("<h1") == 1 and "paper-box" in page and "paper-line" in page
    assert "Anything else?" in page or lang == "es"


def test_printable_version_in_a_language_not_offered_is_not_found(client, survey):
    assert client.get(reverse("surveys:print", args=[survey.public_id, "fr"])).status_code == 404


def paper_url(survey, lang=None) -> str:
    url = reverse("surveys:staff-paper", args=[survey.pk])
    return f"{url}?lang={lang}" if lang else url


def test_paper_entry_stores_paper_responses_and_counts_them(client, survey, alice):
    client.force_login(alice)
    page = html(client.get(paper_url(survey)))
    assert "Enter paper responses" in page and "autofocus" in page
    data = {
        "lang": "es",
        name(survey, 1): choice(survey, 1, 1),
        name(survey, 2): "2",
        name(survey, 5): "Escrito a mano",
    }
    response = client.post(paper_url(survey), data)
    assert response.status_code == 302
    stored = held()
    assert stored.source == Response.Source.PAPER and stored.language == "es"
    assert [a.text for a in stored.answers if a.question_id == q(survey, 5).pk] == [
        "Escrito a mano"
    ]
    after = html(client.get(response["Location"]))
    assert "Saved. Paper responses entered: 1" in after and 'role="status"' in after
    assert "checked" not in after and "autofocus" in after


def test_the_last_paper_entries_can_be_undone_by_who_typed_them(client, survey, alice, root):
    from engagement_portal.core.models import AuditLog

    client.force_login(alice)
    for text in ("First", "Second"):
        client.post(paper_url(survey), {"lang": "en", name(survey, 5): text})
    assert stored_count() == 2
    page = html(client.get(paper_url(survey)))
    assert "Delete the last response I entered" in page
    undo = reverse("surveys:staff-paper-undo", args=[survey.pk])
    response = client.post(undo, {"lang": "es"}, follow=True)
    assert response.redirect_chain[-1][0] == paper_url(survey, "es")
    assert "The last paper response you entered is deleted." in html(response)
    assert [a.text for a in held().answers if a.question_id == q(survey, 5).pk] == ["First"]
    assert AuditLog.objects.filter(action="survey.response.delete").count() == 1

    # Someone else, in another session, has nothing of theirs to undo.
    other = Client()
    other.force_login(root)
    assert "Delete the last response I entered" not in html(other.get(paper_url(survey)))
    response = other.post(undo, follow=True)
    assert "There is no paper response of yours to undo." in html(response)
    assert stored_count() == 1

    client.post(undo)
    assert stored_count() == 0
    response = client.post(undo, follow=True)  # nothing left: a polite message, no error
    assert "There is no paper response of yours to undo." in html(response)
    assert client.get(undo).status_code == 405


def test_paper_entry_errors_keep_what_was_typed(client, survey, alice):
    client.force_login(alice)
    response = client.post(
        paper_url(survey), {name(survey, 5): "Keep me", name(survey, 6): "abc", "lang": "en"}
    )
    page = html(response)
    assert response.status_code == 200 and "Enter a whole number." in page
    assert "Keep me" in page and 'value="abc"' in page
    assert stored_count() == 0


def test_paper_entry_is_for_survey_managers_only(client, survey, bob, carol, dave, root):
    response = client.get(paper_url(survey))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    for person in (bob, carol, dave):
        client.force_login(person)
        assert client.get(paper_url(survey)).status_code == 403
        assert client.post(paper_url(survey), {name(survey, 2): "3"}).status_code == 403
    assert stored_count() == 0
    client.force_login(root)
    assert client.get(paper_url(survey)).status_code == 200


def test_program_team_may_enter_paper_responses(client, alice, bob):
    program = ProgramFactory(owner=bob)
    survey = make_survey(alice, program=program)
    add_question(survey, Kind.YES_NO, "Useful?")
    client.force_login(bob)
    assert client.get(paper_url(survey)).status_code == 200


# --- Conditions on yes/no, scales and numbers (issue 17, item 9) ---------------------------


def test_visible_questions_follow_yes_no_scale_and_number_answers(alice):
    from surveys import builder

    survey = builder.create_survey(owner=alice, title={"en": "S"}, languages=["en"])

    def add(kind, **fields):
        return builder.add_question(survey=survey, kind=kind, text={"en": kind}, **fields)

    called = add(Question.Kind.YES_NO)
    why = add(Question.Kind.SHORT_TEXT, condition_question=called, condition_value=1)
    score = add(Question.Kind.SCALE)
    low = add(
        Question.Kind.LONG_TEXT,
        condition_question=score,
        condition_operator="lte",
        condition_value=6,
    )
    years = add(Question.Kind.NUMBER)
    old_timer = add(
        Question.Kind.SHORT_TEXT,
        condition_question=years,
        condition_operator="gte",
        condition_value=10,
    )
    # Depends on a question that is itself hidden: hidden too, whatever its answer says.
    chained = add(Question.Kind.SHORT_TEXT, condition_question=called, condition_value=0)
    questions = list(survey.questions.prefetch_related("choices").order_by("page", "position"))

    def shown(answers=None):
        raw = {f"q{q.pk}": [v] for q, v in (answers or {}).items()}
        return {q.pk for q in services.visible_questions(questions, raw)}

    base = {called.pk, score.pk, years.pk}
    assert shown() == base
    assert shown({called: "1", score: "6", years: "10"}) == base | {why.pk, low.pk, old_timer.pk}
    assert shown({called: "0", score: "7", years: "9"}) == base | {chained.pk}
    assert shown({score: "not a number", years: "1e3"}) == base


def test_a_value_condition_shows_when_answering_and_on_paper(client, alice):
    from surveys import builder

    survey = builder.create_survey(
        owner=alice, title={"en": "S", "es": "E"}, languages=["en", "es"]
    )
    score = builder.add_question(
        survey=survey, kind=Question.Kind.SCALE, text={"en": "Score?", "es": "¿Nota?"}
    )
    builder.add_question(
        survey=survey,
        kind=Question.Kind.LONG_TEXT,
        page=2,
        text={"en": "What would make it a 10?", "es": "¿Qué haría falta para un 10?"},
        condition_question=score,
        condition_operator="lte",
        condition_value=6,
    )
    Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.OPEN)

    client.post(
        answer_url(survey), {"page": 1, "action": "next", "lang": "en", f"q{score.pk}": "4"}
    )
    assert "What would make it a 10?" in html(client.get(answer_url(survey)))

    paper = html(client.get(reverse("surveys:print", args=[survey.public_id, "en"])))
    assert "Answer only if your answer to question 1 is at most 6." in paper
