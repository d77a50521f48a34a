"""Tier 4: community co-facilitators of training sessions, recorded on the event's staff
page (events.hooks panel) and counted as participation."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import EngagementType
from programs.personnel import services as personnel
from programs.personnel.models import EventCoFacilitator
from tests.factories import (
    EventFactory,
    PartnerOrganisationFactory,
    ProgramFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner():
    return PartnerOrganisationFactory(name="Safe Harbor Advocates", kind="victim_services")


@pytest.fixture
def training(alice):
    program = ProgramFactory(
        owner=alice,
        engagement_type=EngagementType.objects.get(slug="co-facilitated-training"),
    )
    return EventFactory(program=program, title="DV response training")


def test_add_co_facilitator_twice_records_one_person(training, partner):
    personnel.add_co_facilitator(event=training, partner=None, name="Dana Reyes", role="Advocate")
    personnel.add_co_facilitator(event=training, partner=partner, name="Dana Reyes", role="Lead")

    person = EventCoFacilitator.objects.get()
    assert (person.partner, person.role) == (partner, "Lead")


def test_add_co_facilitator_refuses_an_event_that_is_not_training(partner):
    event = EventFactory()

    with pytest.raises(ValidationError):
        personnel.add_co_facilitator(event=event, partner=partner, name="Dana Reyes")
    assert not EventCoFacilitator.objects.exists()


def test_program_staff_add_a_co_facilitator_shown_on_the_roster(client, alice, training, partner):
    client.force_login(alice)

    response = client.post(
        reverse("personnel:staff-co-facilitators", args=[training.pk]),
        {"name": "Dana Reyes", "role": "DV advocate", "partner": partner.pk},
    )

    assert response.status_code == 302
    roster = client.get(training.get_staff_url()).content.decode()
    assert "Dana Reyes" in roster
    assert "Safe Harbor Advocates" in roster


def test_staff_not_on_the_program_may_not_add_a_co_facilitator(client, bob, training):
    client.force_login(bob)

    response = client.post(
        reverse("personnel:staff-co-facilitators", args=[training.pk]), {"name": "Dana Reyes"}
    )

    assert response.status_code == 403
    assert not EventCoFacilitator.objects.exists()


def test_co_facilitator_without_a_name_keeps_the_role(client, alice, training):
    client.force_login(alice)

    response = client.post(
        reverse("personnel:staff-co-facilitators", args=[training.pk]),
        {"name": "", "role": "DV advocate"},
    )

    assert response.status_code == 200
    assert "DV advocate" in response.content.decode()
    assert not EventCoFacilitator.objects.exists()


def test_co_facilitator_on_a_non_training_event_is_refused_with_a_reason(client, alice):
    event = EventFactory(program=ProgramFactory(owner=alice))
    client.force_login(alice)

    response = client.post(
        reverse("personnel:staff-co-facilitators", args=[event.pk]), {"name": "Dana Reyes"}
    )

    assert response.status_code == 200
    assert "training sessions only" in response.content.decode()
    assert not EventCoFacilitator.objects.exists()


def test_a_co_facilitator_is_a_fact_the_dashboards_count(training, partner):
    from programs.dashboard.models import ParticipationDay
    from tests.ledger import summarise

    personnel.add_co_facilitator(event=training, partner=partner, name="Dana Reyes")
    assert not ParticipationDay.objects.filter(kind="co_facilitation").exists()
    summarise()
    row = ParticipationDay.objects.get(kind="co_facilitation")
    assert (row.program_id, row.people) == (training.program_id, 1)


def test_the_event_page_shows_the_personnel_panel_only_through_the_hook(client, alice, training):
    """The events block knows no tier: the co-facilitators section comes from the
    personnel app's panel (events.hooks)."""
    from events import hooks

    client.force_login(alice)
    page = client.get(training.get_staff_url()).content.decode()
    assert 'id="co-facilitators"' in page
    saved = list(hooks._PANELS)
    hooks._PANELS.clear()
    try:
        page = client.get(training.get_staff_url()).content.decode()
    finally:
        hooks._PANELS.extend(saved)
    assert 'id="co-facilitators"' not in page


# --- Correcting and removing (issue 17, item 9) --------------------------------------------


def test_staff_correct_a_co_facilitator_and_a_clash_of_names_keeps_what_was_typed(
    client, alice, training, partner
):
    dana = personnel.add_co_facilitator(event=training, partner=None, name="Dana Reyes")
    personnel.add_co_facilitator(event=training, partner=None, name="Lee Park")
    client.force_login(alice)
    url = reverse("personnel:staff-co-facilitator-edit", args=[dana.pk])
    assert "Dana Reyes" in client.get(url).content.decode()

    clash = client.post(url, {"name": "lee park", "role": "Advocate", "partner": partner.pk})
    page = clash.content.decode()
    assert clash.status_code == 200 and "already a co-facilitator of this session" in page
    assert 'value="Advocate"' in page  # nothing typed is lost
    response = client.post(url, {"name": "Dana Reyes-Cruz", "role": "Lead", "partner": partner.pk})

    assert response.status_code == 302
    dana.refresh_from_db()
    assert (dana.name, dana.role, dana.partner) == ("Dana Reyes-Cruz", "Lead", partner)


def test_staff_remove_a_co_facilitator_and_the_figures_follow(client, alice, training):
    from engagement_portal.core.models import LedgerEntry

    dana = personnel.add_co_facilitator(event=training, partner=None, name="Dana Reyes")
    client.force_login(alice)
    before = LedgerEntry.objects.count()
    page = client.get(training.get_staff_url()).content.decode()
    assert 'Remove<span class="visually-hidden"> Dana Reyes</span>' in page

    url = reverse("personnel:staff-co-facilitator-remove", args=[dana.pk])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 404  # gone; nothing more happens

    assert not EventCoFacilitator.objects.exists()
    assert LedgerEntry.objects.count() == before + 1
    assert "Dana Reyes" not in client.get(training.get_staff_url()).content.decode()


def test_staff_of_another_program_cannot_edit_or_remove(client, bob, training):
    dana = personnel.add_co_facilitator(event=training, partner=None, name="Dana Reyes")
    client.force_login(bob)

    edit = reverse("personnel:staff-co-facilitator-edit", args=[dana.pk])
    assert client.get(edit).status_code == 403
    assert client.post(edit, {"name": "X"}).status_code == 403
    remove = reverse("personnel:staff-co-facilitator-remove", args=[dana.pk])
    assert client.post(remove).status_code == 403
    assert EventCoFacilitator.objects.get().name == "Dana Reyes"
