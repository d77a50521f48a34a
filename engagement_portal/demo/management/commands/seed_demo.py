"""Build a fictional agency for demos and development, with a year of activity in its
programs (engagement_portal/core/management/demo/). Running it twice changes nothing."""

import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from engagement_portal.accounts import roles
from engagement_portal.accounts.boundaries import load_boundaries
from engagement_portal.accounts.models import (
    Language,
    Neighbourhood,
    NeighbourhoodBoundary,
    Rank,
    Unit,
    User,
)
from engagement_portal.accounts.services import assign_role, find_or_create_resident
from engagement_portal.demo.loader import already_seeded, build_activity, soon
from engagement_portal.demo.loader.boundaries import demo_outlines
from programs import readiness
from programs.in_person.models import PartnerOrganisation, RequestRoute, ResidentRequest
from programs.models import EngagementType, Program

DEMO_PASSWORD = "engage-demo-2026"

NEIGHBOURHOODS = [
    # name, code, population, {category: {group: share}}
    (
        "Riverside North",
        "rn",
        14200,
        {"age": {"under-18": 0.21, "18-34": 0.27, "35-64": 0.37, "65+": 0.15}},
    ),
    (
        "Riverside South",
        "rs",
        11800,
        {"age": {"under-18": 0.25, "18-34": 0.24, "35-64": 0.36, "65+": 0.15}},
    ),
    (
        "Old Town",
        "ot",
        8600,
        {"age": {"under-18": 0.12, "18-34": 0.38, "35-64": 0.33, "65+": 0.17}},
    ),
    (
        "Eastgate",
        "eg",
        17400,
        {"age": {"under-18": 0.28, "18-34": 0.26, "35-64": 0.34, "65+": 0.12}},
    ),
    (
        "Hillcrest",
        "hc",
        9900,
        {"age": {"under-18": 0.19, "18-34": 0.18, "35-64": 0.40, "65+": 0.23}},
    ),
    ("Mill District", "md", 6300, {}),
    (
        "Westbrook",
        "wb",
        12700,
        {"age": {"under-18": 0.23, "18-34": 0.29, "35-64": 0.35, "65+": 0.13}},
    ),
    ("Lakeside", "ls", 7500, {}),
]

UNITS = [
    ("Community Outreach", True),
    ("Patrol — North District", False),
    ("Patrol — South District", False),
    ("Investigations", False),
    ("Training Academy", False),
    ("Traffic", False),
    ("Records and Communications", False),
    ("Office of the Chief", False),
]

USERS = [
    # email, name, role, rank, unit
    ("resident@example.org", "Rosa Alvarez", roles.RESIDENT, "", None),
    ("staff@example.org", "Sam Okafor", roles.PROGRAM_STAFF, Rank.SERGEANT, "Community Outreach"),
    (
        "officer@example.org",
        "Priya Natarajan",
        roles.PROGRAM_STAFF,
        Rank.OFFICER,
        "Patrol — North District",
    ),
    ("detective@example.org", "Luis Ortega", roles.PROGRAM_STAFF, Rank.DETECTIVE, "Investigations"),
    (
        "command@example.org",
        "Dana Whitfield",
        roles.COMMAND_STAFF,
        Rank.CAPTAIN,
        "Patrol — South District",
    ),
    (
        "admin@example.org",
        "Alex Morgan",
        roles.ADMINISTRATOR,
        Rank.CIVILIAN,
        "Records and Communications",
    ),
]

