"""Standing groups under real concurrency (PostgreSQL): two staff seating the same person at
once, and two staff saving a meeting's attendance at once."""

import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from programs.coproduction import services_groups as services
from programs.coproduction.models_groups import GroupMember
from programs.models import EngagementType
from programs.structured.models_cohorts import Attendance
from tests.concurrency import run_at_once
from tests.factories import EventFactory, GroupMemberFactory, ProgramFactory, ResidentFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")


@pytest.fixture
def committee(alice):
    return ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="policy-review-committees"), owner=alice
    )


@pytest.fixture
def slow_term_check(monkeypatch):
    """Widen the window between reading a person's terms and writing the new one, so a
    missing lock shows up as overlapping terms every time."""
    real = services._check_term

    def slow(**kwargs):
        real(**kwargs)
        time.sleep(0.05)

    monkeypatch.setattr(services, "_check_term", slow)


def test_seating_the_same_person_at_once_gives_one_term(
    postgres_only, committee, alice, slow_term_check
):
    resident = ResidentFactory()
    today = timezone.localdate()

    errors = run_at_once(
        6,
        lambda i: services.add_member(
            program=committee,
            resident=resident,
            role="member",
            term_starts=today + timedelta(days=i),
            term_ends=today + timedelta(days=400 + i),
            user=alice,
        ),
    )

    assert GroupMember.objects.filter(resident=resident).count() == 1
    assert len(errors) == 5 and all(isinstance(e, ValidationError) for e in errors)


def test_saving_attendance_at_once_writes_one_row_per_member(postgres_only, committee, alice):
    start = timezone.now() - timedelta(days=1)
    event = EventFactory(program=committee, starts_at=start, ends_at=start + timedelta(hours=2))
    members = [GroupMemberFactory(program=committee) for _ in range(5)]
    present = [m.resident_id for m in members[:3]]

    errors = run_at_once(
        4,
        lambda i: services.record_meeting_attendance(
            event=event, present_resident_ids=present, user=alice
        ),
    )

    assert errors == []
    assert Attendance.objects.filter(event=event).count() == 5
    assert Attendance.objects.filter(event=event, present=True).count() == 3
