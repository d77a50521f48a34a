"""Applications and selection, the service layer: applying and every refusal, guardian
consent, withdrawal, review transitions, decisions and their messages, and a real race.

The fixtures here (a citizen police academy and a youth program, both with forms and
questions, and `apply` to submit) are shared with test_applications_views.py."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.urls import reverse

from engagement_portal.core.models import AuditLog
from engagement_portal.core.tokens import hash_token
from engagement_portal.messaging.models import OutboxMessage
from programs.models import EngagementType
from programs.structured import selectors_applications as selectors
from programs.structured import services_applications as services
from programs.structured.models_applications import (
    Acknowledgement,
    Application,
    ApplicationForm,
    ApplicationQuestion,
)
from tests.concurrency import run_at_once
from tests.factories import ApplicationFactory, NeighbourhoodFactory, ProgramFactory
from tests.mailbox import delivered

Status = Application.Status
Kind = ApplicationQuestion.Kind

# Tuesday 10 March 2026, noon in the agency's time zone (America/Chicago, UTC-5 that day).
NOW = datetime(2026, 3, 10, 17, 0, tzinfo=UTC)
ADULT = date(1990, 5, 1)
FIFTEEN = date(2010, 7, 1)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def _type(slug: str) -> EngagementType:
    return EngagementType.objects.get(slug=slug)


def _questions(form: ApplicationForm) -> None:
    ApplicationQuestion.objects.create(
        form=form,
        position=0,
        kind=Kind.SHORT,
        text={"en": "Why do you want to join?", "es": "¿Por qué quiere participar?"},
        required=True,
    )
    ApplicationQuestion.objects.create(
        form=form,
        position=1,
        kind=Kind.CHOICE,
        text={"en": "Which sessions suit you?", "es": "¿Qué sesiones le convienen?"},
        choices=[{"en": "Evenings", "es": "Tardes"}, {"en": "Weekends", "es": "Fines de semana"}],
        required=True,
    )
    ApplicationQuestion.objects.create(
        form=form,
        position=2,
        kind=Kind.YES_NO,
        text={"en": "Do you have a car?", "es": "¿Tiene coche?"},
        required=False,
    )


@pytest.fixture
def academy(alice, frozen):
    """Alice's citizen police academy: adults from the service area, code of conduct."""
    program = ProgramFactory(
        title="Citizen Police Academy",
        slug="citizen-police-academy-spring",
        engagement_type=_type("citizen-police-academy"),
        owner=alice,
    )
    form = ApplicationForm.objects.create(
        program=program,
        opens_at=NOW - timedelta(days=1),
        closes_at=NOW + timedelta(days=30),
        places=2,
        minimum_age=18,
        residency_required=True,
        acknowledgements=[Acknowledgement.CONDUCT],
        acknowledgement_texts={
            "conduct": {
                "en": "I will treat everyone with respect.",
                "es": "Trataré a todos con respeto.",
            }
        },
        introduction={"en": "Twelve Tuesday evenings.", "es": "Doce martes por la tarde."},
    )
    _questions(form)
    return program


@pytest.fixture
def youth(alice, frozen):
    """Alice's Explorer post: ages 14 to 20; under 18 needs a guardian's consent."""
    program = ProgramFactory(
        title="Explorer Post 7",
        slug="explorer-post-7",
        engagement_type=_type("youth-engagement"),
        owner=alice,
    )
    ApplicationForm.objects.create(
        program=program,
        opens_at=NOW - timedelta(days=1),
        closes_at=NOW + timedelta(days=30),
        minimum_age=14,
        maximum_age=20,
        guardian_consent_under=18,
        acknowledgements=[Acknowledgement.CONDUCT],
    )
    return program


def answers_for(program, **overrides) -> dict:
    answers = {}
    for question in program.application_form.questions.all():
        answers[f"q{question.pk}"] = {
            Kind.SHORT: "To understand policing.",
            Kind.LONG: "A longer story.",
            Kind.CHOICE: "1",
            Kind.YES_NO: "yes",
        }[question.kind]
    answers.update(overrides)
    return answers


