#!/usr/bin/env python
"""Benchmark: the command dashboards at city scale (issue 6, "Fast at city scale").

    .venv/bin/python bench/dashboard_scale.py [--scale 1] [--runs 7] [--rounds 3]
                                              [--seed 6] [--keep] [--keep-indexes] [--reuse]
                                              [--build-only] [--jit default|off]

Develop with --scale 0.01 (a minute); --scale 1 takes about 8 minutes on two cores.
--keep leaves both databases; --reuse then measures the pages again without rebuilding;
--build-only builds and keeps both databases without measuring the pages.

Builds two scratch PostgreSQL databases with the same generator and seed: `bench_dash_full`
(--scale × the city below) and `bench_dash_tenth` (a tenth of that). At --scale 1 the city
has 200,000 residents, 100 neighbourhoods with populations and age shares, 2,000 programs
over the 21 seeded engagement types, 600 staff in 12 units, 20,000 events over 5 years
(cohort sessions with rosters and attendance among them), 1,000,000 registrations, 60,000
walk-ins, 300,000 survey responses with 10 answers each (the 8 standard bank items, an age
question and a neighbourhood question), recommendations and volunteer hours. The city's
shape (100 neighbourhoods, the seeded tiers, types and standard items) does not scale;
every other count is multiplied by --scale.

Rows go in with PostgreSQL COPY (psycopg2 `copy_expert`, CSV from an in-memory buffer, in
chunks of 50,000) into the real tables. The big ones (residents, registrations, walk-ins,
personnel, attendance, hours, responses, answers) have their secondary indexes, unique
constraints and foreign keys set aside during the load and re-created after it, which
checks every row against them (--keep-indexes loads with them in place instead); the
others load with everything in place. Each chunk's buffer is then COPYed again, as is,
into an UNLOGGED twin of the table without indexes or constraints: the plain-COPY
baseline, measured in the same run. Then `manage.py rebuild_dashboard` builds the
summaries (timed; rows/s).

Finally the command pages (overview, spectrum, reach, trust, principles) are fetched with
Django's test client, in-process, as a command-staff user in production settings: --rounds
rounds alternating between the two databases, each --runs timed fetches per page after a
warm-up, for the default period (last 90 days) and for the whole five years. Prints median
and p95 per page and the full/tenth ratio, the queries per page at both sizes, the page's
time against its own SQL (captured with CaptureQueriesContext, replayed on a cursor), each
page's HTML in KB (1,000 bytes; pages over 200 KB are listed) and the slowest statements
at full size. Nothing here asserts a time.
"""

import argparse
import base64
import csv
import hashlib
import io
import json
import math
import os
import statistics
import time
from bisect import bisect
from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as clock
from itertools import accumulate
from random import Random
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import _harness as h
import psycopg2

TZ = ZoneInfo("America/Chicago")  # the portal's default TIME_ZONE (production_env sets none)
FULL_DB, TENTH_DB = "bench_dash_full", "bench_dash_tenth"
CHUNK = 50_000
N = r"\N"  # NULL in the COPY stream ("" is an empty string)
T, F = "t", "f"
YEARS = 5
NEIGHBOURHOODS = 100
PAGES = ["overview", "spectrum", "reach", "trust", "principles"]
COMMAND_EMAIL = "command@bench.example"
HTML_BUDGET = 200_000  # bytes of HTML a command page should stay under (issue 15)

# Counts at --scale 1.
CITY = {
    "staff": 600,
    "residents": 200_000,
    "programs": 2_000,
    "events": 20_000,
    "registrations": 1_000_000,
    "walk_ins": 60_000,
    "responses": 300_000,
    "recommendations": 1_500,
    "volunteer_hours": 40_000,
}
RESPONSES_PER_SURVEY = 400

# Programs per engagement type (relative weights; every type gets at least one program).
TYPE_WEIGHTS = {
    "social-media-releases": 2,
    "community-surveys": 6,
    "press-conferences": 2,
    "community-events": 14,
    "unstructured-engagement": 8,
    "ride-outs": 5,
    "front-porch-line-ups": 6,
    "neighbourhood-briefings": 8,
    "town-hall-meetings": 6,
    "strategic-partnerships": 3,
    "citizen-police-academy": 4,
    "youth-engagement": 5,
    "volunteer-opportunities": 4,
    "training-scenario-participation": 3,
    "co-facilitated-training": 2,
    "hiring-promotion-scenarios": 2,
    "listening-sessions": 6,
    "policy-review-committees": 2,
    "hiring-promotion-boards": 1,
    "community-advisory-groups": 4,
    "citizen-review-boards": 1,
}
NO_SESSIONS = {"social-media-releases", "community-surveys", "strategic-partnerships"}
COHORT_TYPES = {"citizen-police-academy", "youth-engagement"}  # attendance, not registrations
RECOMMENDING_TIERS = {2, 5}
UNITS = [
    ("Community Outreach", True),
    ("Patrol District 1", False),
    ("Patrol District 2", False),
    ("Patrol District 3", False),
    ("Patrol District 4", False),
    ("Patrol District 5", False),
    ("Detectives", False),
    ("Traffic", False),
    ("Training Academy", False),
    ("Youth Services", False),
    ("Records", False),
    ("Office of the Chief", False),
]
RANKS = ["officer"] * 10 + ["civilian"] * 4 + ["detective", "corporal", "sergeant"] * 2
FIRST = ["Ana", "Ben", "Chloe", "Dev", "Elif", "Femi", "Gus", "Hana", "Ivan", "Jia", "Kofi"]
LAST = ["Abara", "Brooks", "Diaz", "Evans", "Garcia", "Huang", "Ito", "Kim", "Lopez", "Nguyen"]
PLACES = ["North", "South", "East", "West", "Old", "New", "Upper", "Lower", "Little", "Great"]
FEATURES = ["Hill", "Park", "Ridge", "Grove", "Heights", "Square", "Bridge", "Harbor", "Mill"]
AGE_GROUPS = ["under-18", "18-34", "35-64", "65+"]


def log(message: str = "") -> None:
    print(message, flush=True)


# --- COPY, with the plain-COPY baseline ------------------------------------------------------


class Stat:
    def __init__(self):
        self.rows = 0
        self.python = 0.0  # making the rows and their CSV
        self.copy = 0.0  # COPY into the model table, commit (deferred foreign keys) included
        self.index = 0.0  # re-creating the indexes and constraints set aside for the load
        self.plain = 0.0  # the same buffers COPYed into an unlogged table without indexes


# Big tables load faster without their secondary indexes, unique constraints and foreign
# keys: they are set aside and re-created after the load, which validates every row again
# (a unique index or a foreign key that does not hold fails the run).
BULK = {
    "accounts_resident",
    "events_registration",
    "events_walkin",
    "events_eventpersonnel",
    "structured_attendance",
    "structured_hoursentry",
    "surveys_response",
    "surveys_answer",
}


