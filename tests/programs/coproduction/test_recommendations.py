"""Recommendations and the agency's answer: services, the overdue sweep, public and staff pages."""

import datetime as dt
from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts.models import Consent, Resident
from engagement_portal.messaging.models import OutboxMessage
from programs.coproduction import services_recommendations as services
from programs.coproduction.forms_recommendations import RecommendationForm
from programs.coproduction.models_recommendations import (
    Recommendation,
    RecommendationFollower,
    RecommendationUpdate,
)
from programs.coproduction.tasks import flag_overdue_recommendations
from tests.factories import ProgramFactory, UnitFactory

# A Wednesday: the ISO week runs from Monday 2 to Sunday 8 March 2026.
WEDNESDAY = dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Rate-limit counters live in the cache; each test starts with none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_recommendation(program, alice):
    def make(**fields):
        today = timezone.localdate()
        values = {
            "program": program,
            "title": "Publish stop data",
            "text": "Every quarter, by beat.",
            "received_on": today - timedelta(days=10),
            "responsible_user": alice,
            "created_by": alice,
            "response_due": today + timedelta(days=50),
        }
        values.update(fields)
        return Recommendation.objects.create(**values)

    return make


@pytest.fixture
def recommendation(make_recommendation):
    return make_recommendation()


def status_messages(recommendation):
    return OutboxMessage.objects.filter(key__startswith=f"recommendation:{recommendation.pk}:")


def overdue_messages():
    return OutboxMessage.objects.filter(key__startswith="recommendation-overdue:")


# --- create_recommendation --------------------------------------------------------------


def form_data(**overrides):
    today = timezone.localdate()
    data = {
        "title": "More foot patrols on Main St",
        "text": "Residents asked for officers on foot on market days.",
        "received_on": today.isoformat(),
        "public": "on",
        "response_due": (today + timedelta(days=60)).isoformat(),
    }
    data.update(overrides)
    return data


def test_create_recommendation_records_it_for_the_program(program, alice):
    form = RecommendationForm(form_data(responsible_user=alice.pk), program=program)
    assert form.is_valid(), form.errors
    recommendation = services.create_recommendation(form=form, program=program, user=alice)
    assert recommendation.program == program
    assert recommendation.created_by == alice
    assert recommendation.status == Recommendation.Status.RECEIVED


def test_create_recommendation_twice_records_two(program, alice):
    # Not idempotent by design: two recommendations may share a title.
    for _ in range(2):
        form = RecommendationForm(form_data(responsible_user=alice.pk), program=program)
        assert form.is_valid()
        services.create_recommendation(form=form, program=program, user=alice)
    assert program.recommendations.count() == 2


# --- respond ----------------------------------------------------------------------------


def test_respond_sets_the_answer_date_and_writes_a_dated_update(recommendation, alice):
    with time_machine.travel(WEDNESDAY, tick=False):
        services.respond(
            recommendation=recommendation,
            status=Recommendation.Status.ADOPTED,
            rationale="We publish quarterly from July.",
            user=alice,
            now=timezone.now(),
        )
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.ADOPTED
    assert recommendation.rationale == "We publish quarterly from July."
    assert recommendation.answered_on == dt.date(2026, 3, 4)
    update = recommendation.updates.get()
    assert update.on == dt.date(2026, 3, 4)
    assert update.status == Recommendation.Status.ADOPTED
    assert update.author == alice


def test_respond_under_review_leaves_it_unanswered(recommendation, alice):
    services.respond(
        recommendation=recommendation,
        status=Recommendation.Status.UNDER_REVIEW,
        rationale="",
        note="Legal is reviewing.",
        user=alice,
    )
    recommendation.refresh_from_db()
    assert recommendation.answered_on is None
    assert recommendation.updates.get().text == "Legal is reviewing."


def test_respond_twice_writes_one_update_and_one_message_per_follower(recommendation, alice):
    services.follow(
        recommendation=recommendation, name="Rosa", email="rosa@example.net", language="es"
    )
    for _ in range(2):
        services.respond(
            recommendation=recommendation,
            status=Recommendation.Status.ADOPTED,
            rationale="Yes.",
            user=alice,
        )
    assert recommendation.updates.count() == 1
    assert status_messages(recommendation).count() == 1