def apply(program, **overrides) -> services.Submitted:
    data = {
        "name": "Rosa Diaz",
        "email": "rosa@example.net",
        "language": "es",
        "date_of_birth": ADULT,
        "address": "12 Elm Street",
        "lives_in_service_area": True,
        "answers": answers_for(program),
        "acknowledged": list(program.application_form.acknowledgements),
    }
    data.update(overrides)
    return services.submit_application(program=program, **data)


def apply_minor(program, **overrides) -> services.Submitted:
    data = {
        "name": "Leo Diaz",
        "email": "leo@example.net",
        "date_of_birth": FIFTEEN,
        "guardian_name": "Marta Diaz",
        "guardian_email": "marta@example.net",
    }
    data.update(overrides)
    return apply(program, **data)


def refusal(**kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        apply(**kwargs)
    return error.value.message_dict


def messages_for(application, step: str):
    return OutboxMessage.objects.filter(key__startswith=f"application:{application.pk}:{step}")


def under_review(*applications, user):
    services.decide_applications(
        program=applications[0].program,
        application_ids=[a.pk for a in applications],
        status=Status.UNDER_REVIEW,
        user=user,
    )
    for application in applications:
        application.refresh_from_db()


# --- Applying ---------------------------------------------------------------------------


def test_submit_records_the_application_and_sends_the_private_link_in_their_language(academy):
    submitted = apply(academy)

    application = submitted.application
    assert application.status == Status.SUBMITTED
    assert application.acknowledged == {"conduct": NOW.isoformat()}
    assert application.token_hash == hash_token(submitted.token) != submitted.token
    assert services.application_by_token(submitted.token) == application
    assert application.answers[str(academy.application_form.questions.first().pk)]["answer"]
    message = OutboxMessage.objects.get()
    assert message.key == f"application:{application.pk}:received"
    assert message.essential and message.language == "es"
    assert message.recipient == "rosa@example.net"
    assert reverse("applications:status", args=[submitted.token]) in delivered(message)
    assert not application.needs_guardian_consent


def test_submit_before_the_window_says_when_it_opens(academy):
    form = academy.application_form
    form.opens_at = NOW + timedelta(days=3)
    form.save()

    errors = refusal(program=academy)

    assert "They open on March 13, 2026" in errors["__all__"][0]
    assert not Application.objects.exists()


def test_submit_after_the_window_says_it_closed(academy):
    with time_machine.travel(NOW + timedelta(days=31), tick=False):
        errors = refusal(program=academy)

    assert "Applications closed on" in errors["__all__"][0]


@pytest.mark.parametrize(
    ("born", "ok"),
    [(date(2008, 3, 10), True), (date(2008, 3, 11), False), (date(2015, 1, 1), False)],
)
def test_minimum_age_counts_on_the_day_of_applying(academy, born, ok):
    if ok:
        assert apply(academy, date_of_birth=born).application.age_on(date(2026, 3, 10)) == 18
    else:
        assert "at least 18" in refusal(program=academy, date_of_birth=born)["date_of_birth"][0]


def test_age_is_counted_in_the_agencys_time_zone(academy):
    # 03:00 UTC on 11 March is still 10 March in Chicago: born 11 March 2008 is 17 there.
    with time_machine.travel(datetime(2026, 3, 11, 3, 0, tzinfo=UTC), tick=False):
        errors = refusal(program=academy, date_of_birth=date(2008, 3, 11))
    assert "On that day you are 17" in errors["date_of_birth"][0]


def test_maximum_age_is_refused(youth):
    errors = refusal(program=youth, date_of_birth=date(2000, 1, 1))
    assert "aged 20 or younger" in errors["date_of_birth"][0]


def test_future_and_absurd_birth_dates_are_refused(academy):
    future = refusal(program=academy, date_of_birth=date(2030, 1, 1))
    ancient = refusal(program=academy, date_of_birth=date(1800, 1, 1))
    assert "cannot be in the future" in future["date_of_birth"][0]
    assert "year looks wrong" in ancient["date_of_birth"][0]


def test_residency_must_be_confirmed(academy):
    errors = refusal(program=academy, lives_in_service_area=False)
    assert "live or work in the service area" in errors["lives_in_service_area"][0]


def test_missing_acknowledgement_is_refused(academy):
    errors = refusal(program=academy, acknowledged=[])
    assert "ack_conduct" in errors


def test_an_acknowledgement_the_form_does_not_ask_for_is_not_recorded(academy):
    application = apply(academy, acknowledged=["conduct", "waiver", "made-up"]).application
    assert set(application.acknowledged) == {"conduct"}


def test_missing_required_answer_is_refused_and_optional_may_be_blank(academy):
    why, sessions, car = academy.application_form.questions.all()
    errors = refusal(program=academy, answers=answers_for(academy, **{f"q{why.pk}": "  "}))
    assert errors == {f"q{why.pk}": ["Answer this question."]}

    application = apply(academy, answers=answers_for(academy, **{f"q{car.pk}": ""})).application
    assert str(car.pk) not in application.answers


@pytest.mark.parametrize("value", ["7", "-1", "abc", "1.0", "٣"])
def test_an_invalid_choice_is_refused(academy, value):
    sessions = academy.application_form.questions.get(kind=Kind.CHOICE)
    errors = refusal(program=academy, answers=answers_for(academy, **{f"q{sessions.pk}": value}))
    assert errors[f"q{sessions.pk}"] == ["Choose one of the answers listed."]


def test_an_answer_over_the_length_limit_is_refused(academy):
    why = academy.application_form.questions.get(kind=Kind.SHORT)
    errors = refusal(program=academy, answers=answers_for(academy, **{f"q{why.pk}": "x" * 201}))
    assert "under 200 characters" in errors[f"q{why.pk}"][0]


def test_answers_keep_the_question_as_asked_after_staff_edit_or_delete_it(academy):
    application = apply(academy).application
    why, sessions, _car = academy.application_form.questions.all()
    services.save_question(
        form=academy.application_form,
        question=sessions,
        kind=Kind.CHOICE,
        text={"en": "Pick a day"},
        choices=[{"en": "Monday"}, {"en": "Friday"}],
    )
    services.delete_question(question=why)

    rows = selectors.answer_rows(application, "en")
    assert [(r.question, r.answer) for r in rows] == [
        ("Why do you want to join?", "To understand policing."),
        ("Which sessions suit you?", "Weekends"),
        ("Do you have a car?", "Yes"),
    ]
    assert selectors.answer_rows(application, "es")[1].answer == "Fines de semana"


def test_applying_again_while_the_first_is_live_resends_the_link_once_a_day(academy):
    first = apply(academy).application

    for _attempt in range(3):
        with pytest.raises(services.AlreadyApplied) as error:
            apply(academy, name="Rosa D.")
        assert error.value.application == first and error.value.link_resent
    assert "sent the link to its status page again" in error.value.messages[0]
    assert Application.objects.count() == 1
    assert messages_for(first, "link").count() == 1
    with (
        time_machine.travel(NOW + timedelta(days=1), tick=False),
        pytest.raises(services.AlreadyApplied),
    ):
        apply(academy)
    assert messages_for(first, "link").count() == 2
    status_link = reverse("applications:status", args=[services.status_token(first)])
    assert status_link in delivered(messages_for(first, "link").first())


def test_a_link_that_cannot_be_derived_is_not_resent(academy, alice):
    resident = apply(academy).application.resident
    legacy = Application.objects.get()
    legacy.token_hash = "f" * 64  # made under another secret key
    legacy.save()

    with pytest.raises(services.AlreadyApplied) as error:
        apply(academy)
    assert not error.value.link_resent
    assert "confirmation message we sent you" in error.value.messages[0]
    assert resident.applications.count() == 1


def test_after_withdrawing_a_person_may_apply_again(academy):
    first = apply(academy).application
    services.withdraw_application(application=first)

    second = apply(academy).application

    assert second.pk != first.pk and second.status == Status.SUBMITTED


# --- Guardians -------------------------------------------------------------------------


def test_a_minor_must_name_a_guardian_with_a_way_to_reach_them(youth):
    errors = refusal(program=youth, date_of_birth=FIFTEEN, email="leo@example.net")
    assert "a parent or guardian must consent" in errors["guardian_name"][0]
    assert "email address or mobile phone" in errors["guardian_email"][0]
    bad_phone = refusal(
        program=youth,
        date_of_birth=FIFTEEN,
        guardian_name="Marta",
        guardian_phone="12",
    )
    assert "guardian_email" in bad_phone


def test_a_minor_applies_and_the_guardian_gets_their_own_link_in_the_applicants_language(
    youth,
):
    application = apply_minor(youth).application

    assert application.guardian_consent_pending
    token = services.guardian_token(application)
    assert application.guardian_token_hash == hash_token(token)
    assert services.application_by_guardian_token(token) == application
    message = messages_for(application, "guardian").get()
    assert message.recipient == "marta@example.net" and message.language == "es"
    assert reverse("applications:guardian", args=[token]) in delivered(message)
    assert reverse("applications:status", args=[token]) not in delivered(message)
    assert "Marta Diaz" in messages_for(application, "received").get().body_text


def test_an_adult_in_a_youth_program_needs_no_guardian(youth):
    application = apply(youth, date_of_birth=date(2007, 1, 1)).application
    assert not application.needs_guardian_consent
    assert application.guardian_token_hash is None


def test_the_guardian_link_can_go_by_text_message(youth):
    application = apply_minor(youth, guardian_email="", guardian_phone="(312) 555-0142").application
    message = messages_for(application, "guardian").get()
    assert message.channel == OutboxMessage.Channel.SMS and message.recipient == "+13125550142"


def test_guardian_consent_works_once(youth):
    application = apply_minor(youth).application

    services.give_guardian_consent(application=application, signature="  Marta   Diaz ")
    with time_machine.travel(NOW + timedelta(days=2), tick=False):
        again = services.give_guardian_consent(application=application, signature="Someone Else")

    assert again.guardian_signature == "Marta Diaz"
    assert again.guardian_consented_at == NOW
    assert not again.guardian_consent_pending
    assert messages_for(application, "guardian_consented").count() == 1
    assert AuditLog.objects.filter(action="guardian_consent").count() == 1


def test_guardian_cannot_consent_to_a_withdrawn_application(youth):
    application = apply_minor(youth).application
    services.withdraw_application(application=application)

    with pytest.raises(ValidationError, match="withdrawn"):
        services.give_guardian_consent(application=application, signature="Marta Diaz")


def test_guardian_signature_is_required(youth):
    application = apply_minor(youth).application
    with pytest.raises(ValidationError):
        services.give_guardian_consent(application=application, signature="   ")


def test_staff_cannot_accept_while_guardian_consent_is_pending(youth, alice):
    application = apply_minor(youth).application
    under_review(application, user=alice)

    with pytest.raises(ValidationError, match="parent or guardian's consent"):
        services.decide_application(application=application, status=Status.ACCEPTED, user=alice)

    services.give_guardian_consent(application=application, signature="Marta Diaz")
    services.decide_application(application=application, status=Status.ACCEPTED, user=alice)
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED


def test_guardian_link_is_resent_at_most_once_a_day_and_not_after_consent(youth):
    application = apply_minor(youth).application

    assert services.resend_guardian_link(application=application)
    assert services.resend_guardian_link(application=application)
    assert messages_for(application, "guardian").count() == 2  # first send + one resend
    services.give_guardian_consent(application=application, signature="Marta Diaz")
    application.refresh_from_db()
    assert not services.resend_guardian_link(application=application)


# --- Withdrawing ------------------------------------------------------------------------


def test_withdrawing_twice_changes_nothing_the_second_time(academy):
    application = apply(academy).application

    services.withdraw_application(application=application)
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        again = services.withdraw_application(application=application)

    assert again.status == Status.WITHDRAWN and again.withdrawn_at == NOW
    assert messages_for(application, "withdrawn").count() == 1


@pytest.mark.parametrize("status", [Status.UNDER_REVIEW, Status.WAITLISTED, Status.ACCEPTED])
def test_a_live_application_can_be_withdrawn(academy, status):
    application = apply(academy).application
    Application.objects.filter(pk=application.pk).update(status=status)

    assert services.withdraw_application(application=application).status == Status.WITHDRAWN


def test_a_declined_application_cannot_be_withdrawn(academy):
    application = apply(academy).application
    Application.objects.filter(pk=application.pk).update(status=Status.DECLINED)

    with pytest.raises(ValidationError, match="already decided"):
        services.withdraw_application(application=application)


# --- Review and decisions ---------------------------------------------------------------


def test_the_review_path_and_its_refusals(academy, alice):
    application = apply(academy).application

    assert services.allowed_statuses(application) == [Status.UNDER_REVIEW]
    with pytest.raises(ValidationError, match="move it to under review first"):
        services.decide_application(application=application, status=Status.ACCEPTED, user=alice)
    services.decide_application(application=application, status=Status.UNDER_REVIEW, user=alice)
    application.refresh_from_db()
    assert application.decided_at is None  # reviewing is not a decision
    assert services.allowed_statuses(application) == [
        Status.ACCEPTED,
        Status.WAITLISTED,
        Status.DECLINED,
    ]
    services.decide_application(application=application, status=Status.WAITLISTED, user=alice)
    application.refresh_from_db()
    assert services.allowed_statuses(application) == [Status.ACCEPTED, Status.DECLINED]
    services.decide_application(application=application, status=Status.ACCEPTED, user=alice)
    application.refresh_from_db()
    assert application.status == Status.ACCEPTED
    assert application.decided_by == alice and application.decided_at == NOW
    assert services.allowed_statuses(application) == []
    with pytest.raises(ValidationError, match="already decided"):
        services.decide_application(application=application, status=Status.DECLINED, user=alice)


def test_a_repeated_decision_changes_and_sends_nothing(academy, alice):
    application = apply(academy).application
    under_review(application, user=alice)

    first = services.decide_application(
        application=application, status=Status.ACCEPTED, user=alice, message="See you Tuesday."
    )
    again = services.decide_application(application=application, status=Status.ACCEPTED, user=alice)

    assert first.status == again.status == Status.ACCEPTED
    message = messages_for(application, "decision").get()
    assert message.key == f"application:{application.pk}:decision:accepted"
    assert "See you Tuesday." in message.body_text
    assert reverse("applications:status", args=[services.status_token(application)]) in (
        delivered(message)
    )


def test_each_decision_sends_its_own_message_in_the_applicants_language(academy, alice):
    application = apply(academy, language="es").application
    under_review(application, user=alice)

    services.decide_application(
        application=application, status=Status.WAITLISTED, user=alice, message="Full for now."
    )
    services.decide_application(application=application, status=Status.ACCEPTED, user=alice)

    keys = sorted(messages_for(application, "decision").values_list("key", flat=True))
    assert keys == [
        f"application:{application.pk}:decision:accepted",
        f"application:{application.pk}:decision:waitlisted",
    ]
    accepted = OutboxMessage.objects.get(key=keys[0])
    assert accepted.language == "es"
    # The waiting-list message's note is not repeated with the acceptance.
    assert "Full for now." not in accepted.body_text


def test_bulk_decisions_report_what_changed_and_what_was_skipped_and_why(academy, youth, alice):
    ready = [apply(academy, email=f"p{n}@example.net").application for n in range(3)]
    fresh = apply(academy, email="fresh@example.net").application
    gone = apply(academy, email="gone@example.net").application
    minor = apply_minor(youth).application
    under_review(*ready, gone, user=alice)
    under_review(minor, user=alice)
    services.withdraw_application(application=gone)
    other_program = ApplicationFactory()

    report = services.decide_applications(
        program=academy,
        application_ids=[a.pk for a in [*ready, fresh, gone, minor, other_program]],
        status=Status.ACCEPTED,
        user=alice,
    )

    assert [a.pk for a in report.changed] == [a.pk for a in ready]
    assert {a.pk: reason for a, reason in report.skipped} == {
        fresh.pk: "not under review yet: move it to under review first",
        gone.pk: "withdrawn by the applicant",
    }
    # Another program's applications are never touched, even when their ids are sent.
    minor.refresh_from_db()
    other_program.refresh_from_db()
    assert minor.status == Status.UNDER_REVIEW and other_program.status == Status.SUBMITTED
    assert OutboxMessage.objects.filter(key__contains=":decision:").count() == 3
    log = AuditLog.objects.get(action="decide_applications", details__status="accepted")
    assert log.details == {"status": "accepted", "applications": [a.pk for a in ready]}


def test_bulk_decision_skips_a_minor_without_consent(youth, alice):
    minor = apply_minor(youth).application
    under_review(minor, user=alice)

    report = services.decide_applications(
        program=youth, application_ids=[minor.pk], status=Status.ACCEPTED, user=alice
    )

    assert report.changed == []
    assert report.skipped[0][1] == "waiting for the parent or guardian's consent"


def test_accepted_applications_are_the_accepted_ones_only(academy, alice):
    apps = [apply(academy, email=f"p{n}@example.net").application for n in range(4)]
    under_review(*apps, user=alice)
    for application in apps[:2]:
        services.decide_application(application=application, status=Status.ACCEPTED, user=alice)
    services.decide_application(application=apps[2], status=Status.DECLINED, user=alice)
    services.withdraw_application(application=apps[1])

    assert list(selectors.accepted_applications(academy)) == [apps[0]]


def test_places_remaining_counts_accepted_applicants(academy, alice):
    apps = [apply(academy, email=f"p{n}@example.net").application for n in range(3)]
    under_review(*apps, user=alice)
    services.decide_applications(
        program=academy, application_ids=[a.pk for a in apps], status=Status.ACCEPTED, user=alice
    )

    counts = selectors.status_counts(academy)
    assert counts[Status.ACCEPTED] == 3 and counts[Status.SUBMITTED] == 0
    assert selectors.places_remaining(academy.application_form, counts) == -1


def test_notes_are_added_and_empty_ones_refused(academy, alice):
    application = apply(academy).application
    services.add_note(application=application, author=alice, text=" Strong answers. ")
    with pytest.raises(ValidationError):
        services.add_note(application=application, author=alice, text="  ")
    assert list(application.notes.values_list("text", flat=True)) == ["Strong answers."]


# --- The form and its questions ---------------------------------------------------------


@pytest.mark.parametrize(
    ("slug", "acknowledgements", "guardian"),
    [
        ("ride-outs", ["waiver"], None),
        ("citizen-police-academy", [], None),
        ("training-scenario-participation", ["waiver", "confidentiality"], None),
        ("hiring-promotion-scenarios", ["waiver", "confidentiality"], None),
        ("citizen-review-boards", ["confidentiality"], None),
        ("hiring-promotion-boards", ["confidentiality"], None),
        ("community-advisory-groups", [], None),
        ("youth-engagement", [], 18),
    ],
)
def test_new_forms_start_from_defaults_by_type(alice, slug, acknowledgements, guardian):
    program = ProgramFactory(engagement_type=_type(slug), owner=alice)

    defaults = services.default_form_settings(program)

    assert defaults["acknowledgements"] == acknowledgements
    assert defaults["guardian_consent_under"] == guardian
    assert defaults["minimum_age"] == program.engagement_type.minimum_age
    assert defaults["closes_at"] > defaults["opens_at"]


def test_form_settings_refuse_a_window_that_closes_before_it_opens(alice):
    program = ProgramFactory(engagement_type=_type("ride-outs"), owner=alice)
    with pytest.raises(ValidationError) as error:
        services.save_form_settings(
            program=program, user=alice, opens_at=NOW, closes_at=NOW, acknowledgements=[]
        )
    assert error.value.message_dict["closes_at"] == ["Applications must close after they open."]
    assert not ApplicationForm.objects.exists()


def test_form_settings_are_saved_once_however_often(alice):
    program = ProgramFactory(engagement_type=_type("ride-outs"), owner=alice)
    for _run in range(2):
        form = services.save_form_settings(
            program=program,
            user=alice,
            opens_at=NOW,
            closes_at=NOW + timedelta(days=9),
            acknowledgements=["waiver"],
            acknowledgement_texts={"waiver": {"en": " Ride at your own risk. ", "es": ""}},
            introduction={"en": "Ride along.", "es": "  "},
        )
    assert ApplicationForm.objects.count() == 1
    assert form.acknowledgements == ["waiver"]
    assert form.acknowledgement_texts == {"waiver": {"en": "Ride at your own risk."}}
    assert form.introduction == {"en": "Ride along."}
    assert AuditLog.objects.filter(action="change_application_form").count() == 1
    with pytest.raises(ValidationError):
        services.save_form_settings(
            program=program,
            user=alice,
            opens_at=NOW,
            closes_at=NOW + timedelta(days=9),
            acknowledgements=["made-up"],
        )


def test_acknowledgement_text_falls_back_to_english_then_to_the_portals_wording(academy):
    form = academy.application_form
    form.acknowledgement_texts = {"conduct": {"en": "Be kind."}}

    assert selectors.acknowledgement_text(form, "conduct", "es") == "Be kind."
    # No text of the program's own: the portal's standard wording, in the applicant's language.
    assert "antecedentes penales" in selectors.acknowledgement_text(form, "background_check", "es")


def test_questions_are_added_moved_and_deleted(academy):
    form = academy.application_form
    why, sessions, car = form.questions.all()
    added = services.save_question(form=form, kind=Kind.LONG, text={"en": "Tell us more"})
    assert added.position == 3

    services.move_question(question=added, offset=-1)
    services.move_question(question=why, offset=-1)  # already first: nothing moves
    assert list(form.questions.all()) == [why, sessions, added, car]

    services.delete_question(question=sessions)
    assert list(form.questions.values_list("position", flat=True)) == [0, 1, 2]
    with pytest.raises(ValidationError):
        services.save_question(form=form, kind=Kind.CHOICE, text={"en": "?"}, choices=[{"en": "A"}])
    with pytest.raises(ValidationError):
        services.save_question(form=form, kind=Kind.SHORT, text={"en": " "})


# --- A real race on PostgreSQL ----------------------------------------------------------

race = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")


@race
def test_two_bulk_decisions_at_once_notify_each_applicant_once(postgres_only, alice):
    program = ProgramFactory(engagement_type=_type("citizen-police-academy"), owner=alice)
    ApplicationForm.objects.create(
        program=program,
        opens_at=datetime.now(UTC) - timedelta(days=1),
        closes_at=datetime.now(UTC) + timedelta(days=1),
    )
    hillcrest = NeighbourhoodFactory()
    ids = [
        services.submit_application(
            program=program,
            name=f"Applicant {n}",
            email=f"a{n}@example.net",
            neighbourhood=hillcrest,
            language="en",
            date_of_birth=ADULT,
        ).application.pk
        for n in range(12)
    ]
    Application.objects.filter(pk__in=ids).update(status=Status.UNDER_REVIEW)
    reports = []

    def decide(i):
        # Opposite orders: a lock taken row by row in request order would deadlock.
        order = ids if i % 2 else list(reversed(ids))
        reports.append(
            services.decide_applications(
                program=program, application_ids=order, status=Status.ACCEPTED, user=alice
            )
        )

    errors = run_at_once(4, decide)

    assert errors == []
    assert sum(len(r.changed) for r in reports) == 12
    assert Application.objects.filter(status=Status.ACCEPTED).count() == 12
    decisions = OutboxMessage.objects.filter(key__contains=":decision:")
    assert decisions.count() == 12
    assert sorted(decisions.values_list("recipient", flat=True)) == sorted(
        f"a{n}@example.net" for n in range(12)
    )
