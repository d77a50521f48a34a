"""The engagement spectrum: five tiers and the opportunities listed under each.

The names follow the domain reference (shared/reference/engagement-spectrum.txt); the
descriptions are ours. This module is the single source for the data migration that seeds
Tier and EngagementType, and for tests that check the seed. Strings are marked with
gettext_noop so they enter the catalogues; models translate them when displayed.
"""

from django.utils.translation import gettext_noop

# Building blocks an engagement type can use. Keys are EngagementType boolean fields.
BUILDING_BLOCKS = {
    "uses_sessions": gettext_noop("Scheduled sessions"),
    "open_registration": gettext_noop("Open registration"),
    "selective_application": gettext_noop("Selective application"),
    "standing_membership": gettext_noop("Standing membership with terms"),
    "volunteer_hours": gettext_noop("Volunteer hours"),
    "requires_waiver": gettext_noop("Waiver"),
    "requires_guardian_consent": gettext_noop("Guardian consent"),
    "produces_recommendations": gettext_noop("Recommendations the agency answers"),
}

TIERS = [
    {
        "number": 1,
        "slug": "information-sharing",
        "name": gettext_noop("Information sharing"),
        "description": gettext_noop(
            "The agency tells the community what it is doing and asks for input at a "
            "distance: posts, releases, surveys and press briefings that anyone can follow."
        ),
    },
    {
        "number": 2,
        "slug": "in-person-interactions",
        "name": gettext_noop("In-person interactions"),
        "description": gettext_noop(
            "Officers and residents meet face to face, formally or informally, to talk "
            "about what matters on their streets."
        ),
    },
    {
        "number": 3,
        "slug": "structured-programs",
        "name": gettext_noop("Structured agency programs"),
        "description": gettext_noop(
            "Programs with a curriculum, a cohort or a roster, where residents learn how "
            "policing works and help the agency do its work."
        ),
    },
    {
        "number": 4,
        "slug": "personnel-development",
        "name": gettext_noop("Shared contributions to personnel development"),
        "description": gettext_noop(
            "Residents help train, test and select the people who police their community."
        ),
    },
    {
        "number": 5,
        "slug": "co-produced-solutions",
        "name": gettext_noop("Co-produced solution development"),
        "description": gettext_noop(
            "Residents and the agency work out policies, practices and decisions together, "
            "and the agency answers every recommendation it receives."
        ),
    },
]


def _type(tier, slug, name, description, **blocks):
    defaults = dict.fromkeys(BUILDING_BLOCKS, False)
    defaults.update(
        {k: v for k, v in blocks.items() if k in BUILDING_BLOCKS},
    )
    extra = {k: v for k, v in blocks.items() if k not in BUILDING_BLOCKS}
    return {
        "tier": tier,
        "slug": slug,
        "name": name,
        "description": description,
        **defaults,
        **extra,
    }


