"""The summary tables always equal a full recomputation, whatever happens.

A property test (hypothesis): a random sequence of operations goes through the real services
(register, cancel, change a party, check in and undo it, walk-ins, no-shows, cancel an event,
change its capacity, move it, add and remove personnel, identified and anonymous survey
answers, answers through an invitation, press questions, anonymous answers published in groups, and
deletions), and afterwards every summary table must equal what `rebuild()` writes from the
source rows, compared as multisets of their meaningful columns.

Moving an event has no service of its own here (events.services.update_event needs a staff
form): `move_event` saves the new times and calls dashboard.services.event_changed
(previous_start=...), as update_event does. Deletions go through their services:
events.services.delete_event (staff: refused when people registered; administrators: allowed)
and surveys.services.delete_response. Registrations and walk-ins give an age group or not,
and survey answers include the standard age question, so DemographicDay is checked too.

Paths where a summary drifts are pinned by the tests at the end of this file.

Each example runs in a nested transaction that is rolled back (the pattern for hypothesis with
a function-scoped `db` fixture: hypothesis' own django.TestCase does the same per example).
"""

from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events import services as events
from events.models import Event, Registration
from programs.dashboard import services as summaries
from programs.dashboard.models import ParticipationDay
from programs.dashboard.services import rebuild
from programs.information import services as press
from programs.models import EngagementType
from surveys import builder
from surveys import services as surveys
from surveys.models import Invitation, Response, StandardItem, Survey
from tests.ledger import summarise

from ..factories import (
    EventFactory,
    InvitationFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    ResidentFactory,
    StaffUserFactory,
    SurveyFactory,
    UnitFactory,
)
from .summary_tables import COLUMNS, snapshot

TODAY = date(2025, 6, 2)  # the day things are recorded; events are around it


def at(day: date, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


NOW = at(TODAY, 8)

# --- Comparing the summaries with a full recomputation ---------------------------------------


def assert_summaries_equal_a_rebuild() -> None:
    """Every summary table, as derived from the ledger of what the services recorded,
    equals a full rebuild."""
    summarise()
    kept = snapshot()
    rebuild()
    rebuilt = snapshot()
    for table in COLUMNS:
        table = table.__name__
        missing = rebuilt[table] - kept[table]
        extra = kept[table] - rebuilt[table]
        assert not missing and not extra, (
            f"{table} drifted: kept but not rebuilt {dict(extra)}; "
            f"rebuilt but not kept {dict(missing)}"
        )


# --- A small world -----------------------------------------------------------------------------


@dataclass
class World:
    hoods: list
    staff: list
    events: list
    residents: list
    surveys: list  # [identified, anonymous]
    invitations: list
    press_event: Event | None
    registrations: list = field(default_factory=list)
    responses: list = field(default_factory=list)


def _survey(program, mode: str) -> Survey:
    survey = SurveyFactory(program=program, mode=mode)
    for key in ("trust-neighbourhood", "age-group"):
        builder.add_standard_item(survey=survey, item=StandardItem.objects.get(key=key))
    return survey


def build_world() -> World:
    """Two neighbourhoods, three programs in two tiers, four events over two days, six
    residents (one with no neighbourhood), an identified survey sent to two residents and an
    anonymous one, staff inside and outside the outreach unit, and a press conference."""
    hoods = [NeighbourhoodFactory(), NeighbourhoodFactory()]
    outreach = UnitFactory(is_community_outreach=True)
    staff = [StaffUserFactory(unit=outreach), StaffUserFactory()]
    coffee = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="unstructured-engagement")
    )
    academy = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="citizen-police-academy")
    )
    briefing = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug=press.PRESS_CONFERENCES)
    )
    day1, day2 = TODAY + timedelta(days=1), TODAY + timedelta(days=2)
    specs = [
        (coffee, day1, 18, None, hoods[0]),
        (coffee, day1, 20, 3, hoods[1]),
        (academy, day2, 18, 4, None),
        (academy, day1, 10, None, hoods[0]),
    ]
    made = []
    for program, day, hour, capacity, hood in specs:
        event = EventFactory(
            program=program,
            starts_at=at(day, hour),
            ends_at=at(day, hour + 1),
            capacity=capacity,
            neighbourhood=hood,
            max_party_size=4,
        )
        summaries.event_changed(event, participation=False)  # as events.services.create_event
        made.append(event)
    press_event = EventFactory(program=briefing, starts_at=at(day2, 11), ends_at=at(day2, 12))
    summaries.event_changed(press_event, participation=False)
    residents = [ResidentFactory(neighbourhood=hoods[n % 2] if n < 5 else None) for n in range(6)]
    identified, anonymous = _survey(coffee, "identified"), _survey(academy, "anonymous")
    invitations = [
        InvitationFactory(
            survey=identified,
            resident=resident,
            status=Invitation.Status.SENT,
            last_sent_at=NOW - timedelta(days=1),
        )
        for resident in residents[:2]
    ]
    summaries.invitations_changed(identified.pk)  # as a distribution run does when it ends
    return World(
        hoods=hoods,
        staff=staff,
        events=made,
        residents=residents,
        surveys=[identified, anonymous],
        invitations=invitations,
        press_event=press_event,
    )