class Loader:
    """COPY rows (dicts in column order) into a model table chunk by chunk. Each chunk's
    buffer is then COPYed as is into an unlogged, index-free twin of the table."""

    SQL = "COPY \"{}\" ({}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"

    def __init__(self, conn, set_aside: bool = True):
        self.conn = conn
        self.set_aside = set_aside
        self.stats: dict[str, Stat] = {}

    def load(self, table: str, rows) -> int:
        stat = self.stats.setdefault(table, Stat())
        plain = f"bench_plain_{table}"
        with self.conn.cursor() as cur:
            cur.execute(f'CREATE UNLOGGED TABLE "{plain}" (LIKE "{table}")')
        self.conn.commit()
        restore = self._set_aside(table) if self.set_aside and table in BULK else []
        started, copied = time.perf_counter(), stat.copy + stat.plain
        columns, chunk, count = None, [], 0
        for row in rows:
            if columns is None:
                columns = ", ".join(f'"{c}"' for c in row)
            chunk.append(tuple(row.values()))
            if len(chunk) >= CHUNK:
                count += self._flush(stat, table, plain, columns, chunk)
                chunk = []
        if chunk:
            count += self._flush(stat, table, plain, columns, chunk)
        stat.rows += count
        stat.python += time.perf_counter() - started - (stat.copy + stat.plain - copied)
        started = time.perf_counter()
        with self.conn.cursor() as cur:
            for statement in restore:
                cur.execute(statement)
        self.conn.commit()
        stat.index += time.perf_counter() - started
        with self.conn.cursor() as cur:
            cur.execute(f'DROP TABLE "{plain}"')
        self.conn.commit()
        return count

    def _set_aside(self, table: str) -> list[str]:
        """Drop the table's secondary indexes, unique constraints and foreign keys (never
        the primary key); return the statements that re-create them."""
        with self.conn.cursor() as cur:
            cur.execute(
                "SELECT conname, pg_get_constraintdef(oid), contype FROM pg_constraint"
                " WHERE conrelid = %s::regclass AND contype IN ('u', 'f')",
                [table],
            )
            constraints = cur.fetchall()
            cur.execute(
                "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)"
                " FROM pg_index i WHERE i.indrelid = %s::regclass AND NOT i.indisprimary"
                " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid"
                " AND c.conrelid = i.indrelid)",
                [table],
            )
            indexes = cur.fetchall()
            for name, _definition, _kind in constraints:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _definition in indexes:
                cur.execute(f"DROP INDEX {name}")
            cur.execute("SET maintenance_work_mem = '256MB'")
        self.conn.commit()
        # Indexes first, then unique constraints, then foreign keys (validated in one pass).
        order = {"u": 0, "f": 1}
        return [definition for _name, definition in indexes] + [
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
            for name, definition, kind in sorted(constraints, key=lambda c: order[c[2]])
        ]

    def _flush(self, stat, table, plain, columns, chunk) -> int:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows(chunk)
        with self.conn.cursor() as cur:
            t0 = time.perf_counter()
            buffer.seek(0)
            cur.copy_expert(self.SQL.format(table, columns), buffer)
            self.conn.commit()
            t1 = time.perf_counter()
            buffer.seek(0)
            cur.copy_expert(self.SQL.format(plain, columns), buffer)
            self.conn.commit()
            t2 = time.perf_counter()
        stat.copy += t1 - t0
        stat.plain += t2 - t1
        return len(chunk)


# --- The city -----------------------------------------------------------------------------