# Agency personnel who take part in events but do not sign in to the demo: they give the
# dashboards' "personnel across units" something to count. Their passwords are unusable.
PERSONNEL = [
    # email, name, rank, unit
    ("chief@example.org", "Evelyn Carter", Rank.CHIEF, "Office of the Chief"),
    ("lieutenant@example.org", "Robert Hale", Rank.LIEUTENANT, "Patrol — North District"),
    ("academy.sergeant@example.org", "Paul Novak", Rank.SERGEANT, "Training Academy"),
    ("traffic.sergeant@example.org", "Maria Delgado", Rank.SERGEANT, "Traffic"),
    ("traffic.officer@example.org", "Ben Walsh", Rank.OFFICER, "Traffic"),
    ("dispatch@example.org", "Nora Fitzgerald", Rank.CIVILIAN, "Records and Communications"),
    ("outreach.officer@example.org", "Dev Patel", Rank.OFFICER, "Community Outreach"),
    ("outreach.coordinator@example.org", "Jo Ellis", Rank.CIVILIAN, "Community Outreach"),
    ("patrol.west@example.org", "Keisha Brooks", Rank.OFFICER, "Patrol — South District"),
    ("marcus.bell@example.org", "Marcus Bell", Rank.OFFICER, "Patrol — North District"),
    ("hannah.kim@example.org", "Hannah Kim", Rank.OFFICER, "Patrol — North District"),
    ("tomas.rivera@example.org", "Tomás Rivera", Rank.CORPORAL, "Patrol — North District"),
    ("aisha.mensah@example.org", "Aisha Mensah", Rank.OFFICER, "Patrol — South District"),
    ("kevin.obrien@example.org", "Kevin O'Brien", Rank.OFFICER, "Patrol — South District"),
    ("linh.tran@example.org", "Linh Tran", Rank.SERGEANT, "Patrol — South District"),
    ("grace.liu@example.org", "Grace Liu", Rank.DETECTIVE, "Investigations"),
    ("omar.haddad@example.org", "Omar Haddad", Rank.DETECTIVE, "Investigations"),
]

PARTNERS = [
    ("Eastgate Interfaith Council", PartnerOrganisation.Kind.FAITH),
    ("Riverside Unified School District", PartnerOrganisation.Kind.SCHOOL),
    ("Harbor Recovery Services", PartnerOrganisation.Kind.TREATMENT),
    ("Safe Haven Victim Advocates", PartnerOrganisation.Kind.VICTIM_SERVICES),
    ("Old Town Neighbours Association", PartnerOrganisation.Kind.NEIGHBOURHOOD),
]

