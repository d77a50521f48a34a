"""The linkage test: 200 invitees answer in random order through the real views; then an
attacker with the database tries to pair invitations with responses by ordering both on
every stored column (and, on PostgreSQL, on write order and transaction ids after the
mixing sweep). Pairing two random orders matches about one pair by chance; the test
allows a margin that chance exceeds about once in a million tries per pairing."""

import random

import pytest
from django.db import connection
from django.test import Client

from surveys import services
from surveys.models import Answer, Invitation, Question, Response, Survey
from tests.factories import ResidentFactory, StaffUserFactory

INVITEES = 200
CHANCE_MARGIN = 9  # P(at least 9 matches between two random orders of 200) ≈ 1e-6


@pytest.fixture
def invited_survey(db):
    survey = Survey.objects.create(
        owner=StaffUserFactory(),
        title={"en": "Living here"},
        languages=["en"],
        status=Survey.Status.OPEN,
    )
    years = Question.objects.create(
        survey=survey,
        kind="number",
        text={"en": "Years in the neighbourhood"},
        min_value=0,
        max_value=1000,
        required=True,
        position=1,
    )
    Question.objects.create(survey=survey, kind="agreement", text={"en": "I feel safe"}, position=2)
    tokens = []
    for n in range(INVITEES):
        token, token_hash = services.new_invitation_token()
        Invitation.objects.create(
            survey=survey,
            resident=ResidentFactory(email=f"invitee{n}@example.net"),
            contact=f"invitee{n}@example.net",
            channel="email",
            language="en",
            token_hash=token_hash,
            status=Invitation.Status.SENT,
        )
        tokens.append(token)
    return survey, years, tokens


def answer_through_the_views(survey, years, token, n):
    """An invitee follows the link from their email and answers n (a secret random number)."""
    client = Client()
    landing = client.get(f"/surveys/i/{token}/")
    assert landing.status_code == 302 and token not in landing["Location"]
    assert client.get(landing["Location"]).status_code == 200
    agree = survey.questions.get(kind="agreement")
    done = client.post(
        survey.get_absolute_url(),
        {"page": "1", f"q{years.pk}": str(n), f"q{agree.pk}": str(random.randint(1, 5))},
    )
    assert done.status_code == 302, done.content[:500]


def invitee_of_response(secrets_by_invitee):
    """Ground truth only the test knows: which invitee gave which secret number."""
    invitee_of_secret = {secret: n for n, secret in enumerate(secrets_by_invitee)}
    return {
        a.response_id: invitee_of_secret[a.number]
        for a in Answer.objects.filter(question__kind="number").only("response_id", "number")
    }


def orderings(model, columns, extra=()):
    """Primary keys of `model` sorted by each column (ties broken by the key), plus any
    system orderings given in `extra` (raw SQL expressions)."""
    result = {}
    for column in columns:
        result[column] = list(model.objects.order_by(column, "pk").values_list("pk", flat=True))
    for expression in extra:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT "id" FROM "{model._meta.db_table}" ORDER BY {expression}, "id"')
            result[expression] = [row[0] for row in cursor.fetchall()]
    return result


def best_match(invitation_orders, response_orders, invitation_index, response_invitee):
    best = (-1, "")
    for i_name, i_order in invitation_orders.items():
        invitees = [invitation_index[pk] for pk in i_order]
        for r_name, r_order in response_orders.items():
            answered = [response_invitee[pk] for pk in r_order]
            matches = sum(a == b for a, b in zip(invitees, answered, strict=True))
            best = max(best, (matches, f"invitations by {i_name} ~ responses by {r_name}"))
    return best


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_invitations_cannot_be_matched_to_responses_better_than_chance(invited_survey, settings):
    settings.PORTAL_PUBLIC_POST_RATE = "100000/m"  # 200 residents, one test address
    survey, years, tokens = invited_survey
    # Each invitee answers a distinct random number: unrelated to when they were invited.
    secrets_by_invitee = random.sample(range(1001), INVITEES)
    order = list(range(INVITEES))
    random.shuffle(order)
    for n in order:
        answer_through_the_views(survey, years, tokens[n], secrets_by_invitee[n])
    assert survey.responses.count() == INVITEES
    assert Invitation.objects.filter(used=True).count() == INVITEES

    invitation_index = {
        pk: n for n, pk in enumerate(Invitation.objects.order_by("pk").values_list("pk", flat=True))
    }
    response_invitee = invitee_of_response(secrets_by_invitee)
    invitation_columns = [f.attname for f in Invitation._meta.concrete_fields]
    response_columns = [f.attname for f in Response._meta.concrete_fields]

    # Ordering answers by their own columns orders the responses they belong to.
    answer_orders = {
        f"answer.{column}": list(
            dict.fromkeys(
                Answer.objects.filter(question__kind="number")
                .order_by(column, "pk")
                .values_list("response_id", flat=True)
            )
        )
        for column in [f.attname for f in Answer._meta.concrete_fields]
    }
    matches, how = best_match(
        orderings(Invitation, invitation_columns),
        {**orderings(Response, response_columns), **answer_orders},
        invitation_index,
        response_invitee,
    )
    assert matches < CHANCE_MARGIN, f"{matches} of {INVITEES} matched: {how}"

    if connection.vendor == "postgresql":
        # What the database itself keeps: write order (ctid) and writing transaction (xmin).
        system = ["ctid", "xmin::text::bigint"]
        # Control: before the mixing sweep the attack works, so the test can see a leak.
        leak, how = best_match(
            orderings(Invitation, ["id"], extra=system),
            orderings(Response, ["id"], extra=system),
            invitation_index,
            response_invitee,
        )
        assert leak > INVITEES * 0.9, f"control: only {leak} matched by {how}"
        services.mix_recent_anonymous_rows()
        matches, how = best_match(
            orderings(Invitation, invitation_columns, extra=system),
            orderings(Response, response_columns, extra=system),
            invitation_index,
            response_invitee,
        )
        assert matches < CHANCE_MARGIN, f"{matches} of {INVITEES} matched: {how}"
