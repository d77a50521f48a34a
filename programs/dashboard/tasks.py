"""The monthly report e-mail to command staff (Celery beat, 1st of each month).

`queue_monthly_report` is the service: it renders last month's headline figures once per
language and queues one outbox message per command-staff user. `send_monthly_report` is the
thin periodic task around it.
"""

from datetime import date

from celery import shared_task
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone, translation

from engagement_portal.accounts.models import User
from engagement_portal.core import jobs
from engagement_portal.messaging.models import OutboxMessage
from engagement_portal.messaging.services import build_message, queue_messages
from programs.dashboard import selectors_report

TEMPLATE = "dashboard_monthly"


def command_staff() -> QuerySet:
    """Active users who may open the command pages (through a role, their own permissions
    or as superusers), with an address to write to."""
    return (
        User.objects.filter(is_active=True)
        .exclude(email="")
        .filter(
            Q(is_superuser=True)
            | Q(
                groups__permissions__content_type__app_label="accounts",
                groups__permissions__codename="access_command_portal",
            )
            | Q(
                user_permissions__content_type__app_label="accounts",
                user_permissions__codename="access_command_portal",
            )
        )
        .distinct()
        .order_by("pk")
    )


def report_key(month: date, user_id: int) -> str:
    return f"dashboard-monthly:{month:%Y-%m}:{user_id}"


def queue_monthly_report(*, today: date | None = None) -> int:
    """Queue last month's report to every command-staff user, in their language.

    One message per (month, user) however often it runs: the outbox key is unique, keys
    already queued are skipped, and a concurrent run inserting the same key keeps one row.
    Returns how many messages this run queued.
    """
    today = today or timezone.localdate()
    month = selectors_report.last_full_month(today)
    users = list(command_staff())
    keys = {user.pk: report_key(month, user.pk) for user in users}
    already = set(OutboxMessage.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    users = [user for user in users if keys[user.pk] not in already]
    if not users:
        return 0
    report = selectors_report.monthly_report(month, today=today)
    by_language: dict[str, dict] = {}
    messages = []
    for user in users:
        language = user.preferred_language or settings.LANGUAGE_CODE
        if language not in by_language:
            with translation.override(language):
                by_language[language] = {
                    "lines": selectors_report.email_lines(report),
                    "score": str(report.score),
                    "previous_score": str(report.previous_score),
                    "score_change": report.score_change_text.replace("\u2212", "-"),
                }
        messages.append(
            build_message(
                key=keys[user.pk],
                channel=OutboxMessage.Channel.EMAIL,
                recipient=user.email,
                language=language,
                template=TEMPLATE,
                context={
                    "user": user,
                    "month": report.month,
                    "previous_month": report.previous_month,
                    "url": report.url,
                    "partial": report.partial,
                    **by_language[language],
                },
                essential=True,  # work for command staff, not a resident's opt-in message
            )
        )
    queue_messages(messages)
    return len(messages)


@shared_task
def send_monthly_report() -> int:
    """Queue last month's report e-mail to command staff. Run twice: one message each."""
    return queue_monthly_report(today=timezone.localdate())


WAKE_KEY = "dashboard:refresh-queued"


@shared_task(ignore_result=True)
def refresh_summaries() -> int:
    """Derive the summaries from the facts recorded since the last run (idempotent)."""
    from programs.dashboard.refresh import refresh_summaries as refresh

    jobs.woken(WAKE_KEY)
    return refresh()


def wake_refresh(**_kwargs) -> None:
    """After a transaction that recorded facts commits: ask a worker to summarise them,
    unless a refresh is already queued and not started (a burst of registrations queues
    one, not hundreds). Never raises into the request; the one-minute beat catches up if
    the broker is down."""
    jobs.wake("programs.dashboard.tasks.refresh_summaries", key=WAKE_KEY)
