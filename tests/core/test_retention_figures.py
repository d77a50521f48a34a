"""The dashboards' figures do not change when personal data goes: every exportable table
of the command dashboards, in several scopes, is the same before and after the nightly
purge (with the clock moved past every retention period but the audit log's) and two
erasures - and still the same after a full rebuild of the summaries from the anonymised
source rows, so no later refresh can move a figure either."""

import random
from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from dateutil.relativedelta import relativedelta
from django.utils import timezone

from engagement_portal.accounts.models import Resident
from engagement_portal.privacy import retention, tasks
from programs.dashboard.scope import Scope
from programs.dashboard.services import rebuild
from programs.dashboard.tables import csv_text, tables
from programs.models import EngagementType
from programs.structured.models_applications import Application

from ..dashboard.summary_tables import snapshot as summary_rows
from ..factories import (
    AccommodationRequestFactory,
    AnnouncementFactory,
    AnnouncementReplyFactory,
    ApplicationFactory,
    AttendanceFactory,
    CohortFactory,
    CohortSessionFactory,
    EventFactory,
    GroupMemberFactory,
    HoursEntryFactory,
    NeighbourhoodFactory,
    OutboxMessageFactory,
    ProgramFactory,
    RegistrationFactory,
    ResidentFactory,
    ResidentRequestFactory,
    ResponseFactory,
    StaffUserFactory,
    SurveyFactory,
    VolunteerFactory,
    VolunteerRoleFactory,
    WalkInFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.as_of("2026-11-20T10:00")]

START = date(2023, 1, 1)
END = date(2026, 11, 19)


def at(day: date, hour: int = 18) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def program(slug: str, owner):
    return ProgramFactory(engagement_type=EngagementType.objects.get(slug=slug), owner=owner)


def city(seed: int = 14):
    """Three neighbourhoods, 60 residents, programs in four tiers, two years of activity.
    Birth dates fall on every side of the age-group birthdays the sessions are read on."""
    rng = random.Random(seed)
    owner = StaffUserFactory()
    hoods = [NeighbourhoodFactory(population=4000 + 1000 * i) for i in range(3)]
    residents = [
        ResidentFactory(
            neighbourhood=hoods[i % 3],
            phone=f"+1312555{i:04d}",
            created_at=at(START) - timedelta(days=rng.randint(0, 90)),
            preferred_language=rng.choice(["en", "es"]),
        )
        for i in range(60)
    ]
    coffee = program("unstructured-engagement", owner)
    town_hall = program("town-hall-meetings", owner)
    academy = program("citizen-police-academy", owner)
    volunteers = program("volunteer-opportunities", owner)
    advisory = program("community-advisory-groups", owner)
    surveys = program("community-surveys", owner)

    for day in (date(2023, 3, 9), date(2023, 9, 14), date(2024, 6, 6)):
        for event_program in (coffee, town_hall):
            event = EventFactory(
                program=event_program, starts_at=at(day), ends_at=at(day) + timedelta(hours=2)
            )
            for resident in rng.sample(residents, 30):
                registration = RegistrationFactory(
                    event=event,
                    resident=resident,
                    status=rng.choice(["attended"] * 4 + ["no_show", "cancelled"]),
                    party_size=rng.choice([1, 1, 2]),
                    age_group=rng.choice(["", "18-34", "35-64", "65+"]),
                )
                if rng.random() < 0.2:
                    AccommodationRequestFactory(
                        registration=registration, details=f"Ramp for {resident.name}"
                    )
            for _ in range(12):
                WalkInFactory(event=event, neighbourhood=rng.choice(hoods), recorded_by=owner)

    cohort = CohortFactory(program=academy)
    sessions = [
        CohortSessionFactory(cohort=cohort, event__starts_at=at(d), event__ends_at=at(d, 20)).event
        for d in (date(2023, 4, 4), date(2023, 4, 11), date(2023, 10, 3))
    ]
    for resident in residents[:36]:
        # Aged 17-70 on the first session, born on any day of the year.
        born = date(2023, 4, 4) - relativedelta(years=rng.randint(17, 70), days=rng.randint(0, 364))
        ApplicationFactory(
            program=academy,
            resident=resident,
            date_of_birth=born,
            created_at=at(date(2023, 2, 1)),
            decided_at=at(date(2023, 3, 1)),
            status="accepted",
            address=f"{rng.randint(1, 99)} Elm Street",
            answers={"why": f"{resident.name} wants to learn"},
        )
        for session in sessions:
            AttendanceFactory(event=session, resident=resident, present=rng.random() < 0.8)

    role = VolunteerRoleFactory(program=volunteers)
    for resident in residents[20:50]:
        volunteer = VolunteerFactory(
            role=role, resident=resident, status="left", joined_on=date(2023, 5, 1)
        )
        ApplicationFactory(
            program=volunteers,
            resident=resident,
            date_of_birth=date(1990, rng.randint(1, 12), rng.randint(1, 28)),
            created_at=at(date(2023, 4, 1)),
            status="accepted",
        )
        for day in (date(2023, 6, 3), date(2024, 2, 10)):
            HoursEntryFactory(
                volunteer=volunteer,
                started_at=at(day, 9),
                ended_at=at(day, 12),
                status="approved",
                description=f"{resident.name} staffed the stall",
            )

    for resident in residents[:15]:
        GroupMemberFactory(
            program=advisory,
            resident=resident,
            term_starts=date(2023, 1, 15),
            term_ends=date(2024, 1, 14),
        )

    survey = SurveyFactory(program=surveys, owner=owner, mode="identified", status="closed")
    for resident in residents[10:40]:
        ResponseFactory(
            survey=survey,
            resident=resident,
            neighbourhood=resident.neighbourhood,
            submitted_on=date(2024, 3, rng.randint(1, 28)),
        )

    for resident in residents[40:52]:
        ResidentRequestFactory(
            resident=resident,
            program=coffee,
            status="accepted",
            created_at=at(date(2023, 8, 1)),
            handled_at=at(date(2023, 8, 3)),
            address="1 Quay Street",
        )
    announcement = AnnouncementFactory(program=town_hall, author=owner)
    for resident in residents[:12]:
        AnnouncementReplyFactory(
            announcement=announcement,
            name=resident.name,
            contact=resident.email,
            neighbourhood=resident.neighbourhood,
            received_at=at(date(2023, 11, 2)),
        )
        OutboxMessageFactory(
            resident=resident,
            recipient=resident.email,
            status="sent",
            created_at=at(date(2023, 11, 3)),
        )
    return {"hoods": hoods, "residents": residents, "programs": [coffee, academy, advisory]}


