"""Events: a year of sessions in the open-registration programs, each with registrations in
the weeks before, cancellations, check-in at the door, no-shows, walk-ins and the staff who
took part; four upcoming events open for registration; press conferences with questions;
co-facilitated training; and resident requests (accepted, time proposed, declined)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from engagement_portal.accounts.models import Language, Neighbourhood, User
from engagement_portal.demo.loader.world import Person, World
from events import services as events
from events.forms_staff import LOCAL_INPUT_FORMAT, EventForm
from events.models import AccommodationRequest, Event, EventPersonnel, Registration, WalkIn
from programs.in_person import services_requests as requests
from programs.in_person.models import PartnerOrganisation, ResidentRequest
from programs.information import services as press
from programs.models import Program
from programs.personnel import services as personnel

Role = EventPersonnel.Role
AGE_GROUPS = [choice for choice, _label in WalkIn.AgeGroup.choices]
ADULT_AGES = [20, 35, 40, 20, 12]  # weights for AGE_GROUPS: "", under 18, 18-34, 35-64, 65+
YOUTH_AGES = [15, 60, 20, 5, 0]
# About half of the people registering online say their age group (it is optional).
REGISTRANT_AGES = [50, 2, 15, 22, 11]


def create_event(
    world: World,
    program: Program,
    *,
    title: str,
    start: datetime,
    minutes: int,
    neighbourhood: Neighbourhood | None = None,
    capacity: int | None = None,
    max_party: int = 1,
    venue: str = "",
    address: str = "",
    description: str = "",
    accessibility: str = "",
    visibility: str = Event.Visibility.PUBLIC,
    languages: tuple[str, ...] = ("en",),
    interpretation: str = "",
    reminders: str = "24h, 2h",
    user: User | None = None,
) -> Event:
    """One event through the staff form and events.services.create_event, as staff make it."""
    codes = dict(Language.objects.values_list("code", "pk"))
    data = {
        "title": title,
        "description": description,
        "starts_at": timezone.localtime(start).strftime(LOCAL_INPUT_FORMAT),
        "ends_at": timezone.localtime(start + timedelta(minutes=minutes)).strftime(
            LOCAL_INPUT_FORMAT
        ),
        "venue_name": venue,
        "address": address,
        "accessibility_notes": accessibility,
        "neighbourhood": str(neighbourhood.pk) if neighbourhood else "",
        "online_url": "",
        "capacity": str(capacity) if capacity else "",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "waitlist_enabled": "on",
        "max_party_size": str(max_party),
        "languages": [str(codes[c]) for c in languages if c in codes],
        "interpretation_available": interpretation,
        "visibility": visibility,
        "reminder_offsets": reminders,
    }
    form = EventForm(data, instance=Event(program=program), program=program)
    if not form.is_valid():
        raise CommandError(f"Demo event “{title}” was refused: {form.errors.as_text()}")
    event = events.create_event(form=form, program=program, user=user or world.manager(program))
    # Staff put events up a few weeks ahead; the row says so.
    Event.objects.filter(pk=event.pk).update(created_at=start - timedelta(days=28))
    event.created_at = start - timedelta(days=28)
    return event


def add_staff(event: Event, people: list[tuple[User, str]]) -> None:
    """Record who took part for the agency; someone listed twice keeps their first role."""
    seen: set[int] = set()
    for user, role in people:
        if user.pk not in seen:
            seen.add(user.pk)
            events.add_personnel(event=event, user=user, role=role)


@dataclass
class Crowd:
    """How many register and how they behave."""

    registrations: int
    show: float = 0.72
    cancel: float = 0.06
    walk_ins: tuple[int, int] = (0, 0)
    youth: bool = False


def _party(world: World, event: Event) -> int:
    if event.max_party_size == 1:
        return 1
    size = world.rng.choices([1, 2, 3, 4], [62, 26, 8, 4])[0]
    return min(size, event.max_party_size)


def register_people(
    world: World,
    event: Event,
    people: list[Person],
    *,
    first: datetime,
    last: datetime,
    party: int | None = None,
) -> list[Registration]:
    """Register each person at a moment between `first` and `last`, in order of arrival."""
    moments = sorted(world.between(first, last) for _ in people)
    registrations = []
    for person, moment in zip(people, moments, strict=True):
        accessibility = interpretation = ""
        roll = world.rng.random()
        if roll < 0.03:
            accessibility = world.rng.choice(
                [
                    "Step-free seating near the front, please.",
                    "I use a wheelchair.",
                    "A seat near the door: I may need to leave early.",
                ]
            )
        elif roll < 0.06 and person.language == "es":
            interpretation = "Interpretación al español, por favor."
        result = events.register(
            event=event,
            **person.contact,
            neighbourhood=person.neighbourhood,
            age_group=world.rng.choices(AGE_GROUPS, REGISTRANT_AGES)[0],
            party_size=party or _party(world, event),
            language=person.language,
            accessibility=accessibility,
            interpretation=interpretation,
            wants_reminders=world.rng.random() < 0.55,
            source=(
                Registration.Source.STAFF if world.rng.random() < 0.06 else Registration.Source.WEB
            ),
            now=moment,
        )
        person.resident = result.registration.resident
        registrations.append(result.registration)
    return registrations


def walk_ins(
    world: World, event: Event, count: int, *, recorded_by: User, youth: bool = False
) -> None:
    """People counted at the door; the service stamps them now, so they move to the event."""
    hoods = [event.neighbourhood] if event.neighbourhood else []
    everyone = list(world.hoods.values())
    for _ in range(count):
        if hoods and world.rng.random() < 0.7:
            hood = hoods[0]
        else:
            hood = world.rng.choice(everyone) if world.rng.random() < 0.8 else None
        events.record_walk_in(
            event=event,
            recorded_by=recorded_by,
            party_size=world.rng.choices([1, 2, 3], [70, 22, 8])[0],
            neighbourhood=hood,
            language=world.rng.choices(["en", "es", ""], [60, 25, 15])[0],
            age_group=world.rng.choices(AGE_GROUPS, YOUTH_AGES if youth else ADULT_AGES)[0],
        )
    WalkIn.objects.filter(event=event).update(recorded_at=event.starts_at + timedelta(minutes=25))


def hold(
    world: World, event: Event, crowd: Crowd, staff: list[tuple[User, str]]
) -> list[Registration]:
    """Play an event that has taken place: registration in the weeks before, a few
    cancellations, check-in at the door, no-shows marked afterwards, walk-ins, staff."""
    near = [event.neighbourhood] if event.neighbourhood else []
    people = world.people.pick(crowd.registrations, near=near)
    first = max(event.created_at, event.starts_at - timedelta(days=24))
    registrations = register_people(
        world, event, people, first=first, last=event.starts_at - timedelta(hours=3)
    )
    recorder = staff[0][0] if staff else world.manager(event.program)
    for accommodation in AccommodationRequest.objects.filter(registration__event=event):
        events.set_accommodation_fulfilled(
            request=accommodation,
            fulfilled=world.rng.random() < 0.9,
            user=recorder,
            now=event.starts_at - timedelta(days=2),
        )
    for registration in registrations:
        if world.rng.random() < crowd.cancel:
            events.cancel_registration(
                registration=registration,
                now=event.starts_at - timedelta(hours=world.rng.randint(6, 96)),
            )
    add_staff(event, staff)
    door = event.registrations.filter(
        status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED]
    ).order_by("pk")
    for registration in door:
        chance = crowd.show if registration.status == Registration.Status.CONFIRMED else 0.3
        if world.rng.random() < chance:
            events.check_in(
                registration=registration,
                now=event.starts_at + timedelta(minutes=world.rng.randint(-15, 30)),
            )
    events.mark_no_shows(event=event, now=event.ends_at + timedelta(hours=2))
    low, high = crowd.walk_ins
    if high:
        walk_ins(
            world, event, world.rng.randint(low, high), recorded_by=recorder, youth=crowd.youth
        )
    return registrations


# --- The programs' calendars -------------------------------------------------------------


def _saturday_before(world: World, offset: int) -> int:
    """The offset of the Saturday on or before `offset` days from today."""
    day = world.day(offset)
    return offset - ((day.weekday() - 5) % 7)


def _weekday_near(world: World, offset: int, weekday: int) -> int:
    day = world.day(offset)
    return offset - ((day.weekday() - weekday) % 7)


CAFES = [
    ("Café Luna", "2140 Eastgate Avenue"),
    ("Sunrise Bakery", "88 Market Street"),
    ("Eastgate Public Library, community room", "15 Park Row"),
]
PORCHES = [
    "412 Chestnut Street",
    "37 Mill Lane",
    "1190 Harbor Road",
    "5 Orchard Court",
    "260 Church Street",
    "73 Canal Walk",
    "908 Elm Street",
    "44 Bell Street",
    "15 Quarry Hill",
    "301 Chestnut Street",
]
TOWN_HALLS = [
    ("rn", "Riverside North Community Center", "600 River Road"),
    ("rs", "St. Brendan's parish hall", "1450 South Bank Avenue"),
]
SCHOOLS = [
    ("eg", "Eastgate High School library", "300 School Street"),
    ("rs", "Riverside South Youth Center", "77 Ferry Street"),
]


class Calendar:
    """The events of the year, program by program."""

    def __init__(self, world: World):
        self.world = world
        w = world
        self.patrol = [
            u
            for u in w.users.values()
            if u.unit and u.unit.name.startswith("Patrol") and u.rank in ("officer", "corporal")
        ]
        self.patrol.sort(key=lambda u: u.email)
        self.traffic = sorted(
            (u for u in w.users.values() if u.unit and u.unit.name == "Traffic"),
            key=lambda u: u.email,
        )
        self.sergeants = sorted(
            (u for u in w.users.values() if u.rank in ("sergeant", "lieutenant")),
            key=lambda u: u.email,
        )

    def some(self, users: list[User], low: int, high: int) -> list[User]:
        n = min(len(users), self.world.rng.randint(low, high))
        return self.world.rng.sample(users, n)

    # --- Tier 2: coffee, porches, town halls ---------------------------------------

    def coffee(self) -> None:
        w = self.world
        program = w.programs["coffee-with-a-cop-eastgate"]
        owner = w.user("officer@example.org")
        for month in range(12, 0, -1):
            offset = _saturday_before(w, -30 * month + 12)
            venue, address = CAFES[month % len(CAFES)]
            event = create_event(
                w,
                program,
                title="Coffee with a Cop — Eastgate",
                description="Drop in for a coffee and a chat with the officers who patrol "
                "Eastgate. No agenda, no speeches: bring your questions.",
                start=w.at(offset, 9),
                minutes=90,
                neighbourhood=w.hoods["eg"],
                max_party=3,
                venue=venue,
                address=address,
                accessibility="Step-free entrance. Seating available.",
                languages=("en", "es"),
                interpretation="Officers who speak Spanish attend every time.",
            )
            staff = [(owner, Role.LEAD)] + [(u, Role.SUPPORT) for u in self.some(self.patrol, 1, 3)]
            if month % 3 == 0:
                staff.append((w.user("staff@example.org"), Role.SUPPORT))
            hold(
                w,
                event,
                Crowd(w.rng.randint(5, 18), walk_ins=(5, 14), show=0.75),
                staff,
            )

    def porches(self) -> None:
        w = self.world
        program = w.programs["front-porch-line-ups-old-town"]
        owner = w.user("officer@example.org")
        for n in range(9):
            offset = _weekday_near(w, -340 + n * 37, 2)  # Wednesdays, before the 3 pm shift
            event = create_event(
                w,
                program,
                title="Front-porch line-up — Old Town",
                description="The afternoon shift holds its briefing on a neighbour's porch. "
                "Come and hear how the shift plans its day, then ask about your block.",
                start=w.at(offset, 14, 15),
                minutes=45,
                neighbourhood=w.hoods["ot"],
                capacity=25,
                max_party=3,
                venue="A neighbour's front porch",
                address=PORCHES[n % len(PORCHES)],
                accessibility="Outdoors, on the pavement in front of the porch. Chairs provided.",
            )
            staff = [(self.sergeants[n % len(self.sergeants)], Role.LEAD), (owner, Role.SUPPORT)]
            staff += [(u, Role.ATTENDEE) for u in self.some(self.patrol, 2, 5)]
            hold(w, event, Crowd(w.rng.randint(6, 18), walk_ins=(2, 6), show=0.78), staff)

    def town_halls(self) -> None:
        w = self.world
        program = w.programs["riverside-town-hall"]
        command = w.user("command@example.org")
        for n in range(6):
            code, venue, address = TOWN_HALLS[n % 2]
            offset = _weekday_near(w, -350 + n * 58, 3)  # Thursdays
            event = create_event(
                w,
                program,
                title=f"Town hall on traffic safety — {w.hoods[code].name}",
                description="Tell us where traffic feels dangerous. City traffic engineers "
                "and the Traffic unit answer questions and agree next steps with you.",
                start=w.at(offset, 18, 30),
                minutes=120,
                neighbourhood=w.hoods[code],
                capacity=120,
                max_party=4,
                venue=venue,
                address=address,
                accessibility="Step-free access, hearing loop, accessible toilets.",
                languages=("en", "es"),
                interpretation="Spanish interpretation at every meeting; ASL on request.",
            )
            staff = [
                (command, Role.LEAD),
                (w.user("staff@example.org"), Role.SUPPORT),
            ] + [(u, Role.PRESENTER) for u in self.some(self.traffic, 1, 2)]
            hold(w, event, Crowd(w.rng.randint(20, 40), walk_ins=(8, 18), show=0.68), staff)

    # --- Tier 5: listening sessions (the program is complete) -----------------------

    def listening(self) -> list[Event]:
        w = self.world
        program = w.programs["youth-listening-sessions"]
        held = []
        for n in range(6):
            code, venue, address = SCHOOLS[n % 2]
            offset = _weekday_near(w, -330 + n * 30, 1)  # Tuesdays after school
            event = create_event(
                w,
                program,
                title=f"Youth listening session {n + 1}: stops and school policing",
                description="A facilitated conversation for people aged 14 to 24 about "
                "stops, searches and police in schools. What you say shapes our "
                "recommendations to the chief.",
                start=w.at(offset, 16),
                minutes=120,
                neighbourhood=w.hoods[code],
                capacity=30,
                venue=venue,
                address=address,
                languages=("en", "es"),
                reminders="24h",
            )
            staff = [
                (w.user("staff@example.org"), Role.LEAD),
                (w.user("officer@example.org"), Role.ATTENDEE),
            ] + [(u, Role.ATTENDEE) for u in self.some(self.patrol, 1, 2)]
            hold(
                w,
                event,
                Crowd(w.rng.randint(10, 28), walk_ins=(2, 6), show=0.78, youth=True),
                staff,
            )
            held.append(event)
        return held

    # --- Tier 1: press conferences with questions ------------------------------------

    QUESTIONS = [
        ("What is being done about speeding on South Bank Avenue?", "rs"),
        ("How many officers will the new budget add to patrol in Eastgate?", "eg"),
        ("Will body-worn camera footage be released after serious incidents?", "ot"),
        ("Why did response times go up last summer?", "wb"),
        ("Is the department hiring people who speak Vietnamese?", "rn"),
        ("What happens to complaints filed online?", "hc"),
        ("Are there plans for more school crossing guards near Eastgate High?", "eg"),
        ("When will the car break-ins near Lakeside park be addressed?", "ls"),
        ("How can residents join the citizen review board?", "md"),
        ("¿Habrá información en español sobre las nuevas cámaras?", "eg"),
    ]

    def press(self) -> None:
        w = self.world
        program = w.programs["chiefs-press-briefings"]
        chief = w.user("chief@example.org")
        command = w.user("command@example.org")
        moderator = w.manager(program)
        for n, offset in enumerate([-300, -210, -120, -40]):
            day = _weekday_near(w, offset, 0)  # Mondays
            event = create_event(
                w,
                program,
                title="Chief's quarterly press briefing",
                description="The chief reports on the quarter and answers questions from "
                "reporters and from residents, who can send theirs in advance.",
                start=w.at(day, 10),
                minutes=60,
                capacity=40,
                venue="Police Headquarters, media room",
                address="1 Civic Plaza",
                accessibility="Step-free access. Live captions on the stream.",
                reminders="24h",
            )
            self._questions(event, n, moderator, past=True)
            hold(
                w,
                event,
                Crowd(w.rng.randint(5, 14), show=0.8),
                [(chief, Role.LEAD), (command, Role.PRESENTER), (moderator, Role.SUPPORT)],
            )

    def _questions(self, event: Event, n: int, moderator: User, *, past: bool) -> None:
        w = self.world
        asked = [self.QUESTIONS[(n * 3 + k) % len(self.QUESTIONS)] for k in range(4)]
        for k, (text, code) in enumerate(asked):
            question = press.submit_press_question(
                event=event,
                question=text,
                name=w.people.pick(1)[0].name if k % 2 == 0 else "",
                neighbourhood=w.hoods[code],
                # Sent in the week before the briefing, and never after today.
                now=min(
                    event.starts_at - timedelta(days=6 - k, hours=3),
                    w.now - timedelta(days=3 - k, hours=2),
                ),
            )
            if past:
                if k == 3:
                    action, note = "reject", ""
                else:
                    action = "answered"
                    note = "Answered at the briefing; the recording is on the agency's channel."
            elif k < 2:
                action, note = "approve", ""
            else:
                continue  # still waiting for moderation
            press.moderate_press_question(
                question=question, action=action, user=moderator, note=note
            )

    # --- Tier 4: co-facilitated training -----------------------------------------------

    def training(self) -> None:
        w = self.world
        program = w.programs["dv-co-facilitated-training"]
        lead = w.user("detective@example.org")
        advocates = PartnerOrganisation.objects.get(name="Safe Haven Victim Advocates")
        officers = sorted(
            (
                u
                for u in w.users.values()
                if u.rank in ("officer", "corporal", "sergeant", "detective")
                and u.email != lead.email
            ),
            key=lambda u: u.email,
        )
        trainer = w.user("academy.sergeant@example.org")
        for n, offset in enumerate([-255, -165, -75, -24, 30]):
            day = _weekday_near(w, offset, 3)
            event = create_event(
                w,
                program,
                title=f"In-service: responding to domestic violence (group {n + 1})",
                description="Four hours of in-service training taught by a detective and "
                "advocates from Safe Haven: risk assessment, trauma-informed interviews, "
                "safety planning and referrals.",
                start=w.at(day, 8),
                minutes=240,
                venue="Police Training Academy, room 2",
                address="2200 Academy Drive",
                visibility=Event.Visibility.UNLISTED,
                reminders="",
            )
            for name, role in [
                ("Denise Carter", "Lead advocate, Safe Haven"),
                ("Marisol Ortega" if n % 2 else "Angela Brooks", "Advocate, Safe Haven"),
            ]:
                personnel.add_co_facilitator(event=event, partner=advocates, name=name, role=role)
            if offset > 0:
                continue
            staff = [(lead, Role.LEAD), (trainer, Role.PRESENTER)]
            staff += [(u, Role.ATTENDEE) for u in self.some(officers, 8, 12)]
            add_staff(event, staff)

    # --- Upcoming, open for registration -----------------------------------------------

    def upcoming(self) -> None:
        w = self.world
        rosa = Person(
            name="Rosa Alvarez",
            email="resident@example.org",
            phone="",
            language="es",
            neighbourhood=w.hoods["eg"],
            born=w.day(-41 * 365),
        )
        # Coffee: a few early registrations, Rosa among them.
        coffee = create_event(
            w,
            w.programs["coffee-with-a-cop-eastgate"],
            title="Coffee with a Cop — Eastgate",
            description="Drop in for a coffee and a chat with the officers who patrol "
            "Eastgate. No agenda, no speeches: bring your questions.",
            start=w.at(_saturday_before(w, 12), 9),
            minutes=90,
            neighbourhood=w.hoods["eg"],
            max_party=3,
            venue=CAFES[0][0],
            address=CAFES[0][1],
            accessibility="Step-free entrance. Seating available.",
            languages=("en", "es"),
        )
        register_people(
            w,
            coffee,
            [rosa] + w.people.pick(6, near=[w.hoods["eg"]]),
            first=w.at(-9, 8),
            last=w.now - timedelta(hours=2),
        )
        # The next town hall is nearly full, with a waiting list.
        town_hall = create_event(
            w,
            w.programs["riverside-town-hall"],
            title="Town hall on traffic safety — Riverside South",
            description="Results of the speed study on South Bank Avenue, and what the city "
            "and the Traffic unit propose. Your questions first.",
            start=w.at(_weekday_near(w, 19, 3), 18, 30),
            minutes=120,
            neighbourhood=w.hoods["rs"],
            capacity=60,
            max_party=4,
            venue=TOWN_HALLS[1][1],
            address=TOWN_HALLS[1][2],
            accessibility="Step-free access, hearing loop, accessible toilets.",
            languages=("en", "es"),
            interpretation="Spanish interpretation; ASL on request.",
        )
        taken = 0
        exclude: set[int] = set()
        while taken < 58:
            person = w.people.pick(1, near=[w.hoods["rs"]], exclude=exclude)[0]
            exclude.add(id(person))
            party = min(_party(w, town_hall), 58 - taken)
            moment = w.between(w.at(-20, 8), w.at(-2, 20))
            result = events.register(
                event=town_hall,
                **person.contact,
                neighbourhood=person.neighbourhood,
                party_size=party,
                language=person.language,
                wants_reminders=True,
                now=moment,
            )
            person.resident = result.registration.resident
            taken += party
        # Parties larger than the seats left wait in line, in order.
        waiting = w.people.pick(3, near=[w.hoods["rs"]], exclude=exclude)
        for k, person in enumerate(waiting):
            result = events.register(
                event=town_hall,
                **person.contact,
                neighbourhood=person.neighbourhood,
                party_size=3 + k % 2,
                language=person.language,
                now=w.now - timedelta(hours=20 - k * 5),
            )
            person.resident = result.registration.resident
        # A porch line-up in two weeks.
        porch = create_event(
            w,
            w.programs["front-porch-line-ups-old-town"],
            title="Front-porch line-up — Old Town",
            description="The afternoon shift holds its briefing on a neighbour's porch. "
            "Come and hear how the shift plans its day, then ask about your block.",
            start=w.at(_weekday_near(w, 15, 2), 14, 15),
            minutes=45,
            neighbourhood=w.hoods["ot"],
            capacity=25,
            max_party=3,
            venue="A neighbour's front porch",
            address="19 Lantern Row",
            accessibility="Outdoors, on the pavement in front of the porch. Chairs provided.",
        )
        register_people(
            w,
            porch,
            w.people.pick(5, near=[w.hoods["ot"]]),
            first=w.at(-6, 8),
            last=w.now - timedelta(hours=1),
        )
        # The next press briefing takes questions in advance.
        briefing = create_event(
            w,
            w.programs["chiefs-press-briefings"],
            title="Chief's quarterly press briefing",
            description="The chief reports on the quarter and answers questions from "
            "reporters and from residents, who can send theirs in advance.",
            start=w.at(_weekday_near(w, 10, 0), 10),
            minutes=60,
            capacity=40,
            venue="Police Headquarters, media room",
            address="1 Civic Plaza",
            accessibility="Step-free access. Live captions on the stream.",
            reminders="24h",
        )
        self._questions(briefing, 4, w.manager(briefing.program), past=False)
        register_people(
            w, briefing, w.people.pick(4), first=w.at(-5, 8), last=w.now - timedelta(hours=3)
        )


# --- Resident requests -----------------------------------------------------------------


def resident_requests(world: World) -> None:
    """A porch line-up accepted (and held), a briefing with another time proposed, a ride-out
    declined, and one request still waiting for staff."""
    w = world
    officer = w.user("officer@example.org")
    staff = w.user("staff@example.org")
    host = w.people.pick(1, near=[w.hoods["ot"]])[0]
    request, _token = requests.submit_request(
        kind=ResidentRequest.Kind.FRONT_PORCH,
        **host.contact,
        neighbourhood=w.hoods["ot"],
        address="27 Bell Street",
        details="Our block association would like to host the shift on our porch. We have "
        "had a few package thefts and would like to meet the officers.",
        preferred_times=["A weekday afternoon", "Any Wednesday", ""],
        language=host.language,
        now=w.at(-47, 19, 12),
    )
    event = requests.accept_request(
        request=request,
        program=w.programs["front-porch-line-ups-old-town"],
        start=w.at(_weekday_near(w, -33, 2), 14, 15),
        end=w.at(_weekday_near(w, -33, 2), 15, 0),
        user=officer,
        message="Thank you! The afternoon shift will come to you. Expect six to eight "
        "officers; neighbours are welcome.",
        now=w.at(-45, 10, 5),
    )
    Event.objects.filter(pk=event.pk).update(created_at=w.at(-45, 10, 5), max_party_size=3)
    event.refresh_from_db()
    calendar = Calendar(w)
    hold(
        w,
        event,
        Crowd(8, walk_ins=(3, 6), show=0.85),
        [(officer, Role.LEAD)] + [(u, Role.ATTENDEE) for u in calendar.some(calendar.patrol, 2, 4)],
    )

    asker = w.people.pick(1, near=[w.hoods["ls"]])[0]
    request, _token = requests.submit_request(
        kind=ResidentRequest.Kind.BRIEFING,
        **asker.contact,
        neighbourhood=w.hoods["ls"],
        topic="Car break-ins near Lakeside park",
        details="Several cars on our street were broken into this month. Could an officer "
        "explain what is happening and what we can do?",
        preferred_times=["Tuesday evening after 6", "Saturday morning", ""],
        language=asker.language,
        now=w.at(-6, 21, 40),
    )
    requests.propose_time(
        request=request,
        start=w.at(_weekday_near(w, 11, 3), 18, 30),
        message="Tuesdays do not work for the district team this month. Would this Thursday "
        "evening suit you? We can use the Lakeside library meeting room.",
        user=staff,
        now=w.at(-4, 9, 30),
    )

    rider = w.people.pick(1)[0]
    request, _token = requests.submit_request(
        kind=ResidentRequest.Kind.RIDE_OUT,
        **rider.contact,
        neighbourhood=rider.neighbourhood,
        details="I would love to see how the K-9 unit works.",
        preferred_times=["Any weekend", "", ""],
        language=rider.language,
        now=w.at(-21, 12, 3),
    )
    requests.decline_request(
        request=request,
        reason="K-9 ride-outs are not open yet: the program is still being prepared. We will "
        "write to you as soon as it opens. In the meantime, patrol ride-outs can be requested "
        "at the front desk.",
        user=staff,
        now=w.at(-19, 15, 20),
    )

    waiting = w.people.pick(1, near=[w.hoods["wb"]])[0]
    requests.submit_request(
        kind=ResidentRequest.Kind.FRONT_PORCH,
        **waiting.contact,
        neighbourhood=w.hoods["wb"],
        address="5 Willow Court",
        details="We are new to Westbrook and would like to meet the officers on our street.",
        preferred_times=["Saturday morning", "Sunday afternoon", ""],
        language=waiting.language,
        now=w.at(-2, 18, 45),
    )
