"""Reads for event pages, the roster and the door."""

from datetime import timedelta

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.utils import timezone

from programs.models import Program
from programs.selectors import user_can_manage_program

from .models import AccommodationRequest, Event, Registration


def with_seat_counts(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Annotate seats_taken and waiting (people on the waiting list) in the same query."""
    return queryset.annotate(
        seats_taken_n=Sum(
            "registrations__party_size",
            filter=Q(registrations__status__in=Registration.HOLDS_SEAT),
            default=0,
        ),
        waiting_n=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.WAITLISTED)
        ),
    )


def public_events(*, now=None) -> QuerySet[Event]:
    """Upcoming public events of active public programs, soonest first."""
    now = now or timezone.now()
    return with_seat_counts(
        Event.objects.filter(
            visibility=Event.Visibility.PUBLIC,
            program__status=Program.Status.ACTIVE,
            program__visibility=Program.Visibility.PUBLIC,
            ends_at__gt=now,
        )
        .exclude(status=Event.Status.COMPLETED)
        .select_related("program__engagement_type__tier", "neighbourhood")
        .prefetch_related("languages")
    ).order_by("starts_at", "pk")


def _public(public_id: str) -> QuerySet[Event]:
    return Event.objects.filter(
        public_id=public_id,
        program__status__in=[Program.Status.ACTIVE, Program.Status.COMPLETED],
    ).exclude(program__visibility=Program.Visibility.INTERNAL)


def event_for_public_page(public_id: str) -> Event | None:
    """Any public or unlisted event of a program the public may see, by its random id."""
    return (
        with_seat_counts(_public(public_id))
        .select_related("program__engagement_type__tier", "neighbourhood")
        .prefetch_related("languages")
        .first()
    )


def event_to_register_for(public_id: str) -> Event | None:
    """The same event as event_for_public_page, with its own fields only: what a
    registration needs (the seat count is read under the event's lock, not here)."""
    return _public(public_id).first()


def user_can_see_personal_data(user, event: Event) -> bool:
    """Rosters are for the staff who run the event's program (and administrators)."""
    return user_can_manage_program(user, event.program)


def events_for_staff(user) -> QuerySet[Event]:
    return with_seat_counts(
        Event.objects.select_related("program__engagement_type__tier", "neighbourhood")
    ).order_by("-starts_at")


def roster(event: Event) -> QuerySet[Registration]:
    return (
        event.registrations.select_related("resident__neighbourhood")
        .prefetch_related(
            Prefetch("accommodations", queryset=AccommodationRequest.objects.order_by("pk"))
        )
        .order_by("status", "queued_at", "pk")
    )


def door_search(event: Event, query: str) -> QuerySet[Registration]:
    """Registrations at the door matching a name, email, phone or check-in code."""
    registrations = event.registrations.exclude(status=Registration.Status.CANCELLED)
    query = (query or "").strip()
    if query:
        registrations = registrations.filter(
            Q(resident__name__icontains=query)
            | Q(resident__email_normalised__icontains=query.lower())
            | Q(resident__phone__icontains=query)
            | Q(check_in_code__iexact=query)
        )
    return registrations.select_related("resident").order_by("resident__name", "pk")


def registrations_for_user(user) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(resident__user=user)
        .exclude(status=Registration.Status.CANCELLED)
        .select_related("event__program")
        .order_by("event__starts_at")
    )


# --- Staff pages (added for the staff views) -------------------------------------------


def staff_event_list(
    user,
    *,
    program: Program | None = None,
    status: str = "",
    when: str = "upcoming",
    mine: bool = False,
    series_id: int | None = None,
    now=None,
) -> QuerySet[Event]:
    """The staff event list with seat counts: upcoming soonest first, past most recent first."""
    now = now or timezone.now()
    events = events_for_staff(user)
    if program is not None:
        events = events.filter(program=program)
    if status:
        events = events.filter(status=status)
    if series_id:
        events = events.filter(series_id=series_id)
    if mine:
        # A subquery, not a join on the team: a join would multiply the seat counts.
        managed = Program.objects.filter(Q(owner=user) | Q(team=user)).values("pk")
        events = events.filter(program__in=managed)
    if when == "upcoming":
        return events.filter(ends_at__gt=now).order_by("starts_at", "pk")
    if when == "past":
        return events.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
    return events.order_by("-starts_at", "-pk")


def program_ids_user_manages(user, program_ids) -> set[int]:
    """Which of these programs the user runs (owner, team, or manages all): one query."""
    if not user.is_authenticated or not user.has_perm("programs.change_program"):
        return set()
    if user.has_perm("programs.manage_all_programs"):
        return set(program_ids)
    return set(
        Program.objects.filter(pk__in=program_ids)
        .filter(Q(owner=user) | Q(team=user))
        .values_list("pk", flat=True)
    )


def attendance_counts(event: Event) -> dict[str, int]:
    """People (party sizes) by state, and walk-ins, for the roster and the door: two queries."""
    status = Registration.Status
    counts = event.registrations.aggregate(
        seats_taken=Sum("party_size", filter=Q(status__in=Registration.HOLDS_SEAT), default=0),
        expected=Sum(
            "party_size", filter=Q(status__in=[status.CONFIRMED, status.ATTENDED]), default=0
        ),
        waiting=Sum("party_size", filter=Q(status=status.WAITLISTED), default=0),
        waiting_registrations=Count("pk", filter=Q(status=status.WAITLISTED)),
        attended=Sum("party_size", filter=Q(status=status.ATTENDED), default=0),
        no_shows=Sum("party_size", filter=Q(status=status.NO_SHOW), default=0),
        cancelled=Count("pk", filter=Q(status=status.CANCELLED)),
    )
    walk_ins = event.walk_ins.aggregate(people=Sum("party_size", default=0), cards=Count("pk"))
    counts["walk_ins"] = walk_ins["people"]
    counts["walk_in_cards"] = walk_ins["cards"]
    counts["present"] = counts["attended"] + counts["walk_ins"]
    return counts


def registration_by_check_in_code(code: str) -> Registration | None:
    """The registration a check-in QR code points to, with what the check-in page shows."""
    code = (code or "").strip().upper()
    if not code or len(code) > 12:
        return None
    return (
        Registration.objects.select_related("event__program", "resident")
        .filter(check_in_code=code)
        .first()
    )


def event_personnel(event: Event):
    """Agency personnel who took part, with rank and unit, for the roster."""
    return event.personnel_links.select_related("user__unit").order_by("role", "user__full_name")


def program_events_for_staff_page(program: Program, *, limit: int = 10, now=None) -> list[Event]:
    """The program page's events: upcoming and those of the last 30 days, soonest first."""
    now = now or timezone.now()
    return list(
        with_seat_counts(program.events.filter(ends_at__gt=now - timedelta(days=30))).order_by(
            "starts_at", "pk"
        )[:limit]
    )


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != Registration.Status.WAITLISTED:
        return None
    ahead = registration.event.registrations.filter(status=Registration.Status.WAITLISTED).filter(
        Q(queued_at__lt=registration.queued_at)
        | Q(queued_at=registration.queued_at, pk__lt=registration.pk)
    )
    return ahead.count() + 1


def open_accommodations_for(user, now) -> QuerySet[AccommodationRequest]:
    """Accessibility and interpretation requests not arranged yet, for events of the
    programs `user` runs (all of them for those who manage every program) that have not
    ended, from people still registered or waiting: soonest event first."""
    requests = AccommodationRequest.objects.filter(
        fulfilled=False,
        registration__event__ends_at__gte=now,
        registration__status__in=[*Registration.HOLDS_SEAT, Registration.Status.WAITLISTED],
    ).exclude(registration__event__status=Event.Status.CANCELLED)
    if not user.has_perm("programs.manage_all_programs"):
        requests = requests.filter(
            Q(registration__event__program__owner=user) | Q(registration__event__program__team=user)
        ).distinct()
    return requests.select_related(
        "registration__event__program", "registration__resident"
    ).order_by("registration__event__starts_at", "registration__event_id", "pk")
