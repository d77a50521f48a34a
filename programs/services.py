"""Writes for programs: creation, edits and status changes."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from engagement_portal.core import ledger
from programs.models import Program
from programs.readiness import readiness_problems
from programs.selectors import user_can_manage_program

Status = Program.Status

# Which status a program may move to from each status. Completed programs can be reopened
# (a second cohort, a renewed committee); archived ones are read-only history.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.DRAFT: (Status.ACTIVE, Status.ARCHIVED),
    Status.ACTIVE: (Status.COMPLETED,),
    Status.COMPLETED: (Status.ACTIVE, Status.ARCHIVED),
    Status.ARCHIVED: (),
}


def unique_program_slug(title: str, *, exclude_pk: int | None = None) -> str:
    base = slugify(title)[:70].strip("-") or "program"
    slug, n = base, 2
    while Program.objects.filter(slug=slug).exclude(pk=exclude_pk).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def create_program(*, form, owner) -> Program:
    """Save a new program from a valid ProgramForm. Not idempotent: each call adds a program."""
    program = form.save(commit=False)
    program.owner = form.cleaned_data.get("owner") or owner
    program.slug = unique_program_slug(program.title)
    program.save()
    form.save_m2m()
    return program


@transaction.atomic
def update_program(*, form, user) -> Program:
    """Save edits from a valid ProgramForm. Saving the same form twice leaves the same row."""
    # form.is_valid() has already copied the posted owner onto form.instance, so the check
    # must read the saved row, or staff could make themselves owner to get the right to edit.
    saved = Program.objects.select_for_update().get(pk=form.instance.pk)
    if not user_can_manage_program(user, saved):
        raise PermissionDenied
    program = form.save()
    if program.engagement_type_id != saved.engagement_type_id:
        # The dashboards' summaries carry the type and tier of each program's rows.
        ledger.record(ledger.PROGRAM_RETYPED, program_id=program.pk)
    return program


def allowed_transitions(program: Program) -> tuple[str, ...]:
    return TRANSITIONS[program.status]


def _refuse_unless_ready(program: Program) -> None:
    """Types that need a governing policy are activated only once readiness is complete."""
    problems = readiness_problems(program)
    if problems:
        raise ValidationError(
            [_("This program cannot be activated until it is ready for launch. Still missing:")]
            + problems
        )


def change_program_status(
    *, program: Program, status: str, user, outcome: str = "", now=None
) -> Program:
    """Move a program to a new status. Asking for the status it already has changes nothing."""
    now = now or timezone.now()
    if not user_can_manage_program(user, program):
        raise PermissionDenied
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        if program.status == status:
            return program
        if status not in Status.values:
            raise ValidationError(_("%(status)s is not a program status.") % {"status": status})
        if status not in TRANSITIONS[program.status]:
            raise ValidationError(
                _("A %(current)s program cannot become %(new)s.")
                % {
                    "current": program.get_status_display().lower(),
                    "new": Status(status).label.lower(),
                }
            )
        if status == Status.ACTIVE:
            _refuse_unless_ready(program)
        fields = ["status", "updated_at"]
        if status == Status.COMPLETED:
            if not outcome.strip():
                raise ValidationError(
                    {"outcome": _("Describe the outcome before completing the program.")}
                )
            program.outcome = outcome.strip()
            program.completed_at = now
            fields += ["outcome", "completed_at"]
        if status == Status.ACTIVE and program.started_at is None:
            program.started_at = now
            fields.append("started_at")
        program.status = status
        program.save(update_fields=fields)
    return program