def test_followers_get_one_message_per_status_change_in_their_language(recommendation, alice):
    services.follow(
        recommendation=recommendation, name="Rosa", email="rosa@example.net", language="es"
    )
    services.follow(
        recommendation=recommendation, name="Tom", email="tom@example.net", language="en"
    )
    services.respond(
        recommendation=recommendation,
        status=Recommendation.Status.UNDER_REVIEW,
        rationale="",
        note="Looking at it.",
        user=alice,
    )
    services.respond(
        recommendation=recommendation,
        status=Recommendation.Status.PARTIALLY_ADOPTED,
        rationale="Twice a year, not quarterly.",
        user=alice,
    )
    messages = status_messages(recommendation)
    assert messages.count() == 4
    assert sorted(
        messages.filter(recipient="rosa@example.net").values_list("language", flat=True)
    ) == [
        "es",
        "es",
    ]
    assert set(messages.filter(recipient="tom@example.net").values_list("language", flat=True)) == {
        "en"
    }
    message = messages.filter(recipient="tom@example.net").order_by("pk").last()
    assert not message.essential
    assert message.status == OutboxMessage.Status.PENDING
    assert "Publish stop data" in message.subject
    assert recommendation.public_id in message.body_text
    assert reverse("messaging:opt-out", args=["t"]).removesuffix("t/") in message.body_text


def test_a_new_rationale_without_a_status_change_notifies_nobody(recommendation, alice):
    services.follow(
        recommendation=recommendation, name="Rosa", email="rosa@example.net", language="en"
    )
    services.respond(
        recommendation=recommendation,
        status=Recommendation.Status.ADOPTED,
        rationale="Yes.",
        user=alice,
    )
    services.respond(
        recommendation=recommendation,
        status=Recommendation.Status.ADOPTED,
        rationale="Yes, starting in July.",
        user=alice,
    )
    assert recommendation.updates.count() == 2
    assert status_messages(recommendation).count() == 1


def test_a_follower_who_withdrew_consent_is_not_emailed(recommendation, alice):
    follower, _ = services.follow(
        recommendation=recommendation, name="Rosa", email="rosa@example.net", language="en"
    )
    follower.resident.consents.update(withdrawn_at=timezone.now())
    services.respond(
        recommendation=recommendation,
        status=Recommendation.Status.ADOPTED,
        rationale="Yes.",
        user=alice,
    )
    assert status_messages(recommendation).get().status == OutboxMessage.Status.SUPPRESSED


# --- add_progress_update ------------------------------------------------------------------


def test_add_progress_update_keeps_the_status(recommendation, alice):
    update = services.add_progress_update(
        recommendation=recommendation, text="Data team hired.", user=alice
    )
    assert update.status == Recommendation.Status.RECEIVED
    assert update.on == timezone.localdate()
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.RECEIVED


def test_add_progress_update_twice_the_same_day_writes_one(recommendation, alice):
    for _ in range(2):
        services.add_progress_update(
            recommendation=recommendation, text="Data team hired.", user=alice
        )
    assert recommendation.updates.count() == 1


# --- follow -----------------------------------------------------------------------------


def test_follow_records_the_resident_and_their_consent(recommendation):
    follower, created = services.follow(
        recommendation=recommendation, name="Rosa", email="Rosa@Example.net", language="es"
    )
    assert created
    assert follower.language == "es"
    assert follower.resident.has_consent(Consent.Channel.EMAIL)


def test_follow_twice_keeps_one_follower_and_one_consent(recommendation):
    for language in ("en", "es"):
        services.follow(
            recommendation=recommendation, name="Rosa", email="rosa@example.net", language=language
        )
    # Anyone may type Rosa's address: the second, unverified request changes nothing of hers.
    assert RecommendationFollower.objects.get().language == "en"
    assert Resident.objects.count() == 1
    assert Consent.objects.count() == 1


# --- flag_overdue -----------------------------------------------------------------------


@pytest.fixture
def overdue(make_recommendation):
    return make_recommendation(
        received_on=dt.date(2026, 1, 5), response_due=dt.date(2026, 3, 1), title="Late one"
    )


def test_flag_overdue_emails_the_responsible_staff_member(overdue, alice):
    with time_machine.travel(WEDNESDAY, tick=False):
        assert services.flag_overdue(today=timezone.localdate()) == 1
    message = overdue_messages().get()
    assert message.recipient == alice.email
    assert message.key == f"recommendation-overdue:{overdue.pk}:2026-W10"
    assert "Late one" in message.subject


def test_flag_overdue_sends_at_most_one_per_week(overdue):
    with time_machine.travel(WEDNESDAY, tick=False):
        flag_overdue_recommendations()
        assert flag_overdue_recommendations() == 0
    with time_machine.travel(WEDNESDAY + timedelta(days=4), tick=False):  # Sunday, same week
        assert flag_overdue_recommendations() == 0
    assert overdue_messages().count() == 1
    with time_machine.travel(WEDNESDAY + timedelta(days=5), tick=False):  # Monday, next week
        assert flag_overdue_recommendations() == 1
    assert overdue_messages().count() == 2


