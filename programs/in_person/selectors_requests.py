"""Who may see which resident requests.

A request is routed by its kind: it goes to the staff who run an active program of the
engagement type it would become, and to the unit of each such program's owner. Once accepted
it belongs to the program it became. Administrators (programs.manage_all_programs) see all.
"""

from django.db.models import Q, QuerySet

from programs.in_person.models import ResidentRequest
from programs.models import Program


def _routed_programs(user) -> QuerySet[Program]:
    """Programs whose requests reach `user`: those they own or are on the team of, and those
    owned by someone in their unit."""
    scope = Q(owner=user) | Q(team=user)
    if user.unit_id is not None:
        scope |= Q(owner__unit_id=user.unit_id)
    return Program.objects.filter(scope)


def _kinds_for(slugs) -> list[str]:
    return [kind for kind, slug in ResidentRequest.TYPE_SLUGS.items() if slug in set(slugs)]


def requests_for_staff(user) -> QuerySet[ResidentRequest]:
    """The requests `user` may read, with what the queue shows of each."""
    requests = ResidentRequest.objects.select_related("resident", "neighbourhood")
    if not user.has_perm("programs.change_program"):
        return requests.none()
    if user.has_perm("programs.manage_all_programs"):
        return requests
    programs = _routed_programs(user)
    slugs = programs.filter(status=Program.Status.ACTIVE).values_list(
        "engagement_type__slug", flat=True
    )
    return requests.filter(
        Q(program__in=programs.values("pk")) | Q(program__isnull=True, kind__in=_kinds_for(slugs))
    )


def user_can_see_request(user, resident_request: ResidentRequest) -> bool:
    if not user.is_authenticated or not user.has_perm("programs.change_program"):
        return False
    if user.has_perm("programs.manage_all_programs"):
        return True
    programs = _routed_programs(user)
    if resident_request.program_id is not None:
        return programs.filter(pk=resident_request.program_id).exists()
    return programs.filter(
        status=Program.Status.ACTIVE, engagement_type__slug=resident_request.type_slug
    ).exists()
