"""Information sharing and the agency's answers: announcements (news, traffic, a request for
help with two replies, good stories), recommendations from the listening sessions, the
advisory group, the town hall and the trust survey in every status with dated progress (one
overdue), and partner contacts and agreements (one up for renewal soon)."""

from datetime import date, timedelta

from django.core.management.base import CommandError
from django.utils import timezone

from engagement_portal.accounts.models import Unit
from engagement_portal.demo.loader.world import World
from programs.coproduction import services_recommendations as recommendations
from programs.coproduction.forms_recommendations import RecommendationForm
from programs.coproduction.models_recommendations import Recommendation
from programs.in_person import services_partners as partners
from programs.in_person.models import PartnerAgreement, PartnerOrganisation
from programs.information import services as announcements
from programs.information.models import Announcement
from programs.models import Program
from programs.structured.models_cohorts import CohortMember
from surveys.models import Survey

Kind = Announcement.Kind
S = Recommendation.Status

ANNOUNCEMENTS = [
    # offset, kind, neighbourhood codes, title {en, es}, body {en, es}
    (
        -330,
        Kind.NEWS,
        [],
        {"en": "Safety news: what changes this winter", "es": "Noticias: qué cambia este invierno"},
        {
            "en": "Patrol shifts move to twelve hours, the Eastgate substation opens on "
            "Saturdays, and the citizen academy takes applications all year.",
            "es": "Los turnos de patrulla pasan a doce horas, la subestación de Eastgate abre "
            "los sábados y la academia recibe solicitudes para la clase de primavera.",
        },
    ),
    (
        -270,
        Kind.STORY,
        ["eg"],
        {"en": "An Eastgate café that hosts Coffee with a Cop every month"},
        {
            "en": "Café Luna has opened its doors to residents and officers on the second "
            "Saturday of every month for a year. Thank you, Luna!"
        },
    ),
    (
        -30,
        Kind.NEWS,
        [],
        {
            "en": "{graduates} residents graduate from the citizen academy",
            "es": "Se gradúan {graduates} residentes de la academia ciudadana",
        },
        {
            "en": "{graduates} residents completed eight evenings inside the department. Two "
            "have already joined Volunteers in Police Service.",
            "es": "{graduates} residentes completaron ocho tardes dentro del departamento. Dos "
            "ya se unieron al programa de voluntarios.",
        },
    ),
    (
        -150,
        Kind.TRAFFIC,
        ["rn", "rs"],
        {"en": "Road closures for the Riverside half marathon"},
        {
            "en": "River Road and South Bank Avenue close from 6 am to 1 pm on Sunday. Use "
            "the Mill Street bridge to cross the river."
        },
    ),
    (
        -90,
        Kind.NEWS,
        [],
        {
            "en": "Trust survey: halfway results by neighbourhood",
            "es": "Encuesta de confianza: resultados a mitad de año",
        },
        {
            "en": "More than 200 residents have answered the trust survey so far. The results "
            "by neighbourhood are on the command dashboard's open data page.",
            "es": "Más de 200 residentes han respondido la encuesta. Los resultados por "
            "vecindario están en la página de datos abiertos.",
        },
    ),
    (
        -80,
        Kind.TRAFFIC,
        ["eg", "rs"],
        {"en": "School zone speed limits start Monday", "es": "Límites de velocidad escolares"},
        {
            "en": "From Monday, 20 mph applies near Eastgate High and the Riverside South "
            "Youth Center from 7 to 9 am and 2 to 4 pm.",
            "es": "Desde el lunes rige el límite de 20 mph cerca de Eastgate High y del centro "
            "juvenil de Riverside South, de 7 a 9 y de 14 a 16 h.",
        },
    ),
    (
        -40,
        Kind.STORY,
        ["eg", "wb"],
        {"en": "Explorer Post 12 cadets run the autumn food drive"},
        {
            "en": "The Explorers of Post 12 collected more than two tonnes of food for the "
            "Westbrook pantry over three Saturdays."
        },
    ),
    (
        -6,
        Kind.TRAFFIC,
        ["rs"],
        {
            "en": "Lane closures on the South Bank Avenue bridge",
            "es": "Cierre de carriles en el puente de South Bank Avenue",
        },
        {
            "en": "One lane in each direction is closed for repairs until the end of next "
            "month. Expect delays at rush hour.",
            "es": "Un carril en cada sentido está cerrado por obras hasta fin del mes próximo.",
        },
    ),
    (
        -3,
        Kind.EVENT,
        ["rs"],
        {
            "en": "Town hall on traffic safety: register now",
            "es": "Reunión pública sobre seguridad vial: inscríbase",
        },
        {
            "en": "The results of the South Bank Avenue speed study, and what the city "
            "proposes. Seats are nearly gone; join the waiting list if it is full.",
            "es": "Los resultados del estudio de velocidad y lo que propone la ciudad. Quedan "
            "pocas plazas.",
        },
    ),
]
HELP = (
    -14,
    {
        "en": "Can you help us find the driver in a hit-and-run on Eastgate Avenue?",
        "es": "¿Nos ayuda a encontrar al conductor de un atropello en Eastgate Avenue?",
    },
    {
        "en": "A cyclist was seriously hurt at Eastgate Avenue and Park Row on Tuesday at "
        "about 7:40 pm. The driver of a dark grey pickup did not stop. If you saw it, or "
        "have camera footage, please tell us.",
        "es": "Un ciclista resultó herido de gravedad en Eastgate Avenue y Park Row el martes "
        "hacia las 19:40. El conductor de una camioneta gris oscuro no se detuvo. Si lo vio "
        "o tiene imágenes, avísenos.",
    },
)
REPLIES = [
    (
        "My doorbell camera on Park Row caught a grey pickup speeding east at 7:41 pm. Happy "
        "to send the clip.",
        "Minh Tran",
        "minh.tran.demo@example.net",
        "eg",
        True,
    ),
    (
        "I think the same truck parks overnight behind the laundromat on Market Street.",
        "",
        "",
        "eg",
        False,
    ),
]