def test_flag_overdue_skips_answered_and_not_yet_due(make_recommendation, alice):
    make_recommendation(
        response_due=dt.date(2026, 3, 1),
        status=Recommendation.Status.NOT_ADOPTED,
        answered_on=dt.date(2026, 3, 2),
    )
    make_recommendation(response_due=dt.date(2026, 3, 4))  # due today: not late yet
    with time_machine.travel(WEDNESDAY, tick=False):
        assert flag_overdue_recommendations() == 0
    assert not overdue_messages().exists()


def test_an_open_recommendation_under_review_is_still_flagged(make_recommendation):
    make_recommendation(response_due=dt.date(2026, 2, 1), status=Recommendation.Status.UNDER_REVIEW)
    with time_machine.travel(WEDNESDAY, tick=False):
        assert flag_overdue_recommendations() == 1


# --- Public pages -----------------------------------------------------------------------


def test_public_list_shows_public_recommendations_only(client, make_recommendation):
    make_recommendation(title="Publish stop data")
    make_recommendation(title="Board case 17", public=False)
    response = client.get(reverse("recommendations:public-list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Publish stop data" in page
    assert "Board case 17" not in page
    assert page.count("<h1") == 1


def test_public_list_filters_by_status_and_counts_each_status(client, make_recommendation):
    make_recommendation(title="Adopted one", status=Recommendation.Status.ADOPTED)
    make_recommendation(title="Waiting one")
    response = client.get(reverse("recommendations:public-list"), {"status": "adopted"})
    page = response.content.decode()
    assert "Adopted one" in page and "Waiting one" not in page
    counts = {row["status"]: row["count"] for row in response.context["counts"]}
    assert counts["adopted"] == 1 and counts["received"] == 1


def test_public_list_flags_overdue_answers(client, make_recommendation):
    make_recommendation(title="Late one", response_due=timezone.localdate() - timedelta(days=1))
    assert "Answer overdue" in client.get(reverse("recommendations:public-list")).content.decode()


def test_public_list_ignores_a_bad_filter(client, recommendation):
    response = client.get(reverse("recommendations:public-list"), {"tier": "x", "program": "999"})
    assert response.status_code == 200


@pytest.mark.parametrize("how_many", [3, 30])
def test_public_list_queries_do_not_grow_with_rows(
    client, program, alice, how_many, django_assert_max_num_queries
):
    other = ProgramFactory(owner=alice)
    unit = UnitFactory(name="Data unit")
    for n in range(how_many):
        Recommendation.objects.create(
            program=program if n % 2 else other,
            title=f"Recommendation {n}",
            text="Text",
            received_on=timezone.localdate(),
            responsible_user=alice,
            responsible_unit=unit,
            created_by=alice,
            response_due=timezone.localdate() + timedelta(days=n - 5),
        )
    with django_assert_max_num_queries(6):
        response = client.get(reverse("recommendations:public-list"))
    assert response.status_code == 200


def test_public_detail_shows_the_answer_unit_and_history(client, recommendation, alice):
    recommendation.responsible_unit = UnitFactory(name="Crime Analysis")
    recommendation.save()
    services.respond(
        recommendation=recommendation,
        status=Recommendation.Status.ADOPTED,
        rationale="Quarterly from July.",
        user=alice,
    )
    page = client.get(
        reverse("recommendations:public-detail", args=[recommendation.public_id])
    ).content.decode()
    assert "Quarterly from July." in page
    assert "Crime Analysis" in page
    assert "Tell me when this changes" in page
    assert page.count("<h1") == 1


def test_public_detail_of_a_non_public_recommendation_is_404(client, make_recommendation):
    hidden = make_recommendation(public=False)
    url = reverse("recommendations:public-detail", args=[hidden.public_id])
    assert client.get(url).status_code == 404
    assert (
        client.post(
            url, {"name": "Rosa", "email": "rosa@example.net", "language": "en"}
        ).status_code
        == 404
    )
    assert client.get(reverse("recommendations:public-detail", args=["x" * 40])).status_code == 404


def test_following_from_the_public_page(client, recommendation):
    url = reverse("recommendations:public-detail", args=[recommendation.public_id])
    response = client.post(url, {"name": "Rosa", "email": "rosa@example.net", "language": "es"})
    assert response.status_code == 302
    assert RecommendationFollower.objects.get().language == "es"


def test_follow_form_errors_keep_what_was_typed(client, recommendation):
    url = reverse("recommendations:public-detail", args=[recommendation.public_id])
    response = client.post(url, {"name": "Rosa Typed", "email": "not-an-email", "language": "en"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Rosa Typed"' in page and 'value="not-an-email"' in page
    assert not RecommendationFollower.objects.exists()


def test_follow_posts_are_rate_limited(client, recommendation):
    url = reverse("recommendations:public-detail", args=[recommendation.public_id])
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(10):
            client.post(url, {"name": "R", "email": f"r{n}@example.net", "language": "en"})
        blocked = client.post(url, {"name": "R", "email": "late@example.net", "language": "en"})
    assert blocked.status_code == 429


# --- Staff pages and permissions ------------------------------------------------------------


def respond_url(recommendation):
    return reverse("recommendations:staff-respond", args=[recommendation.pk])


def test_bob_cannot_respond_unless_responsible(client, bob, recommendation):
    client.force_login(bob)
    assert client.get(respond_url(recommendation)).status_code == 403
    assert client.post(respond_url(recommendation), {"status": "adopted"}).status_code == 403
    recommendation.responsible_user = bob
    recommendation.save()
    assert client.get(respond_url(recommendation)).status_code == 200


def test_carol_can_read_but_not_create_or_respond(client, carol, recommendation, program):
    client.force_login(carol)
    assert client.get(reverse("recommendations:staff-list")).status_code == 200
    detail = client.get(reverse("recommendations:staff-detail", args=[recommendation.pk]))
    assert detail.status_code == 200 and not detail.context["can_respond"]
    create_url = reverse("recommendations:staff-create", args=[program.pk])
    assert client.get(create_url).status_code == 403
    assert client.post(create_url, form_data()).status_code == 403
    assert client.get(respond_url(recommendation)).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(client, program):
    response = client.get(reverse("recommendations:staff-create", args=[program.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_program_manager_records_a_recommendation(client, alice, program):
    client.force_login(alice)
    url = reverse("recommendations:staff-create", args=[program.pk])
    response = client.post(url, form_data(responsible_user=alice.pk))
    recommendation = program.recommendations.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("recommendations:staff-detail", args=[recommendation.pk])


def test_create_errors_keep_what_was_typed(client, alice, program):
    client.force_login(alice)
    today = timezone.localdate()
    response = client.post(
        reverse("recommendations:staff-create", args=[program.pk]),
        form_data(
            title="Typed title",
            responsible_user=alice.pk,
            response_due=(today - timedelta(days=3)).isoformat(),
        ),
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Typed title"' in page
    assert "cannot be due before" in page
    assert not program.recommendations.exists()


def test_responding_through_the_page_notifies_followers(client, alice, recommendation):
    services.follow(
        recommendation=recommendation, name="Rosa", email="rosa@example.net", language="en"
    )
    client.force_login(alice)
    response = client.post(
        respond_url(recommendation), {"status": "adopted", "rationale": "Yes.", "note": ""}
    )
    assert response.status_code == 302
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.ADOPTED
    assert status_messages(recommendation).count() == 1


def test_a_progress_note_without_a_status_change(client, alice, recommendation):
    client.force_login(alice)
    response = client.post(
        respond_url(recommendation), {"status": "received", "rationale": "", "note": "Started."}
    )
    assert response.status_code == 302
    assert RecommendationUpdate.objects.get().text == "Started."
    assert not status_messages(recommendation).exists()


def test_answering_without_a_rationale_is_refused_keeping_the_note(client, alice, recommendation):
    client.force_login(alice)
    response = client.post(
        respond_url(recommendation),
        {"status": "not_adopted", "rationale": "", "note": "Typed note"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Typed note" in page and "Say what the agency decided" in page
    recommendation.refresh_from_db()
    assert recommendation.status == Recommendation.Status.RECEIVED


def test_staff_list_filters_overdue(client, carol, make_recommendation):
    make_recommendation(title="Late one", response_due=timezone.localdate() - timedelta(days=1))
    make_recommendation(title="On time one")
    client.force_login(carol)
    page = client.get(reverse("recommendations:staff-list"), {"overdue": "on"}).content.decode()
    assert "Late one" in page and "On time one" not in page


def test_program_page_lists_its_recommendations(client, alice, recommendation, program):
    client.force_login(alice)
    page = client.get(program.get_staff_url()).content.decode()
    assert recommendation.title in page
    assert reverse("recommendations:staff-create", args=[program.pk]) in page