ENGAGEMENT_TYPES = [
    # Tier 1 — information sharing
    _type(
        "information-sharing",
        "social-media-releases",
        gettext_noop("Social media and media releases"),
        gettext_noop(
            "Short public messages through the agency's channels and local media: traffic "
            "updates, appeals for help identifying someone, upcoming community events and "
            "good news worth sharing."
        ),
    ),
    _type(
        "information-sharing",
        "community-surveys",
        gettext_noop("Community surveys"),
        gettext_noop(
            "Questionnaires online, on paper or at a kiosk that ask residents how satisfied "
            "they are with the agency or what they think about a specific topic."
        ),
        produces_recommendations=True,
    ),
    _type(
        "information-sharing",
        "press-conferences",
        gettext_noop("Press conferences"),
        gettext_noop(
            "Briefings on investigations and new initiatives that set aside time for "
            "questions from residents as well as from reporters."
        ),
        uses_sessions=True,
        open_registration=True,
    ),
    # Tier 2 — in-person interactions
    _type(
        "in-person-interactions",
        "community-events",
        gettext_noop("Community events"),
        gettext_noop(
            "Safety fairs and similar events the agency hosts, or community fairs where the "
            "agency has a presence."
        ),
        uses_sessions=True,
        open_registration=True,
        default_duration_minutes=180,
    ),
    _type(
        "in-person-interactions",
        "unstructured-engagement",
        gettext_noop("Unstructured engagement (Coffee with a Cop, National Night Out)"),
        gettext_noop(
            "Relaxed time when officers are simply available to chat with whoever comes by, "
            "with no agenda and no sign-up needed."
        ),
        uses_sessions=True,
        open_registration=True,
        default_duration_minutes=90,
    ),
    _type(
        "in-person-interactions",
        "ride-outs",
        gettext_noop("Ride-outs"),
        gettext_noop(
            "A resident rides along with a patrol officer or a specialty unit such as K-9 or "
            "traffic to see the work first hand and ask questions on the way."
        ),
        uses_sessions=True,
        selective_application=True,
        requires_waiver=True,
        default_capacity=1,
        default_duration_minutes=240,
        minimum_age=18,
        needs_policy=True,
    ),
    _type(
        "in-person-interactions",
        "front-porch-line-ups",
        gettext_noop("Front-porch line-ups"),
        gettext_noop(
            "A shift briefing held at a resident's home, a place of worship or a park, so "
            "neighbours can meet the officers who work their area."
        ),
        uses_sessions=True,
        open_registration=True,
        default_capacity=25,
        default_duration_minutes=45,
    ),
    _type(
        "in-person-interactions",
        "neighbourhood-briefings",
        gettext_noop("Neighbourhood briefings"),
        gettext_noop(
            "A meeting in the neighbourhood after an incident, or on a topic residents asked "
            "about, with the people most affected."
        ),
        uses_sessions=True,
        open_registration=True,
        default_duration_minutes=60,
    ),
    _type(
        "in-person-interactions",
        "town-hall-meetings",
        gettext_noop("Town hall meetings"),
        gettext_noop(
            "Public meetings, regular or on a single topic, where residents raise issues and "
            "both the agency and the community leave with next steps."
        ),
        uses_sessions=True,
        open_registration=True,
        produces_recommendations=True,
        default_duration_minutes=120,
    ),
    _type(
        "in-person-interactions",
        "strategic-partnerships",
        gettext_noop("Strategic partnerships"),
        gettext_noop(
            "Working relationships with faith leaders, treatment providers, schools and "
            "victim services that carry messages both ways and shape joint responses."
        ),
    ),
    # Tier 3 — structured agency programs
    _type(
        "structured-programs",
        "citizen-police-academy",
        gettext_noop("Citizen police academy"),
        gettext_noop(
            "A course of several weekly sessions where residents learn how the agency works, "
            "from patrol to investigations, offered in the languages of the community."
        ),
        uses_sessions=True,
        selective_application=True,
        default_capacity=30,
        default_duration_minutes=180,
        minimum_age=18,
    ),
    _type(
        "structured-programs",
        "youth-engagement",
        gettext_noop("Youth engagement activities (Explorers, school programs)"),
        gettext_noop(
            "Explorer posts, school visits and other programs where young people get to know "
            "officers and the work they do."
        ),
        uses_sessions=True,
        selective_application=True,
        requires_guardian_consent=True,
        default_capacity=20,
        default_duration_minutes=120,
        needs_policy=True,
    ),
    _type(
        "structured-programs",
        "volunteer-opportunities",
        gettext_noop("Volunteer opportunities"),
        gettext_noop(
            "Residents give their time: helping at events, Citizens on Patrol, liaising with "
            "neighbourhood watch groups, victim services response and Volunteers in Police "
            "Service."
        ),
        uses_sessions=True,
        selective_application=True,
        volunteer_hours=True,
        minimum_age=18,
        needs_policy=True,
    ),
    # Tier 4 — shared contributions to personnel development
    _type(
        "personnel-development",
        "training-scenario-participation",
        gettext_noop("Training scenario participation"),
        gettext_noop(
            "Residents take part in realistic scenarios during cadet academy and in-service "
            "training, and tell trainers what they saw."
        ),
        uses_sessions=True,
        selective_application=True,
        requires_waiver=True,
        minimum_age=18,
    ),
    _type(
        "personnel-development",
        "co-facilitated-training",
        gettext_noop("Co-facilitated training"),
        gettext_noop(
            "A training session taught jointly by agency staff and a community partner, such "
            "as detectives teaching alongside domestic violence advocates."
        ),
        uses_sessions=True,
    ),
    _type(
        "personnel-development",
        "hiring-promotion-scenarios",
        gettext_noop("Hiring and promotion scenario participation"),
        gettext_noop(
            "Residents play a role, such as a worried neighbour or a victim, in scenarios "
            "that candidates for hiring or promotion must handle well."
        ),
        uses_sessions=True,
        selective_application=True,
        requires_waiver=True,
        minimum_age=18,
    ),
    # Tier 5 — co-produced solution development
    _type(
        "co-produced-solutions",
        "listening-sessions",
        gettext_noop("Listening sessions, roundtables and focus groups"),
        gettext_noop(
            "Facilitated conversations on a chosen topic, such as how police respond to "
            "marginalised groups or the use of force, that end in recommendations."
        ),
        uses_sessions=True,
        open_registration=True,
        produces_recommendations=True,
        default_capacity=30,
        default_duration_minutes=120,
    ),
    _type(
        "co-produced-solutions",
        "policy-review-committees",
        gettext_noop("Policy review committees"),
        gettext_noop(
            "A committee reviews chosen policies, new technology and new initiatives, such "
            "as pursuit policy or body-worn cameras, before the agency adopts them."
        ),
        uses_sessions=True,
        selective_application=True,
        standing_membership=True,
        produces_recommendations=True,
        term_months=24,
    ),
    _type(
        "co-produced-solutions",
        "hiring-promotion-boards",
        gettext_noop("Hiring and promotion board participation"),
        gettext_noop(
            "Residents help write interview questions and assessment criteria, sit on panels "
            "and give input on selection decisions."
        ),
        uses_sessions=True,
        selective_application=True,
        standing_membership=True,
        requires_waiver=True,
        produces_recommendations=True,
        term_months=12,
        minimum_age=18,
    ),
    _type(
        "co-produced-solutions",
        "community-advisory-groups",
        gettext_noop("Community advisory groups"),
        gettext_noop(
            "A standing group that reflects the wider community and advises on issues such "
            "as training curriculum, community policing and recruiting."
        ),
        uses_sessions=True,
        selective_application=True,
        standing_membership=True,
        produces_recommendations=True,
        term_months=24,
    ),
    _type(
        "co-produced-solutions",
        "citizen-review-boards",
        gettext_noop("Citizen review boards"),
        gettext_noop(
            "A board of residents that reviews complaint investigations, use-of-force "
            "incidents and discipline decisions, and gives its view to the agency."
        ),
        uses_sessions=True,
        selective_application=True,
        standing_membership=True,
        requires_waiver=True,
        produces_recommendations=True,
        term_months=36,
        minimum_age=18,
    ),
]


def seed_spectrum(Tier, EngagementType) -> None:
    """Create or refresh the five tiers and the seeded engagement types. Idempotent."""
    tiers = {}
    for data in TIERS:
        tiers[data["slug"]], _created = Tier.objects.update_or_create(
            slug=data["slug"],
            defaults={k: v for k, v in data.items() if k != "slug"},
        )
    # A migration passes the model as it was then; fields added later are left out.
    known = {field.name for field in EngagementType._meta.get_fields()}
    for position, data in enumerate(ENGAGEMENT_TYPES):
        values = {k: v for k, v in data.items() if k not in ("slug", "tier") and k in known}
        EngagementType.objects.update_or_create(
            slug=data["slug"],
            defaults={
                **values,
                "tier": tiers[data["tier"]],
                "position": position,
                "is_seeded": True,
            },
        )
