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


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """The default hasher is slow on purpose; these tests log in and fail to log in a lot."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
