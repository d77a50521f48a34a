"""The shared state of one demo run: its clock, its random generator, the agency's rows and a
pool of fictional residents who take part again and again, as real neighbours do."""

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from engagement_portal.accounts.models import Neighbourhood, Resident, User
from engagement_portal.accounts.services import find_or_create_resident
from programs.models import Program
from programs.selectors import user_can_manage_program

SEED = 2026
POOL_SIZE = 620


def words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = {
    "en": words("""James Mary Robert Linda Michael Patricia David Jennifer William Elizabeth Joseph
        Susan Thomas Karen Daniel Nancy Matthew Sarah Anthony Jessica Andre Keisha Darnell
        Tanisha Marcus Aaliyah Jamal Imani Minh Thi Quang Lan Huy Mai Priya Arjun Fatima Omar
        Yusuf Amina Grace Wei Mei Chen Olivia Noah Emma Liam Ava Ethan Chloe Ruth Harold
        Doris"""),
    "es": words("""José María Juan Guadalupe Luis Carmen Carlos Rosa Jorge Ana Miguel Lucía
        Alejandro Sofía Francisco Elena Javier Isabel Ricardo Gabriela Fernando Verónica
        Héctor Patricia Raúl Yolanda Diego Valeria Mateo Camila"""),
}
LAST_NAMES = {
    "en": words("""Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas
        Moore Jackson White Harris Clark Lewis Robinson Walker Young Nguyen Tran Pham Le Vo
        Huynh Patel Shah Khan Ali Hassan Okonkwo Mensah Adeyemi Kim Park Wong Chen Murphy
        O'Connor Kowalski Novak Schmidt Rossi"""),
    "es": words("""García Martínez Rodríguez López Hernández González Pérez Sánchez Ramírez Torres
        Flores Rivera Gómez Díaz Reyes Morales Cruz Ortiz Gutiérrez Chávez Ramos Vargas
        Castillo Jiménez Mendoza Ruiz Aguilar Medina Herrera Castro"""),
}
# Share of Spanish speakers by neighbourhood code; everyone else prefers English.
SPANISH_SHARE = {"eg": 0.45, "rs": 0.35, "wb": 0.3, "rn": 0.2, "md": 0.2}
AREA_CODES = ["312", "773", "872", "630", "708", "847"]


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


@dataclass
class Person:
    """A fictional resident. The Resident row is made the first time a service needs them."""

    name: str
    email: str
    phone: str
    language: str
    neighbourhood: Neighbourhood | None
    born: date
    regular: bool = False
    resident: Resident | None = field(default=None, repr=False)

    @property
    def contact(self) -> dict:
        return {"name": self.name, "email": self.email, "phone": self.phone}