class City:
    """Generates a city into an empty, migrated database. Deterministic for a seed."""

    def __init__(self, conn, scale: float, seed: int, set_aside: bool = True):
        self.conn = conn
        self.scale = scale
        self.rng = Random(seed)
        self.loader = Loader(conn, set_aside)
        self.today = datetime.now(TZ).date()
        self.first_day = self.today - timedelta(days=365 * YEARS)
        self.horizon = self.today + timedelta(days=60)  # events are scheduled up to here
        self.public_ids: set[str] = set()
        self.serial = 0
        self.salt = f"{seed}:{scale}"

    # helpers -------------------------------------------------------------------------------

    def count(self, name: str, minimum: int = 1) -> int:
        return max(minimum, round(CITY[name] * self.scale))

    def query(self, sql, params=()):
        with self.conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def next_id(self, table: str) -> int:
        return self.query(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{table}"')[0][0]

    def public_id(self) -> str:
        """Like core.tokens.new_public_id (11 URL-safe characters); unique."""
        while True:
            raw = self.rng.getrandbits(64).to_bytes(8, "big")
            value = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
            if value not in self.public_ids:
                self.public_ids.add(value)
                return value

    def token_hash(self, kind: str) -> str:
        """A unique SHA-256 hex digest: what a private token's stored hash looks like."""
        self.serial += 1
        return hashlib.sha256(f"{self.salt}:{kind}:{self.serial}".encode()).hexdigest()

    def uuid(self) -> str:
        """A random version-4 UUID as 32 hex digits (PostgreSQL reads them as uuid)."""
        value = self.rng.getrandbits(128)
        value = (value & ~(0xF000 << 64)) | (0x4000 << 64)
        value = (value & ~(0xC000 << 48)) | (0x8000 << 48)
        return f"{value:032x}"

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, clock(hour, minute), TZ)

    def day_between(self, first: date, last: date) -> date:
        return first + timedelta(days=self.rng.randint(0, max((last - first).days, 0)))

    def pick(self, items, cum_weights):
        return items[bisect(cum_weights, self.rng.random() * cum_weights[-1])]

    def any_staff(self) -> int:
        return self.pick(self.staff, self.staff_cum)

    def any_hood(self) -> int:
        """A neighbourhood, by population × how much it takes part."""
        return self.pick(self.hood_ids, self.hood_cum)

    def window(self, program: int) -> tuple[date, date]:
        _slug, _status, start, last = self.programs[program]
        return start, min(last, self.today)

    @contextmanager
    def preparing(self, table: str):
        """Time spent building rows before they reach the loader counts as generating."""
        started = time.perf_counter()
        yield
        self.loader.stats.setdefault(table, Stat()).python += time.perf_counter() - started

    def load(self, table: str, rows) -> None:
        started = time.perf_counter()
        n = self.loader.load(table, rows)
        log(f"  {table:<34} {n:>10,} rows {time.perf_counter() - started:8.1f} s")

    # the tables ---------------------------------------------------------------------------

    def generate(self) -> None:
        self.types = {
            slug: (pk, tier, capacity)
            for pk, slug, tier, capacity in self.query(
                "SELECT t.id, t.slug, r.number, t.default_capacity FROM programs_engagementtype t"
                " JOIN programs_tier r ON r.id = t.tier_id WHERE t.is_seeded"
            )
        }
        assert set(self.types) == set(TYPE_WEIGHTS), sorted(self.types)
        # The rating items; the demographic ones (category set) are asked apart.
        self.items = self.query(
            "SELECT id, kind FROM surveys_standarditem WHERE category = '' ORDER BY position"
        )
        self.age_item = self.query("SELECT id FROM surveys_standarditem WHERE key = 'age-group'")
        self.age_item = self.age_item[0][0] if self.age_item else N
        self.groups = dict(self.query("SELECT name, id FROM auth_group"))
        self.languages = [pk for (pk,) in self.query("SELECT id FROM accounts_language")]
        self.neighbourhoods()
        self.staff_users()
        self.residents()
        self.create_programs()
        self.events_and_cohorts()
        self.registrations()
        self.walk_ins()
        self.surveys()
        self.responses()
        self.recommendations()
        self.volunteers()
        self.finish()

    def neighbourhoods(self):
        rng = self.rng
        first = self.next_id("accounts_neighbourhood")
        names = [f"{place} {feature}" for place in PLACES for feature in FEATURES]
        rng.shuffle(names)
        rows, self.hood_trust, self.hood_ages = [], {}, {}
        self.hood_ids, populations, keenness, all_ages = [], [], [], []
        for i in range(NEIGHBOURHOODS):
            pk = first + i
            young, old, adult = (
                rng.uniform(0.14, 0.3),
                rng.uniform(0.08, 0.24),
                rng.uniform(0.25, 0.35),
            )
            # About 3 % of each population has no recorded age.
            ages = dict(
                zip(
                    AGE_GROUPS,
                    (young, adult, max(0.0, 0.97 - young - old - adult), old),
                    strict=True,
                )
            )
            ages = {group: round(share, 3) for group, share in ages.items()}
            all_ages.append(ages)
            population = int(rng.lognormvariate(math.log(7000), 0.45))
            self.hood_ids.append(pk)
            populations.append(population)
            keenness.append(rng.lognormvariate(0, 0.55))  # some areas take part far more
            self.hood_trust[pk] = rng.uniform(2.7, 4.1)
            self.hood_ages[pk] = list(accumulate(ages[g] for g in AGE_GROUPS))
            suffix = "" if i < len(names) else f" {i // len(names) + 1}"
            rows.append(
                {
                    "id": pk,
                    "name": names[i % len(names)] + suffix,
                    "code": f"n{i + 1:03d}",
                    "population": population,
                    "demographics": json.dumps({"age": ages}),
                }
            )
        self.hood_keen = dict(zip(self.hood_ids, keenness, strict=True))
        city = [sum(ages[g] for ages in all_ages) for g in AGE_GROUPS]
        self.city_ages = list(accumulate(city))
        self.hood_pop_cum = list(accumulate(populations))
        self.hood_cum = list(accumulate(p * k for p, k in zip(populations, keenness, strict=True)))
        self.load("accounts_neighbourhood", rows)

    def staff_users(self):
        first_unit = self.next_id("accounts_unit")
        self.units = [first_unit + i for i in range(len(UNITS))]
        self.load(
            "accounts_unit",
            (
                {"id": pk, "name": name, "is_community_outreach": T if outreach else F}
                for pk, (name, outreach) in zip(self.units, UNITS, strict=True)
            ),
        )
        first = self.next_id("accounts_user")
        n = self.count("staff", minimum=len(UNITS))
        self.staff = list(range(first, first + n))
        self.command_user = first + n
        # Outreach officers staff far more events than anyone else.
        self.staff_cum = list(accumulate(6.0 if i % len(UNITS) == 0 else 1.0 for i in range(n)))
        joined = self.at(self.first_day - timedelta(days=400), 9).isoformat()

        def user(pk, email, name, rank, unit):
            return {
                "id": pk,
                "password": "!",  # unusable: nobody signs in with a password here
                "is_superuser": F,
                "email": email,
                "full_name": name,
                "preferred_language": "en",
                "rank": rank,
                "badge_number": "",
                "is_staff": F,
                "is_active": T,
                "date_joined": joined,
                "unit_id": unit,
            }

        rows = [
            user(
                pk,
                f"officer{i}@agency.example",
                f"{FIRST[i % len(FIRST)]} {LAST[i // len(FIRST) % len(LAST)]}",
                self.rng.choice(RANKS),
                self.units[i % len(UNITS)],
            )
            for i, pk in enumerate(self.staff)
        ]
        rows.append(user(self.command_user, COMMAND_EMAIL, "Bench Commander", "commander", N))
        self.load("accounts_user", rows)
        first = self.next_id("accounts_user_groups")
        roles = [(pk, self.groups["program staff"]) for pk in self.staff]
        roles.append((self.command_user, self.groups["command staff"]))
        self.load(
            "accounts_user_groups",
            ({"id": first + i, "user_id": u, "group_id": g} for i, (u, g) in enumerate(roles)),
        )

    def residents(self):
        rng = self.rng
        n = self.count("residents", minimum=50)
        first = self.next_id("accounts_resident")
        self.resident_hood, self.resident_language = {}, {}
        by_hood: dict[int | None, list[tuple[int, float]]] = {}

        def rows():
            for i in range(n):
                pk = first + i
                hood = self.pick(self.hood_ids, self.hood_pop_cum) if rng.random() > 0.04 else None
                language = "es" if rng.random() < 0.22 else "en"
                self.resident_hood[pk], self.resident_language[pk] = hood, language
                # How keen this resident is: a few take part a lot, most rarely.
                keen = rng.lognormvariate(0, 1.0) * (self.hood_keen[hood] if hood else 0.5)
                by_hood.setdefault(hood, []).append((pk, keen))
                name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
                has_email = rng.random() < 0.9
                email = f"{name.replace(' ', '.').lower()}.{i}@example.net" if has_email else ""
                phone = ""
                if not has_email or rng.random() < 0.5:
                    phone = f"+1{(312, 773, 872)[i % 3]}{i // 3:07d}"
                created = self.at(self.day_between(self.first_day, self.today), 12).isoformat()
                yield {
                    "id": pk,
                    "name": name,
                    "email": email,
                    "phone": phone,
                    "email_normalised": email,
                    "phone_normalised": phone,
                    "preferred_language": language,
                    "created_at": created,
                    "updated_at": created,
                    "neighbourhood_id": hood or N,
                    "user_id": N,
                }

        self.load("accounts_resident", rows())
        with self.preparing("accounts_resident"):
            everyone = [pair for pairs in by_hood.values() for pair in pairs]
            self.city_pool = ([pk for pk, _ in everyone], list(accumulate(k for _, k in everyone)))
            self.hood_pool = {
                hood: ([pk for pk, _ in pairs], list(accumulate(k for _, k in pairs)))
                for hood, pairs in by_hood.items()
                if hood is not None
            }

    def sample_residents(self, hood: int | None, k: int) -> list[int]:
        """k distinct residents, most from `hood`, the keenest most likely."""
        local = self.hood_pool.get(hood) if hood else None
        chosen: set[int] = set()
        for _attempt in range(8):
            missing = k - len(chosen)
            if missing <= 0:
                break
            near = int(missing * 0.7) if local else 0
            if near:
                chosen.update(self.rng.choices(local[0], cum_weights=local[1], k=near))
            pool, cum = self.city_pool
            chosen.update(self.rng.choices(pool, cum_weights=cum, k=missing - near + 1))
        return list(chosen)[:k]

    def create_programs(self):
        rng = self.rng
        n = self.count("programs", minimum=len(TYPE_WEIGHTS))
        first = self.next_id("programs_program")
        slugs = list(TYPE_WEIGHTS)
        slug_cum = list(accumulate(TYPE_WEIGHTS.values()))
        self.programs = {}  # id -> (type slug, status, first day, last day)

        def rows():
            for i in range(n):
                pk = first + i
                slug = slugs[i] if i < len(slugs) else self.pick(slugs, slug_cum)
                roll = rng.random()
                status = "draft" if roll < 0.04 else "completed" if roll < 0.3 else "active"
                start = self.day_between(
                    self.first_day - timedelta(days=120), self.today - timedelta(days=30)
                )
                last = self.horizon
                if status == "completed":
                    last = min(
                        start + timedelta(days=rng.randint(90, 900)), self.today - timedelta(days=1)
                    )
                elif status == "draft":
                    start = self.today - timedelta(days=rng.randint(0, 30))
                self.programs[pk] = (slug, status, max(start, self.first_day), last)
                created = self.at(start - timedelta(days=30), 10).isoformat()
                yield {
                    "id": pk,
                    "title": f"{slug.replace('-', ' ').capitalize()} {pk}",
                    "slug": f"{slug}-{pk}",
                    "intention": "Hear what residents need and act on it.",
                    "description": "",
                    "status": status,
                    "outcome": "",
                    "visibility": "public",
                    "created_at": created,
                    "updated_at": created,
                    "started_at": N if status == "draft" else self.at(start, 10).isoformat(),
                    "completed_at": self.at(last, 17).isoformat() if status == "completed" else N,
                    "engagement_type_id": self.types[slug][0],
                    "owner_id": self.any_staff(),
                    "is_sensitive": F,
                    "governing_policy": "",
                    "governing_policy_url": "",
                }

        self.load("programs_program", rows())
        first = self.next_id("programs_program_neighbourhoods")
        with self.preparing("programs_program_neighbourhoods"):
            served = [
                (program, hood)
                for program in self.programs
                if rng.random() < 0.4
                for hood in rng.sample(self.hood_ids, rng.randint(1, 3))
            ]
        self.load(
            "programs_program_neighbourhoods",
            (
                {"id": first + i, "program_id": p, "neighbourhood_id": hood}
                for i, (p, hood) in enumerate(served)
            ),
        )
        english, spanish = self.languages[0], self.languages[1]
        first = self.next_id("programs_program_languages")
        with self.preparing("programs_program_languages"):
            spoken = [
                (program, language)
                for program in self.programs
                for language in self.languages
                if language == english or rng.random() < (0.6 if language == spanish else 0.06)
            ]
        self.load(
            "programs_program_languages",
            (
                {"id": first + i, "program_id": p, "language_id": lang}
                for i, (p, lang) in enumerate(spoken)
            ),
        )

    def events_and_cohorts(self):
        """Events over each program's life; cohort programs run classes of about ten
        sessions, each with a roster and attendance for every session held."""
        rng = self.rng
        n = self.count("events", minimum=20)
        first = self.next_id("events_event")
        first_cohort = self.next_id("structured_cohort")
        self.events = {}  # id -> (program, starts_at, status, capacity or None, hood, max party)
        with self.preparing("events_event"):
            eligible = [
                (pk, (last - start).days + 1)
                for pk, (slug, status, start, last) in self.programs.items()
                if status != "draft" and slug not in NO_SESSIONS
            ]
            ids, cum = [pk for pk, _ in eligible], list(accumulate(d for _, d in eligible))
            rows = []
            for i in range(n):
                pk = first + i
                program = self.pick(ids, cum)
                slug, _status, start, last = self.programs[program]
                day = self.day_between(start, min(last, self.horizon))
                starts = self.at(
                    day, rng.choice((9, 10, 13, 15, 17, 18, 18, 19)), rng.choice((0, 30))
                )
                status = "completed" if day < self.today else "scheduled"
                if rng.random() < 0.04:
                    status = "cancelled"
                capacity = self.types[slug][2]
                if capacity is None and rng.random() > 0.35:
                    capacity = rng.choice((25, 40, 60, 80, 120, 200))
                hood = self.any_hood() if rng.random() < 0.92 else None
                max_party = 1
                if slug not in COHORT_TYPES and capacity != 1:
                    max_party = rng.choice((1, 2, 4))
                self.events[pk] = (program, starts, status, capacity, hood, max_party)
                rows.append(
                    {
                        "id": pk,
                        "public_id": self.public_id(),
                        "title": f"Session {pk}",
                        "description": "",
                        "starts_at": starts.isoformat(),
                        "ends_at": (
                            starts + timedelta(minutes=rng.choice((60, 90, 120, 180)))
                        ).isoformat(),
                        "venue_name": "Community room" if hood else "Online",
                        "address": "",
                        "accessibility_notes": "",
                        "online_url": "",
                        "capacity": N if capacity is None else capacity,
                        "registration_opens_at": N,
                        "registration_closes_at": N,
                        "waitlist_enabled": T,
                        "max_party_size": max_party,
                        "interpretation_available": "",
                        "visibility": "unlisted" if slug in COHORT_TYPES else "public",
                        "status": status,
                        "cancellation_reason": "Weather" if status == "cancelled" else "",
                        "reminder_offsets": "[1440, 120]",
                        "created_at": (starts - timedelta(days=45)).isoformat(),
                        "updated_at": (starts - timedelta(days=45)).isoformat(),
                        "neighbourhood_id": hood or N,
                        "program_id": program,
                        "series_id": N,
                        "is_sensitive": F,
                    }
                )
        with self.preparing("structured_cohort"):
            sessions_of: dict[int, list[int]] = {}
            for pk, (program, *_rest) in self.events.items():
                if self.programs[program][0] in COHORT_TYPES:
                    sessions_of.setdefault(program, []).append(pk)
            cohorts, rosters = [], []
            for program, sessions in sessions_of.items():
                sessions.sort(key=lambda e: self.events[e][1])
                for k in range(0, len(sessions), 10):
                    cohort = first_cohort + len(cohorts)
                    group = sessions[k : k + 10]
                    opening, closing = self.events[group[0]][1], self.events[group[-1]][1]
                    closed = closing.date() < self.today
                    cohorts.append(
                        {
                            "id": cohort,
                            "name": f"Class {k // 10 + 1}",
                            "completion_percent": 80,
                            "created_at": (opening - timedelta(days=14)).isoformat(),
                            "closed_at": closing.isoformat() if closed else N,
                            "program_id": program,
                        }
                    )
                    roster = self.sample_residents(self.events[group[0]][4], rng.randint(12, 30))
                    rosters.append((cohort, group, roster, opening, closed))
        self.cohort_sessions = {s for _c, group, *_ in rosters for s in group}
        self.load("structured_cohort", cohorts)
        self.load("events_event", rows)
        del rows
        first_link = self.next_id("structured_cohortsession")
        links = [
            {"id": first_link + n, "cohort_id": cohort, "event_id": session}
            for n, (cohort, session) in enumerate(
                (cohort, session) for cohort, group, *_ in rosters for session in group
            )
        ]
        self.load("structured_cohortsession", links)

        first = self.next_id("structured_cohortmember")

        def members():
            i = first
            for cohort, _group, roster, opening, closed in rosters:
                for resident in roster:
                    status = "active"
                    if closed:
                        status = "completed" if rng.random() < 0.8 else "not_completed"
                    yield {
                        "id": i,
                        "language": self.resident_language[resident],
                        "status": status,
                        "certificate_id": self.public_id(),
                        "completed_at": (opening + timedelta(days=80)).isoformat()
                        if status == "completed"
                        else N,
                        "joined_at": opening.isoformat(),
                        "application_id": N,
                        "cohort_id": cohort,
                        "resident_id": resident,
                    }
                    i += 1

        self.load("structured_cohortmember", members())
        first = self.next_id("structured_attendance")

        def attendance():
            i = first
            for _cohort, group, roster, _opening, _closed in rosters:
                for session in group:
                    _program, starts, status, *_rest = self.events[session]
                    if status != "completed":
                        continue
                    recorded = (starts + timedelta(hours=2)).isoformat()
                    for resident in roster:
                        yield {
                            "id": i,
                            "present": T if rng.random() < 0.86 else F,
                            "recorded_at": recorded,
                            "event_id": session,
                            "recorded_by_id": self.any_staff(),
                            "resident_id": resident,
                        }
                        i += 1

        self.load("structured_attendance", attendance())
        first = self.next_id("events_eventpersonnel")

        def personnel():
            i = first
            for event in self.events:
                for user in {self.any_staff() for _ in range(rng.choice((1, 2, 2, 3, 4)))}:
                    role = rng.choice(("lead", "presenter", "support", "attendee"))
                    yield {"id": i, "role": role, "event_id": event, "user_id": user}
                    i += 1

        self.load("events_eventpersonnel", personnel())

    def registrations(self):
        """Mostly attended; cancellations, no-shows, waiting lists beyond capacity; parties
        of two to four where the event allows guests; about 1 % ask for an accommodation."""
        rng = self.rng
        with self.preparing("events_registration"):
            total = self.count("registrations", minimum=100)
            events = [pk for pk in self.events if pk not in self.cohort_sessions]
            weights = [
                (self.events[pk][3] or rng.lognormvariate(math.log(70), 0.6))
                * rng.uniform(0.5, 1.3)
                for pk in events
            ]
            per_event = Counter(rng.choices(events, weights=weights, k=total))
        self.held = [pk for pk in events if self.events[pk][2] == "completed"]
        first = self.next_id("events_registration")
        accommodations = []
        # check_in_code: 10 hex digits like the service's, unique through a bijection of ids.
        multiplier, salt = 0x9E3779B97F4A7C15 % (1 << 40) | 1, rng.getrandbits(40)

        def rows():
            pk = first
            for event in events:
                _program, starts, event_status, capacity, hood, max_party = self.events[event]
                seated = 0
                for resident in self.sample_residents(hood, per_event.get(event, 0)):
                    queued = starts - timedelta(
                        days=rng.randint(1, 40), minutes=rng.randint(0, 1439)
                    )
                    confirmed = cancelled = checked_in = N
                    if event_status == "cancelled" or rng.random() < 0.08:
                        status, cancelled = "cancelled", (queued + timedelta(days=1)).isoformat()
                    elif capacity is not None and seated >= capacity:
                        status = "waitlisted"
                    else:
                        seated += 1
                        confirmed = queued.isoformat()
                        status, roll = "confirmed", rng.random()
                        if event_status == "completed" and roll < 0.80:
                            status = "attended"
                            checked_in = (
                                starts + timedelta(minutes=rng.randint(-20, 25))
                            ).isoformat()
                        elif event_status == "completed" and roll < 0.92:
                            status = "no_show"
                    party = 1
                    if max_party > 1 and rng.random() > 0.8:
                        party = min(max_party, rng.choice((2, 2, 2, 3, 4)))
                    if status != "cancelled" and rng.random() < 0.01:
                        accommodations.append((pk, starts))
                    age_group = ""  # about 40 % say, in the shares of their area
                    home = self.resident_hood[resident]
                    if rng.random() < 0.4:
                        ages = self.hood_ages[home] if home else self.city_ages
                        group = bisect(ages, rng.random() * ages[-1])
                        age_group = AGE_GROUPS[min(group, len(AGE_GROUPS) - 1)]
                    yield {
                        "id": pk,
                        "token_hash": self.token_hash("registration"),
                        "check_in_code": f"{((pk * multiplier) ^ salt) % (1 << 40):010X}",
                        "party_size": party,
                        "age_group": age_group,
                        "status": status,
                        "language": self.resident_language[resident],
                        "wants_reminders": T if rng.random() < 0.6 else F,
                        "source": "web" if rng.random() < 0.9 else "staff",
                        "created_at": queued.isoformat(),
                        "queued_at": queued.isoformat(),
                        "confirmed_at": confirmed,
                        "cancelled_at": cancelled,
                        "checked_in_at": checked_in,
                        "event_id": event,
                        "resident_id": resident,
                        "is_sensitive": F,
                    }
                    pk += 1

        self.load("events_registration", rows())
        first = self.next_id("events_accommodationrequest")

        def requests():
            for i, (registration, starts) in enumerate(accommodations):
                kind = rng.choice(("accessibility", "interpretation"))
                done = rng.random() < 0.8
                yield {
                    "id": first + i,
                    "kind": kind,
                    "details": "Spanish interpreter" if kind == "interpretation" else "Step-free",
                    "fulfilled": T if done else F,
                    "fulfilled_at": (starts - timedelta(days=1)).isoformat() if done else N,
                    "fulfilled_by_id": self.any_staff() if done else N,
                    "registration_id": registration,
                }

        self.load("events_accommodationrequest", requests())

    def walk_ins(self):
        rng = self.rng
        first = self.next_id("events_walkin")
        events = self.held or list(self.events)

        def rows():
            for i in range(self.count("walk_ins", minimum=10)):
                event = rng.choice(events)
                _program, starts, _status, _capacity, hood, _party = self.events[event]
                roll = rng.random()
                where = hood if hood and roll < 0.6 else self.any_hood() if roll < 0.85 else N
                yield {
                    "id": first + i,
                    "party_size": 1 if rng.random() < 0.75 else rng.randint(2, 4),
                    "language": rng.choice(("en", "en", "es", "")),
                    "age_group": rng.choice(("", "under-18", "18-34", "35-64", "65+")),
                    "recorded_at": (starts + timedelta(minutes=rng.randint(0, 40))).isoformat(),
                    "event_id": event,
                    "neighbourhood_id": where,
                    "recorded_by_id": self.any_staff(),
                }

        self.load("events_walkin", rows())

    def surveys(self):
        """A survey per ~400 responses: 90 % about a program, 60 % anonymous. Ten questions
        each: the eight standard bank items, an age question (demographic), a neighbourhood."""
        rng = self.rng
        n = max(3, round(self.count("responses") / RESPONSES_PER_SURVEY))
        first = self.next_id("surveys_survey")
        programs = [pk for pk, (_s, status, *_r) in self.programs.items() if status != "draft"]
        program_cum = list(
            accumulate(5.0 if self.programs[p][0] == "community-surveys" else 1.0 for p in programs)
        )
        self.surveys_ = {}  # id -> [program, anonymous, opens, closes, question ids, choices]

        def rows():
            for pk in range(first, first + n):
                program = self.pick(programs, program_cum) if rng.random() < 0.9 else None
                start, last = self.window(program) if program else (self.first_day, self.today)
                opens = self.day_between(start, last)
                closes = opens + timedelta(days=rng.choice((30, 45, 60, 90, 120)))
                closed = closes < self.today
                anonymous = rng.random() < 0.6
                self.surveys_[pk] = [program, anonymous, opens, min(closes, self.today)]
                opens_at, closes_at = (
                    self.at(opens, 8).isoformat(),
                    self.at(closes, 23, 59).isoformat(),
                )
                yield {
                    "id": pk,
                    "public_id": self.public_id(),
                    "title": json.dumps({"en": f"Survey {pk}", "es": f"Encuesta {pk}"}),
                    "introduction": "{}",
                    "languages": '["en", "es"]',
                    "mode": "anonymous" if anonymous else "identified",
                    "status": "closed" if closed else "open",
                    "opens_at": opens_at,
                    "closes_at": closes_at,
                    "closed_at": closes_at if closed else N,
                    "version": 1,
                    "results_published": T if closed and rng.random() < 0.6 else F,
                    "results_summary": "{}",
                    "created_at": opens_at,
                    "event_id": N,
                    "owner_id": self.any_staff(),
                    "program_id": program or N,
                    "replaced_by_id": N,
                }

        self.load("surveys_survey", rows())
        question = self.next_id("surveys_question")
        choice = self.next_id("surveys_choice")
        questions, choices = [], []

        def ask(survey, page, position, kind, text, item=N, demographic=F) -> int:
            nonlocal question
            questions.append(
                {
                    "id": question,
                    "page": page,
                    "position": position,
                    "kind": kind,
                    "text": json.dumps({"en": text}),
                    "help": "{}",
                    "required": F,
                    "demographic": demographic,
                    "min_value": N,
                    "max_value": N,
                    "condition_choice_id": N,
                    "condition_question_id": N,
                    "condition_operator": "",
                    "condition_value": N,
                    "standard_item_id": item,
                    "survey_id": survey,
                }
            )
            question += 1
            return question - 1

        with self.preparing("surveys_question"):
            for survey, facts in self.surveys_.items():
                ids = [
                    ask(survey, 1, position, kind, f"Item {item}", item)
                    for position, (item, kind) in enumerate(self.items)
                ]
                age = ask(survey, 2, 1, "single", "Your age", self.age_item, demographic=T)
                age_choices = list(range(choice, choice + len(AGE_GROUPS)))
                choices += [
                    {
                        "id": pk,
                        "position": i,
                        "label": json.dumps({"en": g}),
                        "code": g,
                        "question_id": age,
                    }
                    for i, (pk, g) in enumerate(zip(age_choices, AGE_GROUPS, strict=True))
                ]
                choice += len(AGE_GROUPS)
                ids += [age, ask(survey, 2, 2, "neighbourhood", "Your neighbourhood")]
                facts += [ids, age_choices]
        self.load("surveys_question", questions)
        self.load("surveys_choice", choices)

    def responses(self):
        rng = self.rng
        surveys = list(self.surveys_)
        with self.preparing("surveys_response"):
            weights = [rng.lognormvariate(0, 0.8) for _ in surveys]
            n = self.count("responses", minimum=30)
            per_survey = Counter(rng.choices(surveys, weights=weights, k=n))
        kept = []  # (response id, survey, day, neighbourhood)

        def responses():
            for survey in surveys:
                _program, anonymous, opens, closes = self.surveys_[survey][:4]
                for _ in range(per_survey.get(survey, 0)):
                    pk, day = self.uuid(), self.day_between(opens, closes)
                    if anonymous:
                        resident = None
                        hood = self.any_hood() if rng.random() < 0.9 else None
                        language = "es" if rng.random() < 0.2 else "en"
                    else:
                        resident = self.pick(*self.city_pool)
                        hood = self.resident_hood[resident]
                        language = self.resident_language[resident]
                    kept.append((pk, survey, day, hood))
                    yield {
                        "id": pk,
                        "language": language,
                        "source": rng.choice(("web", "web", "kiosk", "paper", "invitation")),
                        "submitted_on": day.isoformat(),
                        "neighbourhood_id": hood or N,
                        "resident_id": resident or N,
                        "survey_id": survey,
                    }

        self.load("surveys_response", responses())
        span = (self.today - self.first_day).days

        def answers():
            # Tuples would be faster; dicts keep the column names next to the values.
            gauss, random, uuid = rng.gauss, rng.random, self.uuid
            for response, survey, day, hood in kept:
                ids, age_choices = self.surveys_[survey][4:]
                # Each area has its level of trust, drifting up a little over the years.
                level = self.hood_trust.get(hood, 3.3) + 0.4 * (
                    (day - self.first_day).days / span - 0.5
                )
                for question, (_item, kind) in zip(ids, self.items, strict=False):
                    declined = random() < 0.04
                    value = N
                    if not declined:
                        mean = level if kind == "agreement" else level + 0.2
                        value = min(5, max(1, round(gauss(mean, 1.0))))
                    yield {
                        "id": uuid(),
                        "number": value,
                        "text": "",
                        "declined": T if declined else F,
                        "choice_id": N,
                        "question_id": question,
                        "response_id": response,
                    }
                age_choice = N
                if hood is not None and random() > 0.08:
                    group = bisect(self.hood_ages[hood], random() * self.hood_ages[hood][-1])
                    age_choice = age_choices[min(group, len(AGE_GROUPS) - 1)]
                for question, number, choice in ((ids[-2], N, age_choice), (ids[-1], hood or N, N)):
                    declined = number == N and choice == N
                    yield {
                        "id": uuid(),
                        "number": number,
                        "text": "",
                        "declined": T if declined else F,
                        "choice_id": choice,
                        "question_id": question,
                        "response_id": response,
                    }

        self.load("surveys_answer", answers())

    def recommendations(self):
        rng = self.rng
        first = self.next_id("coproduction_recommendation")
        programs = [
            pk
            for pk, (slug, status, *_r) in self.programs.items()
            if status != "draft" and self.types[slug][1] in RECOMMENDING_TIERS
        ] or [pk for pk, (_s, status, *_r) in self.programs.items() if status != "draft"]

        def rows():
            for i in range(self.count("recommendations", minimum=5)):
                program = rng.choice(programs)
                received = self.day_between(*self.window(program))
                due = received + timedelta(days=60)
                answered = N
                if (due < self.today and rng.random() < 0.85) or rng.random() < 0.3:
                    status = rng.choice(("adopted", "adopted", "partially_adopted", "not_adopted"))
                    answered = min(received + timedelta(days=rng.randint(10, 95)), self.today)
                    answered = answered.isoformat()
                else:
                    status = rng.choice(("received", "under_review"))
                yield {
                    "id": first + i,
                    "public_id": self.public_id(),
                    "title": f"Recommendation {first + i}",
                    "text": "Better street lighting on the way to the school.",
                    "received_on": received.isoformat(),
                    "public": T if rng.random() < 0.9 else F,
                    "status": status,
                    "rationale": "" if answered == N else "We looked at it with the city.",
                    "response_due": due.isoformat(),
                    "answered_on": answered,
                    "created_at": self.at(received, 12).isoformat(),
                    "created_by_id": self.any_staff(),
                    "event_id": N,
                    "program_id": program,
                    "responsible_unit_id": rng.choice(self.units),
                    "responsible_user_id": self.any_staff(),
                    "survey_id": N,
                }

        self.load("coproduction_recommendation", rows())

    def volunteers(self):
        rng = self.rng
        programs = [
            pk
            for pk, (slug, status, *_r) in self.programs.items()
            if slug == "volunteer-opportunities" and status != "draft"
        ]
        first_role = self.next_id("structured_volunteerrole")
        roles = {program: first_role + i for i, program in enumerate(programs)}
        self.load(
            "structured_volunteerrole",
            (
                {
                    "id": role,
                    "name": "Citizens on Patrol",
                    "description": "",
                    "uses_agency_equipment": T,
                    "program_id": program,
                }
                for program, role in roles.items()
            ),
        )
        first = self.next_id("structured_volunteer")
        volunteers = []  # (id, joined, last day)

        def roster():
            for program in programs:
                start, last = self.window(program)
                for resident in self.sample_residents(self.any_hood(), rng.randint(10, 40)):
                    pk = first + len(volunteers)
                    joined = self.day_between(start, last)
                    volunteers.append((pk, joined, last))
                    yield {
                        "id": pk,
                        "status": "active",
                        "language": self.resident_language[resident],
                        "joined_on": joined.isoformat(),
                        "public_id": self.public_id(),
                        "token_hash": self.token_hash("volunteer"),
                        "application_id": N,
                        "program_id": program,
                        "resident_id": resident,
                        "role_id": roles[program],
                    }

        self.load("structured_volunteer", roster())
        first = self.next_id("structured_hoursentry")

        def hours():
            for i in range(self.count("volunteer_hours", minimum=10) if volunteers else 0):
                volunteer, joined, last = rng.choice(volunteers)
                started = self.at(self.day_between(joined, last), rng.choice((8, 13, 18)))
                ended = started + timedelta(minutes=rng.choice((90, 120, 180, 240)))
                roll = rng.random()
                status = "approved" if roll < 0.85 else "submitted" if roll < 0.95 else "rejected"
                reviewed = status != "submitted"
                yield {
                    "id": first + i,
                    "started_at": started.isoformat(),
                    "ended_at": ended.isoformat(),
                    "description": "Patrol",
                    "status": status,
                    "reviewed_at": (ended + timedelta(days=2)).isoformat() if reviewed else N,
                    "created_at": ended.isoformat(),
                    "logged_by_id": N,
                    "reviewed_by_id": self.any_staff() if reviewed else N,
                    "shift_id": N,
                    "volunteer_id": volunteer,
                }

        self.load("structured_hoursentry", hours())

    def finish(self):
        """Move each identity sequence past the explicit ids."""
        with self.conn.cursor() as cur:
            for table in self.loader.stats:
                cur.execute(
                    "SELECT pg_get_serial_sequence(%s, 'id'), data_type "
                    "FROM information_schema.columns WHERE table_name = %s AND column_name = 'id'",
                    [table, table],
                )
                sequence, kind = cur.fetchone()
                if sequence and kind == "bigint":
                    cur.execute(f'SELECT setval(%s, (SELECT MAX(id) FROM "{table}"))', [sequence])
        self.conn.commit()


