"""Selection and cohorts: the citizen police academy (an application form with two questions,
an intake in every status, a cohort that graduated with certificates, and a current cohort
six sessions in) and Explorer Post 12 (young applicants, guardians' consent, one still
pending, and a season of fortnightly meetings)."""

from datetime import date, datetime, timedelta

from django.utils import timezone

from engagement_portal.demo.loader.events import add_staff
from engagement_portal.demo.loader.surveys import academy_survey
from engagement_portal.demo.loader.world import FIRST_NAMES, LAST_NAMES, Person, World, ascii_slug
from events.models import Event, EventPersonnel
from programs.models import Program
from programs.structured import services_applications as applications
from programs.structured import services_cohorts as cohorts
from programs.structured.models_applications import (
    Acknowledgement,
    Application,
    ApplicationQuestion,
)
from programs.structured.models_cohorts import Cohort, CohortMember

Status = Application.Status
Role = EventPersonnel.Role
ACADEMY_TOPICS = [
    "How the department is organised, and what a day on patrol looks like",
    "Calls for service: the 911 centre and dispatch",
    "Investigations: from a report to a case",
    "Use of force, de-escalation and the simulator",
    "Traffic safety and crash investigation",
    "Community policing, youth programs and volunteering",
    "Ride-along night with patrol",
    "Graduation, with the chief",
]


def class_of(day: date) -> str:
    """A cohort's name: the month its first session is in, the same in every language (it
    is printed on certificates in the member's language)."""
    return f"{day:%Y-%m}"


def _decide(
    world: World,
    program: Program,
    chosen: list[Application],
    status: str,
    *,
    user,
    when: datetime,
    message: str = "",
) -> None:
    """Staff move applications into review, then decide them together, as on the queue."""
    ids = [a.pk for a in chosen]
    applications.decide_applications(
        program=program,
        application_ids=ids,
        status=Status.UNDER_REVIEW,
        user=user,
        now=when - timedelta(days=3),
    )
    if status != Status.UNDER_REVIEW:
        applications.decide_applications(
            program=program,
            application_ids=ids,
            status=status,
            user=user,
            message=message,
            now=when,
        )


def _apply(
    world: World,
    program: Program,
    person: Person,
    *,
    when: datetime,
    answers: dict,
    acknowledged: list[str],
    guardian: tuple[str, str] | None = None,
) -> Application:
    submitted = applications.submit_application(
        program=program,
        **person.contact,
        neighbourhood=person.neighbourhood,
        language=person.language,
        date_of_birth=person.born,
        address=f"{world.rng.randint(2, 2400)} {world.rng.choice(STREETS)}",
        lives_in_service_area=True,
        answers=answers,
        acknowledged=acknowledged,
        guardian_name=guardian[0] if guardian else "",
        guardian_email=guardian[1] if guardian else "",
        now=when,
    )
    person.resident = submitted.application.resident
    return submitted.application


STREETS = [
    "Elm Street",
    "River Road",
    "Market Street",
    "Church Street",
    "South Bank Avenue",
    "Eastgate Avenue",
    "Hill Road",
    "Lake Drive",
    "Mill Lane",
    "Park Row",
]
REASONS = {
    "en": [
        "I want to understand how officers make decisions on a call.",
        "I lead our block club and want to explain police work to my neighbours.",
        "I am thinking about a career in public safety.",
        "After a break-in on our street I want to know how investigations work.",
        "I want to volunteer with the department after the course.",
    ],
    "es": [
        "Quiero entender cómo trabaja la policía para explicarlo a mi comunidad.",
        "Me interesa ser voluntaria después del curso.",
        "Quiero conocer a los agentes de mi vecindario.",
    ],
}