# --- Moving an event (no service without a staff form) ------------------------------------------


def move_event(event: Event, days: int, hours: int) -> None:
    """What events.services.update_event does to the summaries when the times change."""
    with transaction.atomic():
        event = Event.objects.select_for_update().get(pk=event.pk)
        previous_start = event.starts_at
        shift = timedelta(days=days, hours=hours)
        event.starts_at += shift
        event.ends_at += shift
        event.save(update_fields=["starts_at", "ends_at"])
        summaries.event_changed(event, previous_start=previous_start)


AGES = ["", "under-18", "18-34", "35-64", "65+"]


def _answers(survey: Survey, value: int, hood, age: int = 0):
    """The trust answer, and the age question answered (age > 0), declined (age == 0) or
    left blank (age < 0)."""
    trust = survey.questions.get(standard_item__key="trust-neighbourhood")
    answers = [{"question": trust, "number": value}]
    age_question = survey.questions.get(standard_item__key="age-group")
    if age == 0:
        answers.append({"question": age_question, "declined": True})
    elif age > 0:
        answers.append({"question": age_question, "choice": age_question.choices.all()[age - 1]})
    return surveys.CleanAnswers(answers=answers, neighbourhood=hood)


def _pick(items: list, index: int):
    return items[index % len(items)] if items else None


# --- Operations --------------------------------------------------------------------------------

REFUSALS = (ValidationError, events.RegistrationClosed, events.EventFull)


def run(world: World, op: tuple) -> None:
    name, *args = op
    # A business refusal must leave the summaries as they were: checked at the end.
    with suppress(*REFUSALS):
        _run(world, name, *args)


