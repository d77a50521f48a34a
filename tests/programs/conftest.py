"""Fixtures for the programs app: a program alice owns, form data, places and languages."""

import pytest

from engagement_portal.accounts.models import Language
from programs.models import EngagementType, Program
from tests.factories import NeighbourhoodFactory, ProgramFactory

INTENTION = "Hear what worries residents on the east side before summer starts."


@pytest.fixture
def coffee():
    return EngagementType.objects.get(slug="unstructured-engagement")


@pytest.fixture
def review_board():
    return EngagementType.objects.get(slug="citizen-review-boards")


@pytest.fixture
def eastside(db):
    return NeighbourhoodFactory(name="Eastside", code="east")


@pytest.fixture
def westside(db):
    return NeighbourhoodFactory(name="Westside", code="west")


@pytest.fixture
def spanish(db):
    return Language.objects.get(code="es")


@pytest.fixture
def vietnamese(db):
    return Language.objects.get(code="vi")


@pytest.fixture
def program(alice, coffee):
    """An active public Coffee with a Cop that alice owns."""
    return ProgramFactory(
        title="Coffee on Main Street",
        slug="coffee-on-main-street",
        engagement_type=coffee,
        owner=alice,
    )


@pytest.fixture
def draft(alice, coffee):
    return ProgramFactory(
        title="Draft chats",
        slug="draft-chats",
        engagement_type=coffee,
        owner=alice,
        status=Program.Status.DRAFT,
    )


@pytest.fixture
def program_data(coffee):
    """Valid POST data for ProgramForm; tests override what they need."""

    def make(**overrides):
        data = {
            "title": "Coffee on Main Street",
            "engagement_type": str(coffee.pk),
            "intention": INTENTION,
            "description": "",
            "visibility": Program.Visibility.PUBLIC,
            "owner": "",
            "team": [],
            "partners": [],
            "languages": [],
            "neighbourhoods": [],
        }
        data.update(overrides)
        return data

    return make


@pytest.fixture
def login(client):
    def as_user(user):
        client.force_login(user)
        return client

    return as_user
