"""Anonymity of survey responses, proven on the stored rows and under concurrency."""

import random
import uuid
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models
from django.utils import timezone

from surveys import services
from surveys.models import Answer, Choice, Invitation, Question, Response, Survey
from tests.concurrency import run_at_once
from tests.factories import ResidentFactory, StaffUserFactory


@pytest.fixture
def survey(db):
    survey = Survey.objects.create(
        owner=StaffUserFactory(),
        title={"en": "Neighbourhood safety", "es": "Seguridad del vecindario"},
        languages=["en", "es"],
        status=Survey.Status.OPEN,
    )
    Question.objects.create(
        survey=survey, kind="number", text={"en": "A number", "es": "Un número"}, position=1
    )
    Question.objects.create(
        survey=survey,
        kind="agreement",
        text={"en": "I feel safe", "es": "Me siento seguro"},
        position=2,
    )
    return survey


def invite(survey, n):
    token, token_hash = services.new_invitation_token()
    invitation = Invitation.objects.create(
        survey=survey,
        resident=ResidentFactory(email=f"invitee{n}@example.net"),
        contact=f"invitee{n}@example.net",
        channel="email",
        language="en",
        token_hash=token_hash,
        status=Invitation.Status.SENT,
    )
    return invitation, token


def answer(survey, n, invitation=None):
    number_q, agree_q = survey.questions.order_by("position")
    cleaned = services.clean_answers(
        survey, {f"q{number_q.pk}": [str(n)], f"q{agree_q.pk}": [str(n % 5 + 1)]}
    )
    return services.submit_response(
        survey=survey,
        cleaned=cleaned,
        language="en",
        source=Response.Source.WEB,
        invitation_id=invitation.pk if invitation else None,
        resident=invitation.resident if invitation else None,
    )


def test_an_anonymous_response_stores_nothing_that_links_it_to_a_person(survey):
    invitation, token = invite(survey, 1)
    response = answer(survey, 1, invitation)
    response.refresh_from_db()
    invitation.refresh_from_db()
    # The response: a random key, the date only, no person.
    assert isinstance(response.pk, uuid.UUID) and response.pk.version == 4
    assert type(response.submitted_on) is date
    assert response.resident_id is None
    # No column of Response could hold a time, an address, a user or an invitation.
    for field in Response._meta.concrete_fields:
        assert not isinstance(field, models.DateTimeField), field.name
        assert field.name not in {"ip", "ip_address", "user", "invitation", "token"}
    assert {f.name for f in Response._meta.concrete_fields} == {
        "id",
        "survey",
        "language",
        "source",
        "submitted_on",
        "neighbourhood",
        "resident",
    }
    # Answers have random keys too, so their order says nothing.
    assert all(isinstance(a.pk, uuid.UUID) for a in response.answers.all())
    # The invitation: only a hash of its token and the fact that it was used.
    assert invitation.used is True
    assert token not in invitation.token_hash
    assert invitation.token_hash == services.hash_token(token)
    for field in Invitation._meta.concrete_fields:
        assert not isinstance(field, models.ForeignKey) or field.name in {
            "survey",
            "distribution",
            "resident",
        }
    assert not any(
        isinstance(f, models.ForeignKey) and f.related_model is Invitation
        for f in Response._meta.concrete_fields + Answer._meta.concrete_fields
    )


def test_an_identified_response_is_linked_to_the_invited_resident(survey):
    survey.mode = Survey.Mode.IDENTIFIED
    survey.save()
    invitation, _token = invite(survey, 1)
    response = answer(survey, 1, invitation)
    assert response.resident == invitation.resident


def test_an_invitation_answers_once(survey):
    invitation, _token = invite(survey, 1)
    answer(survey, 1, invitation)
    with pytest.raises(services.InvitationUsed):
        answer(survey, 1, invitation)
    assert survey.responses.count() == 1