# --- Building a database --------------------------------------------------------------------


def build(name: str, scale: float, seed: int, set_aside: bool) -> dict:
    """A migrated scratch database with the city at `scale` and its summaries."""
    log(f"\n== {name}: scale {scale:g}")
    url = h.scratch_database(name)
    env = h.production_env(url)
    started = time.perf_counter()
    h.manage(env, "migrate", "--noinput")
    log(f"migrate: {time.perf_counter() - started:.1f} s")
    conn = psycopg2.connect(url)
    city = City(conn, scale, seed, set_aside)
    started = time.perf_counter()
    city.generate()
    generated = time.perf_counter() - started
    conn.autocommit = True
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    vacuum = time.perf_counter() - started
    with conn.cursor() as cur:
        cur.execute("SELECT pg_database_size(current_database())")
        size = cur.fetchone()[0]
    conn.close()
    log(f"generated in {generated:.1f} s; VACUUM ANALYZE {vacuum:.1f} s; {size / 2**20:,.0f} MiB")
    started = time.perf_counter()
    line = h.manage(env, "rebuild_dashboard", capture=True)
    rebuild_wall = time.perf_counter() - started
    log(line)
    # "Rebuilt dashboard summaries in 12.3 s (participation: 1, reach: 2, ...)."
    seconds = float(line.split(" in ", 1)[1].split(" s ", 1)[0])
    counts = line.split("(", 1)[1].rstrip(").").split(",")
    written = {k.strip(): int(v) for k, v in (part.split(":") for part in counts)}
    # The rebuild replaces every summary row in one transaction and does not ANALYZE: until
    # autovacuum comes by, the planner would see the old row counts and dead rows. Do what
    # autovacuum would do, now, so that every measurement starts from the same state.
    conn = psycopg2.connect(url)
    conn.autocommit = True
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SELECT tablename FROM pg_tables WHERE tablename LIKE 'dashboard\\_%'")
        for (table,) in cur.fetchall():
            cur.execute(f'VACUUM ANALYZE "{table}"')
    conn.close()
    log(f"VACUUM ANALYZE of the summary tables: {time.perf_counter() - started:.1f} s")
    info = {
        "name": name,
        "scale": scale,
        "env": env,
        "today": city.today,
        "stats": city.loader.stats,
        "generated": generated,
        "vacuum": vacuum,
        "size": size,
        "rebuild": seconds,
        "rebuild_wall": rebuild_wall,
        "written": written,
    }
    print_generator(info)
    return info