class Academy:
    def __init__(self, world: World):
        self.world = world
        self.program = world.programs["citizen-academy-spring"]
        self.staff = world.manager(self.program)
        self.form = None
        self.questions: list[ApplicationQuestion] = []
        self.graduated: Cohort | None = None

    def presenters(self) -> list:
        w = self.world
        by_topic = [
            "staff@example.org",
            "dispatch@example.org",
            "detective@example.org",
            "academy.sergeant@example.org",
            "traffic.sergeant@example.org",
            "outreach.officer@example.org",
            "officer@example.org",
            "chief@example.org",
        ]
        return [w.user(email) for email in by_topic]

    def set_up_form(self) -> None:
        w = self.world
        self.form = applications.save_form_settings(
            program=self.program,
            user=self.staff,
            opens_at=w.at(-330, 8),
            closes_at=w.at(28, 17),
            places=24,
            minimum_age=18,
            residency_required=True,
            acknowledgements=[Acknowledgement.CONDUCT, Acknowledgement.BACKGROUND_CHECK],
            introduction={
                "en": "Ten evenings inside the department, in English or in Spanish. We take "
                "24 residents per class and answer every application.",
                "es": "Diez tardes dentro del departamento, en inglés o en español. Aceptamos a "
                "24 residentes por clase y respondemos a todas las solicitudes.",
            },
        )
        self.questions = [
            applications.save_question(
                form=self.form,
                kind=ApplicationQuestion.Kind.LONG,
                text={
                    "en": "Why would you like to join the academy?",
                    "es": "¿Por qué quiere participar en la academia?",
                },
                help_text={"en": "A few sentences are enough.", "es": "Unas frases bastan."},
            ),
            applications.save_question(
                form=self.form,
                kind=ApplicationQuestion.Kind.CHOICE,
                text={"en": "Which class would you join?", "es": "¿En qué clase participaría?"},
                choices=[
                    {"en": "English class", "es": "Clase en inglés"},
                    {"en": "Spanish class", "es": "Clase en español"},
                ],
            ),
        ]
        from programs.structured.models_applications import ApplicationForm

        ApplicationForm.objects.filter(pk=self.form.pk).update(created_at=w.at(-335, 9))

    def answers(self, person: Person) -> dict:
        reason, choice = self.questions
        return {
            f"q{reason.pk}": self.world.rng.choice(REASONS[person.language]),
            f"q{choice.pk}": "1" if person.language == "es" else "0",
        }

    def sessions(self, cohort: Cohort, first: datetime) -> list[Event]:
        made = cohorts.add_sessions(
            cohort=cohort,
            first_start=first,
            duration_minutes=180,
            count=8,
            title="Citizen Police Academy",
            venue_name="Police Training Academy",
            address="2200 Academy Drive",
            user=self.staff,
        )
        for session, topic in zip(made, ACADEMY_TOPICS, strict=True):
            Event.objects.filter(pk=session.pk).update(
                description=topic, created_at=first - timedelta(days=30)
            )
        return made

    def attend(self, cohort: Cohort, sessions: list[Event], keen: dict[int, float]) -> None:
        """Attendance at each session that has been held, and the presenter of each."""
        w = self.world
        for session, presenter in zip(sessions, self.presenters(), strict=True):
            if session.starts_at > w.now:
                continue
            present = {rid for rid, chance in keen.items() if w.rng.random() < chance}
            cohorts.record_attendance(
                cohort=cohort,
                session=session,
                present=present,
                user=self.staff,
                now=session.ends_at + timedelta(minutes=10),
            )
            add_staff(session, [(self.staff, Role.LEAD), (presenter, Role.PRESENTER)])

    def graduated_cohort(self) -> None:
        """A cohort that graduated a month ago: all eight sessions held, closed, certificates
        sent, and the identified intake and graduation surveys (both within the dashboards'
        default 90 days, so the trust page compares them before and after)."""
        w = self.world
        first_day = w.day(-87)
        first_day += timedelta(days=(1 - first_day.weekday()) % 7)  # Tuesday evenings
        first = w.at(first_day, 18)
        cohort = cohorts.create_cohort(
            program=self.program,
            name=class_of(timezone.localdate(first)),
            user=self.staff,
            now=first - timedelta(days=35),
        )
        sessions = self.sessions(cohort, first)
        people = w.people.fresh(15, today=w.today)
        for person in people:
            w.resident(person)
            cohorts.add_member_by_hand(
                cohort=cohort,
                **person.contact,
                language=person.language,
                user=self.staff,
                now=first - timedelta(days=10),
            )
        members = list(cohort.members.select_related("resident"))
        keen = {m.resident_id: w.rng.choice([0.97, 0.93, 0.9, 0.85, 0.6]) for m in members}
        self.attend(cohort, sessions, keen)
        cohorts.close_cohort(
            cohort=cohort, user=self.staff, now=sessions[-1].ends_at + timedelta(days=2)
        )
        Cohort.objects.filter(pk=cohort.pk).update(created_at=first - timedelta(days=35))
        invited = [(m.resident, m.language) for m in members]
        academy_survey(
            w,
            self.program,
            title={
                "en": f"Academy intake survey — {cohort.name}",
                "es": f"Encuesta de inicio de la academia — {cohort.name}",
            },
            session=sessions[0],
            invited=invited,
            respondents=[resident for resident, _language in invited[:13]],
            mean=3.1,
            graduation=False,
        )
        academy_survey(
            w,
            self.program,
            title={
                "en": f"Academy graduation survey — {cohort.name}",
                "es": f"Encuesta de graduación de la academia — {cohort.name}",
            },
            session=sessions[-1],
            invited=invited,
            respondents=[
                m.resident
                for m in CohortMember.objects.filter(
                    cohort=cohort, status=CohortMember.Status.COMPLETED
                ).select_related("resident")
            ][:12],
            mean=4.0,
            graduation=True,
        )
        self.graduated = Cohort.objects.get(pk=cohort.pk)

    def intake(self) -> list[Application]:
        """The current intake, in every status; Rosa among the accepted."""
        w = self.world
        rosa = Person(
            name="Rosa Alvarez",
            email="resident@example.org",
            phone="",
            language="es",
            neighbourhood=w.hoods["eg"],
            born=date(w.today.year - 41, 5, 14),
        )
        plan = (
            [(Status.ACCEPTED, -104)]
            + [(Status.ACCEPTED, -150 + k * 8) for k in range(10)]
            + [(Status.WAITLISTED, -90), (Status.WAITLISTED, -82), (Status.WAITLISTED, -71)]
            + [(Status.DECLINED, -110), (Status.DECLINED, -66)]
            + [(Status.WITHDRAWN, -120), (Status.WITHDRAWN, -95)]
            + [(Status.UNDER_REVIEW, -19), (Status.UNDER_REVIEW, -11)]
            + [(Status.SUBMITTED, -3), (Status.SUBMITTED, -1)]
        )
        people = [rosa] + w.people.fresh(len(plan) - 1, today=w.today)
        acknowledged = list(self.form.acknowledgements)
        made: dict[str, list[Application]] = {}
        for person, (status, offset) in zip(people, plan, strict=True):
            application = _apply(
                w,
                self.program,
                person,
                when=w.at(offset, w.rng.randint(7, 22), w.rng.randint(0, 59)),
                answers=self.answers(person),
                acknowledged=acknowledged,
            )
            made.setdefault(status, []).append(application)
        decided = w.at(-52, 10)
        _decide(
            w,
            self.program,
            made[Status.ACCEPTED],
            Status.ACCEPTED,
            user=self.staff,
            when=decided,
            message="Welcome to the academy! Your first evening is in two weeks; details follow.",
        )
        _decide(
            w,
            self.program,
            made[Status.WAITLISTED],
            Status.WAITLISTED,
            user=self.staff,
            when=decided,
            message="This class is full. You are first in line for the next one.",
        )
        _decide(
            w,
            self.program,
            made[Status.DECLINED],
            Status.DECLINED,
            user=self.staff,
            when=decided,
            message="Thank you for applying. We could not offer you a place this time; the "
            "background check could not be completed before the class starts.",
        )
        _decide(
            w,
            self.program,
            made[Status.UNDER_REVIEW],
            Status.UNDER_REVIEW,
            user=self.staff,
            when=w.at(-4, 9),
        )
        for application, offset in zip(made[Status.WITHDRAWN], (-100, -60), strict=True):
            applications.withdraw_application(application=application, now=w.at(offset, 20))
        notes = [
            (made[Status.UNDER_REVIEW][0], "Called to confirm the Spanish class; she prefers it."),
            (made[Status.WAITLISTED][0], "Strong application. Offer a place if anyone drops out."),
            (made[Status.DECLINED][0], "Background check still pending after six weeks."),
        ]
        for application, text in notes:
            applications.add_note(application=application, author=self.staff, text=text)
        return made[Status.ACCEPTED]

    def current_cohort(self, accepted: list[Application]) -> None:
        """Eight weekly sessions, six of them held, with the accepted applicants."""
        w = self.world
        # A Tuesday, Wednesday or Thursday 36 to 41 days ago: the sixth session was in the
        # last week, the seventh is in the next.
        offset = next(o for o in range(-41, -35) if w.day(o).weekday() in (1, 2, 3))
        first = w.at(offset, 18)
        cohort = cohorts.create_cohort(
            program=self.program,
            name=class_of(timezone.localdate(first)),
            user=self.staff,
            now=w.at(-50, 9),
        )
        sessions = self.sessions(cohort, first)
        cohorts.add_members_from_applications(
            cohort=cohort,
            application_ids=[a.pk for a in accepted],
            user=self.staff,
            now=w.at(-45, 11),
        )
        Cohort.objects.filter(pk=cohort.pk).update(created_at=w.at(-50, 9))
        keen = {
            m.resident_id: (1.0 if m.resident.email == "resident@example.org" else 0.9)
            for m in cohort.members.select_related("resident")
        }
        self.attend(cohort, sessions, keen)


