"""The linkage tests: invitees answer in random order through the real views, in the
embedded default (tasks in-process, no worker: each submission's commit tries to publish
its group). Then an attacker with a dump of the database tries to link responses to
invitations.

- By order: pairing invitations and responses by every stored column. Pairing two random
  orders matches about one pair by chance; the test allows a margin that chance exceeds
  about once in a million tries per pairing.
- By elimination: grouping published responses (by their columns, and on PostgreSQL by
  the transaction that wrote them), keeping for each group the used invitations that
  could have given it (same language; on PostgreSQL, claimed before the group was
  written), and striking out invitations a group of exactly their number accounts for.
  No response may be narrowed to fewer than 10 invitations.
- By reading: sessions, held rows, outbox, audit log and cache hold no answer and no
  invitation id in clear.
"""

import random
from collections import defaultdict

import pytest
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.db import connection
from django.test import Client

from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from surveys import services
from surveys.models import Answer, HeldResponse, Invitation, Question, Response, Survey
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


def said(n) -> str:
    """A written answer only the respondent who gave the secret number n wrote."""
    return f"My street, number {n}, is dark at night"


def answer_through_the_views(survey, years, token, n, language="en"):
    """An invitee follows the link from their email and answers n (a secret random number)."""
    client = Client()
    landing = client.get(f"/surveys/i/{token}/")
    assert landing.status_code == 302 and token not in landing["Location"]
    assert client.get(landing["Location"]).status_code == 200
    agree = survey.questions.get(kind="agreement")
    done = client.post(
        survey.get_absolute_url(),
        {
            "page": "1",
            "lang": language,
            f"q{years.pk}": str(n),
            f"q{agree.pk}": str(random.randint(1, 5)),
            **{f"q{q.pk}": said(n) for q in survey.questions.filter(kind="short_text")},
        },
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
    # 200 is 20 groups of 10: all published, by the commits alone (no worker, no beat).
    assert survey.responses.count() == INVITEES and not HeldResponse.objects.exists()
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

    # What the database itself keeps (write order, transaction ids) narrows a response to
    # the group it was published with, and no further.
    assert min(len(c) for c in link_by_elimination().values()) >= services.MIN_GROUP


# --- By elimination, with strata of unequal size ----------------------------------------


def system_columns(model) -> dict:
    """On PostgreSQL, the transaction id that wrote each row; elsewhere nothing."""
    if connection.vendor != "postgresql":
        return {}
    with connection.cursor() as cursor:
        cursor.execute(f'SELECT "id", xmin::text::bigint FROM "{model._meta.db_table}"')
        return dict(cursor.fetchall())


def link_by_elimination() -> dict:
    """Response id → the used invitations the attacker cannot rule out for it."""
    xmin_of_invitation = system_columns(Invitation)
    xmin_of_response = system_columns(Response)
    used = list(Invitation.objects.filter(used=True).values("pk", "language", "survey_id"))
    groups = defaultdict(list)
    for r in Response.objects.exclude(source__in=["web", "kiosk", "paper"]).values():
        # Everything a response shows about itself, and the transaction that wrote it.
        key = (r["survey_id"], r["language"], r["source"], r["submitted_on"])
        groups[(xmin_of_response.get(r["id"], 0), *key)].append(r["id"])
    pool = list(used)
    candidates = {}
    # Groups with a language first (they narrow most), then in the order they were written.
    for key in sorted(groups, key=lambda k: (k[2] == "", k[0])):
        xmin, survey_id, language, _source, _day = key
        possible = [
            i
            for i in pool
            if i["survey_id"] == survey_id
            and (language == "" or i["language"] == language)
            and (not xmin or xmin_of_invitation[i["pk"]] < xmin)
        ]
        for response_id in groups[key]:
            candidates[response_id] = [i["pk"] for i in possible]
        if len(possible) == len(groups[key]):
            pool = [i for i in pool if i not in possible]  # accounted for, exactly
    return candidates


def read_everything() -> str:
    """Every stored row a submission may touch, as text, with sessions decoded."""
    text = []
    for model in (Invitation, Response, Answer, HeldResponse, OutboxMessage, AuditLog):
        text += [repr(row) for row in model.objects.values()]
    text += [repr(s.get_decoded()) for s in Session.objects.all()]
    text += [repr(cache.get(key)) for key in getattr(cache, "_cache", {})]
    text += [repr(key) for key in getattr(cache, "_cache", {})]
    return "\n".join(text)


def make_invitations(survey, language, count, start):
    tokens = []
    for n in range(start, start + count):
        token, token_hash = services.new_invitation_token()
        Invitation.objects.create(
            survey=survey,
            resident=ResidentFactory(email=f"invitee{n}@example.net"),
            contact=f"invitee{n}@example.net",
            channel="email",
            language=language,
            token_hash=token_hash,
            status=Invitation.Status.SENT,
        )
        tokens.append(token)
    return tokens


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_reader_never_narrows_a_response_below_10_invitations(settings):
    settings.PORTAL_PUBLIC_POST_RATE = "100000/m"
    survey = Survey.objects.create(
        owner=StaffUserFactory(),
        title={"en": "Living here", "es": "Vivir aquí"},
        languages=["en", "es"],
        status=Survey.Status.OPEN,
    )
    years = Question.objects.create(
        survey=survey,
        kind="number",
        text={"en": "Years here", "es": "Años aquí"},
        min_value=0,
        max_value=100000,
        required=True,
        position=1,
    )
    Question.objects.create(
        survey=survey, kind="agreement", text={"en": "Safe", "es": "Seguro"}, position=2
    )
    street = Question.objects.create(
        survey=survey, kind="short_text", text={"en": "Street", "es": "Calle"}, position=3
    )
    english = make_invitations(survey, "en", 12, 0)
    spanish = make_invitations(survey, "es", 8, 100)
    secrets = iter(random.sample(range(1000, 100000), 40))
    answers = []

    def respond(token, language):
        secret = next(secrets)
        answers.append(secret)
        answer_through_the_views(survey, years, token, secret, language)

    # Unequal strata: 12 English invitations, 3 Spanish ones, 1 paper form, mixed in time.
    arrivals = [(t, "en") for t in english] + [(t, "es") for t in spanish[:3]]
    random.shuffle(arrivals)
    arrivals.insert(random.randint(0, len(arrivals)), ("paper", "en"))
    for token, language in arrivals:
        if token == "paper":
            secret = next(secrets)
            answers.append(secret)
            services.submit_response(
                survey=survey,
                cleaned=services.clean_answers(
                    survey,
                    {
                        f"q{years.pk}": [str(secret)],
                        f"q{street.pk}": [said(secret)],
                    },
                ),
                language="en",
                source=Response.Source.PAPER,
            )
        else:
            respond(token, language)

    def attack():
        candidates = link_by_elimination()
        assert set(candidates) == set(survey.responses.values_list("pk", flat=True))
        for response_id, invitations in candidates.items():
            assert len(invitations) >= services.MIN_GROUP, (response_id, invitations)
        stored = read_everything()
        held = set(HeldResponse.objects.values_list("pk", flat=True))
        published = set(Answer.objects.values_list("text", flat=True))
        for secret in answers:
            # An answer is readable only once published, in its group.
            assert said(secret) not in stored or said(secret) in published, secret
        assert "'invitation'" not in stored.replace("'source': 'invitation'", "")
        return held

    # The 10th English answer completed a group, published by its own commit; the other
    # 2 English, 3 Spanish and 1 paper wait, each stratum under 10.
    held = attack()
    assert survey.responses.count() == 10 and len(held) == 6
    assert set(survey.responses.values_list("language", "source")) == {("en", "invitation")}

    # 5 more Spanish: 8 Spanish and 2 English invitation answers wait, each under 10.
    for token in spanish[3:]:
        respond(token, "es")
    held = attack()
    assert survey.responses.count() == 10 and len(held) == 11

    # Closing pools the invitation leftovers (10) without their language; the lone paper
    # form stays unpublished.
    services.close_survey(survey=survey)  # its commit publishes, as a submission's does
    held = attack()
    assert survey.responses.count() == 20 and len(held) == 1
    assert survey.responses.filter(language="").count() == 10
    assert HeldResponse.objects.get().source == Response.Source.PAPER
