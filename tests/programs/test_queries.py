"""Every programs page runs a fixed number of queries, however many programs there are.

Each page is measured with a small and a ten times larger data set (programs with
neighbourhoods, languages, partners and team members from different units); the bound is
the same for both, so an N+1 shows up as a failure on the larger set.
"""

import pytest
from django.urls import reverse

from engagement_portal.accounts.models import Language
from programs.models import EngagementType, Program
from tests.factories import (
    NeighbourhoodFactory,
    PartnerOrganisationFactory,
    ProgramFactory,
    StaffUserFactory,
    UnitFactory,
)

pytestmark = pytest.mark.django_db

SIZES = [3, 30]


@pytest.fixture(params=SIZES, ids=lambda n: f"{n}-programs")
def world(request, alice, bob):
    """n programs across every tier and status, alice on each; returns the one she owns."""
    n = request.param
    types = list(EngagementType.objects.all())
    languages = list(Language.objects.all())
    neighbourhoods = [NeighbourhoodFactory() for _ in range(4)]
    units = [UnitFactory() for _ in range(3)]
    colleagues = [StaffUserFactory(unit=units[i % 3]) for i in range(max(3, n // 3))]
    partners = [PartnerOrganisationFactory() for _ in range(3)]
    statuses = [Program.Status.ACTIVE] * 3 + [Program.Status.DRAFT, Program.Status.COMPLETED]
    programs = []
    for i in range(n):
        program = ProgramFactory(
            title=f"Program {i:02d}",
            engagement_type=types[i % len(types)],
            status=statuses[i % len(statuses)],
            owner=alice if i % 2 else colleagues[i % len(colleagues)],
        )
        program.neighbourhoods.add(*neighbourhoods[i % 2 : i % 2 + 2])
        program.languages.add(*languages[i % 3 : i % 3 + 2])
        program.partners.add(partners[i % 3])
        program.team.add(alice, bob, colleagues[(i + 1) % len(colleagues)])
        programs.append(program)
    subject = programs[1]
    subject.team.add(*colleagues)
    subject.neighbourhoods.add(*neighbourhoods)
    subject.languages.add(*languages)
    subject.partners.add(*partners)
    return subject


def get(client, url, bound, django_assert_max_num_queries, **params):
    with django_assert_max_num_queries(bound):
        response = client.get(url, params)
    assert response.status_code == 200
    return response


def test_catalogue(client, world, django_assert_max_num_queries):
    response = get(client, reverse("programs:catalogue"), 6, django_assert_max_num_queries)
    assert response.context["result_count"] >= 2


def test_filtered_catalogue(client, world, django_assert_max_num_queries):
    neighbourhood = world.neighbourhoods.first()
    language = world.languages.first()
    url = reverse("programs:catalogue")
    get(
        client,
        url,
        8,
        django_assert_max_num_queries,
        neighbourhood=neighbourhood.pk,
        language=language.pk,
    )


def test_public_program_page(client, world, django_assert_max_num_queries):
    get(client, world.get_absolute_url(), 4, django_assert_max_num_queries)


def test_staff_list(client, alice, world, django_assert_max_num_queries):
    client.force_login(alice)
    get(client, reverse("programs:staff-list"), 11, django_assert_max_num_queries)


def test_filtered_staff_list(client, alice, world, django_assert_max_num_queries):
    client.force_login(alice)
    neighbourhood = world.neighbourhoods.first()
    get(
        client,
        reverse("programs:staff-list"),
        12,
        django_assert_max_num_queries,
        neighbourhood=neighbourhood.pk,
        status="active",
        q="Program",
    )


def test_staff_program_page(client, alice, world, django_assert_max_num_queries):
    client.force_login(alice)
    # +1: the events section (one query with seat counts, whatever the number of events).
    # +1: the recommendations section (one query, whatever the number of recommendations).
    response = get(client, world.get_staff_url(), 11, django_assert_max_num_queries)
    assert response.context["can_manage"]


def test_staff_program_page_for_a_team_member(client, bob, world, django_assert_max_num_queries):
    client.force_login(bob)
    response = get(client, world.get_staff_url(), 12, django_assert_max_num_queries)
    assert response.context["can_manage"]


def test_edit_page(client, alice, world, django_assert_max_num_queries):
    client.force_login(alice)
    url = reverse("programs:staff-edit", args=[world.pk])
    get(client, url, 15, django_assert_max_num_queries)


def test_spectrum_page(client, alice, world, django_assert_max_num_queries):
    client.force_login(alice)
    get(client, reverse("programs:spectrum"), 7, django_assert_max_num_queries)


def test_staff_home(client, alice, world, django_assert_max_num_queries):
    client.force_login(alice)
    # 7 for the programs; one for the events with press questions waiting, one to count the
    # accessibility and interpretation requests to arrange and one to count the resident
    # requests to answer ("Waiting for you").
    response = get(client, reverse("core:staff-home"), 10, django_assert_max_num_queries)
    assert len(response.context["programs"]) >= 3


def test_command_home(client, carol, world, django_assert_max_num_queries):
    client.force_login(carol)
    get(client, reverse("core:command-home"), 11, django_assert_max_num_queries)