def announce(world: World) -> None:
    w = world
    program = w.programs["monthly-safety-news"]
    author = w.manager(program)

    def publish(titles, bodies, kind, codes, offset) -> Announcement:
        announcement = announcements.create_announcement(
            author=author,
            titles=titles,
            bodies=bodies,
            kind=kind,
            program=program,
            neighbourhoods=[w.hoods[c] for c in codes],
        )
        published = w.at(offset, 10, w.rng.randint(0, 59))
        Announcement.objects.filter(pk=announcement.pk).update(
            created_at=published - timedelta(hours=20)
        )
        return announcements.publish_announcement(
            announcement=announcement, user=author, now=published
        )

    graduates = CohortMember.objects.filter(
        cohort__program__slug="citizen-academy-spring", status=CohortMember.Status.COMPLETED
    ).count()

    def told(texts: dict) -> dict:
        return {code: text.format(graduates=graduates) for code, text in texts.items()}

    for offset, kind, codes, titles, bodies in ANNOUNCEMENTS:
        publish(told(titles), told(bodies), kind, codes, offset)
    offset, titles, bodies = HELP
    appeal = publish(titles, bodies, Kind.HELP, ["eg"], offset)
    for k, (message, name, contact, code, handled) in enumerate(REPLIES):
        reply = announcements.submit_reply(
            announcement=appeal,
            message=message,
            name=name,
            contact=contact,
            neighbourhood=w.hoods[code],
            now=w.at(offset + 1 + k * 3, 21, 15),
        )
        if handled:
            announcements.mark_reply_handled(reply=reply, user=author, now=w.at(offset + 2, 9))
    announcements.create_announcement(
        author=author,
        titles={"en": "Winter safety: lock your car, even for a minute"},
        bodies={"en": "Draft: car thefts from driveways rise when people warm up their cars."},
        kind=Kind.NEWS,
        program=program,
    )


