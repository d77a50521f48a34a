"""Surveys: the city-wide trust survey (anonymous, standard questions, a year of answers from
every neighbourhood) and the academy's identified intake and graduation surveys, which the
trust dashboard compares before and after."""

from datetime import date, timedelta

from django.utils import timezone

from engagement_portal.accounts.models import Consent, Resident
from engagement_portal.accounts.services import record_consent
from engagement_portal.demo.loader.world import SPANISH_SHARE, World
from events.models import Event
from programs.models import Program
from surveys import builder, distribution, services
from surveys.models import Distribution, Question, StandardItem, Survey

Kind = Question.Kind
TRUST_ITEMS = [
    "trust-neighbourhood",
    "fair-treatment",
    "listens",
    "safe-walking-night",
    "informed",
    "last-contact-satisfaction",
    "would-report",
]
ACADEMY_ITEMS = ["trust-neighbourhood", "fair-treatment", "listens", "informed"]
# Mean agreement (1 to 5) by neighbourhood a year ago; it rises a little over the year.
BASELINE = {"eg": 2.8, "rs": 3.0, "rn": 3.4, "ot": 3.3, "hc": 3.9, "md": 3.2, "wb": 3.0, "ls": 3.6}
ITEM_SHIFT = {"safe-walking-night": -0.3, "informed": -0.35, "would-report": 0.7}
RESPONSES = 300
COMMENTS = {
    "en": [
        "More patrols on foot, not only in cars.",
        "Answer 911 calls faster at night.",
        "Tell us what happened after we report something.",
        "Slow the traffic down near the schools.",
        "Officers who live here and know the neighbourhood.",
        "Fewer stops for small things, more help with real problems.",
        "Keep the Coffee with a Cop mornings, they help.",
    ],
    "es": [
        "Más información en español, por favor.",
        "Que los agentes se presenten y conozcan a los vecinos.",
        "Más vigilancia en el parque por la noche.",
        "Que contesten más rápido cuando llamamos.",
    ],
}


def _agree(world: World, mean: float) -> str:
    return str(min(5, max(1, round(world.rng.gauss(mean, 0.95)))))


def _response_day(world: World) -> date:
    """A spread over the year, a spring push and a recent push in the neighbourhoods."""
    roll = world.rng.random()
    if roll < 0.4:
        ago = world.rng.randint(0, 364)
    elif roll < 0.7:
        ago = world.rng.randint(200, 250)
    else:
        ago = world.rng.randint(0, 75)
    return world.day(-ago)