class People:
    """A deterministic pool of residents with homes spread like the population."""

    def __init__(self, rng: random.Random, neighbourhoods: list[Neighbourhood], today: date):
        self.rng = rng
        self.everyone: list[Person] = []
        self.by_hood: dict[int | None, list[Person]] = {}
        emails: set[str] = set()
        phones: set[str] = set()
        weights = [n.population for n in neighbourhoods]
        for _ in range(POOL_SIZE):
            hood = rng.choices(neighbourhoods, weights)[0] if rng.random() > 0.07 else None
            spanish = rng.random() < SPANISH_SHARE.get(hood.code if hood else "", 0.12)
            names = "es" if spanish or rng.random() < 0.08 else "en"
            first = rng.choice(FIRST_NAMES[names])
            last = rng.choice(LAST_NAMES[names])
            base = f"{ascii_slug(first)}.{ascii_slug(last)}"
            email, n = f"{base}@example.net", 2
            while email in emails:
                email, n = f"{base}{n}@example.net", n + 1
            emails.add(email)
            phone = ""
            if rng.random() < 0.3:
                while not phone or phone in phones:
                    phone = f"({rng.choice(AREA_CODES)}) 555-01{rng.randint(0, 99):02d}"
                phones.add(phone)
                # One in four of those with a phone gave only the phone.
                if rng.random() < 0.25:
                    emails.discard(email)
                    email = ""
            age = rng.choices([22, 30, 42, 55, 68, 78], [12, 22, 24, 22, 14, 6])[0]
            born = today - timedelta(days=int((age + rng.random() * 8) * 365.25))
            person = Person(
                name=f"{first} {last}",
                email=email,
                phone=phone,
                language="es" if spanish else "en",
                neighbourhood=hood,
                born=born,
                regular=rng.random() < 0.18,
            )
            self.everyone.append(person)
            self.by_hood.setdefault(hood.pk if hood else None, []).append(person)
        self._unused = list(self.everyone)
        rng.shuffle(self._unused)

    def pick(
        self, n: int, *, near: list[Neighbourhood] = (), exclude: set[int] = frozenset()
    ) -> list[Person]:
        """`n` different people, most of them from `near`, regulars more often than not."""
        near_ids = {h.pk for h in near}
        chosen: list[Person] = []
        taken = set(exclude)
        attempts = 0
        while len(chosen) < n and attempts < n * 40:
            attempts += 1
            if near_ids and self.rng.random() < 0.65:
                group = self.by_hood.get(self.rng.choice(sorted(near_ids)), []) or self.everyone
            else:
                group = self.everyone
            person = self.rng.choice(group)
            if id(person) in taken:
                continue
            if not person.regular and self.rng.random() < 0.35:
                continue  # regulars come back more often
            taken.add(id(person))
            chosen.append(person)
        return chosen

    def fresh(self, n: int, *, adults_only: bool = True, today: date | None = None) -> list:
        """`n` people who have not been handed out by `fresh` before (applicants, members)."""
        out = []
        while len(out) < n and self._unused:
            person = self._unused.pop()
            if adults_only and today and (today - person.born).days < 18 * 366:
                continue
            out.append(person)
        return out


class World:
    """Clock, randomness and the agency's rows, shared by every part of the demo."""

    def __init__(self, *, now: datetime | None = None, stdout=None):
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        self.rng = random.Random(SEED)
        self.stdout = stdout
        self.users = {u.email: u for u in User.objects.select_related("unit")}
        self.programs = {
            p.slug: p
            for p in Program.objects.select_related("engagement_type__tier", "owner").order_by("pk")
        }
        self.hoods = {n.code: n for n in Neighbourhood.objects.order_by("pk")}
        self.people = People(self.rng, list(self.hoods.values()), self.today)
        self.admin = self.users["admin@example.org"]

    # --- Time ------------------------------------------------------------------------

    def day(self, offset: int) -> date:
        """The date `offset` days from today (negative: in the past)."""
        return self.today + timedelta(days=offset)

    def at(self, day: date | int, hour: int, minute: int = 0) -> datetime:
        """A moment in the agency's time zone, on `day` (a date or an offset from today)."""
        if isinstance(day, int):
            day = self.day(day)
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def between(self, start: datetime, end: datetime) -> datetime:
        """A random moment between two others, to the minute."""
        span = max(int((end - start).total_seconds() // 60), 1)
        return start + timedelta(minutes=self.rng.randrange(span))

    # --- People ----------------------------------------------------------------------

    def user(self, email: str) -> User:
        return self.users[email]

    def manager(self, program: Program) -> User:
        """Someone allowed to run `program` in the staff pages: its owner, else its team,
        else the administrator (command staff own programs they may not edit)."""
        for user in [program.owner, *program.team.order_by("pk")]:
            if user_can_manage_program(user, program):
                return user
        return self.admin

    def resident(self, person: Person) -> Resident:
        """The person's Resident row, found or created the way every public form does."""
        if person.resident is None:
            person.resident, _created = find_or_create_resident(
                name=person.name,
                email=person.email,
                phone=person.phone,
                preferred_language=person.language,
                neighbourhood=person.neighbourhood,
            )
        return person.resident

    def say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)
