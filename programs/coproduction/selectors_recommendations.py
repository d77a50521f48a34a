"""Reads for the "You said, we did" pages, the staff lists and the program page."""

from datetime import date

from django.db.models import BooleanField, Case, Count, Q, QuerySet, Value, When
from django.utils import timezone

from programs.coproduction.models_recommendations import Recommendation
from programs.models import Program
from programs.selectors import user_can_manage_program


def _with_overdue(queryset: QuerySet[Recommendation], today: date) -> QuerySet[Recommendation]:
    return queryset.annotate(
        is_overdue=Case(
            When(
                status__in=Recommendation.OPEN,
                response_due__lt=today,
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def overdue_filter(today: date) -> Q:
    return Q(status__in=Recommendation.OPEN, response_due__lt=today)


def public_recommendations(*, today: date | None = None) -> QuerySet[Recommendation]:
    """Recommendations shown on "You said, we did", with what their rows need in one query."""
    today = today or timezone.localdate()
    queryset = Recommendation.objects.filter(public=True).select_related(
        "program__engagement_type__tier", "responsible_unit"
    )
    return _with_overdue(queryset, today)


def staff_recommendations(*, today: date | None = None) -> QuerySet[Recommendation]:
    today = today or timezone.localdate()
    queryset = Recommendation.objects.select_related(
        "program__engagement_type__tier", "responsible_unit", "responsible_user"
    )
    return _with_overdue(queryset, today)


def filter_recommendations(
    queryset: QuerySet[Recommendation],
    *,
    status: str = "",
    tier=None,
    program=None,
    overdue: bool = False,
    today: date | None = None,
) -> QuerySet[Recommendation]:
    if status:
        queryset = queryset.filter(status=status)
    if tier is not None:
        queryset = queryset.filter(program__engagement_type__tier=tier)
    if program is not None:
        queryset = queryset.filter(program=program)
    if overdue:
        queryset = queryset.filter(overdue_filter(today or timezone.localdate()))
    return queryset


def status_counts(queryset: QuerySet[Recommendation]) -> list[dict]:
    """Each status with how many recommendations have it, in the order of the choices."""
    rows = queryset.order_by().values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return [
        {"status": value, "label": label, "count": counts.get(value, 0)}
        for value, label in Recommendation.Status.choices
    ]


def public_recommendation(public_id: str) -> Recommendation | None:
    if len(public_id) > 16:
        return None
    return (
        public_recommendations()
        .select_related("event", "survey")
        .prefetch_related("updates")
        .filter(public_id=public_id)
        .first()
    )


def staff_recommendation(pk: int) -> Recommendation | None:
    return (
        staff_recommendations()
        .select_related("event", "survey", "created_by")
        .prefetch_related("updates__author")
        .annotate(follower_count=Count("followers"))
        .filter(pk=pk)
        .first()
    )


def program_recommendations(program: Program) -> QuerySet[Recommendation]:
    return staff_recommendations().filter(program=program)


def programs_with_public_recommendations() -> QuerySet[Program]:
    return Program.objects.filter(recommendations__public=True).distinct().order_by("title")


def user_can_respond(user, recommendation: Recommendation) -> bool:
    """The program's managers and the staff member made responsible may answer."""
    if not user.is_authenticated or not user.has_perm("accounts.access_staff_portal"):
        return False
    if recommendation.responsible_user_id == user.pk:
        return True
    return user_can_manage_program(user, recommendation.program)