def _run(world: World, name: str, *args) -> None:  # noqa: C901 (one branch per operation)
    if name == "register":
        event_i, resident_i, party, *age = args
        event = Event.objects.get(pk=_pick(world.events, event_i).pk) if world.events else None
        if event is None:
            return
        resident = world.residents[resident_i]
        result = events.register(
            event=event,
            name=resident.name,
            email=resident.email,
            # The resident's own neighbourhood, so a blank one is never filled in here:
            # test_filling_in_a_residents_neighbourhood_moves_their_past_participation.
            neighbourhood=resident.neighbourhood,
            party_size=party,
            age_group=AGES[age[0] if age else 0],
            now=NOW,
        )
        world.registrations.append(result.registration)
    elif name in ("cancel", "check_in", "undo", "party"):
        registration = _pick(world.registrations, args[0])
        if registration is None or not Registration.objects.filter(pk=registration.pk).exists():
            return
        if name == "cancel":
            events.cancel_registration(registration=registration, now=NOW)
        elif name == "check_in":
            events.check_in(registration=registration, now=NOW)
        elif name == "undo":
            events.undo_check_in(registration=registration)
        else:
            events.change_party_size(registration=registration, party_size=args[1], now=NOW)
    elif name == "walk_in":
        event_i, party, hood_i, *age = args
        event = _pick(world.events, event_i)
        if event is None:
            return
        hood = None if hood_i is None else world.hoods[hood_i]
        events.record_walk_in(
            event=event,
            recorded_by=world.staff[0],
            party_size=party,
            neighbourhood=hood,
            age_group=AGES[age[0] if age else 0],
        )
    elif name in ("no_shows", "cancel_event", "capacity", "move", "staff_in", "staff_out"):
        event = _pick(world.events, args[0])
        if event is None:
            return
        event = Event.objects.get(pk=event.pk)
        if name == "no_shows":
            events.mark_no_shows(event=event, now=event.ends_at + timedelta(hours=1))
        elif name == "cancel_event":
            events.cancel_event(event=event, reason="Storm warning", now=NOW)
        elif name == "capacity":
            events.set_capacity(event=event, capacity=args[1], now=NOW)
        elif name == "move":
            move_event(event, args[1], args[2])
        elif name == "staff_in":
            events.add_personnel(event=event, user=world.staff[args[1]], role="support")
        else:
            events.remove_personnel(event=event, user=world.staff[args[1]])
    elif name == "respond":
        survey_i, resident_i, value, hood_i, day, *age = args
        survey = world.surveys[survey_i]
        resident = None if resident_i is None else world.residents[resident_i]
        hood = None if hood_i is None else world.hoods[hood_i]
        response = surveys.submit_response(
            survey=survey,
            cleaned=_answers(survey, value, hood, age[0] if age else -1),
            language="en",
            source=Response.Source.WEB,
            resident=resident,
            today=TODAY - timedelta(days=day),
        )
        world.responses.append(response)
    elif name == "respond_invited":
        invitation_i, value, hood_i = args
        invitation = world.invitations[invitation_i]
        survey = world.surveys[0]
        response = surveys.submit_response(
            survey=survey,
            cleaned=_answers(survey, value, world.hoods[hood_i]),
            language="en",
            source=Response.Source.WEB,
            invitation_id=invitation.pk,
            today=TODAY,
        )
        world.responses.append(response)
    elif name == "press_question":
        text, hood_i = args
        if world.press_event is None:
            return
        press.submit_press_question(
            event=world.press_event,
            question=text,
            neighbourhood=None if hood_i is None else world.hoods[hood_i],
            now=NOW,
        )
    elif name == "mix":
        surveys.release_held_responses()
    elif name == "delete_event":
        event = _pick(world.events, args[0])
        if event is None:
            return
        # Staff first (refused when people registered), then as an administrator.
        as_admin = args[1]
        events.delete_event(event=event, by=world.staff[0], allow_registrations=as_admin)
        world.events.remove(event)
        if as_admin and world.press_event is not None:
            events.delete_event(event=world.press_event, by=None)
            world.press_event = None
    elif name == "delete_response":
        response = _pick(world.responses, args[0])
        if response is None:
            return
        world.responses.remove(response)
        surveys.delete_response(response=response, by=world.staff[0], reason="duplicate")
    else:  # pragma: no cover
        raise AssertionError(name)


index = st.integers(min_value=0, max_value=7)
hood = st.one_of(st.none(), st.integers(min_value=0, max_value=1))
OPERATIONS = st.one_of(
    st.tuples(st.just("register"), index, st.integers(0, 5), st.integers(1, 3), st.integers(0, 4)),
    st.tuples(st.just("register"), index, st.integers(0, 5), st.just(1)),
    st.tuples(st.just("cancel"), index),
    st.tuples(st.just("party"), index, st.integers(1, 4)),
    st.tuples(st.just("check_in"), index),
    st.tuples(st.just("check_in"), index),
    st.tuples(st.just("undo"), index),
    st.tuples(st.just("walk_in"), index, st.integers(1, 4), hood, st.integers(0, 4)),
    st.tuples(st.just("no_shows"), index),
    st.tuples(st.just("cancel_event"), index),
    st.tuples(st.just("capacity"), index, st.one_of(st.none(), st.integers(1, 5))),
    st.tuples(st.just("move"), index, st.integers(-2, 2), st.sampled_from([-3, 0, 5])),
    st.tuples(st.just("staff_in"), index, st.integers(0, 1)),
    st.tuples(st.just("staff_out"), index, st.integers(0, 1)),
    st.tuples(
        st.just("respond"),
        st.integers(0, 1),
        st.one_of(st.none(), st.integers(0, 5)),
        st.integers(1, 5),
        hood,
        st.integers(0, 40),
        st.integers(-1, 4),
    ),
    st.tuples(st.just("respond_invited"), st.integers(0, 1), st.integers(1, 5), st.integers(0, 1)),
    st.tuples(st.just("press_question"), st.sampled_from(["Why?", "When?", "Who?"]), hood),
    st.tuples(st.just("mix")),
    st.tuples(st.just("delete_event"), index, st.booleans()),
    st.tuples(st.just("delete_response"), index),
)