def trust_survey(world: World) -> Survey:
    """The trust survey: built, opened a year ago, about 300 anonymous answers, then the
    group release that lets anonymous answers into the dashboards."""
    w = world
    program = w.programs["city-wide-trust-survey-2026"]
    owner = w.manager(program)
    survey = builder.create_survey(
        owner=owner,
        title={"en": "City-wide trust survey 2026", "es": "Encuesta de confianza 2026"},
        introduction={
            "en": "Ten short questions about the police in your neighbourhood. Your answers "
            "are anonymous: we do not know who gave them.",
            "es": "Diez preguntas breves sobre la policía en su vecindario. Sus respuestas son "
            "anónimas: no sabemos quién las dio.",
        },
        languages=["en", "es"],
        mode=Survey.Mode.ANONYMOUS,
        program=program,
        opens_at=w.at(-366, 8),
    )
    builder.add_question(
        survey=survey,
        kind=Kind.NEIGHBOURHOOD,
        text={"en": "Which neighbourhood do you live in?", "es": "¿En qué vecindario vive?"},
    )
    items = {item.key: item for item in StandardItem.objects.filter(key__in=TRUST_ITEMS)}
    for key in TRUST_ITEMS:
        builder.add_standard_item(survey=survey, item=items[key], page=1)
    # The bank's age question: its answers are set against the population by age group.
    builder.add_standard_item(survey=survey, item=StandardItem.objects.get(key="age-group"), page=2)
    builder.add_question(
        survey=survey,
        kind=Kind.LONG_TEXT,
        text={
            "en": "What one thing should the police do differently in your neighbourhood?",
            "es": "¿Qué debería hacer la policía de otra manera en su vecindario?",
        },
        page=2,
    )
    services.open_survey(survey=survey, now=w.at(-366, 8))
    Survey.objects.filter(pk=survey.pk).update(created_at=w.at(-372, 10))

    questions = list(survey.questions.select_related("standard_item").prefetch_related("choices"))
    hoods = list(w.hoods.values())
    weights = [h.population for h in hoods]
    for day in sorted(_response_day(w) for _ in range(RESPONSES)):
        hood = w.rng.choices(hoods, weights)[0] if w.rng.random() > 0.1 else None
        spanish = SPANISH_SHARE.get(hood.code if hood else "", 0.1)
        language = "es" if w.rng.random() < spanish else "en"
        growth = 0.45 * (1 - (w.today - day).days / 365)
        mean = BASELINE.get(hood.code if hood else "", 3.2) + growth
        raw: dict[str, list[str]] = {}
        for question in questions:
            name = f"q{question.pk}"
            if question.kind == Kind.NEIGHBOURHOOD:
                if hood:
                    raw[name] = [str(hood.pk)]
            elif question.standard_item_id and not question.standard_item.category:
                key = question.standard_item.key
                if key == "last-contact-satisfaction" and w.rng.random() < 0.55:
                    continue  # no contact with the police this year
                raw[name] = [_agree(w, mean + ITEM_SHIFT.get(key, 0))]
            elif question.kind == Kind.SINGLE:
                roll = w.rng.random()
                if roll < 0.1:
                    raw[name] = [services.DECLINED]
                elif roll < 0.75:
                    choices = list(question.choices.all())
                    raw[name] = [str(w.rng.choices(choices, [4, 30, 46, 20])[0].pk)]
            elif w.rng.random() < 0.12:
                raw[name] = [w.rng.choice(COMMENTS[language])]
        cleaned = services.clean_answers(survey, raw, questions)
        services.submit_response(
            survey=survey,
            cleaned=cleaned,
            language=language,
            source=w.rng.choices(["web", "kiosk", "paper"], [60, 15, 25])[0],
            today=day,
        )
    # Anonymous answers are published in groups of 10 (after each submission and by the
    # sweep beat runs every 15 minutes); here the sweep once more for the last groups.
    services.release_held_responses()
    return survey


def academy_survey(
    world: World,
    program: Program,
    *,
    title: dict,
    session: Event,
    invited: list[tuple[Resident, str]],
    respondents: list[Resident],
    mean: float,
    graduation: bool,
) -> Survey:
    """An identified survey sent by invitation to a cohort's members two days before
    `session`; `respondents` answer through their invitation; then it closes."""
    w = world
    day = timezone.localdate(session.starts_at)
    owner = w.manager(program)
    survey = builder.create_survey(
        owner=owner,
        title=title,
        introduction={
            "en": "Your answers are linked to your name so we can see how the course changes "
            "what participants think. Only the academy staff see them.",
            "es": "Sus respuestas llevan su nombre para que veamos cómo cambia el curso lo que "
            "piensan los participantes. Solo el personal de la academia las ve.",
        },
        languages=["en", "es"],
        mode=Survey.Mode.IDENTIFIED,
        event=session,
        opens_at=session.starts_at - timedelta(days=3),
    )
    items = {item.key: item for item in StandardItem.objects.filter(key__in=ACADEMY_ITEMS)}
    for key in ACADEMY_ITEMS:
        builder.add_standard_item(survey=survey, item=items[key], page=1)
    if graduation:
        builder.add_standard_item(
            survey=survey, item=StandardItem.objects.get(key="event-worthwhile"), page=1
        )
        builder.add_question(
            survey=survey,
            kind=Kind.LONG_TEXT,
            text={
                "en": "Which session taught you the most, and why?",
                "es": "¿Qué sesión le enseñó más y por qué?",
            },
        )
    services.open_survey(survey=survey)
    Survey.objects.filter(pk=survey.pk).update(created_at=session.starts_at - timedelta(days=5))

    sent = session.starts_at - timedelta(days=2)
    for resident, _language in invited:
        # Members agree to course surveys when they enrol.
        record_consent(
            resident=resident,
            channel=Consent.Channel.EMAIL if resident.email_normalised else Consent.Channel.SMS,
            granted=True,
            source="academy enrolment",
            now=sent - timedelta(days=10),
        )
    contacts = distribution.contacts_from_rows(
        {"name": r.name, "email": r.email, "phone": r.phone, "language": language}
        for r, language in invited
    )
    run = distribution.create_distribution(
        survey=survey, audience=Distribution.Audience.CSV, user=owner, contacts=contacts
    )
    distribution.start_distribution(run, now=sent)
    distribution.run_batch(run, now=sent)
    # The runner the start enqueued finds nothing left when it runs; it would say so.
    Distribution.objects.filter(pk=run.pk).update(
        status=Distribution.Status.DONE, created_at=sent - timedelta(minutes=20)
    )
    invitations = {i.resident_id: i for i in survey.invitations.all()}

    questions = list(survey.questions.select_related("standard_item").prefetch_related("choices"))
    for resident in [r for r in respondents if r.pk in invitations]:
        raw = {}
        for question in questions:
            if question.standard_item_id:
                shift = 0.6 if question.standard_item.key == "event-worthwhile" else 0
                raw[f"q{question.pk}"] = [_agree(w, mean + shift)]
            elif w.rng.random() < 0.5:
                raw[f"q{question.pk}"] = [
                    w.rng.choice(
                        [
                            "The use-of-force simulator: I understand split seconds now.",
                            "The 911 dispatch centre visit.",
                            "La sesión con los detectives.",
                            "The ride-along night with patrol.",
                        ]
                    )
                ]
        services.submit_response(
            survey=survey,
            cleaned=services.clean_answers(survey, raw, questions),
            language=invitations[resident.pk].language,
            source="web",
            invitation_id=invitations[resident.pk].pk,
            today=min(day + timedelta(days=w.rng.randint(0, 2)), w.today),
        )
    services.close_survey(survey=survey, now=session.starts_at + timedelta(days=7))
    return survey