SOURCES = [  # the source tables rebuild_dashboard reads
    "events_event",
    "events_registration",
    "events_walkin",
    "events_eventpersonnel",
    "structured_attendance",
    "surveys_response",
    "surveys_answer",
    "structured_hoursentry",
]


def print_generator(info: dict) -> None:
    log(f"\nGenerator, {info['name']} (scale {info['scale']:g}):")
    log(
        f"  {'table':<32} {'rows':>10} {'python s':>8} {'COPY s':>7} {'index s':>7}"
        f" {'gen rows/s':>10} {'plain rows/s':>12} {'plain/gen':>9}"
    )
    totals = Stat()
    for table, s in sorted(info["stats"].items(), key=lambda kv: -kv[1].rows):
        line(table, s)
        totals.rows += s.rows
        totals.python += s.python
        totals.copy += s.copy
        totals.index += s.index
        totals.plain += s.plain
    line("all tables", totals)
    log(
        "  gen = python (rows and CSV) + COPY into the model table (commit and deferred foreign"
        " keys included)\n  + index (re-creating what was set aside for the load, with"
        " validation); plain = the same CSV\n  buffers COPYed into an unlogged table without"
        " indexes or constraints."
    )
    sources = sum(info["stats"][t].rows for t in SOURCES if t in info["stats"])
    written = sum(info["written"].values())
    log(
        f"rebuild_dashboard: {info['rebuild']:.1f} s ({info['rebuild_wall']:.1f} s with start-up)"
        f" — {sources:,} source rows at {sources / info['rebuild']:,.0f} rows/s,"
        f" {written:,} summary rows written at {written / info['rebuild']:,.0f} rows/s"
    )


