"""Volunteers in Police Service: trainings and roles (Citizens on Patrol, event helpers,
victim services response), a roster from applications, academy graduates and veterans,
certifications (one expiring in 20 days), shifts past and upcoming, and hours approved or
waiting for approval."""

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from django.core.management.base import CommandError

from engagement_portal.demo.loader.selection import Academy, _apply, _decide
from engagement_portal.demo.loader.world import Person, World
from programs.structured import services_applications as applications
from programs.structured import services_cohorts as cohorts
from programs.structured import services_volunteers as volunteers
from programs.structured.forms_volunteers import TrainingForm, VolunteerRoleForm
from programs.structured.models_applications import (
    Acknowledgement,
    Application,
    ApplicationQuestion,
)
from programs.structured.models_cohorts import CohortMember
from programs.structured.models_volunteers import Shift, Training, Volunteer, VolunteerRole

Status = Application.Status
TRAININGS = [
    ("Citizens on Patrol course", "Sixteen hours: observing, reporting, the patrol car.", None),
    ("Radio procedures", "Using the agency radio and the volunteer channel.", 24),
    ("First aid and CPR", "Certified first aid and CPR, renewed every two years.", 24),
    ("Volunteer orientation", "The department, the code of conduct and who to call.", None),
    ("Victim advocacy basics", "Taught by Safe Haven advocates; renewed every year.", 12),
]
COP = "Citizens on Patrol"
HELPERS = "Event helpers"
VICTIMS = "Victim services response"
ROLES = [
    (
        COP,
        "Patrol neighbourhoods in a marked volunteer car, observe and report by radio.",
        ["Citizens on Patrol course", "Radio procedures", "First aid and CPR"],
        True,
    ),
    (
        HELPERS,
        "Welcome people, set up and run the registration desk at community events.",
        ["Volunteer orientation"],
        False,
    ),
    (
        VICTIMS,
        "Answer calls from the victim services line and accompany victims to court.",
        ["Volunteer orientation", "Victim advocacy basics"],
        False,
    ),
]


def _valid(form, what: str):
    if not form.is_valid():
        raise CommandError(f"Demo {what} was refused: {form.errors.as_text()}")
    return form


