"""Fixtures for the accounts tests: neighbourhood CSV files and a persona with a resident record."""

import pytest

from tests.factories import ResidentFactory

GOOD_CSV = (
    "name,code,population,age:18-24,age:65+,language:spanish\n"
    "Riverside North,RN,12400,11.5,17,22\n"
    'Old Town,old-town,"8,200",9,21.25%,\n'
)


@pytest.fixture
def good_csv() -> bytes:
    return GOOD_CSV.encode()


@pytest.fixture
def dave_resident(dave):
    return ResidentFactory(name=dave.full_name, email=dave.email, user=dave)