# --- Recommendations and the agency's answers --------------------------------------------


def _recommend(
    world: World,
    program: Program,
    *,
    title: str,
    text: str,
    received: date,
    due: date,
    unit: str,
    responsible: str,
    event=None,
    survey: Survey | None = None,
    public: bool = True,
) -> Recommendation:
    data = {
        "title": title,
        "text": text,
        "received_on": received.isoformat(),
        "event": str(event.pk) if event else "",
        "survey": str(survey.pk) if survey else "",
        "responsible_unit": str(Unit.objects.get(name=unit).pk),
        "responsible_user": str(world.user(responsible).pk),
        "response_due": due.isoformat(),
    }
    if public:
        data["public"] = "on"
    form = RecommendationForm(data, program=program)
    if not form.is_valid():
        raise CommandError(f"Demo recommendation “{title}” was refused: {form.errors.as_text()}")
    recommendation = recommendations.create_recommendation(
        form=form, program=program, user=world.manager(program)
    )
    Recommendation.objects.filter(pk=recommendation.pk).update(created_at=world.at(received, 16))
    return recommendation


def _story(world: World, recommendation: Recommendation, steps: list[tuple]) -> None:
    """Play the agency's answer: ("status", offset, status, rationale) changes it, ("note",
    offset, text) adds a dated progress update."""
    user = recommendation.responsible_user
    for step in steps:
        when = world.at(step[1], 11)
        if step[0] == "status":
            recommendations.respond(
                recommendation=recommendation,
                status=step[2],
                rationale=step[3],
                user=user,
                now=when,
            )
        else:
            recommendations.add_progress_update(
                recommendation=recommendation, text=step[2], user=user, now=when
            )
        recommendation.refresh_from_db()


