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


def test_every_model_of_the_project_has_a_factory():
    from django.apps import apps

    ours = {
        model
        for model in apps.get_models()
        if model._meta.app_config.name.startswith(("engagement_portal.", "programs", "events"))
        or model._meta.app_label in ("programs", "events", "surveys")
    }
    # Dashboard summaries are derived data, and ledger entries are what the services record
    # as they go: tests make both through the services (then summarise the ledger), or
    # dashboard.services.rebuild(), never by hand.
    ours = {
        model
        for model in ours
        if model._meta.app_label != "dashboard" and model.__name__ != "LedgerEntry"
    }
    covered = {
        apps.get_model(f._meta.model) if isinstance(f._meta.model, str) else f._meta.model
        for f in FACTORIES
    }
    missing = sorted(m.__name__ for m in ours - covered)
    assert not missing, f"Add factories to tests/factories.py for: {missing}"


@pytest.mark.parametrize("factory_class", FACTORIES, ids=lambda f: f.__name__)
def test_factory_builds_a_valid_saved_object(factory_class):
    obj = factory_class()

    assert obj.pk is not None
    obj.full_clean()


# The five tiers are fixed, seeded rows: their factory returns the existing one.
SEEDED = {"TierFactory"}


@pytest.mark.parametrize(
    "factory_class", [f for f in FACTORIES if f.__name__ not in SEEDED], ids=lambda f: f.__name__
)
def test_factory_builds_distinct_valid_objects_when_called_twice(factory_class):
    first, second = factory_class(), factory_class()

    assert first.pk != second.pk
    second.full_clean()