def figures(world) -> dict[str, str]:
    """Every exportable dashboard table, as CSV, in every scope a commander might pick."""
    scopes = [Scope(START, END), Scope(date(2023, 4, 1), date(2023, 4, 30))]
    scopes += [Scope(START, END, neighbourhood=hood) for hood in world["hoods"]]
    scopes += [Scope(START, END, program=p) for p in world["programs"]]
    scopes += [Scope(START, END, tier=p.engagement_type.tier) for p in world["programs"]]
    out = {}
    for name, build in tables().items():
        for n, scope in enumerate(scopes):
            out[f"{name}/{n}"] = csv_text(*build(scope))
    return out


def test_every_dashboard_figure_is_the_same_after_the_purge_and_two_erasures(root):
    world = city()
    rebuild()
    summaries = summary_rows()
    applicant = world["residents"][3]  # applied to the academy and attended its sessions
    volunteer = world["residents"][25]

    with time_machine.travel(at(END) + timedelta(days=3 * 365), tick=False):
        before = figures(world)
        # Enough figures are shown (not all suppressed) for the comparison to mean something.
        assert sum(text.count("<10") < text.count(",") for text in before.values()) > 100

        purged = tasks.purge_expired_personal_data.delay().get()
        retention.erase_resident(resident_id=applicant.pk, actor=root)
        retention.erase_resident(resident_id=volunteer.pk, actor=root)

        assert purged["residents"] >= 50 and purged["applications"] == 66, purged
        assert not Resident.objects.exclude(email_normalised__startswith="erased:").exists()
        assert not Application.objects.exclude(address="").exists()
        assert summary_rows() == summaries
        assert figures(world) == before

        # A full rebuild from the anonymised rows gives the same summaries and figures.
        rebuild()
        assert summary_rows() == summaries
        assert figures(world) == before
