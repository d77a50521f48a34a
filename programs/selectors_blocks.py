"""What the program's staff page shows about its building blocks: a few counts and links."""

from programs.models import Program
from programs.structured.models_applications import Application
from programs.structured.models_volunteers import HoursEntry


def building_block_summary(program: Program) -> dict:
    """At most three queries, only for the blocks the program's type uses."""
    engagement_type = program.engagement_type
    summary: dict = {"cohorts": [], "applications_waiting": 0, "hours_waiting": 0}
    if engagement_type.selective_application:
        summary["applications_waiting"] = program.applications.filter(
            status__in=[Application.Status.SUBMITTED, Application.Status.UNDER_REVIEW]
        ).count()
    if engagement_type.uses_sessions and not engagement_type.standing_membership:
        summary["cohorts"] = list(program.cohorts.only("pk", "name", "program_id"))
    if engagement_type.volunteer_hours:
        summary["hours_waiting"] = HoursEntry.objects.filter(
            volunteer__program=program, status=HoursEntry.Status.SUBMITTED
        ).count()
    return summary