class Roster:
    def __init__(self, world: World):
        self.world = world
        self.program = world.programs["volunteers-in-police-service"]
        self.staff = world.manager(self.program)
        self.trainings: dict[str, Training] = {}
        self.roles: dict[str, VolunteerRole] = {}
        self.volunteers: list[Volunteer] = []
        self.veteran: Volunteer | None = None

    def set_up(self) -> None:
        for name, description, months in TRAININGS:
            existing = Training.objects.filter(name__iexact=name).first()
            if existing is None:
                form = _valid(
                    TrainingForm(
                        {
                            "name": name,
                            "description": description,
                            "valid_for_months": str(months or ""),
                        }
                    ),
                    "training",
                )
                existing = volunteers.save_training(form=form, user=self.staff)
            self.trainings[name] = existing
        for name, description, needs, equipment in ROLES:
            data = {
                "name": name,
                "description": description,
                "required_trainings": [str(self.trainings[t].pk) for t in needs],
            }
            if equipment:
                data["uses_agency_equipment"] = "on"
            form = _valid(VolunteerRoleForm(data, program=self.program), "volunteer role")
            self.roles[name] = volunteers.save_role(
                form=form, program=self.program, user=self.staff
            )

    def certify(self, volunteer: Volunteer, since: date) -> None:
        """Every training the volunteer's role needs, completed just before they started."""
        w = self.world
        for training in volunteer.role.required_trainings.all():
            volunteers.record_certification(
                volunteer=volunteer,
                training=training,
                completed_on=min(since - timedelta(days=w.rng.randint(3, 20)), w.today),
                user=self.staff,
                today=w.today,
            )

    def join(self, volunteer: Volunteer, joined: date) -> None:
        Volunteer.objects.filter(pk=volunteer.pk).update(joined_on=joined)
        volunteer.joined_on = joined
        self.certify(volunteer, joined)
        self.volunteers.append(volunteer)

    def applications(self) -> None:
        """Applicants over the year; those accepted join the roster in the role they chose."""
        w = self.world
        form = applications.save_form_settings(
            program=self.program,
            user=self.staff,
            opens_at=w.at(-330, 8),
            closes_at=w.at(60, 17),
            minimum_age=18,
            residency_required=True,
            acknowledgements=[Acknowledgement.CONDUCT, Acknowledgement.BACKGROUND_CHECK],
        )
        choice = applications.save_question(
            form=form,
            kind=ApplicationQuestion.Kind.CHOICE,
            text={"en": "Which role interests you most?", "es": "¿Qué función le interesa más?"},
            choices=[{"en": name, "es": name} for name, *_rest in ROLES],
        )
        acknowledged = list(form.acknowledgements)
        plan = [
            (Status.ACCEPTED, -300, 0),
            (Status.ACCEPTED, -280, 1),
            (Status.ACCEPTED, -240, 0),
            (Status.ACCEPTED, -200, 2),
            (Status.ACCEPTED, -170, 0),
            (Status.ACCEPTED, -150, 1),
            (Status.ACCEPTED, -120, 0),
            (Status.ACCEPTED, -90, 1),
            (Status.DECLINED, -130, 0),
            (Status.UNDER_REVIEW, -9, 2),
            (Status.SUBMITTED, -2, 1),
        ]
        for (status, offset, role_index), person in zip(
            plan, w.people.fresh(len(plan), today=w.today), strict=True
        ):
            application = _apply(
                w,
                self.program,
                person,
                when=w.at(offset, 19, w.rng.randint(0, 59)),
                answers={f"q{choice.pk}": str(role_index)},
                acknowledged=acknowledged,
            )
            decided = w.at(offset + 14, 10)
            if status == Status.SUBMITTED:
                continue
            _decide(
                w,
                self.program,
                [application],
                status,
                user=self.staff,
                when=decided,
                message=""
                if status != Status.DECLINED
                else "Thank you. We need volunteers who can serve on weekday evenings.",
            )
            if status == Status.ACCEPTED:
                added = volunteers.add_volunteer(
                    program=self.program,
                    role=self.roles[ROLES[role_index][0]],
                    user=self.staff,
                    application=application,
                )
                self.join(added.volunteer, decided.date() + timedelta(days=7))

    def veterans(self) -> None:
        """Two Citizens on Patrol volunteers of long standing, added by hand; one of them
        must renew first aid and CPR within 20 days."""
        w = self.world
        for k, person in enumerate(w.people.fresh(2, today=w.today)):
            w.resident(person)
            added = volunteers.add_volunteer(
                program=self.program,
                role=self.roles[COP],
                user=self.staff,
                **person.contact,
                language=person.language,
            )
            volunteer = added.volunteer
            joined = w.day(-3 * 365 - 40 * k)
            Volunteer.objects.filter(pk=volunteer.pk).update(joined_on=joined)
            for training in volunteer.role.required_trainings.all():
                if training.name == "First aid and CPR" and k == 0:
                    completed = w.day(20) - relativedelta(months=24)
                elif training.valid_for_months:
                    completed = w.day(-w.rng.randint(200, 400))
                else:
                    completed = joined - timedelta(days=10)
                volunteers.record_certification(
                    volunteer=volunteer,
                    training=training,
                    completed_on=completed,
                    user=self.staff,
                    today=w.today,
                )
            self.volunteers.append(volunteer)
            if k == 0:
                self.veteran = volunteer

    def graduates(self, academy: Academy) -> None:
        """The academy's graduates are invited; two apply, are accepted and help at events."""
        w = self.world
        cohort = academy.graduated
        invited_on = cohort.closed_at + timedelta(days=3)
        cohorts.invite_alumni(
            cohort=cohort, program=self.program, user=academy.staff, now=invited_on
        )
        alumni = CohortMember.objects.filter(
            cohort=cohort, status=CohortMember.Status.COMPLETED
        ).select_related("resident")[:2]
        form = self.program.application_form
        choice = form.questions.get()
        for k, member in enumerate(alumni):
            resident = member.resident
            person = Person(
                name=resident.name,
                email=resident.email,
                phone=resident.phone,
                language=member.language,
                neighbourhood=resident.neighbourhood,
                born=w.day(-(30 + 9 * k) * 365),
            )
            applied = invited_on + timedelta(days=5 + k)
            application = _apply(
                w,
                self.program,
                person,
                when=applied,
                answers={f"q{choice.pk}": "1"},
                acknowledged=list(form.acknowledgements),
            )
            _decide(
                w,
                self.program,
                [application],
                Status.ACCEPTED,
                user=self.staff,
                when=applied + timedelta(days=9),
                message="Welcome aboard, and congratulations again on graduating.",
            )
            added = volunteers.add_volunteer(
                program=self.program,
                role=self.roles[HELPERS],
                user=self.staff,
                application=application,
            )
            self.join(added.volunteer, (applied + timedelta(days=16)).date())

    # --- Shifts and hours ----------------------------------------------------------------

    def shifts(self) -> None:
        w = self.world
        staff = self.staff
        by_role: dict[int, list[Volunteer]] = {}
        for volunteer in Volunteer.objects.filter(program=self.program).select_related("role"):
            by_role.setdefault(volunteer.role_id, []).append(volunteer)
        plans = [
            (COP, "Citizens on Patrol — evening patrol", 5, 19, 4, 3, range(-24 * 7, 21, 7)),
            (HELPERS, "Welcome desk at a community event", 6, 8, 5, 4, range(-300, 30, 45)),
            (VICTIMS, "Victim services line — on call", 1, 9, 6, 1, range(-200, 20, 14)),
        ]
        past_signups = []
        for role_name, title, weekday, hour, hours, capacity, offsets in plans:
            role = self.roles[role_name]
            crew = sorted(by_role.get(role.pk, []), key=lambda v: v.pk)
            for offset in offsets:
                day = w.day(offset)
                day -= timedelta(days=(day.weekday() - weekday) % 7)
                start = w.at(day, hour)
                shift = volunteers.create_shift(
                    program=self.program,
                    title=title,
                    starts_at=start,
                    ends_at=start + timedelta(hours=hours),
                    capacity=capacity,
                    user=staff,
                    role=role,
                    location={
                        COP: "Westbrook District Station, volunteer office",
                        HELPERS: "Riverside North Community Center",
                        VICTIMS: "Victim services office, Police Headquarters",
                    }[role_name],
                )
                asked = min(start - timedelta(days=6), w.now - timedelta(hours=1))
                able = [v for v in crew if v.joined_on <= asked.date()]
                for volunteer in w.rng.sample(able, min(len(able), capacity)):
                    if start > w.now and w.rng.random() < 0.35:
                        continue  # a place still free
                    volunteers.sign_up(shift=shift, volunteer=volunteer, now=asked)
                    if shift.ends_at < w.now - timedelta(hours=2):
                        past_signups.append((shift, volunteer))
        self.hours(past_signups)

    def hours(self, signups: list[tuple[Shift, Volunteer]]) -> None:
        """Volunteers log their hours the next day; staff approve them every week or so.
        What the last ten days brought still waits for approval."""
        w = self.world
        waiting_from = w.now - timedelta(days=10)
        to_approve: dict[date, list[int]] = {}
        for shift, volunteer in sorted(signups, key=lambda s: (s[0].starts_at, s[1].pk)):
            late = timedelta(minutes=w.rng.choice([0, 0, 0, 15, 30, -15]))
            entry = volunteers.log_hours(
                volunteer=volunteer,
                started_at=shift.starts_at,
                ended_at=shift.ends_at + late,
                description=shift.title,
                shift=shift,
                now=min(shift.ends_at + timedelta(hours=w.rng.randint(2, 30)), w.now),
            )
            if shift.starts_at < waiting_from:
                week = (shift.starts_at + timedelta(days=7)).date()
                week -= timedelta(days=week.weekday())
                to_approve.setdefault(week, []).append(entry.pk)
        for week, ids in sorted(to_approve.items()):
            volunteers.review_hours(
                program=self.program,
                entry_ids=ids,
                approve=True,
                user=self.staff,
                now=w.at(week, 9, 30),
            )
        # Staff log an evening of work done without a shift, approved as they log it.
        helper = next(v for v in self.volunteers if v.role.name == HELPERS)
        start = w.at(-16, 17)
        volunteers.log_hours(
            volunteer=helper,
            started_at=start,
            ended_at=start + timedelta(hours=3),
            description="Folding and mailing the academy invitations.",
            user=self.staff,
            approve=True,
            now=w.at(-15, 9),
        )

    def remind(self) -> None:
        """The daily sweep, run once: the certification that lapses in 20 days is announced."""
        volunteers.remind_expiring_certifications(today=self.world.today)
        if self.veteran is not None:
            self.veteran.refresh_from_db()
        paused = self.volunteers[3]
        volunteers.update_volunteer(
            volunteer=paused,
            role=paused.role,
            status=Volunteer.Status.PAUSED,
            language=paused.language,
            user=self.staff,
        )


def roster(world: World, academy: Academy) -> Roster:
    story = Roster(world)
    story.set_up()
    story.applications()
    story.veterans()
    story.graduates(academy)
    story.shifts()
    story.remind()
    return story
