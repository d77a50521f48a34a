"""What a newcomer sees the jobs do in the first minutes of `make run` (issue 16): a Coffee
with a Cop tomorrow, three people registered with reminders, and its 24-hour reminder
falling due a few minutes after seeding. The worker's beat sweeps reminders every minute,
so the worker's console shows the reminders go out without anyone doing anything.

Not part of the year `build_activity` plays (the dashboards' golden figures are computed on
that alone): `seed_demo --reminder-soon` adds it, and `make run` asks for it. Run again
while such a reminder is still ahead, it adds nothing.
"""

from datetime import datetime, timedelta

from django.utils import timezone

from engagement_portal.demo.loader.events import CAFES, create_event
from engagement_portal.demo.loader.world import Person, World
from events import services as events
from events.models import Event, Reminder

PROGRAM = "coffee-with-a-cop-eastgate"
# The reminder falls due this long after seeding, at the latest after the next 5-minute
# mark (the event starts on a round time).
LEAD = timedelta(minutes=2)
REMINDER = timedelta(hours=24)


def _round_up(moment: datetime, minutes: int = 5) -> datetime:
    moment = moment.replace(second=0, microsecond=0) + timedelta(minutes=1)
    return moment + timedelta(minutes=-moment.minute % minutes)


def reminder_soon(*, now: datetime | None = None) -> Event | None:
    """The event whose reminder falls due soon, created; None if one is already ahead."""
    now = now or timezone.now()
    if Reminder.objects.filter(
        registration__event__program__slug=PROGRAM,
        queued_at__isnull=True,
        due_at__gt=now,
        due_at__lte=now + LEAD + timedelta(minutes=10),
    ).exists():
        return None
    world = World(now=now)
    start = _round_up(now + REMINDER + LEAD)
    event = create_event(
        world,
        world.programs[PROGRAM],
        title="Coffee with a Cop — Eastgate, extra session",
        description="An extra Coffee with a Cop: the officers who patrol Eastgate "
        "answer your questions over a coffee.",
        start=start,
        minutes=60,
        neighbourhood=world.hoods["eg"],
        capacity=20,
        max_party=2,
        venue=CAFES[0][0],
        address=CAFES[0][1],
        accessibility="Step-free entrance. Seating available.",
        languages=("en", "es"),
        reminders="24h",
    )
    Event.objects.filter(pk=event.pk).update(created_at=now - timedelta(days=3))
    rosa = Person(
        name="Rosa Alvarez",
        email="resident@example.org",
        phone="",
        language="es",
        neighbourhood=world.hoods["eg"],
        born=world.day(-41 * 365),
    )
    for minutes_ago, person in enumerate([rosa, *world.people.pick(2, near=[world.hoods["eg"]])]):
        events.register(
            event=event,
            **person.contact,
            neighbourhood=person.neighbourhood,
            language=person.language,
            wants_reminders=True,
            now=now - timedelta(minutes=30 - minutes_ago),
        )
    return event
