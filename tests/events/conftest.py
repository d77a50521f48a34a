from datetime import timedelta

import pytest
from django.utils import timezone

from events.models import Event
from tests.factories import ProgramFactory


@pytest.fixture
def make_event(db):
    def make(**fields):
        start = fields.pop("starts_at", timezone.now() + timedelta(days=7))
        fields.setdefault("program", ProgramFactory())
        fields.setdefault("title", "Coffee with a Cop")
        return Event.objects.create(
            starts_at=start, ends_at=fields.pop("ends_at", start + timedelta(hours=2)), **fields
        )

    return make