# slug, title, type slug, status, owner email, team, neighbourhood codes, languages, partners, intention
PROGRAMS = [
    (
        "monthly-safety-news",
        "Monthly safety news",
        "social-media-releases",
        "active",
        "staff@example.org",
        [],
        [],
        ["en", "es"],
        [],
        "Keep residents informed every month about traffic changes, crime trends and upcoming events, and learn which topics they want covered.",
    ),
    (
        "city-wide-trust-survey-2026",
        "City-wide trust survey 2026",
        "community-surveys",
        "active",
        "staff@example.org",
        ["command@example.org"],
        [],
        ["en", "es", "vi"],
        [],
        "Measure how much residents in each neighbourhood trust the department and feel treated fairly, to compare with last year's results.",
    ),
    (
        "coffee-with-a-cop-eastgate",
        "Coffee with a Cop — Eastgate",
        "unstructured-engagement",
        "active",
        "officer@example.org",
        ["staff@example.org", "outreach.officer@example.org"],
        ["eg"],
        ["en", "es"],
        [],
        "Give Eastgate residents an easy, informal way to meet their beat officers and raise concerns before they become problems.",
    ),
    (
        "front-porch-line-ups-old-town",
        "Front-porch line-ups in Old Town",
        "front-porch-line-ups",
        "active",
        "officer@example.org",
        ["linh.tran@example.org"],
        ["ot"],
        ["en"],
        ["Old Town Neighbours Association"],
        "Hold shift briefings on residents' porches so neighbours can see how patrol plans its day and ask about the issues on their block.",
    ),
    (
        "riverside-town-hall",
        "Riverside town hall on traffic safety",
        "town-hall-meetings",
        "active",
        "command@example.org",
        ["staff@example.org", "traffic.sergeant@example.org"],
        ["rn", "rs"],
        ["en", "es"],
        [],
        "Hear from Riverside residents where traffic feels dangerous and agree on next steps for enforcement and street design with the city.",
    ),
    (
        "k9-ride-outs",
        "K-9 unit ride-outs",
        "ride-outs",
        "draft",
        "detective@example.org",
        [],
        [],
        ["en"],
        [],
        "Let residents see how the K-9 unit works on a real shift, so that they understand when and why dogs are deployed.",
    ),
    (
        "citizen-academy-spring",
        "Citizen Police Academy",
        "citizen-police-academy",
        "active",
        "staff@example.org",
        ["detective@example.org", "officer@example.org", "academy.sergeant@example.org"],
        [],
        ["en", "es"],
        [],
        "Give residents an eight-week inside view of the department, with classes in English and Spanish, and recruit graduates into volunteer roles.",
    ),
    (
        "explorer-post-12",
        "Explorer Post 12",
        "youth-engagement",
        "active",
        "officer@example.org",
        ["patrol.west@example.org"],
        ["eg", "wb"],
        ["en"],
        ["Riverside Unified School District"],
        "Offer young people aged 14 to 20 a structured look at police careers, with mentoring from officers in their own districts.",
    ),
    (
        "volunteers-in-police-service",
        "Volunteers in Police Service",
        "volunteer-opportunities",
        "active",
        "staff@example.org",
        [],
        [],
        ["en", "es"],
        [],
        "Involve residents in event support, Citizens on Patrol and victim services response, and track the hours they give.",
    ),
    (
        "dv-co-facilitated-training",
        "Domestic violence response training with advocates",
        "co-facilitated-training",
        "active",
        "detective@example.org",
        ["academy.sergeant@example.org"],
        [],
        ["en"],
        ["Safe Haven Victim Advocates"],
        "Improve how officers respond to domestic violence by teaching in-service training together with community victim advocates.",
    ),
    (
        "hiring-scenario-role-players",
        "Role-players for hiring scenarios",
        "hiring-promotion-scenarios",
        "draft",
        "staff@example.org",
        [],
        [],
        ["en", "es"],
        [],
        "Have residents play realistic roles in hiring scenarios so candidates are tested on how they treat the people they will serve.",
    ),
    (
        "body-worn-camera-policy-review",
        "Body-worn camera policy review",
        "policy-review-committees",
        "active",
        "command@example.org",
        ["staff@example.org"],
        [],
        ["en", "es"],
        [],
        "Review the draft body-worn camera policy with residents before adoption, and answer each recommendation in writing.",
    ),
    (
        "community-advisory-group",
        "Chief's community advisory group",
        "community-advisory-groups",
        "active",
        "command@example.org",
        [],
        [],
        ["en", "es", "vi"],
        ["Eastgate Interfaith Council"],
        "Bring a group that reflects the whole city to advise on recruiting, training and community policing strategy each quarter.",
    ),
    (
        "youth-listening-sessions",
        "Youth listening sessions",
        "listening-sessions",
        "completed",
        "staff@example.org",
        [],
        ["eg", "rs"],
        ["en", "es"],
        ["Riverside Unified School District"],
        "Understand how young people experience stops and school policing, and turn what we hear into concrete recommendations.",
    ),
    (
        "chiefs-press-briefings",
        "Chief's press briefings",
        "press-conferences",
        "active",
        "staff@example.org",
        ["command@example.org"],
        [],
        ["en", "es"],
        [],
        "Report to the city every quarter and answer residents' questions as well as reporters', sent in advance so nobody has to be in the room.",
    ),
    (
        "citizen-review-board",
        "Citizen review board",
        "citizen-review-boards",
        "active",
        "command@example.org",
        ["staff@example.org"],
        [],
        ["en", "es"],
        [],
        "Let residents review complaint and use-of-force investigations, give their view on each case, and see the agency answer it in writing.",
    ),
    # Every engagement type has a program, each in a state an agency would have it in.
    (
        "district-briefings",
        "Neighbourhood briefings on request",
        "neighbourhood-briefings",
        "active",
        "staff@example.org",
        ["outreach.officer@example.org", "linh.tran@example.org"],
        [],
        ["en", "es"],
        [],
        "Answer residents who ask for a briefing on what worries their street (break-ins, scams, traffic) with the district's officers, at a time and place that suits them.",
    ),
    (
        "patrol-ride-outs",
        "Patrol ride-outs",
        "ride-outs",
        "active",
        "officer@example.org",
        ["marcus.bell@example.org", "hannah.kim@example.org"],
        [],
        ["en"],
        [],
        "Let residents ride along on a patrol shift in their own district and see how calls are answered, under the ride-along policy and its waiver.",
    ),
    (
        "sergeant-promotion-board",
        "Community seats on the sergeant promotion board",
        "hiring-promotion-boards",
        "active",
        "staff@example.org",
        ["command@example.org", "chief@example.org"],
        [],
        ["en", "es"],
        [],
        "Have two residents help write the interview questions and sit on the panel for the next sergeant promotions, so that who leads patrol is chosen with the community.",
    ),
    (
        "spring-safety-fair",
        "Spring safety fair",
        "community-events",
        "draft",
        "officer@example.org",
        ["outreach.coordinator@example.org"],
        ["rs"],
        ["en", "es"],
        ["Riverside Unified School District"],
        "Plan a family safety fair with the school district for next spring: bike helmets, car-seat checks and a chance to meet the officers who patrol Riverside South.",
    ),
    (
        "faith-leaders-partnership",
        "Faith leaders' partnership",
        "strategic-partnerships",
        "active",
        "staff@example.org",
        [],
        ["eg"],
        ["en", "es"],
        ["Eastgate Interfaith Council"],
        "Keep a standing line to Eastgate's congregations: a call after any serious incident, and their help reaching residents who would not come to a police event.",
    ),
    (
        "academy-scenario-role-players",
        "Residents in academy scenarios",
        "training-scenario-participation",
        "draft",
        "academy.sergeant@example.org",
        [],
        [],
        ["en"],
        [],
        "Recruit residents to play the public in the cadet academy's scenarios, so that cadets practise on people who are not officers.",
    ),
]

