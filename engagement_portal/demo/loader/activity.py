"""The year of activity, in the order its parts depend on each other, then the side effects
settled: reminders of past events, the outbox and the dashboards' summaries."""

import time

from django.db.models import F, Max
from django.utils import timezone

from engagement_portal.demo.loader import (
    events,
    groups,
    information,
    selection,
    surveys,
    volunteers,
)
from engagement_portal.demo.loader.speed import played_quietly
from engagement_portal.demo.loader.world import World
from engagement_portal.messaging.models import OutboxMessage
from events.models import Event, Reminder
from programs.dashboard.services import rebuild
from programs.information.models import Announcement
from programs.models import Program
from programs.structured.models_applications import Application
from surveys.models import Survey


def already_seeded(slugs: list[str]) -> bool:
    """True when the demo programs already have activity (a first run, or staff at work):
    the activity phase then adds nothing, so running the command twice changes nothing."""
    programs = Program.objects.filter(slug__in=slugs)
    return (
        Event.objects.filter(program__in=programs).exists()
        or Survey.objects.filter(program__in=programs).exists()
        or Application.objects.filter(program__in=programs).exists()
        or Announcement.objects.filter(program__in=programs).exists()
    )


def settle(world: World, first_message: int) -> dict[str, int]:
    """Side effects of a year played in a few seconds.

    Reminder rows of events that are over fell due long ago: they are closed as handled at
    their due time, or the reminder sweep would send a year of them at once. Reminders of
    the upcoming events stay, and go out when they fall due. The messages the services
    queued belong to the story (confirmations, decisions, certificates): they are marked
    sent in one update, rather than printed by the hundred to the console (the embedded
    default's email backend) when the command commits.
    """
    reminders = Reminder.objects.filter(queued_at__isnull=True, due_at__lte=world.now).update(
        queued_at=F("due_at"), skipped=True
    )
    messages = OutboxMessage.objects.filter(
        pk__gt=first_message, status=OutboxMessage.Status.PENDING
    ).update(status=OutboxMessage.Status.SENT, sent_at=world.now, attempts=1, link_secrets="")
    return {"reminders closed": reminders, "messages marked sent": messages}


def confirm_claims(world: World) -> int:
    """Residents who came back through a public form open the "was this you?" link we sent
    to the address on file, which brings the new registration into their history."""
    from engagement_portal.accounts.models import ContactClaim
    from engagement_portal.accounts.services_claims import confirm_claim

    claims = ContactClaim.objects.filter(confirmed_at__isnull=True).order_by("pk")
    for claim in claims:
        confirm_claim(claim=claim, now=world.now)
    return len(claims)


def build_activity(*, stdout=None, now=None) -> dict[str, int]:
    """Play the demo year. Call it inside the command's transaction, once."""
    started = time.monotonic()
    first_message = OutboxMessage.objects.aggregate(last=Max("pk"))["last"] or 0
    world = World(now=now or timezone.now(), stdout=stdout)

    def step(label: str, fn, *args, **kwargs):
        begun = time.monotonic()
        result = fn(*args, **kwargs)
        world.say(f"  {label}: {time.monotonic() - begun:.1f} s")
        return result

    with played_quietly():
        calendar = events.Calendar(world)
        step("coffee with a cop", calendar.coffee)
        step("front-porch line-ups", calendar.porches)
        step("town halls", calendar.town_halls)
        listening = step("listening sessions", calendar.listening)
        step("press briefings", calendar.press)
        step("co-facilitated training", calendar.training)
        step("upcoming events", calendar.upcoming)
        step("resident requests", events.resident_requests, world)
        trust = step("trust survey", surveys.trust_survey, world)
        step("a program and a survey in Arabic", surveys.arabic_offer, world)
        academy = step("citizen academy", selection.academy, world)
        step("Explorer Post 12", selection.explorers, world)
        step("volunteers", volunteers.roster, world, academy)
        step("standing groups", groups.standing_groups, world)
        step("recommendations", information.answer, world, listening=listening, trust=trust)
        step("announcements", information.announce, world)
        step("partners", information.partnerships, world)
        step("residents confirm it was them", confirm_claims, world)
        settled = settle(world, first_message)
    summaries = step("dashboard summaries", rebuild)
    world.say(f"  activity built in {time.monotonic() - started:.1f} s")
    return {**settled, **{f"summary rows ({k})": v for k, v in summaries.items()}}