# --- Explorer Post 12 ---------------------------------------------------------------------


# The last applicant is a minor whose guardian has not consented yet.
YOUTH_AGES = [14, 15, 16, 17, 18, 19, 15, 16, 17, 14, 15]


def _youth(world: World, n: int) -> list[tuple[Person, tuple[str, str] | None]]:
    """Young people aged 14 to 19, each minor with a parent or guardian to consent."""
    rng = world.rng
    out = []
    used: set[str] = set()
    for k in range(n):
        names = "es" if rng.random() < 0.45 else "en"
        first, last = rng.choice(FIRST_NAMES[names]), rng.choice(LAST_NAMES[names])
        while f"{first} {last}" in used:
            first = rng.choice(FIRST_NAMES[names])
        used.add(f"{first} {last}")
        age = YOUTH_AGES[k % len(YOUTH_AGES)]
        # `age` on the day they applied, most of a year ago.
        born = world.today - timedelta(days=int((age + 1.3 + rng.random() * 0.5) * 365.25))
        slug = f"{ascii_slug(first)}.{ascii_slug(last)}"
        hood = world.hoods[rng.choice(["eg", "wb", "eg", "wb", "rs"])]
        person = Person(
            name=f"{first} {last}",
            email=f"{slug}.post12@example.net",
            phone="",
            language="en",
            neighbourhood=hood,
            born=born,
        )
        guardian = None
        if age < 18:
            parent = rng.choice(FIRST_NAMES[names])
            guardian = (f"{parent} {last}", f"{ascii_slug(parent)}.{ascii_slug(last)}@example.net")
        out.append((person, guardian))
    return out


