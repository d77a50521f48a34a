from .models import AuditLog


def audit(*, actor, action: str, target, **details) -> AuditLog:
    """Record one audited action. Call it inside the transaction that does the action."""
    return AuditLog.objects.create(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        target=str(target)[:255],
        details=details,
    )