def line(label: str, s: Stat) -> None:
    spent = s.python + s.copy + s.index
    gen = s.rows / spent if spent else 0
    plain = s.rows / s.plain if s.plain else 0
    log(
        f"  {label:<32} {s.rows:>10,} {s.python:>8.1f} {s.copy:>7.1f} {s.index:>7.1f}"
        f" {gen:>10,.0f} {plain:>12,.0f} {plain / gen if gen else 0:>8.1f}x"
    )


# --- Measuring the pages (inside `manage.py shell`) ---------------------------------------

MEASURE = """
import json, re, statistics, time
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from engagement_portal.accounts.models import User

client = Client(HTTP_HOST="localhost")
client.force_login(User.objects.get(email=__EMAIL__))
out = {}
for scope, params in __SCOPES__.items():
    for name in __PAGES__:
        url = reverse("dashboard:" + name)
        warm = client.get(url, params)
        assert warm.status_code == 200, (name, warm.status_code)
        times, counts = [], set()
        for _ in range(__RUNS__):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url, params)
                times.append(time.perf_counter() - started)
            assert response.status_code == 200, (name, response.status_code)
            counts.add(len(queries.captured_queries))
        # Replay what the last fetch sent. Choice fields iterate their querysets through
        # server-side cursors (DECLARE ... FOR SELECT): replay the SELECT itself.
        statements = [
            re.sub(r'^DECLARE "[^"]+" NO SCROLL CURSOR WITH(OUT)? HOLD FOR ', "", q["sql"])
            for q in queries.captured_queries
        ]
        reads = [s for s in statements if s.lstrip("( ").upper().startswith(("SELECT", "WITH"))]
        replays, each = [], [[] for _ in reads]
        for _ in range(__RUNS__):
            total = 0.0
            with connection.cursor() as cursor:
                for index, sql in enumerate(reads):
                    started = time.perf_counter()
                    cursor.execute(sql)
                    cursor.fetchall()
                    spent = time.perf_counter() - started
                    each[index].append(spent)
                    total += spent
            replays.append(total)
        slowest = sorted(((statistics.median(t), s) for t, s in zip(each, reads)), reverse=True)
        out.setdefault(scope, {})[name] = {
            "times": times,
            "queries": sorted(counts),
            "not_replayed": len(statements) - len(reads),
            "sql": replays,
            "slowest": [[t, s[:600]] for t, s in slowest[:3]],
            "bytes": len(response.content),
        }
print(json.dumps(out))
"""


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def measure(builds: dict, runs: int, rounds: int) -> tuple[dict, dict]:
    today = builds["full"]["today"]
    scopes = {
        "last 90 days (default)": {},
        "5 years": {
            "start": (today - timedelta(days=365 * YEARS - 1)).isoformat(),
            "end": today.isoformat(),
        },
    }
    script = (
        MEASURE.replace("__EMAIL__", repr(COMMAND_EMAIL))
        .replace("__SCOPES__", repr(scopes))
        .replace("__PAGES__", repr(PAGES))
        .replace("__RUNS__", str(runs))
    )
    results: dict = {"tenth": {}, "full": {}}
    for round_ in range(rounds):
        for label in ("tenth", "full"):
            log(f"measuring: round {round_ + 1}/{rounds}, {label}")
            out = json.loads(h.manage(builds[label]["env"], "shell", "-c", script, capture=True))
            for scope, pages in out.items():
                for page, figures in pages.items():
                    merged = (
                        results[label]
                        .setdefault(scope, {})
                        .setdefault(page, {"times": [], "sql": [], "queries": set()})
                    )
                    merged["times"] += figures["times"]
                    merged["sql"] += figures["sql"]
                    merged["queries"].update(figures["queries"])
                    for key in ("slowest", "bytes", "not_replayed"):
                        merged[key] = figures[key]
    return scopes, results