@contextmanager
def rolled_back():
    """One example's writes, undone afterwards so the next example starts clean."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def check(operations: list[tuple]) -> None:
    with rolled_back():
        world = build_world()
        for op in operations:
            run(world, op)
        # Anonymous answers reach the summaries only when published in groups (by design):
        # run the sweep, as beat does every 15 minutes, before comparing.
        surveys.release_held_responses()
        assert_summaries_equal_a_rebuild()


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    database=None,  # no .hypothesis/ folder in the work tree; a failure prints its example
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(st.lists(OPERATIONS, min_size=1, max_size=30))
def test_summaries_equal_a_rebuild_after_any_mix_of_operations(operations):
    check(operations)


# --- A deterministic smoke version: every operation at least once ----------------------------

SMOKE = [
    ("register", 0, 0, 2, 2),  # gave an age group; the rest of the party did not
    ("register", 0, 1, 1),
    ("register", 1, 2, 2),
    ("register", 1, 3, 2),  # waitlisted: capacity 3
    ("register", 2, 5, 1),
    ("register", 3, 4, 3),
    ("check_in", 0),
    ("check_in", 1),
    ("check_in", 3),  # a waiting-list resident let in at the door
    ("party", 2, 1),  # frees a seat
    ("cancel", 1),
    ("undo", 0),
    ("check_in", 0),
    ("walk_in", 0, 3, 0, 4),
    ("walk_in", 1, 2, None),
    ("staff_in", 0, 0),
    ("staff_in", 0, 1),
    ("staff_in", 1, 1),
    ("staff_out", 0, 0),
    ("capacity", 1, 5),
    ("no_shows", 0),
    ("move", 0, 1, 0),  # to another day, with its attendance and personnel
    ("move", 3, 0, 5),  # the same day, later
    ("respond", 0, 0, 4, 0, 0, 3),
    ("respond", 0, None, 2, None, 35),  # a month before
    ("respond", 1, None, 5, 1, 0, 1),  # anonymous: counted at the sweep
    ("respond_invited", 0, 3, 1),
    ("press_question", "Why?", 0),
    ("press_question", "When?", None),
    ("mix",),
    ("cancel_event", 2),
    ("delete_response", 0),
    ("delete_response", 1),  # anonymous (the list moved up by one)
    ("delete_event", 1, False),  # refused: people registered
    ("delete_event", 1, True),  # by an administrator; and the press conference
]


@pytest.mark.django_db
def test_summaries_equal_a_rebuild_after_every_kind_of_operation():
    check(SMOKE)


@pytest.mark.django_db
def test_the_comparison_catches_a_drift():
    """The check is not vacuous: a summary changed behind the services' back is caught."""
    with rolled_back():
        world = build_world()
        run(world, ("register", 0, 0, 2))
        run(world, ("check_in", 0))
        summarise()
        ParticipationDay.objects.update(people=99)
        with pytest.raises(AssertionError, match="ParticipationDay drifted"):
            assert_summaries_equal_a_rebuild()


# --- Paths where the summaries once drifted -------------------------------------------------------


@pytest.mark.django_db
def test_refreshing_a_day_writes_no_empty_participation_rows():
    with rolled_back():
        world = build_world()
        events.record_walk_in(event=world.events[0], recorded_by=world.staff[0], party_size=2)
        summarise()
        assert ParticipationDay.objects.exists()
        assert not ParticipationDay.objects.filter(participations=0).exists()


@pytest.mark.django_db
def test_filling_in_a_residents_neighbourhood_moves_their_past_participation():
    with rolled_back():
        world = build_world()
        resident = world.residents[5]  # no neighbourhood on file
        event = world.events[0]
        registration = events.register(
            event=event, name=resident.name, email=resident.email, now=NOW
        ).registration
        events.check_in(registration=registration, now=NOW)
        # The same person registers for another event and gives a neighbourhood this time.
        events.register(
            event=world.events[2],
            name=resident.name,
            email=resident.email,
            neighbourhood=world.hoods[0],
            now=NOW,
        )
        assert_summaries_equal_a_rebuild()
