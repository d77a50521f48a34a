"""Reads for program pages, the catalogue and the spectrum overview."""

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet

from programs.models import EngagementType, Program, Tier


def user_can_manage_program(user, program: Program) -> bool:
    """Owners, team members and those allowed to manage all programs may edit a program."""
    if not user.is_authenticated or not user.has_perm("programs.change_program"):
        return False
    if user.has_perm("programs.manage_all_programs"):
        return True
    if program.owner_id == user.pk:
        return True
    return program.team.filter(pk=user.pk).exists()


def programs_for_staff() -> QuerySet[Program]:
    return Program.objects.select_related(
        "engagement_type__tier", "owner", "owner__unit"
    ).prefetch_related("neighbourhoods")


def program_for_staff_page() -> QuerySet[Program]:
    """Everything the staff program page shows, including each team member's unit."""
    team = get_user_model().objects.select_related("unit")
    return programs_for_staff().prefetch_related(
        Prefetch("team", queryset=team), "partners", "languages"
    )


def programs_managed_by(user) -> QuerySet[Program]:
    return (
        programs_for_staff()
        .filter(Q(owner=user) | Q(team=user))
        .exclude(status=Program.Status.ARCHIVED)
        .distinct()
    )


def public_programs() -> QuerySet[Program]:
    return Program.objects.filter(
        status=Program.Status.ACTIVE, visibility=Program.Visibility.PUBLIC
    ).select_related("engagement_type__tier")


def public_catalogue(*, neighbourhood=None, language=None) -> list[tuple[Tier, list[Program]]]:
    """Active public programs grouped by tier; every tier is listed, even an empty one.

    A program that names no neighbourhood serves the whole area, so it matches any
    neighbourhood filter.
    """
    programs = public_programs().prefetch_related("languages", "neighbourhoods")
    if neighbourhood is not None:
        programs = programs.filter(Q(neighbourhoods=neighbourhood) | Q(neighbourhoods__isnull=True))
    if language is not None:
        programs = programs.filter(languages=language)
    programs = programs.distinct().order_by("engagement_type__position", "title")
    by_tier: dict[int, list[Program]] = {}
    for program in programs:
        by_tier.setdefault(program.engagement_type.tier_id, []).append(program)
    return [(tier, by_tier.get(tier.pk, [])) for tier in Tier.objects.all()]


def spectrum_overview() -> list[dict]:
    """The five tiers with their types and active programs; three queries whatever the size.

    A tier with no active program is flagged idle: the agency is not engaging at that level.
    """
    active = Program.objects.filter(status=Program.Status.ACTIVE).select_related("owner")
    types = (
        EngagementType.objects.annotate(
            active_count=Count("programs", filter=Q(programs__status=Program.Status.ACTIVE))
        )
        .prefetch_related(Prefetch("programs", queryset=active, to_attr="active_programs"))
        .order_by("position", "name")
    )
    by_tier: dict[int, list[EngagementType]] = {}
    for engagement_type in types:
        by_tier.setdefault(engagement_type.tier_id, []).append(engagement_type)
    overview = []
    for tier in Tier.objects.all():
        tier_types = by_tier.get(tier.pk, [])
        active_count = sum(t.active_count for t in tier_types)
        overview.append(
            {
                "tier": tier,
                "types": tier_types,
                "active_count": active_count,
                "idle": not active_count,
            }
        )
    return overview