REQUEST_ROUTES = [
    (ResidentRequest.Kind.BRIEFING, "Community Outreach"),
    (ResidentRequest.Kind.RIDE_OUT, "Patrol — North District"),
]

# The governing policy of each program whose type needs one, and the checklist items done.
# Active programs have every item done (they could not have been activated otherwise).
POLICIES = {
    "explorer-post-12": ("GO 7.12 Explorer Post program", None),
    "volunteers-in-police-service": ("GO 7.20 Volunteers in Police Service", None),
    "patrol-ride-outs": ("GO 8.3 Ride-along program", None),
    "sergeant-promotion-board": ("GO 2.4 Promotion process", None),
    "faith-leaders-partnership": ("GO 1.6 Community partnerships", None),
    "district-briefings": ("GO 6.2 Community meetings", None),
    "k9-ride-outs": (
        "GO 8.3 Ride-along program (draft)",
        {"supervisor_named", "ride_along_waiver"},
    ),
}


class Command(BaseCommand):
    help = "Create a fictional agency with demo accounts and programs in every tier. Idempotent."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="Run even with DEBUG off (never in production)."
        )
        parser.add_argument(
            "--reminder-soon",
            action="store_true",
            help="Also put on an event tomorrow whose 24-hour reminder falls due a few "
            "minutes from now, for the worker to send (what `make run` shows a newcomer).",
        )

    def handle(self, *args, force=False, reminder_soon=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Demo data creates accounts with a public password; refusing with DEBUG off."
            )
        started = time.monotonic()
        with transaction.atomic():
            self.agency()
            slugs = [row[0] for row in PROGRAMS]
            if already_seeded(slugs):
                self.stdout.write("The demo programs already have activity; none added.")
            else:
                self.stdout.write("Playing a year of activity in the demo programs…")
                for label, value in build_activity(stdout=self.stdout).items():
                    self.stdout.write(f"  {label}: {value}")
            if reminder_soon:
                self.reminder_soon()
        self.stdout.write(f"Demo ready in {time.monotonic() - started:.1f} s.")

    def reminder_soon(self):
        event = soon.reminder_soon()
        if event is None:
            self.stdout.write("A demo reminder is already due in the next few minutes.")
            return
        due = timezone.localtime(event.starts_at - soon.REMINDER)
        self.stdout.write(
            f"“{event.title}” starts {timezone.localtime(event.starts_at):%a %H:%M}: its "
            f"24-hour reminders fall due at {due:%H:%M}, and the worker's reminder sweep "
            "(every minute) sends them; watch the console."
        )

    def agency(self):
        """Neighbourhoods, units, accounts, partners and programs. Idempotent."""
        now = timezone.now()
        neighbourhoods = {}
        for name, code, population, demographics in NEIGHBOURHOODS:
            neighbourhoods[code], _ = Neighbourhood.objects.get_or_create(
                code=code,
                defaults={"name": name, "population": population, "demographics": demographics},
            )
        if not NeighbourhoodBoundary.objects.exists():
            loaded = load_boundaries(demo_outlines())
            if not loaded.ok:
                raise CommandError("; ".join(loaded.errors))
        units = {
            name: Unit.objects.get_or_create(
                name=name, defaults={"is_community_outreach": outreach}
            )[0]
            for name, outreach in UNITS
        }
        users = {}
        for email, name, role, rank, unit in USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email,
                    password=DEMO_PASSWORD,
                    full_name=name,
                    rank=rank,
                    unit=units.get(unit),
                )
            assign_role(user=user, role=role)
            users[email] = user
        for email, name, rank, unit in PERSONNEL:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email=email, password=None, full_name=name, rank=rank, unit=units[unit]
                )
            assign_role(user=user, role=roles.PROGRAM_STAFF)
            users[email] = user
        find_or_create_resident(
            name="Rosa Alvarez",
            email="resident@example.org",
            preferred_language="es",
            neighbourhood=neighbourhoods["eg"],
            user=users["resident@example.org"],
            link_user=True,  # the demo resident's address counts as confirmed
        )
        partners = {
            name: PartnerOrganisation.objects.get_or_create(name=name, defaults={"kind": kind})[0]
            for name, kind in PARTNERS
        }
        languages = {lang.code: lang for lang in Language.objects.all()}
        types = {t.slug: t for t in EngagementType.objects.all()}
        for (
            slug,
            title,
            type_slug,
            status,
            owner,
            team,
            hoods,
            langs,
            partner_names,
            intention,
        ) in PROGRAMS:
            program, created = Program.objects.get_or_create(
                slug=slug,
                defaults={
                    "title": title,
                    "engagement_type": types[type_slug],
                    "status": status,
                    "owner": users[owner],
                    "intention": intention,
                    "outcome": "Five recommendations were sent to the chief; three were adopted."
                    if status == "completed"
                    else "",
                    "created_at": now - timedelta(days=400),
                    "started_at": None if status == "draft" else now - timedelta(days=380),
                    "completed_at": now - timedelta(days=120) if status == "completed" else None,
                },
            )
            if created:
                program.team.set([users[e] for e in team])
                program.neighbourhoods.set([neighbourhoods[c] for c in hoods])
                program.languages.set([languages[c] for c in langs])
                program.partners.set([partners[p] for p in partner_names])
        # Who answers residents' requests for briefings and ride-outs besides the staff of
        # the programs of those kinds (while none runs, they are the only ones).
        for kind, unit in REQUEST_ROUTES:
            RequestRoute.objects.get_or_create(kind=kind, defaults={"unit": units[unit]})
        for slug, (policy, done) in POLICIES.items():
            program = Program.objects.select_related("engagement_type").get(slug=slug)
            if program.governing_policy:
                continue  # recorded already: staff may have moved the checklist on since
            if done is None:
                readiness.complete_for_tests(program, user=program.owner, policy=policy)
            else:
                readiness.save_readiness(
                    program=program,
                    governing_policy=program.governing_policy or policy,
                    governing_policy_url=program.governing_policy_url,
                    done=done,
                    user=program.owner,
                )
        self.stdout.write(
            f"Demo agency ready: {len(NEIGHBOURHOODS)} neighbourhoods, {len(USERS)} accounts "
            f"(password {DEMO_PASSWORD!r}), {len(PERSONNEL)} more personnel, "
            f"{len(PROGRAMS)} programs."
        )
