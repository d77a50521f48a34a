"""The reach and principles pages link to drill-down lists of their own; each opens as a
drill-down page for command staff and stays closed to everyone else."""

import pytest
from django.urls import reverse

from programs.dashboard.views_overview import FunctionDrill


def names():
    return sorted(FunctionDrill.registry())


def test_the_reach_and_principles_pages_have_drill_downs():
    assert any(name.startswith("reach-") for name in names())
    assert any(name.startswith("principle-") for name in names())


@pytest.mark.parametrize("name", names())
def test_each_drill_down_opens_for_command_staff(client, carol, name):
    client.force_login(carol)
    response = client.get(reverse("dashboard:drill-down", args=[name]))
    assert response.status_code == 200
    assert "<h1>" in response.text


@pytest.mark.parametrize("name", names()[:2])
def test_drill_downs_stay_closed_to_program_staff_and_residents(client, alice, dave, name):
    for user in (alice, dave):
        client.force_login(user)
        assert client.get(reverse("dashboard:drill-down", args=[name])).status_code == 403


@pytest.mark.parametrize("name", names())
def test_each_drill_down_exports_as_csv(client, carol, name):
    client.force_login(carol)
    response = client.get(reverse("dashboard:export", args=[f"drill-{name}"]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
