"""The dashboards' busiest queries are compiled once per set of inputs (compiled.py): the
rows are the queryset's, the ORM builds each query once, and every input the SQL is built
from is in the key."""

from datetime import date

import pytest
from django.db.models import Q, Sum

from programs.dashboard import compiled
from programs.dashboard.models import ParticipationMonthArea
from programs.dashboard.scope import Scope
from programs.dashboard.selectors_overview import participation_sums, people_by_area
from programs.models import EngagementType, Tier

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache():
    compiled.clear()
    yield
    compiled.clear()


def _areas(month: date):
    return (
        ParticipationMonthArea.objects.filter(month=month)
        .values("area")
        .annotate(n=Sum("people"))
        .values_list("area", "n")
        .order_by("area")
    )


def test_it_gives_the_querysets_rows_and_builds_each_query_once(django_assert_num_queries):
    ParticipationMonthArea.objects.bulk_create(
        [
            ParticipationMonthArea(month=date(2025, 3, 1), area=1, people=4),
            ParticipationMonthArea(month=date(2025, 3, 1), area=2, people=7),
            ParticipationMonthArea(month=date(2025, 4, 1), area=1, people=5),
        ]
    )
    built = []

    def build(month):
        built.append(month)
        return _areas(month)

    for _ in range(2):
        for month in (date(2025, 3, 1), date(2025, 4, 1)):
            with django_assert_num_queries(1):
                rows = compiled.rows(("areas", month), lambda month=month: build(month))
            assert rows == list(_areas(month))
    assert built == [date(2025, 3, 1), date(2025, 4, 1)]


def test_a_query_that_can_match_nothing_asks_nothing(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert compiled.rows("nothing", lambda: _areas(date(2025, 3, 1)).filter(pk__in=[])) == []


def test_the_scope_key_holds_what_its_queries_read():
    tier = Tier.objects.get(number=2)
    kind = EngagementType.objects.filter(tier=tier).first()
    scope = Scope(start=date(2025, 3, 1), end=date(2025, 5, 31), tier=tier, engagement_type=kind)
    assert scope.key == (date(2025, 3, 1), date(2025, 5, 31), (tier.pk, 2), kind.pk, None, None)
    # A tier is read by its number: the same row renumbered is another key.
    renumbered = Tier(pk=tier.pk, number=7)
    assert (
        Scope(scope.start, scope.end, tier=renumbered).key
        != Scope(scope.start, scope.end, tier=tier).key
    )


def test_the_sums_are_those_of_each_scope_and_period():
    """Two scopes, periods and filters one after the other: each its own query."""
    ParticipationMonthArea.objects.bulk_create(
        [
            ParticipationMonthArea(month=date(2025, 3, 1), area=1, people=4),
            ParticipationMonthArea(month=date(2025, 4, 1), area=1, people=5),
        ]
    )
    spring = Scope(start=date(2025, 3, 1), end=date(2025, 4, 30))
    march = {"m": (date(2025, 3, 1), date(2025, 3, 31))}
    april = {"m": (date(2025, 4, 1), date(2025, 4, 30))}
    assert people_by_area(spring, march) == {1: {"m": 4}}
    assert people_by_area(spring, april) == {1: {"m": 5}}
    assert people_by_area(spring, march) == {1: {"m": 4}}
    walk_ins = Q(kind="walk_in")
    assert participation_sums(spring, march, None, ("people",)) == {None: {"people_m": 0}}
    assert participation_sums(spring, march, "kind", ("people",), walk_ins) == {}