def report(scopes: dict, results: dict, runs: int, rounds: int) -> None:
    log(
        f"\nCommand pages: Django test client in-process, production settings, command staff;"
        f" {rounds} rounds x {runs} fetches per page after a warm-up, alternating the sets."
    )
    for scope in scopes:
        log(f"\n  period: {scope}")
        log(
            f"  {'page':<11} {'tenth med':>10} {'p95':>7} {'full med':>10} {'p95':>7}"
            f" {'full/tenth':>10} {'queries t|f':>11} {'full SQL':>9} {'page/SQL':>8}"
            f" {'HTML KB t|f':>11}"
        )
        for page in PAGES:
            t, f = results["tenth"][scope][page], results["full"][scope][page]
            t_med, f_med = statistics.median(t["times"]), statistics.median(f["times"])
            sql = statistics.median(f["sql"])
            queries = "/".join(map(str, sorted(t["queries"]))) + "|"
            queries += "/".join(map(str, sorted(f["queries"])))
            log(
                f"  {page:<11} {t_med * 1000:>8.0f}ms {p95(t['times']) * 1000:>5.0f}ms"
                f" {f_med * 1000:>8.0f}ms {p95(f['times']) * 1000:>5.0f}ms {f_med / t_med:>10.2f}"
                f" {queries:>11} {sql * 1000:>7.0f}ms {f_med / sql:>7.1f}x"
                f" {t['bytes'] / 1000:>5.0f}|{f['bytes'] / 1000:<5.0f}"
            )
        ratios = []
        for page in PAGES:
            t = results["tenth"][scope][page]
            ratio = statistics.median(t["times"]) / statistics.median(t["sql"])
            ratios.append(f"{page} {ratio:.1f}x")
        log("  tenth, page/SQL: " + ", ".join(ratios))
        heavy = [
            f"{page} ({label}, {results[label][scope][page]['bytes'] / 1000:.0f} KB)"
            for page in PAGES
            for label in ("tenth", "full")
            if results[label][scope][page]["bytes"] > HTML_BUDGET
        ]
        log(f"  HTML over {HTML_BUDGET // 1000} KB: {', '.join(heavy) or 'none'}")
        skipped = {p: results["full"][scope][p]["not_replayed"] for p in PAGES}
        if any(skipped.values()):
            log(f"  statements not replayed (not reads): {skipped}")
    log("\nSlowest statements at full size (median of the replays):")
    for scope in scopes:
        for page in PAGES:
            for seconds, sql in results["full"][scope][page]["slowest"][:2]:
                log(f"  [{scope} / {page}] {seconds * 1000:.1f} ms: {sql[:300]}")


