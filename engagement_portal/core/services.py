from collections.abc import Iterable

from django.db.models import Model

from .models import AuditLog

VIEW_ACTION = "personal_data.view"


def audit(*, actor, action: str, target, residents: Iterable = (), **details) -> AuditLog:
    """Record one audited action. Call it inside the transaction that does the action.

    `residents` (Resident objects or ids) are the people whose data the action touched;
    `details` hold ids and codes only, never copies of what was shown. A model instance is
    recorded as its label and id, never its text: the text of a volunteer, a member or a
    request names the resident, and the log must not keep a copy of it."""
    if isinstance(target, Model):
        target = f"{target._meta.label_lower} {target.pk}"
    entry = AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target=str(target)[:255],
        details=details,
    )
    _link_residents(entry, residents)
    return entry


def audit_view(
    *, actor, page: str, target, residents: Iterable = (), program=None, **details
) -> AuditLog:
    """Record one view of a page that shows residents' personal data. Each view is a new row.

    `page` is the URL name; `target` a model instance or a short label. Two queries at most,
    however many residents the page shows: one for the row, one for the links to them."""
    if program is not None:
        details["program"] = getattr(program, "pk", program)
    return audit(
        actor=actor, action=VIEW_ACTION, target=target, residents=residents, page=page, **details
    )


def _link_residents(entry: AuditLog, residents: Iterable) -> None:
    ids = sorted({getattr(resident, "pk", resident) for resident in residents} - {None})
    if ids:
        through = AuditLog.residents.through
        through.objects.bulk_create(
            [through(auditlog_id=entry.pk, resident_id=resident_id) for resident_id in ids]
        )


def update_changed(obj: Model, fields: dict, allowed: Iterable[str]) -> Model:
    """Set the `allowed` fields given in `fields` that differ, and save only those (nothing
    when none changed): running an edit twice writes once."""
    changed = [name for name in allowed if name in fields and getattr(obj, name) != fields[name]]
    for name in changed:
        setattr(obj, name, fields[name])
    if changed:
        obj.save(update_fields=changed)
    return obj
