import pytest

from tests import factories

pytestmark = pytest.mark.django_db

FACTORIES = sorted(
    (
        obj
        for obj in vars(factories).values()
        if isinstance(obj, type)
        and issubclass(obj, factories.factory.django.DjangoModelFactory)
        and obj is not factories.factory.django.DjangoModelFactory
    ),
    key=lambda f: f.__name__,
)


def test_every_model_factory_is_covered():
    assert {f.__name__ for f in FACTORIES} >= {
        "UnitFactory",
        "UserFactory",
        "StaffUserFactory",
        "NeighbourhoodFactory",
        "LanguageFactory",
        "ResidentFactory",
        "ConsentFactory",
        "EngagementTypeFactory",
        "PartnerOrganisationFactory",
        "ProgramFactory",
    }


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_builds_a_valid_saved_object(factory_class):
    obj = factory_class()

    assert obj.pk is not None
    obj.full_clean()


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_builds_distinct_valid_objects_when_called_twice(factory_class):
    first, second = factory_class(), factory_class()

    assert first.pk != second.pk
    second.full_clean()
