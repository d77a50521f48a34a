"""The data migration seeds the spectrum of shared/reference/engagement-spectrum.txt.

The expected lists below are written from the reference itself, not read from
programs/spectrum.py, so a mistake in the seed data cannot hide behind itself.
"""

import pytest
from django.utils import translation

from programs.models import EngagementType, Tier
from programs.spectrum import seed_spectrum
from tests.factories import EngagementTypeFactory

pytestmark = pytest.mark.django_db

EXPECTED_TIERS = [
    (1, "Information sharing"),
    (2, "In-person interactions"),
    (3, "Structured agency programs"),
    (4, "Shared contributions to personnel development"),
    (5, "Co-produced solution development"),
]

# (slug, tier number) for every engagement opportunity the reference lists, in its order.
EXPECTED_TYPES = [
    ("social-media-releases", 1),
    ("community-surveys", 1),
    ("press-conferences", 1),
    ("community-events", 2),
    ("unstructured-engagement", 2),
    ("ride-outs", 2),
    ("front-porch-line-ups", 2),
    ("neighbourhood-briefings", 2),
    ("town-hall-meetings", 2),
    ("strategic-partnerships", 2),
    ("citizen-police-academy", 3),
    ("youth-engagement", 3),
    ("volunteer-opportunities", 3),
    ("training-scenario-participation", 4),
    ("co-facilitated-training", 4),
    ("hiring-promotion-scenarios", 4),
    ("listening-sessions", 5),
    ("policy-review-committees", 5),
    ("hiring-promotion-boards", 5),
    ("community-advisory-groups", 5),
    ("citizen-review-boards", 5),
]

STANDING_GROUPS = [
    "policy-review-committees",
    "hiring-promotion-boards",
    "community-advisory-groups",
    "citizen-review-boards",
]


def seeded_rows():
    tiers = list(Tier.objects.order_by("number").values())
    types = list(EngagementType.objects.order_by("slug").values())
    return tiers, types


def test_migration_seeds_exactly_five_tiers_in_reference_order():
    assert list(Tier.objects.values_list("number", "name")) == EXPECTED_TIERS


def test_every_tier_has_a_description():
    assert all(tier.display_description.strip() for tier in Tier.objects.all())


def test_every_reference_opportunity_is_seeded_in_its_tier():
    seeded = dict(EngagementType.objects.values_list("slug", "tier__number"))
    for slug, tier_number in EXPECTED_TYPES:
        assert seeded.get(slug) == tier_number, slug


def test_seeded_types_are_exactly_the_reference_list():
    seeded = EngagementType.objects.filter(is_seeded=True)
    assert sorted(seeded.values_list("slug", flat=True)) == sorted(s for s, _t in EXPECTED_TYPES)


def test_seeded_types_keep_reference_order_within_each_tier():
    for number in range(1, 6):
        expected = [slug for slug, tier in EXPECTED_TYPES if tier == number]
        seeded = EngagementType.objects.filter(tier__number=number, is_seeded=True)
        assert list(seeded.values_list("slug", flat=True)) == expected


def test_reference_names_are_recognisable():
    names = {t.slug: t.name for t in EngagementType.objects.all()}
    assert "Coffee with a Cop" in names["unstructured-engagement"]
    assert "National Night Out" in names["unstructured-engagement"]
    assert "Citizen police academy" in names["citizen-police-academy"]
    assert names["citizen-review-boards"] == "Citizen review boards"
    assert names["town-hall-meetings"].lower() == "town hall meetings"


def test_every_type_has_a_description():
    for engagement_type in EngagementType.objects.all():
        assert engagement_type.display_description.strip(), engagement_type.slug


def test_ride_outs_require_a_waiver():
    assert EngagementType.objects.get(slug="ride-outs").requires_waiver


def test_youth_engagement_requires_guardian_consent():
    assert EngagementType.objects.get(slug="youth-engagement").requires_guardian_consent


def test_volunteer_opportunities_log_volunteer_hours():
    assert EngagementType.objects.get(slug="volunteer-opportunities").volunteer_hours


def test_only_volunteer_opportunities_log_volunteer_hours():
    assert list(
        EngagementType.objects.filter(volunteer_hours=True).values_list("slug", flat=True)
    ) == ["volunteer-opportunities"]


@pytest.mark.parametrize("slug", STANDING_GROUPS)
def test_standing_groups_have_membership_with_a_term(slug):
    engagement_type = EngagementType.objects.get(slug=slug)
    assert engagement_type.standing_membership
    assert engagement_type.term_months and engagement_type.term_months > 0
    assert engagement_type.selective_application


def test_only_standing_groups_have_standing_membership():
    standing = EngagementType.objects.filter(standing_membership=True)
    assert sorted(standing.values_list("slug", flat=True)) == sorted(STANDING_GROUPS)


def test_every_tier_five_type_produces_recommendations():
    for engagement_type in EngagementType.objects.filter(tier__number=5):
        assert engagement_type.produces_recommendations, engagement_type.slug


def test_registration_is_open_or_selective_never_both():
    for engagement_type in EngagementType.objects.all():
        assert not (engagement_type.open_registration and engagement_type.selective_application), (
            engagement_type.slug
        )


def test_types_with_registration_have_sessions():
    for engagement_type in EngagementType.objects.all():
        if engagement_type.open_registration or engagement_type.selective_application:
            assert engagement_type.uses_sessions, engagement_type.slug


def test_building_blocks_are_listed_by_name():
    ride_outs = EngagementType.objects.get(slug="ride-outs")
    assert "Waiver" in ride_outs.building_blocks()
    assert "Volunteer hours" not in ride_outs.building_blocks()


def test_seed_spectrum_twice_leaves_the_same_rows():
    before = seeded_rows()
    seed_spectrum(Tier, EngagementType)
    seed_spectrum(Tier, EngagementType)
    assert seeded_rows() == before


def test_seed_spectrum_restores_a_deleted_type_and_keeps_custom_ones():
    custom = EngagementTypeFactory(name="Bike patrol chats")
    EngagementType.objects.get(slug="press-conferences").delete()
    seed_spectrum(Tier, EngagementType)
    assert EngagementType.objects.filter(slug="press-conferences", tier__number=1).exists()
    assert EngagementType.objects.filter(pk=custom.pk, is_seeded=False).exists()
    assert Tier.objects.count() == 5


def test_agency_added_type_displays_its_own_name():
    custom = EngagementTypeFactory(name="Bike patrol chats")
    assert str(custom) == "Bike patrol chats"
    assert custom.display_name == "Bike patrol chats"
    with translation.override("es"):
        assert custom.display_name == "Bike patrol chats"
    assert not custom.is_seeded