def explorers(world: World) -> None:
    w = world
    program = w.programs["explorer-post-12"]
    staff = w.manager(program)
    form = applications.save_form_settings(
        program=program,
        user=staff,
        opens_at=w.at(-320, 8),
        closes_at=w.at(45, 17),
        places=20,
        minimum_age=14,
        maximum_age=20,
        residency_required=True,
        acknowledgements=[Acknowledgement.CONDUCT],
        guardian_consent_under=18,
        introduction={
            "en": "For young people aged 14 to 20 who live or study in Eastgate or Westbrook.",
            "es": "Para jóvenes de 14 a 20 años que viven o estudian en Eastgate o Westbrook.",
        },
    )
    school = applications.save_question(
        form=form,
        kind=ApplicationQuestion.Kind.SHORT,
        text={"en": "Which school do you go to?", "es": "¿A qué escuela vas?"},
        required=False,
    )
    youth = _youth(w, 11)
    accepted = []
    for k, (person, guardian) in enumerate(youth[:-1]):
        application = _apply(
            w,
            program,
            person,
            when=w.at(-300 + k * 3, 17, 30),
            answers={f"q{school.pk}": w.rng.choice(["Eastgate High", "Westbrook Academy"])},
            acknowledged=[Acknowledgement.CONDUCT],
            guardian=guardian,
        )
        if application.needs_guardian_consent:
            applications.give_guardian_consent(
                application=application, signature=guardian[0], now=w.at(-298 + k * 3, 20)
            )
        accepted.append(application)
    _decide(
        w,
        program,
        accepted,
        Status.ACCEPTED,
        user=staff,
        when=w.at(-262, 10),
        message="Welcome to Post 12! Our first meeting is on Wednesday at 6:30 pm.",
    )
    # A new applicant this week: their guardian has not consented yet.
    person, guardian = youth[-1]
    pending = _apply(
        w,
        program,
        person,
        when=w.at(-4, 16, 40),
        answers={f"q{school.pk}": "Eastgate High"},
        acknowledged=[Acknowledgement.CONDUCT],
        guardian=guardian or ("Mónica Reyes", "monica.reyes@example.net"),
    )
    _decide(w, program, [pending], Status.UNDER_REVIEW, user=staff, when=w.at(-2, 9))

    first = w.at(-257, 18, 30)
    cohort = cohorts.create_cohort(
        program=program, name=str(timezone.localdate(first).year), user=staff, now=w.at(-265, 9)
    )
    sessions = cohorts.add_sessions(
        cohort=cohort,
        first_start=first,
        duration_minutes=120,
        count=20,
        every_weeks=2,
        title="Explorer Post 12 meeting",
        venue_name="Westbrook District Station, training room",
        address="950 Westbrook Boulevard",
        user=staff,
    )
    Event.objects.filter(pk__in=[s.pk for s in sessions]).update(created_at=w.at(-265, 9))
    cohorts.add_members_from_applications(
        cohort=cohort, application_ids=[a.pk for a in accepted], user=staff, now=w.at(-260, 9)
    )
    Cohort.objects.filter(pk=cohort.pk).update(created_at=w.at(-265, 9))
    members = list(cohort.members.all())
    keen = {m.resident_id: w.rng.choice([0.95, 0.9, 0.85, 0.7]) for m in members}
    mentors = [w.user("officer@example.org"), w.user("patrol.west@example.org")]
    for n, session in enumerate(sessions):
        if session.starts_at > w.now:
            continue
        cohorts.record_attendance(
            cohort=cohort,
            session=session,
            present={rid for rid, p in keen.items() if w.rng.random() < p},
            user=staff,
            now=session.ends_at,
        )
        add_staff(session, [(staff, Role.LEAD), (mentors[n % 2], Role.SUPPORT)])


def academy(world: World) -> Academy:
    """The whole academy story; returns it so the volunteers can invite its graduates."""
    story = Academy(world)
    story.set_up_form()
    story.graduated_cohort()
    story.current_cohort(story.intake())
    return story
