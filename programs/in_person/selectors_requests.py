"""Who may see and answer which resident requests.

A request is routed by its kind. It goes to:
- the staff who run an active program of the engagement type it would become, and the unit
  of each such program's owner;
- the unit and the staff that administrators name for that kind (RequestRoute), who may
  accept it into any active program of its kind.
Once accepted it belongs to the program it became (and stays visible to whoever handled it).
Administrators (programs.manage_all_programs) see all, and see apart the open requests that
reach nobody else, so that none waits unseen.
"""

from django.db.models import Exists, OuterRef, Q, QuerySet

from programs.in_person.models import RequestRoute, ResidentRequest
from programs.models import Program


def _routed_programs(user) -> QuerySet[Program]:
    """Programs whose requests reach `user`: those they own or are on the team of, and those
    owned by someone in their unit."""
    scope = Q(owner=user) | Q(team=user)
    if user.unit_id is not None:
        scope |= Q(owner__unit_id=user.unit_id)
    return Program.objects.filter(scope)


def _kinds_for(slugs) -> list[str]:
    slugs = set(slugs)
    return [kind for kind, slug in ResidentRequest.TYPE_SLUGS.items() if slug in slugs]


def _named(user) -> Q:
    """The routes that name `user`, by name or by unit."""
    scope = Q(handlers=user)
    if user.unit_id is not None:
        scope |= Q(unit_id=user.unit_id)
    return scope


def kinds_named_for(user) -> list[str]:
    """The kinds of request administrators routed to `user`, by name or by unit."""
    return list(RequestRoute.objects.filter(_named(user)).values_list("kind", flat=True).distinct())


def _active_kinds() -> list[str]:
    """Kinds of request for which some program of their type is active."""
    slugs = Program.objects.filter(status=Program.Status.ACTIVE).values_list(
        "engagement_type__slug", flat=True
    )
    return _kinds_for(slugs)


def unrouted_kinds() -> list[str]:
    """Kinds of request that reach nobody but the administrators: no program of their type
    is active and no unit with staff in it, and no staff, is named for them."""
    named = RequestRoute.objects.filter(
        Q(handlers__is_active=True) | Q(unit__members__is_active=True)
    ).values_list("kind", flat=True)
    covered = set(_active_kinds()) | set(named)
    return [kind for kind in ResidentRequest.Kind.values if kind not in covered]


def unrouted_requests() -> QuerySet[ResidentRequest]:
    """Open requests, not yet in a program, that nobody but the administrators can see."""
    return ResidentRequest.objects.filter(
        status__in=ResidentRequest.OPEN, program__isnull=True, kind__in=unrouted_kinds()
    )


def requests_for_staff(user) -> QuerySet[ResidentRequest]:
    """The requests `user` may read, with what the queue shows of each (one query: the
    routing is in subqueries)."""
    requests = ResidentRequest.objects.select_related("resident", "neighbourhood")
    if not user.has_perm("programs.change_program"):
        return requests.none()
    if user.has_perm("programs.manage_all_programs"):
        return requests
    programs = _routed_programs(user)
    runs_kind = Q()
    for kind, slug in ResidentRequest.TYPE_SLUGS.items():
        runs_kind |= Q(kind=kind) & Exists(
            programs.filter(status=Program.Status.ACTIVE, engagement_type__slug=slug)
        )
    named = RequestRoute.objects.filter(kind=OuterRef("kind")).filter(_named(user))
    return requests.filter(
        Q(program__in=programs.values("pk"))
        | (Q(program__isnull=True) & (runs_kind | Exists(named)))
        | Q(handled_by=user)
    )


def open_requests_for(user) -> QuerySet[ResidentRequest]:
    """The open requests waiting for an answer from `user` (or their colleagues)."""
    return requests_for_staff(user).filter(status__in=ResidentRequest.OPEN)


def user_can_see_request(user, resident_request: ResidentRequest) -> bool:
    if not user.is_authenticated or not user.has_perm("programs.change_program"):
        return False
    return requests_for_staff(user).filter(pk=resident_request.pk).exists()


def programs_for_accepting(user, resident_request: ResidentRequest) -> QuerySet[Program]:
    """The active programs of the request's kind `user` may put its event into: those they
    run, or any of them for administrators and the staff named for this kind of request."""
    programs = Program.objects.filter(
        engagement_type__slug=resident_request.type_slug, status=Program.Status.ACTIVE
    ).select_related("engagement_type")
    if not (
        user.has_perm("programs.manage_all_programs")
        or resident_request.kind in kinds_named_for(user)
    ):
        programs = programs.filter(Q(owner=user) | Q(team=user))
    return programs.distinct().order_by("title")


def active_programs_of_kind(resident_request: ResidentRequest) -> QuerySet[Program]:
    """Every active program the request could become an event of, with who runs it: what a
    member of staff who cannot accept it is told to ask."""
    return (
        Program.objects.filter(
            engagement_type__slug=resident_request.type_slug, status=Program.Status.ACTIVE
        )
        .select_related("owner")
        .order_by("title")
    )