def set_jit(mode: str) -> None:
    """JIT compiles a query's expressions when its estimated cost passes jit_above_cost:
    at full size some dashboard statements pass it and pay 15-25 ms of compiling that the
    tenth never pays. `off` measures with it switched off for both databases."""
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    conn = psycopg2.connect(urlparse(base)._replace(path="/postgres").geturl())
    conn.autocommit = True
    with conn.cursor() as cur:
        for name in (TENTH_DB, FULL_DB):
            if mode == "off":
                cur.execute(f'ALTER DATABASE "{name}" SET jit = off')
            else:
                cur.execute(f'ALTER DATABASE "{name}" RESET jit')
    conn.close()
    log(f"JIT: {mode}")


def drop_database(name: str) -> None:
    base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    conn = psycopg2.connect(urlparse(base)._replace(path="/postgres").geturl())
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="1 = the city of the issue")
    parser.add_argument("--runs", type=int, default=7, help="timed fetches per page and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds alternating the two sets")
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--prefix",
        default="bench_dash",
        help="names of the two scratch databases: <prefix>_full and <prefix>_tenth",
    )
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="only measure the pages, on the databases a run with --keep left",
    )
    parser.add_argument(
        "--jit",
        choices=["default", "off"],
        default="default",
        help="PostgreSQL JIT for the page measurements: the server's default, or off for"
        " the two databases (ALTER DATABASE ... SET jit = off)",
    )
    parser.add_argument(
        "--build-only",
        action="store_true",
        help="build (and keep) the two databases, measure no pages",
    )
    parser.add_argument(
        "--keep-indexes",
        action="store_true",
        help="load the big tables with their indexes and foreign keys in place",
    )
    args = parser.parse_args()
    global FULL_DB, TENTH_DB
    FULL_DB, TENTH_DB = f"{args.prefix}_full", f"{args.prefix}_tenth"

    started = time.perf_counter()
    builds = {}
    # The tenth first: it is quick, and shows a problem before the long run.
    if args.reuse:
        base = os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        for label, name in (("tenth", TENTH_DB), ("full", FULL_DB)):
            url = urlparse(base)._replace(path=f"/{name}").geturl()
            builds[label] = {"env": h.production_env(url), "today": datetime.now(TZ).date()}
    else:
        set_aside = not args.keep_indexes
        builds["tenth"] = build(TENTH_DB, args.scale / 10, args.seed, set_aside)
        builds["full"] = build(FULL_DB, args.scale, args.seed, set_aside)
    if args.build_only:
        log(f"\nbuilt in {(time.perf_counter() - started) / 60:.1f} min; databases kept")
        return
    h.manage(builds["full"]["env"], "collectstatic", "--noinput")
    set_jit(args.jit)
    scopes, results = measure(builds, args.runs, args.rounds)
    report(scopes, results, args.runs, args.rounds)
    log(f"\ntotal: {(time.perf_counter() - started) / 60:.1f} min")
    if not args.keep:
        for name in (TENTH_DB, FULL_DB):
            drop_database(name)


if __name__ == "__main__":
    main()