def answer(world: World, *, listening: list, trust: Survey) -> None:
    w = world
    listen = w.programs["youth-listening-sessions"]
    last = listening[-1]
    received = timezone.localdate(last.starts_at) + timedelta(days=6)

    def from_listening(title, text, unit, who, steps, follow=False):
        recommendation = _recommend(
            w,
            listen,
            title=title,
            text=text,
            received=received,
            due=received + timedelta(days=60),
            unit=unit,
            responsible=who,
            event=last,
        )
        if follow:
            person = w.people.pick(1, near=[w.hoods["eg"]])[0]
            if person.email:
                recommendations.follow(
                    recommendation=recommendation,
                    name=person.name,
                    email=person.email,
                    language=person.language,
                )
        _story(w, recommendation, steps)
        return recommendation

    start = (received - w.today).days
    from_listening(
        "Explain the reason for every stop, in plain words",
        "Young people said they are often not told why they were stopped. Officers should "
        "say why at the start of every stop and give a card with the reason and how to "
        "comment.",
        "Patrol — North District",
        "command@example.org",
        [
            ("status", start + 5, S.UNDER_REVIEW, "Patrol commanders are drafting a bulletin."),
            ("note", start + 20, "Draft stop card tested by two squads in Eastgate."),
            (
                "status",
                start + 45,
                S.ADOPTED,
                "Adopted: every officer now gives the reason at the start of a stop, and a "
                "card in English and Spanish with the reason and how to comment.",
            ),
            ("note", start + 110, "All patrol officers trained; cards in every car."),
        ],
        follow=True,
    )
    from_listening(
        "Officers in schools should not handle school discipline",
        "Students asked that school resource officers deal only with crimes, never with "
        "breaking school rules.",
        "Community Outreach",
        "staff@example.org",
        [
            (
                "status",
                start + 30,
                S.ADOPTED,
                "Adopted in the renewed agreement with the school district: officers are not "
                "involved in school discipline.",
            ),
        ],
    )
    from_listening(
        "A youth seat on the community advisory group",
        "Give young people a voice where the chief hears advice.",
        "Community Outreach",
        "staff@example.org",
        [
            ("status", start + 15, S.ADOPTED, "Adopted: the advisory group now has a youth seat."),
            ("note", start + 60, "The first youth member took their seat."),
        ],
    )
    from_listening(
        "Publish stop data by neighbourhood every quarter",
        "Publish how many stops, searches and arrests happen in each neighbourhood, by age, "
        "every three months.",
        "Records and Communications",
        "command@example.org",
        [
            ("status", start + 10, S.UNDER_REVIEW, "Records is checking what can be published."),
            (
                "status",
                start + 55,
                S.PARTIALLY_ADOPTED,
                "Partly adopted: stop data by neighbourhood will be published every year on "
                "the open data page. Quarterly figures are too small to publish safely.",
            ),
        ],
    )
    from_listening(
        "End consent searches of young people",
        "Officers should not ask people under 18 for consent to search them.",
        "Patrol — South District",
        "command@example.org",
        [
            (
                "status",
                start + 50,
                S.NOT_ADOPTED,
                "Not adopted: state law allows consent searches and the department will keep "
                "them, but officers must now record every one and its result, and the "
                "figures will be published each year.",
            ),
        ],
    )

    advisory = w.programs["community-advisory-group"]
    meeting = advisory.events.filter(starts_at__lt=w.now).order_by("-starts_at").first()
    for title, text, unit, who, offset, due, steps in [
        (
            "Hire officers who speak Vietnamese",
            "Vietnamese-speaking residents in Riverside North rarely meet an officer who "
            "speaks their language.",
            "Training Academy",
            "command@example.org",
            -140,
            30,
            [
                ("status", -120, S.UNDER_REVIEW, "Human resources is reviewing language pay."),
                ("note", -70, "A recruiting event with Vietnamese community groups is planned."),
                ("note", -15, "Two Vietnamese-speaking recruits started at the academy."),
            ],
        ),
        (
            "Monthly safety bulletins in Spanish",
            "Publish the monthly safety news in Spanish as well as in English.",
            "Community Outreach",
            "staff@example.org",
            -230,
            -170,
            [
                (
                    "status",
                    -200,
                    S.ADOPTED,
                    "Adopted: every safety bulletin is now published in English and Spanish.",
                ),
            ],
        ),
        (
            "Review the complaint form with residents",
            "The online complaint form is long and only in English. Test a new one with "
            "residents before changing it.",
            "Records and Communications",
            "staff@example.org",
            -50,
            -12,
            [],
        ),
        (
            "Ask the community about the 2027 recruiting plan",
            "Hold two open sessions on the recruiting plan before it is final.",
            "Training Academy",
            "command@example.org",
            -50,
            30,
            [],
        ),
    ]:
        recommendation = _recommend(
            w,
            advisory,
            title=title,
            text=text,
            received=w.day(offset),
            due=w.day(due),
            unit=unit,
            responsible=who,
            event=meeting if offset > -60 else None,
        )
        _story(w, recommendation, steps)

    town_hall = w.programs["riverside-town-hall"]
    for title, text, offset, due, steps in [
        (
            "Speed cameras near schools in Eastgate and Riverside South",
            "Residents asked for speed cameras on the roads around the two schools.",
            -180,
            40,
            [
                ("status", -160, S.UNDER_REVIEW, "The city's traffic engineers are studying it."),
                ("note", -100, "Speed study on South Bank Avenue completed."),
                ("note", -20, "Results to be presented at the next town hall."),
            ],
        ),
        (
            "Crossing guards on South Bank Avenue",
            "Add crossing guards at the three busiest crossings before and after school.",
            -290,
            -230,
            [
                ("status", -270, S.UNDER_REVIEW, "Asked the school district to share costs."),
                (
                    "status",
                    -230,
                    S.ADOPTED,
                    "Adopted: three crossing guards started in September, paid jointly with "
                    "the school district.",
                ),
            ],
        ),
    ]:
        recommendation = _recommend(
            w,
            town_hall,
            title=title,
            text=text,
            received=w.day(offset),
            due=w.day(due),
            unit="Traffic",
            responsible="traffic.sergeant@example.org",
        )
        _story(w, recommendation, steps)

    recommendation = _recommend(
        w,
        w.programs["city-wide-trust-survey-2026"],
        title="Tell residents what happened after they report something",
        text="The most frequent comment in the trust survey: people never hear back after "
        "they report a crime or a concern.",
        received=w.day(-85),
        due=w.day(-25),
        unit="Records and Communications",
        responsible="staff@example.org",
        survey=trust,
    )
    _story(
        w,
        recommendation,
        [
            (
                "status",
                -40,
                S.PARTIALLY_ADOPTED,
                "Partly adopted: residents who report online now get a case number and a "
                "follow-up email when the case closes. Phone reports follow next year.",
            )
        ],
    )

    committee = w.programs["body-worn-camera-policy-review"]
    recommendation = _recommend(
        w,
        committee,
        title="Publish a yearly audit of licence plate reader use",
        text="If plate readers are used, publish every year how many reads were kept, how "
        "often the data was searched and by whom.",
        received=w.day(-180),
        due=w.day(-120),
        unit="Records and Communications",
        responsible="command@example.org",
    )
    _story(
        w,
        recommendation,
        [("status", -150, S.ADOPTED, "Adopted: the first audit will be published in January.")],
    )

    board = w.programs["citizen-review-board"]
    recommendation = _recommend(
        w,
        board,
        title="Refresher training on explaining traffic stops",
        text="From a case review: the board asks for refresher training on how officers "
        "explain the reason for a traffic stop.",
        received=w.day(-100),
        due=w.day(20),
        unit="Training Academy",
        responsible="command@example.org",
        public=False,
    )
    _story(w, recommendation, [("status", -90, S.UNDER_REVIEW, "Added to next year's plan.")])


