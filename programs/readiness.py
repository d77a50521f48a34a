"""Readiness before launch: what a program must have in place before it can be activated.

Engagement types flagged `needs_policy` (volunteers using agency equipment, youth programs,
ride-outs) cannot become active until staff record the governing policy and tick every item
of the checklist below. The checklist is defined here, in code: common items for every such
type, plus items that follow from what the type involves. A ticked item is a ReadinessCheck
row (who ticked it and when); unticking deletes the row.

change_program_status (programs/services.py) asks `readiness_problems` before activating.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from engagement_portal.core.services import audit
from programs.models import EngagementType, Program, ReadinessCheck
from programs.selectors import user_can_manage_program

POLICY_APPROVED = "policy_approved"


@dataclass(frozen=True)
class ReadinessItem:
    key: str
    label: str | Promise
    help_text: str | Promise
    applies: Callable[[EngagementType], bool]


def _always(engagement_type: EngagementType) -> bool:
    return True


def _uses_equipment(engagement_type: EngagementType) -> bool:
    # Volunteer programs are where residents are issued agency equipment (radios, vests,
    # patrol cars for Citizens on Patrol).
    return engagement_type.volunteer_hours or engagement_type.slug == "volunteer-opportunities"


def _works_with_youth(engagement_type: EngagementType) -> bool:
    return engagement_type.requires_guardian_consent or engagement_type.slug == "youth-engagement"


def _rides_along(engagement_type: EngagementType) -> bool:
    return engagement_type.requires_waiver or engagement_type.slug == "ride-outs"


CHECKLIST: tuple[ReadinessItem, ...] = (
    ReadinessItem(
        POLICY_APPROVED,
        _("Governing policy recorded and approved by command"),
        _("Record the policy's number and title above; tick this once command has approved it."),
        _always,
    ),
    ReadinessItem(
        "supervisor_named",
        _("Supervising staff member named"),
        _("Someone on staff answers for the participants while they take part."),
        _always,
    ),
    ReadinessItem(
        "training_planned",
        _("Participant training planned"),
        _("What participants learn before they start, and who teaches it."),
        _always,
    ),
    ReadinessItem(
        "insurance_reviewed",
        _("Insurance and liability reviewed"),
        _("Risk management or the city attorney has looked at the program."),
        _always,
    ),
    ReadinessItem(
        "equipment_procedure",
        _("Equipment issue and return procedure in place"),
        _("How radios, vests, vehicles and other agency equipment are signed out and back."),
        _uses_equipment,
    ),
    ReadinessItem(
        "youth_background_checks",
        _("Background checks for every adult working with youth"),
        _("Officers, civilian staff and volunteers alike."),
        _works_with_youth,
    ),
    ReadinessItem(
        "guardian_consent_form",
        _("Guardian consent form approved"),
        _("The form parents or guardians sign before a young person takes part."),
        _works_with_youth,
    ),
    ReadinessItem(
        "ride_along_waiver",
        _("Ride-along waiver approved"),
        _("The waiver every participant accepts before riding along."),
        _rides_along,
    ),
    ReadinessItem(
        "safety_briefing",
        _("Safety briefing prepared"),
        _("What participants are told before the ride: where to sit, when to stay in the car."),
        _rides_along,
    ),
)
ITEMS_BY_KEY = {item.key: item for item in CHECKLIST}


def items_for(engagement_type: EngagementType) -> list[ReadinessItem]:
    """The checklist for a type; empty when the type does not need a policy."""
    if not engagement_type.needs_policy:
        return []
    return [item for item in CHECKLIST if item.applies(engagement_type)]


@dataclass
class ChecklistRow:
    item: ReadinessItem
    check: ReadinessCheck | None

    @property
    def done(self) -> bool:
        return self.check is not None


def checklist(program: Program) -> list[ChecklistRow]:
    """Each applicable item with its tick (who and when) or None. One query."""
    items = items_for(program.engagement_type)
    if not items:
        return []
    checks = {
        check.item: check
        for check in ReadinessCheck.objects.filter(program=program).select_related("completed_by")
    }
    return [ChecklistRow(item, checks.get(item.key)) for item in items]


def readiness_problems(program: Program) -> list[str]:
    """What is still missing before `program` may be activated, in the current language.

    Empty when the program is ready, or when its type does not need a policy at all.
    """
    rows = checklist(program)
    if not rows:
        return []
    problems = []
    if not program.governing_policy.strip():
        problems.append(gettext("Record the governing policy (its number and title)."))
    problems += [str(row.item.label) for row in rows if not row.done]
    return problems


def is_ready(program: Program) -> bool:
    return not readiness_problems(program)


# --- Writes -----------------------------------------------------------------------------


def _set_item(
    program: Program, key: str, done: bool, *, user, now: datetime
) -> ReadinessCheck | None:
    if not done:
        ReadinessCheck.objects.filter(program=program, item=key).delete()
        return None
    try:
        with transaction.atomic():
            check, _created = ReadinessCheck.objects.get_or_create(
                program=program, item=key, defaults={"completed_by": user, "completed_at": now}
            )
    except IntegrityError:
        # Ticked at the same moment by someone else: their tick stands.
        check = ReadinessCheck.objects.get(program=program, item=key)
    return check


def save_readiness(
    *,
    program: Program,
    governing_policy: str,
    governing_policy_url: str,
    done: set[str] | list[str],
    user,
    now: datetime | None = None,
) -> Program:
    """Record the governing policy and set the checklist to exactly the items in `done`.

    Saving the same input twice changes nothing: a tick keeps who made it and when; only
    a new tick is stamped with `user` and `now`, and unticking deletes the row. A changed
    policy needs approving again, so its approval is re-stamped (or dropped if unticked).
    Raises ValidationError when the approval is ticked without a policy recorded.
    """
    now = now or timezone.now()
    if not user_can_manage_program(user, program):
        raise PermissionDenied
    done = set(done)
    policy = governing_policy.strip()
    if POLICY_APPROVED in done and not policy:
        raise ValidationError(
            {"governing_policy": gettext("Record the policy before marking it approved.")}
        )
    with transaction.atomic():
        locked = Program.objects.select_for_update().get(pk=program.pk)
        url = governing_policy_url.strip()
        if (locked.governing_policy, locked.governing_policy_url) != (policy, url):
            if locked.governing_policy != policy:
                ReadinessCheck.objects.filter(program=locked, item=POLICY_APPROVED).delete()
            audit(
                actor=user,
                action="record_governing_policy",
                target=locked,
                before=locked.governing_policy,
                after=policy,
            )
            locked.governing_policy = policy
            locked.governing_policy_url = url
            locked.save(update_fields=["governing_policy", "governing_policy_url", "updated_at"])
        for item in items_for(locked.engagement_type):
            _set_item(locked, item.key, item.key in done, user=user, now=now)
    return locked


def set_readiness_item(
    *, program: Program, key: str, done: bool, user, now: datetime | None = None
) -> ReadinessCheck | None:
    """Tick or untick one item. Ticking twice keeps the first tick; unticking twice is a no-op."""
    if not user_can_manage_program(user, program):
        raise PermissionDenied
    if key not in {item.key for item in items_for(program.engagement_type)}:
        raise ValidationError(gettext("This item is not on this program's checklist."))
    if done and key == POLICY_APPROVED and not program.governing_policy.strip():
        raise ValidationError(gettext("Record the policy before marking it approved."))
    return _set_item(program, key, done, user=user, now=now or timezone.now())


def complete_for_tests(program: Program, *, user, policy: str = "Test policy 1.0") -> Program:
    """Record a policy (when none is) and tick every item in one step, for tests and demo
    data that need a ready program without going through the page. Idempotent."""
    return save_readiness(
        program=program,
        governing_policy=program.governing_policy or policy,
        governing_policy_url=program.governing_policy_url,
        done=[item.key for item in items_for(program.engagement_type)],
        user=user,
    )
