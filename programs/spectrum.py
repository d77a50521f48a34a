"""The engagement spectrum: five tiers and the opportunities listed under each.

The names follow the domain reference (shared/reference/engagement-spectrum.txt); the
descriptions are ours. This module is the single source for the data migration that seeds
Tier and EngagementType, and for tests that check the seed. Strings are marked with
gettext_noop so they enter the catalogues; models translate them when displayed.
"""

from django.utils.translation import gettext_noop as N_

# Building blocks an engagement type can use. Keys are EngagementType boolean fields.
BUILDING_BLOCKS = {
    "uses_sessions": N_("Scheduled sessions"),
    "open_registration": N_("Open registration"),
    "selective_application": N_("Selective application"),
    "standing_membership": N_("Standing membership with terms"),
    "volunteer_hours": N_("Volunteer hours"),
    "requires_waiver": N_("Waiver"),
    "requires_guardian_consent": N_("Guardian consent"),
    "produces_recommendations": N_("Recommendations the agency answers"),
}

TIERS = [
    {
        "number": 1,
        "slug": "information-sharing",
        "name": N_("Information sharing"),
        "description": N_(
            "The agency tells the community what it is doing and asks for input at a "
            "distance: posts, releases, surveys and press briefings that anyone can follow."
        ),
    },
    {
        "number": 2,
        "slug": "in-person-interactions",
        "name": N_("In-person interactions"),
        "description": N_(
            "Officers and residents meet face to face, formally or informally, to talk "
            "about what matters on their streets."
        ),
    },
    {
        "number": 3,
        "slug": "structured-programs",
        "name": N_("Structured agency programs"),
        "description": N_(
            "Programs with a curriculum, a cohort or a roster, where residents learn how "
            "policing works and help the agency do its work."
        ),
    },
    {
        "number": 4,
        "slug": "personnel-development",
        "name": N_("Shared contributions to personnel development"),
        "description": N_(
            "Residents help train, test and select the people who police their community."
        ),
    },
    {
        "number": 5,
        "slug": "co-produced-solutions",
        "name": N_("Co-produced solution development"),
        "description": N_(
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
        N_("Social media and media releases"),
        N_(
            "Short public messages through the agency's channels and local media: traffic "
            "updates, appeals for help identifying someone, upcoming community events and "
            "good news worth sharing."
        ),
    ),
    _type(
        "information-sharing",
        "community-surveys",
        N_("Community surveys"),
        N_(
            "Questionnaires online, on paper or at a kiosk that ask residents how satisfied "
            "they are with the agency or what they think about a specific topic."
        ),
        produces_recommendations=True,
    ),
    _type(
        "information-sharing",
        "press-conferences",
        N_("Press conferences"),
        N_(
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
        N_("Community events"),
        N_(
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
        N_("Unstructured engagement (Coffee with a Cop, National Night Out)"),
        N_(
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
        N_("Ride-outs"),
        N_(
            "A resident rides along with a patrol officer or a specialty unit such as K-9 or "
            "traffic to see the work first hand and ask questions on the way."
        ),
        uses_sessions=True,
        selective_application=True,
        requires_waiver=True,
        default_capacity=1,
        default_duration_minutes=240,
        minimum_age=18,
    ),
    _type(
        "in-person-interactions",
        "front-porch-line-ups",
        N_("Front-porch line-ups"),
        N_(
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
        N_("Neighbourhood briefings"),
        N_(
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
        N_("Town hall meetings"),
        N_(
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
        N_("Strategic partnerships"),
        N_(
            "Working relationships with faith leaders, treatment providers, schools and "
            "victim services that carry messages both ways and shape joint responses."
        ),
    ),
    # Tier 3 — structured agency programs
    _type(
        "structured-programs",
        "citizen-police-academy",
        N_("Citizen police academy"),
        N_(
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
        N_("Youth engagement activities (Explorers, school programs)"),
        N_(
            "Explorer posts, school visits and other programs where young people get to know "
            "officers and the work they do."
        ),
        uses_sessions=True,
        selective_application=True,
        requires_guardian_consent=True,
        default_capacity=20,
        default_duration_minutes=120,
    ),
    _type(
        "structured-programs",
        "volunteer-opportunities",
        N_("Volunteer opportunities"),
        N_(
            "Residents give their time: helping at events, Citizens on Patrol, liaising with "
            "neighbourhood watch groups, victim services response and Volunteers in Police "
            "Service."
        ),
        uses_sessions=True,
        selective_application=True,
        volunteer_hours=True,
        minimum_age=18,
    ),
    # Tier 4 — shared contributions to personnel development
    _type(
        "personnel-development",
        "training-scenario-participation",
        N_("Training scenario participation"),
        N_(
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
        N_("Co-facilitated training"),
        N_(
            "A training session taught jointly by agency staff and a community partner, such "
            "as detectives teaching alongside domestic violence advocates."
        ),
        uses_sessions=True,
    ),
    _type(
        "personnel-development",
        "hiring-promotion-scenarios",
        N_("Hiring and promotion scenario participation"),
        N_(
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
        N_("Listening sessions, roundtables and focus groups"),
        N_(
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
        N_("Policy review committees"),
        N_(
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
        N_("Hiring and promotion board participation"),
        N_(
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
        N_("Community advisory groups"),
        N_(
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
        N_("Citizen review boards"),
        N_(
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
    for position, data in enumerate(ENGAGEMENT_TYPES):
        values = {k: v for k, v in data.items() if k not in ("slug", "tier")}
        EngagementType.objects.update_or_create(
            slug=data["slug"],
            defaults={
                **values,
                "tier": tiers[data["tier"]],
                "position": position,
                "is_seeded": True,
            },
        )