def arabic_offer(world: World) -> Survey:
    """Eastgate's Coffee with a Cop also runs in Arabic (issue 18): the program lists it,
    and its short feedback survey is written in English, Spanish and Arabic."""
    from engagement_portal.accounts.models import Language

    w = world
    program = w.programs["coffee-with-a-cop-eastgate"]
    program.languages.add(Language.objects.get(code="ar"))
    survey = builder.create_survey(
        owner=w.manager(program),
        title={
            "en": "Coffee with a Cop in Eastgate: how was it?",
            "es": "Café con un policía en Eastgate: ¿qué tal fue?",
            "ar": "قهوة مع شرطي في إيستغيت: كيف كانت؟",
        },
        introduction={
            "en": "Three short questions. Your answers are anonymous.",
            "es": "Tres preguntas breves. Sus respuestas son anónimas.",
            "ar": "ثلاثة أسئلة قصيرة. إجاباتك مجهولة الهوية.",
        },
        languages=["en", "es", "ar"],
        mode=Survey.Mode.ANONYMOUS,
        program=program,
        opens_at=w.at(-30, 8),
    )
    builder.add_question(
        survey=survey,
        kind=Kind.AGREEMENT,
        required=True,
        text={
            "en": "I could talk with the officers about what matters to me.",
            "es": "Pude hablar con los agentes de lo que me importa.",
            "ar": "تمكنت من التحدث مع الضباط عما يهمني.",
        },
    )
    builder.add_question(
        survey=survey,
        kind=Kind.YES_NO,
        text={
            "en": "Was this your first time at Coffee with a Cop?",
            "es": "¿Era la primera vez que venía a Café con un policía?",
            "ar": "هل كانت هذه أول مرة تحضر فيها قهوة مع شرطي؟",
        },
    )
    builder.add_question(
        survey=survey,
        kind=Kind.LONG_TEXT,
        text={
            "en": "What should we talk about next time?",
            "es": "¿De qué deberíamos hablar la próxima vez?",
            "ar": "عمّ يجب أن نتحدث في المرة القادمة؟",
        },
    )
    services.open_survey(survey=survey, now=w.at(-30, 8))
    Survey.objects.filter(pk=survey.pk).update(created_at=w.at(-31, 10))
    return survey