def test_a_failed_store_releases_the_invitation(survey, monkeypatch):
    invitation, _token = invite(survey, 1)

    def boom(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(Answer.objects, "bulk_create", boom)
    with pytest.raises(RuntimeError):
        answer(survey, 1, invitation)
    invitation.refresh_from_db()
    assert invitation.used is False and survey.responses.count() == 0


def test_an_invitation_from_before_a_new_version_answers_the_new_version_once(survey):
    invitation, _token = invite(survey, 1)
    answer(survey, 0)  # someone else's answer locks version 1
    newer = services.new_version(survey=survey, user=survey.owner)
    services.open_survey(survey=newer)
    answer(newer, 1, invitation)
    with pytest.raises(services.InvitationUsed):
        answer(newer, 1, invitation)
    assert newer.responses.count() == 1


def test_the_mode_cannot_change_once_there_is_a_response(survey):
    services.set_mode(survey=survey, mode=Survey.Mode.IDENTIFIED)
    services.set_mode(survey=survey, mode=Survey.Mode.ANONYMOUS)
    answer(survey, 1)
    with pytest.raises(ValidationError):
        services.set_mode(survey=survey, mode=Survey.Mode.IDENTIFIED)


def test_questions_lock_once_answered_and_a_new_version_carries_them(survey):
    services.ensure_editable(survey)
    answer(survey, 1)
    with pytest.raises(services.SurveyLocked):
        services.ensure_editable(survey)
    newer = services.new_version(survey=survey, user=survey.owner)
    assert services.new_version(survey=survey, user=survey.owner) == newer  # run twice
    survey.refresh_from_db()
    assert survey.status == Survey.Status.CLOSED and newer.version == 2
    assert services.current_version(survey) == newer
    assert [q.text for q in newer.questions.all()] == [q.text for q in survey.questions.all()]
    services.ensure_editable(newer)


def test_a_survey_cannot_open_with_translation_gaps(survey):
    survey.status = Survey.Status.DRAFT
    survey.save()
    question = survey.questions.first()
    question.text = {"en": "Only English"}
    question.save()
    with pytest.raises(ValidationError) as error:
        services.open_survey(survey=survey)
    assert any("Spanish" in m for m in error.value.messages)
    question.text["es"] = "Solo inglés"
    question.save()
    assert services.open_survey(survey=survey).status == Survey.Status.OPEN


def test_display_conditions_hide_questions_and_their_answers(survey):
    gate = Question.objects.create(
        survey=survey, kind="single", text={"en": "Contact?"}, position=3
    )
    yes = Choice.objects.create(question=gate, label={"en": "Yes"}, position=1)
    no = Choice.objects.create(question=gate, label={"en": "No"}, position=2)
    follow = Question.objects.create(
        survey=survey,
        kind="rating",
        text={"en": "How was it?"},
        required=True,
        condition_choice=yes,
        position=4,
    )
    shown = services.clean_answers(survey, {f"q{gate.pk}": [str(yes.pk)]})
    assert shown.errors == {follow.pk: "Please answer this question."}
    hidden = services.clean_answers(survey, {f"q{gate.pk}": [str(no.pk)], f"q{follow.pk}": ["5"]})
    assert hidden.ok and follow not in [a["question"] for a in hidden.answers]


@pytest.mark.parametrize(
    "values, error",
    [
        (["abc"], "whole number"),
        (["1", "2"], "one answer"),
        (["9999999999999"], "smaller number"),
    ],
)
def test_malformed_numbers_are_refused_with_a_message(survey, values, error):
    number_q = survey.questions.get(kind="number")
    cleaned = services.clean_answers(survey, {f"q{number_q.pk}": values})
    assert error in cleaned.errors[number_q.pk]


def test_prefer_not_to_say_only_on_demographic_questions(survey):
    age = Question.objects.create(
        survey=survey, kind="single", text={"en": "Age"}, demographic=True, required=True
    )
    assert services.clean_answers(survey, {}).ok  # demographic questions are never required
    cleaned = services.clean_answers(survey, {f"q{age.pk}": [services.DECLINED]})
    assert cleaned.answers == [{"question": age, "declined": True}]
    agree = survey.questions.get(kind="agreement")
    assert agree.pk in services.clean_answers(survey, {f"q{agree.pk}": [services.DECLINED]}).errors


# --- PostgreSQL: concurrency and the database-level view -------------------------------

pg = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")


@pg
def test_one_invitation_submitted_eight_times_at_once_stores_one_response(postgres_only, survey):
    invitation, _token = invite(survey, 1)
    errors = run_at_once(8, lambda i: answer(survey, i, invitation))
    assert survey.responses.count() == 1
    assert len(errors) == 7 and all(isinstance(e, services.InvitationUsed) for e in errors)


def system_order(model, column):
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT "id", {column} FROM "{model._meta.db_table}" ORDER BY {column}, "id"'
        )
        return cursor.fetchall()


@pg
def test_mixing_erases_write_order_and_transaction_ids(postgres_only, survey):
    invited = [invite(survey, n) for n in range(40)]
    order = list(range(40))
    random.shuffle(order)
    responses = [answer(survey, n, invited[n][0]).pk for n in order]
    by_xmin = [row[0] for row in system_order(Response, "xmin::text::bigint")]
    assert by_xmin == responses  # before mixing, xmin gives away the order of answering

    assert services.mix_recent_anonymous_rows()["responses"] == 40
    rows = system_order(Response, "xmin::text::bigint")
    xmins = {row[1] for row in rows}
    assert len(xmins) == 1  # one transaction rewrote them all
    by_ctid = [row[0] for row in system_order(Response, "ctid")]
    fixed_points = sum(a == b for a, b in zip(by_ctid, responses, strict=True))
    assert fixed_points <= 6  # a random order: about one coincidence expected
    invitation_xmins = {
        row[1]
        for row in system_order(Invitation, "xmin::text::bigint")
        if row[0] in {inv.pk for inv, _ in invited}
    }
    assert len(invitation_xmins) == 1
    assert services.mix_recent_anonymous_rows()["responses"] == 40  # run twice: same effect


def test_mixing_covers_only_recent_anonymous_rows(survey):
    answer(survey, 1)
    old = answer(survey, 2)
    Response.objects.filter(pk=old.pk).update(
        submitted_on=timezone.localdate() - timedelta(days=10)
    )
    identified = Survey.objects.create(
        owner=survey.owner,
        title={"en": "x"},
        languages=["en"],
        mode=Survey.Mode.IDENTIFIED,
        status=Survey.Status.OPEN,
    )
    Question.objects.create(survey=identified, kind="number", text={"en": "n"})
    assert services.mix_recent_anonymous_rows()["responses"] == 1