# --- Partners --------------------------------------------------------------------------

PARTNERS = {
    "Eastgate Interfaith Council": (
        [("Rev. Anne Mbeki", "Chair", "anne.mbeki@example.org", "(312) 555-0142")],
        ("Community outreach partnership", PartnerAgreement.Kind.MOU, -520, 210),
    ),
    "Riverside Unified School District": (
        [("Dr. Helen Park", "Director of student services", "h.park@example.org", "")],
        ("School safety and Explorer Post agreement", PartnerAgreement.Kind.MOU, -700, 95),
    ),
    "Harbor Recovery Services": (
        [("Luis Fernández", "Outreach coordinator", "l.fernandez@example.org", "")],
        ("Referral and data sharing agreement", PartnerAgreement.Kind.DATA_SHARING, -300, 430),
    ),
    "Safe Haven Victim Advocates": (
        [
            ("Denise Carter", "Lead advocate", "denise.carter@example.org", "(773) 555-0187"),
            ("Marisol Ortega", "Advocate", "marisol.ortega@example.org", ""),
        ],
        (
            "Co-facilitated domestic violence training",
            PartnerAgreement.Kind.CO_FACILITATION,
            -340,
            25,
        ),
    ),
    "Old Town Neighbours Association": (
        [("George Whitaker", "Secretary", "secretary@example.org", "")],
        ("Front-porch line-up hosting", PartnerAgreement.Kind.MOU, -200, 165),
    ),
}


def partnerships(world: World) -> None:
    """Contacts and agreements; the daily renewal sweep runs once and flags the one due."""
    w = world
    for name, (contacts, (title, kind, starts, renews)) in PARTNERS.items():
        partner = PartnerOrganisation.objects.get(name=name)
        for contact_name, role, email, phone in contacts:
            partners.add_contact(
                partner=partner, name=contact_name, role=role, email=email, phone=phone
            )
        partners.add_agreement(
            partner=partner,
            title=title,
            kind=kind,
            starts_on=w.day(starts),
            renews_on=w.day(renews),
            responsible_user=w.user(
                "detective@example.org" if "violence" in title else "staff@example.org"
            ),
            renewal_notice_days=60,
            notes="Signed by the chief and the partner's director.",
        )
    partners.remind_agreement_renewals(today=w.today)
