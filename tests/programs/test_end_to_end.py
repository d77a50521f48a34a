"""Every engagement type in the reference, run from start to finish.

For each seeded type: staff create the program in the staff pages and activate it, a
resident takes part the way that type works (without an account unless the type needs
one), staff record what happened, staff complete the program with its outcome, and what
the resident did counts as participation (programs.dashboard.selectors_participation).

The journeys go through the HTTP views, as people do. A type added to the spectrum seed
without a journey here fails `test_every_seeded_type_has_a_journey`.
"""

import itertools
import re
from datetime import date, datetime, time, timedelta

import pytest
from django.db.models import Sum
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from engagement_portal.core import ledger
from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from events.models import Event, Registration
from programs.coproduction.models_groups import GroupMember, PublicComment, ReviewItem
from programs.dashboard.models import DemographicDay, ParticipationDay
from programs.dashboard.selectors_participation import program_participation
from programs.dashboard.services import rebuild
from programs.models import EngagementType, Program
from programs.spectrum import ENGAGEMENT_TYPES
from programs.structured.models_applications import Application, ApplicationForm
from programs.structured.models_cohorts import Cohort, CohortMember
from programs.structured.models_volunteers import HoursEntry, Shift, Volunteer
from surveys.services import release_held_responses
from tests.factories import NeighbourhoodFactory
from tests.ledger import summarise
from tests.mailbox import delivered

JOURNEYS = {}
MINUTE = "%Y-%m-%dT%H:%M"
# Public forms count POSTs per client address; each person in a journey gets their own.
_addresses = itertools.count(1)


def new_person() -> Client:
    """A browser of someone without an account, at an address of their own."""
    n = next(_addresses)
    return Client(REMOTE_ADDR=f"198.51.{n // 250}.{n % 250 + 1}")


def born(years_ago: int) -> date:
    """A date of birth that makes someone `years_ago` years old today."""
    return date(timezone.localdate().year - years_ago, 1, 1)


def link_in(body: str, url_name: str) -> str:
    """The path of the private link to `url_name` in a message body."""
    before = reverse(url_name, args=["TOKEN"]).split("TOKEN")[0]
    match = re.search(re.escape(before) + r"[^\s/]+/", body)
    assert match, f"No {url_name} link in: {body}"
    return match.group(0)


def on_day(days: int, hour: int) -> datetime:
    """`hour` o'clock local time, `days` from today (negative: before). Chicago changes its
    clocks between 1 and 3 am, so from 6 am on every wall time exists once and a form reads
    it; "an hour ago" or "in 5 days at this minute" is skipped or ambiguous on some days."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour)))


def yesterday_morning(hours: int) -> tuple[datetime, datetime]:
    """`hours` of work from 9 am yesterday: over by now, within one day, whatever the hour
    (work that ended half an hour ago ran into the skipped hour just after 3 am on
    14 March 2027)."""
    start = on_day(-1, 9)
    return start, start + timedelta(hours=hours)


def journey(slug):
    def register(fn):
        JOURNEYS[slug] = fn
        return fn

    return register


class Journey:
    """Staff and a resident, each with their own browser session (test client)."""

    def __init__(self, staff_client, resident_client, staff, neighbourhood):
        self.staff = staff_client
        self.resident = resident_client
        self.user = staff
        self.neighbourhood = neighbourhood

    # --- Staff ----------------------------------------------------------------------

    def create_program(self, type_slug: str) -> Program:
        engagement_type = EngagementType.objects.get(slug=type_slug)
        title = f"{engagement_type.name} — journey"
        response = self.staff.post(
            reverse("programs:staff-create"),
            {
                "title": title,
                "engagement_type": str(engagement_type.pk),
                "intention": "Learn what residents need from this and act on what we hear.",
                "description": "",
                "visibility": Program.Visibility.PUBLIC,
                "owner": "",
                "team": [],
                "partners": [],
                "languages": [],
                "neighbourhoods": [],
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        program = Program.objects.get(title=title)
        if engagement_type.needs_policy:
            self.make_ready(program)
        self.set_status(program, Program.Status.ACTIVE)
        return program

    def make_ready(self, program: Program) -> None:
        from programs import readiness

        url = reverse("cohorts:staff-readiness", args=[program.pk])
        assert self.staff.get(url).status_code == 200
        refused = self.staff.post(
            reverse("programs:staff-status", args=[program.pk]), {"status": "active"}
        )
        program.refresh_from_db()
        assert program.status == Program.Status.DRAFT, refused
        readiness.complete_for_tests(program, user=self.user)

    def set_status(self, program: Program, status: str, outcome: str = "") -> None:
        self.staff.post(
            reverse("programs:staff-status", args=[program.pk]),
            {"status": status, "outcome": outcome},
        )
        program.refresh_from_db()
        assert program.status == status

    def complete(self, program: Program) -> None:
        self.set_status(
            program, Program.Status.COMPLETED, outcome="Residents told us what to change."
        )

    def schedule(self, program: Program, *, days=7, **fields) -> Event:
        start = (timezone.localtime() + timedelta(days=days)).replace(
            hour=18, minute=0, second=0, microsecond=0
        )
        data = {
            "title": f"{program.title} session",
            "description": "",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "venue_name": "Library hall",
            "address": "1 Elm Street",
            "accessibility_notes": "",
            "online_url": "",
            "capacity": "40",
            "registration_opens_at": "",
            "registration_closes_at": "",
            "waitlist_enabled": "on",
            "max_party_size": "2",
            "interpretation_available": "",
            "visibility": "public",
            "reminder_offsets": "24h, 2h",
            "neighbourhood": str(self.neighbourhood.pk),
            **fields,
        }
        response = self.staff.post(reverse("events:staff-create", args=[program.pk]), data)
        assert response.status_code == 302, response.context["form"].errors
        return program.events.order_by("-pk").first()

    def happened(self, event: Event, ago: timedelta = timedelta(hours=3)) -> None:
        """Move an event into the past, as if its day had come."""
        shift = timezone.now() - ago - event.starts_at
        Event.objects.filter(pk=event.pk).update(
            starts_at=event.starts_at + shift, ends_at=event.ends_at + shift
        )
        # The move is the test's, not a service's: tell the ledger, as a reschedule would,
        # so the dashboards recount the day the event left and the day it came to.
        ledger.record(
            ledger.EVENT_CHANGED,
            event_id=event.pk,
            program_id=event.program_id,
            previous_day=event.starts_at,
        )
        event.refresh_from_db()

    def check_in(self, event: Event, registration: Registration) -> None:
        response = self.staff.post(
            reverse("events:staff-check-in", args=[event.pk, registration.pk]),
            {"action": "check_in"},
        )
        assert response.status_code == 302
        registration.refresh_from_db()
        assert registration.checked_in_at is not None

    # --- Selection: the application form and decisions ------------------------------

    def open_applications(self, program: Program, **changes) -> ApplicationForm:
        """Staff save the application form with the type's suggested settings (its
        minimum age, acknowledgements and guardian rule), open since yesterday noon."""
        url = reverse("applications:staff-settings", args=[program.pk])
        page = self.staff.get(url)
        assert page.status_code == 200
        suggested = page.context["settings_form"].initial
        data = {
            "action": "settings",
            "opens_at": on_day(-1, 12).strftime(MINUTE),
            "closes_at": on_day(30, 12).strftime(MINUTE),
            "places": "",
            "minimum_age": suggested.get("minimum_age") or "",
            "maximum_age": "",
            "guardian_consent_under": suggested.get("guardian_consent_under") or "",
            "acknowledgements": list(suggested.get("acknowledgements") or []),
            **changes,
        }
        response = self.staff.post(url, data)
        assert response.status_code == 302, response.context["settings_form"].errors
        return ApplicationForm.objects.get(program=program)

    def accept(self, application: Application) -> Application:
        """Staff move the application to under review in the queue, then accept it on its
        own page."""
        queue = reverse("applications:staff-queue", args=[application.program_id])
        assert self.staff.get(queue).status_code == 200
        response = self.staff.post(
            queue,
            {"bulk-applications": [application.pk], "bulk-status": "under_review"},
        )
        assert response.status_code == 302
        response = self.decide(application, Application.Status.ACCEPTED)
        assert response.status_code == 302, response.context["decision_form"].errors
        application.refresh_from_db()
        assert application.status == Application.Status.ACCEPTED
        return application

    def decide(self, application: Application, status: str):
        detail = reverse("applications:staff-detail", args=[application.pk])
        assert self.staff.get(detail).status_code == 200
        return self.staff.post(
            detail,
            {"action": "decide", "decide-status": status, "decide-message": "Welcome!"},
        )

    # --- Cohorts --------------------------------------------------------------------

    def run_cohort(self, program: Program, applications: list[Application]) -> Cohort:
        """A cohort of two weekly sessions with the accepted applicants: both sessions are
        held and everyone comes to both, then staff close the cohort."""
        response = self.staff.post(
            reverse("cohorts:staff-create", args=[program.pk]),
            {"name": "Spring intake", "completion_percent": "80"},
        )
        assert response.status_code == 302, response.context["form"].errors
        cohort = program.cohorts.get()
        first = (timezone.localtime() + timedelta(days=1)).replace(hour=18, minute=0)
        response = self.staff.post(
            reverse("cohorts:staff-sessions", args=[cohort.pk]),
            {
                "action": "run",
                "run-start": first.strftime(MINUTE),
                "run-duration_minutes": "120",
                "run-count": "2",
                "run-every_weeks": "1",
                "run-title": "",
                "run-venue_name": "Training academy",
                "run-address": "",
            },
        )
        assert response.status_code == 302, response.context["run_form"].errors
        members_url = reverse("cohorts:staff-members", args=[cohort.pk])
        assert self.staff.get(members_url).status_code == 200
        response = self.staff.post(
            members_url,
            {"action": "applicants", "app-applications": [a.pk for a in applications]},
        )
        assert response.status_code == 302, response.context["applicants"].errors
        assert cohort.members.count() == len(applications)
        sessions = list(Event.objects.filter(cohort_session__cohort=cohort).order_by("starts_at"))
        assert len(sessions) == 2
        for session, ago in zip(
            sessions, (timedelta(days=7, hours=3), timedelta(hours=3)), strict=True
        ):
            self.happened(session, ago=ago)
            url = reverse("cohorts:staff-attendance", args=[cohort.pk, session.pk])
            assert self.staff.get(url).status_code == 200
            response = self.staff.post(url, {"present": [a.resident_id for a in applications]})
            assert response.status_code == 302, response.context["form"].errors
        response = self.staff.post(reverse("cohorts:staff-close", args=[cohort.pk]))
        assert response.status_code == 302
        cohort.refresh_from_db()
        assert cohort.closed_at is not None
        for member in cohort.members.select_related("resident"):
            assert member.status == CohortMember.Status.COMPLETED
            message = OutboxMessage.objects.get(key=f"cohort-completed:{member.pk}")
            certificate = self.resident.get(link_in(message.body_text, "cohorts:certificate"))
            assert certificate.status_code == 200
            assert member.resident.name in certificate.text
        return cohort

    # --- Standing groups ------------------------------------------------------------

    def seat(self, program: Program, application: Application) -> GroupMember:
        """Staff seat the accepted applicant on the group. Their term started last week,
        when the appointing body voted, so they serve on every day of this journey."""
        url = reverse("groups:staff-members", args=[program.pk])
        page = self.staff.get(url)
        assert page.status_code == 200
        term = page.context["applicants_form"].initial
        starts = term["term_starts"] - timedelta(days=7)
        response = self.staff.post(
            url,
            {
                "action": "applicants",
                "applicants-applications": [application.pk],
                "applicants-role": GroupMember.Role.MEMBER,
                "applicants-term_starts": starts.isoformat(),
                "applicants-term_ends": term["term_ends"].isoformat(),
            },
        )
        assert response.status_code == 302, response.context["applicants_form"].errors
        return GroupMember.objects.get(program=program, application=application)

    def hold_meeting(self, program: Program, members: list[GroupMember]) -> Event:
        """Staff schedule a meeting, write its agenda, and once it was held publish the
        minutes and record who came."""
        meeting = self.schedule(program, title=f"{program.title}: monthly meeting")
        url = reverse("groups:staff-meeting", args=[meeting.pk])
        assert self.staff.get(url).status_code == 200
        response = self.staff.post(
            url,
            {"action": "record", "record-agenda": "1. Items under review", "record-minutes": ""},
        )
        assert response.status_code == 302, response.context["record_form"].errors
        self.happened(meeting)
        response = self.staff.post(
            url,
            {
                "action": "publish",
                "record-agenda": "1. Items under review",
                "record-minutes": "The group discussed the items and agreed a recommendation.",
            },
        )
        assert response.status_code == 302, response.context["record_form"].errors
        response = self.staff.post(
            url,
            {"action": "attendance", "attendance-present": [str(m.resident_id) for m in members]},
        )
        assert response.status_code == 302, response.context["attendance_form"].errors
        assert meeting.attendance.filter(present=True).count() == len(members)
        return meeting

    def put_under_review(self, program: Program, **fields) -> ReviewItem:
        data = {
            "kind": ReviewItem.Kind.POLICY,
            "title": "Item under review",
            "summary": "What the group is asked to look at.",
            "status": ReviewItem.Status.UNDER_REVIEW,
            "named_staff": [],
            "comment_opens_at": "",
            "comment_closes_at": "",
            **fields,
        }
        response = self.staff.post(reverse("groups:staff-item-create", args=[program.pk]), data)
        assert response.status_code == 302, response.context["form"].errors
        return program.review_items.get(title=data["title"])

    def recommend(self, program: Program, meeting: Event, title: str) -> None:
        """Staff record the group's recommendation, agreed at the meeting."""
        response = self.staff.post(
            reverse("recommendations:staff-create", args=[program.pk]),
            {
                "title": title,
                "text": "Agreed by the group at its meeting.",
                "received_on": timezone.localdate().isoformat(),
                "event": str(meeting.pk),
                "survey": "",
                "public": "on",
                "responsible_unit": "",
                "responsible_user": str(self.user.pk),
                "response_due": (timezone.localdate() + timedelta(days=60)).isoformat(),
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        assert program.recommendations.filter(title=title, event=meeting).exists()

    # --- Resident -------------------------------------------------------------------

    def register(self, event: Event, name="Rosa Diaz", party_size=1) -> Registration:
        response = self.resident.post(
            reverse("events:register", args=[event.public_id]),
            {
                "name": name,
                "email": f"{name.split()[0].lower()}@example.net",
                "phone": "",
                "neighbourhood": str(self.neighbourhood.pk),
                "party_size": str(party_size),
                "language": "en",
            },
        )
        assert response.status_code == 302, response.context["form"].errors
        return Registration.objects.filter(event=event).order_by("-pk").first()

    def apply(
        self, program: Program, name: str, *, age: int = 35, client=None, **fields
    ) -> Application:
        """A resident without an account applies, accepting every acknowledgement the form
        asks for, and lands on their private status page."""
        client = client or self.resident
        url = reverse("applications:apply", args=[program.slug])
        page = client.get(url)
        assert page.status_code == 200
        email = f"{name.split()[0].lower()}@example.net"
        data = {
            "name": name,
            "email": email,
            "phone": "",
            "language": "en",
            "neighbourhood": str(self.neighbourhood.pk),
            "date_of_birth": born(age).isoformat(),
            "address": "12 Elm Street",
            **{
                f"ack_{key}": "on"
                for key in ApplicationForm.objects.get(program=program).acknowledgements
            },
            **fields,
        }
        response = client.post(url, data)
        assert response.status_code == 302, response.context["form"].errors
        assert client.get(response["Location"]).status_code == 200
        return Application.objects.get(program=program, resident__email=email)

    def attend_event(self, program: Program, **event_fields) -> Event:
        """The usual in-person path: scheduled, registered, came, checked in at the door."""
        event = self.schedule(program, **event_fields)
        registration = self.register(event, party_size=2)
        self.happened(event)
        self.check_in(event, registration)
        return event


@pytest.fixture
def walk(client, alice, db):
    client.force_login(alice)
    return Journey(client, new_person(), alice, NeighbourhoodFactory(name="Eastgate"))


def counts(program):
    return {kind: n for kind, n in program_participation(program).items() if n}


# --- Tier 1: information sharing ---------------------------------------------------------


@journey("community-events")
def community_event(walk):
    program = walk.create_program("community-events")
    walk.attend_event(program)
    walk.complete(program)
    return program, {"event_attendance": 2}


@journey("unstructured-engagement")
def coffee_with_a_cop(walk):
    program = walk.create_program("unstructured-engagement")
    event = walk.attend_event(program)
    response = walk.staff.post(
        reverse("events:staff-walk-in", args=[event.pk]),
        {"party_size": "3", "neighbourhood": str(walk.neighbourhood.pk), "language": "es"},
    )
    assert response.status_code == 302
    walk.complete(program)
    return program, {"event_attendance": 2, "walk_in": 3}


@journey("town-hall-meetings")
def town_hall(walk):
    program = walk.create_program("town-hall-meetings")
    walk.attend_event(program)
    walk.complete(program)
    return program, {"event_attendance": 2}


@journey("press-conferences")
def press_conference(walk):
    program = walk.create_program("press-conferences")
    event = walk.schedule(program)
    response = walk.resident.post(
        reverse("announcements:ask", args=[event.public_id]),
        {"question": "When will the Elm Street camera footage be released?", "name": ""},
    )
    assert response.status_code == 302
    question = event.press_questions.get()
    for action in ("approve", "answered"):
        walk.staff.post(
            reverse("announcements:staff-moderate", args=[question.pk, action]),
            {"note": "Answered at the podium."},
        )
    question.refresh_from_db()
    assert question.status == "answered"
    walk.complete(program)
    return program, {"press_question": 1}


@journey("social-media-releases")
def social_media_release(walk):
    from programs.information.models import Announcement

    program = walk.create_program("social-media-releases")
    response = walk.staff.post(
        reverse("announcements:staff-create"),
        {
            "kind": "help",
            "program": str(program.pk),
            "title_en": "Help us find a hit-and-run driver",
            "body_en": "A blue van hit a cyclist on Elm Street on Friday night.",
            "title_es": "",
            "body_es": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    announcement = Announcement.objects.get(program=program)
    walk.staff.post(reverse("announcements:staff-publish", args=[announcement.pk]))
    feed = walk.resident.get(reverse("announcements:feed"))
    assert "hit-and-run" in feed.text
    response = walk.resident.post(
        reverse("announcements:reply", args=[announcement.public_id]),
        {
            "message": "I saw a blue van with a broken headlight on 5th Avenue.",
            "name": "",
            "contact": "",
            "neighbourhood": str(walk.neighbourhood.pk),
        },
    )
    assert response.status_code == 302
    reply = announcement.replies.get()
    response = walk.staff.post(
        reverse("announcements:staff-replies", args=[announcement.pk]),
        {"reply": reply.pk},
    )
    reply.refresh_from_db()
    walk.complete(program)
    return program, {"announcement_reply": 1}


@journey("community-surveys")
def community_survey(walk):
    from surveys import services as survey_services
    from surveys.models import Question, Survey

    program = walk.create_program("community-surveys")
    survey = Survey.objects.create(
        owner=walk.user, program=program, title={"en": "Trust in the agency"}, languages=["en"]
    )
    question = Question.objects.create(
        survey=survey, kind=Question.Kind.RATING, text={"en": "How safe do you feel?"}
    )
    survey_services.open_survey(survey=survey)
    # Anonymous answers are published in groups of 10: ten residents answer.
    with override_settings(PORTAL_PUBLIC_POST_RATE="1000/m"):
        for _n in range(10):
            response = walk.resident.post(
                reverse("surveys:answer", args=[survey.public_id]),
                {"page": 1, "action": "submit", "lang": "en", f"q{question.pk}": "4"},
            )
            assert response.status_code == 302
    # What each submission's commit does (these tests run in one transaction).
    survey_services.release_held_responses(survey_id=survey.pk)
    walk.complete(program)
    return program, {"survey_response": 10}


def request_and_accept(walk, kind: str, type_slug: str):
    """A resident asks the agency to come; staff accept, which schedules the event."""
    program = walk.create_program(type_slug)
    response = walk.resident.post(
        reverse("requests:form"),
        {
            "kind": kind,
            "name": "Grace Lee",
            "email": "grace@example.net",
            "phone": "",
            "neighbourhood": str(walk.neighbourhood.pk),
            "address": "12 Porch Lane",
            "topic": "Speeding on our street",
            "details": "Ten neighbours would come.",
            "preferred_time_1": "Saturday morning",
            "preferred_time_2": "",
            "preferred_time_3": "",
            "language": "en",
        },
    )
    assert response.status_code == 302
    from programs.in_person.models import ResidentRequest

    resident_request = ResidentRequest.objects.get(resident__name="Grace Lee")
    start = on_day(5, 18)
    response = walk.staff.post(
        reverse("requests:staff-detail", args=[resident_request.pk]),
        {
            "action": "accept",
            "accept-program": program.pk,
            "accept-start": start.strftime("%Y-%m-%dT%H:%M"),
            "accept-end": (start + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
            "accept-message": "See you then.",
        },
    )
    assert response.status_code == 302
    resident_request.refresh_from_db()
    assert resident_request.status == ResidentRequest.Status.ACCEPTED
    return program, resident_request.created_event


@journey("front-porch-line-ups")
def front_porch(walk):
    program, event = request_and_accept(walk, "front_porch", "front-porch-line-ups")
    neighbours = [walk.register(event, name=name) for name in ("Omar Haddad", "Lena Park")]
    walk.happened(event)
    for neighbour in neighbours:
        walk.check_in(event, neighbour)
    walk.complete(program)
    return program, {"resident_request": 1, "event_attendance": 2}


@journey("neighbourhood-briefings")
def neighbourhood_briefing(walk):
    program, event = request_and_accept(walk, "briefing", "neighbourhood-briefings")
    neighbour = walk.register(event, name="Omar Haddad")
    walk.happened(event)
    walk.check_in(event, neighbour)
    walk.complete(program)
    return program, {"resident_request": 1, "event_attendance": 1}


@journey("strategic-partnerships")
def strategic_partnership(walk):
    from tests.factories import PartnerOrganisationFactory

    partner = PartnerOrganisationFactory(name="Eastgate Interfaith Council", kind="faith")
    program = walk.create_program("strategic-partnerships")
    program.partners.add(partner)
    response = walk.staff.post(
        reverse("partners:agreement-add", args=[partner.pk]),
        {
            "title": "Joint safety nights",
            "kind": "mou",
            "starts_on": timezone.localdate().isoformat(),
            "renews_on": (timezone.localdate() + timedelta(days=365)).isoformat(),
            "document_url": "",
            "notes": "",
            "responsible_user": str(walk.user.pk),
            "renewal_notice_days": "60",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    walk.attend_event(program, title="Safety night at the mosque")
    walk.complete(program)
    return program, {"event_attendance": 2}


@journey("co-facilitated-training")
def co_facilitated_training(walk):
    program = walk.create_program("co-facilitated-training")
    event = walk.schedule(program, visibility="unlisted", title="Domestic violence response")
    response = walk.staff.post(
        reverse("personnel:staff-co-facilitators", args=[event.pk]),
        {"name": "Maya Brooks", "role": "Victim advocate", "partner": ""},
    )
    assert response.status_code == 302, getattr(response, "context", None)
    walk.happened(event)
    walk.complete(program)
    return program, {"co_facilitation": 1}


@journey("listening-sessions")
def listening_session(walk):
    program = walk.create_program("listening-sessions")
    event = walk.attend_event(program, title="Use of force: listening session")
    response = walk.staff.post(
        reverse("recommendations:staff-create", args=[program.pk]),
        {
            "title": "Publish use-of-force data quarterly",
            "text": "By neighbourhood, with the outcome of each review.",
            "received_on": timezone.localdate().isoformat(),
            "event": str(event.pk),
            "survey": "",
            "public": "on",
            "responsible_unit": "",
            "responsible_user": str(walk.user.pk),
            "response_due": (timezone.localdate() + timedelta(days=60)).isoformat(),
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    assert program.recommendations.count() == 1
    walk.complete(program)
    return program, {"event_attendance": 2}


# --- Selective programs: apply, be accepted, take part ------------------------------------


@journey("ride-outs")
def ride_out(walk):
    program = walk.create_program("ride-outs")
    form = walk.open_applications(program)
    assert form.acknowledgements == ["waiver"] and form.minimum_age == 18
    application = walk.accept(walk.apply(program, "Nadia Okafor"))
    # A ride-out is a slot with one seat, on an unlisted event: staff seat the rider.
    slot = walk.schedule(
        program,
        title="Ride-out with the K-9 unit",
        visibility="unlisted",
        capacity="1",
        max_party_size="1",
        waitlist_enabled="",
    )
    resident = application.resident
    response = walk.staff.post(
        reverse("events:staff-add-registrant", args=[slot.pk]),
        {
            "name": resident.name,
            "email": resident.email,
            "phone": "",
            "neighbourhood": str(walk.neighbourhood.pk),
            "party_size": "1",
            "language": "en",
            "accessibility": "",
            "interpretation": "",
            "wants_reminders": "on",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    registration = slot.registrations.get()
    assert registration.resident == resident
    walk.happened(slot)
    walk.check_in(slot, registration)
    walk.complete(program)
    return program, {"event_attendance": 1}


@journey("citizen-police-academy")
def citizen_police_academy(walk):
    program = walk.create_program("citizen-police-academy")
    form = walk.open_applications(program)
    assert form.minimum_age == 18
    applications = [
        walk.accept(walk.apply(program, name, client=new_person()))
        for name in ("Rosa Diaz", "Omar Haddad")
    ]
    walk.run_cohort(program, applications)
    walk.complete(program)
    # Two members, each at both sessions.
    return program, {"session_attendance": 4}


@journey("youth-engagement")
def youth_explorers(walk):
    program = walk.create_program("youth-engagement")
    form = walk.open_applications(program)
    assert form.guardian_consent_under == 18
    application = walk.apply(
        program,
        "Leo Diaz",
        age=15,
        guardian_name="Marta Diaz",
        guardian_email="marta@example.net",
        guardian_phone="",
    )
    assert application.guardian_consent_pending
    # Staff cannot accept before the guardian consents.
    queue = reverse("applications:staff-queue", args=[program.pk])
    response = walk.staff.post(
        queue, {"bulk-applications": [application.pk], "bulk-status": "under_review"}
    )
    assert response.status_code == 302
    refused = walk.decide(application, Application.Status.ACCEPTED)
    assert refused.status_code == 200
    application.refresh_from_db()
    assert application.status == Application.Status.UNDER_REVIEW
    # The guardian opens the link in their email and consents.
    message = OutboxMessage.objects.get(recipient="marta@example.net")
    guardian = new_person()
    link = link_in(delivered(message), "applications:guardian")
    assert "Leo Diaz" in guardian.get(link).text
    response = guardian.post(link, {"signature": "Marta Diaz", "consent": "on"})
    assert response.status_code == 302
    application = walk.accept(application)
    assert application.guardian_signature == "Marta Diaz"
    walk.run_cohort(program, [application])
    walk.complete(program)
    return program, {"session_attendance": 2}


@journey("volunteer-opportunities")
def volunteer_opportunity(walk):
    program = walk.create_program("volunteer-opportunities")
    walk.open_applications(program)
    application = walk.accept(walk.apply(program, "Grace Lee"))
    response = walk.staff.post(
        reverse("volunteers:staff-roles", args=[program.pk]),
        {"name": "Event helper", "description": "Helps at community events."},
    )
    assert response.status_code == 302, response.context["form"].errors
    role = program.volunteer_roles.get()
    response = walk.staff.post(
        reverse("volunteers:staff-add", args=[program.pk]),
        {"action": "application", "app-application": application.pk, "app-role": role.pk},
    )
    assert response.status_code == 302, response.context["application"].errors
    volunteer = Volunteer.objects.get(program=program, application=application)
    tomorrow = (timezone.localtime() + timedelta(days=1)).replace(hour=10, minute=0)
    response = walk.staff.post(
        reverse("volunteers:staff-shifts", args=[program.pk]),
        {
            "action": "create",
            "shift-title": "Safety fair welcome desk",
            "shift-role": str(role.pk),
            "shift-starts_at": tomorrow.strftime(MINUTE),
            "shift-ends_at": (tomorrow + timedelta(hours=3)).strftime(MINUTE),
            "shift-location": "Library hall",
            "shift-capacity": "2",
            "shift-event": "",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    shift = program.shifts.get()
    # The volunteer's private link is in their welcome message.
    message = OutboxMessage.objects.get(key__startswith=f"volunteer-link:{volunteer.pk}:")
    home = link_in(delivered(message), "volunteers:home")
    assert "Safety fair welcome desk" in walk.resident.get(home).text
    response = walk.resident.post(home, {"action": "sign-up", "shift": shift.pk})
    assert response.status_code == 302
    assert shift.signups.filter(volunteer=volunteer).exists()
    # The day of the shift comes, and the volunteer logs the time they gave.
    start, end = yesterday_morning(hours=3)
    Shift.objects.filter(pk=shift.pk).update(starts_at=start, ends_at=end)
    response = walk.resident.post(
        home,
        {
            "action": "log",
            "date": start.date().isoformat(),
            "start": start.strftime("%H:%M"),
            "end": end.strftime("%H:%M"),
            "shift": str(shift.pk),
            "description": "Welcomed families at the door.",
        },
    )
    assert response.status_code == 302, response.context["hours_form"].errors
    entry = HoursEntry.objects.get(volunteer=volunteer)
    hours = reverse("volunteers:staff-hours", args=[program.pk])
    assert walk.staff.get(hours).status_code == 200
    response = walk.staff.post(hours, {"entries": [entry.pk], "decision": "approve"})
    assert response.status_code == 302
    entry.refresh_from_db()
    assert entry.status == HoursEntry.Status.APPROVED
    walk.complete(program)
    return program, {"volunteer_shift": 1}


def scenario_role_players(walk, type_slug: str):
    """Role-players apply (accepting the waiver and confidentiality), are accepted, and
    play in a cohort of scenario days."""
    program = walk.create_program(type_slug)
    form = walk.open_applications(program)
    assert form.acknowledgements == ["waiver", "confidentiality"]
    application = walk.accept(walk.apply(program, "Ana Souza"))
    assert set(application.acknowledged) == {"waiver", "confidentiality"}
    walk.run_cohort(program, [application])
    walk.complete(program)
    return program, {"session_attendance": 2}


@journey("training-scenario-participation")
def training_scenarios(walk):
    return scenario_role_players(walk, "training-scenario-participation")


@journey("hiring-promotion-scenarios")
def hiring_scenarios(walk):
    return scenario_role_players(walk, "hiring-promotion-scenarios")


# --- Standing groups: a seat, meetings, items under review, recommendations ------------


def seated_member(walk, type_slug: str, name: str):
    program = walk.create_program(type_slug)
    walk.open_applications(program)
    application = walk.accept(walk.apply(program, name))
    return program, walk.seat(program, application)


@journey("policy-review-committees")
def policy_review_committee(walk):
    program, member = seated_member(walk, "policy-review-committees", "Samir Khan")
    item = walk.put_under_review(
        program,
        kind=ReviewItem.Kind.POLICY,
        title="Vehicle pursuit policy",
        comment_opens_at=on_day(-1, 12).strftime(MINUTE),
        comment_closes_at=on_day(14, 12).strftime(MINUTE),
    )
    # A resident comments during the public comment period; staff publish the comment.
    commenter = new_person()
    page = reverse("groups:public-item", args=[item.public_id])
    assert commenter.get(page).status_code == 200
    response = commenter.post(
        page,
        {
            "text": "Pursuits through school zones should be called off.",
            "name": "",
            "neighbourhood": str(walk.neighbourhood.pk),
        },
    )
    assert response.status_code == 302
    comment = item.comments.get()
    assert walk.staff.get(reverse("groups:staff-item", args=[item.pk])).status_code == 200
    response = walk.staff.post(
        reverse("groups:staff-moderate", args=[item.pk, comment.pk, "approve"])
    )
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.status == PublicComment.Status.PUBLISHED
    assert "school zones" in commenter.get(page).text
    meeting = walk.hold_meeting(program, [member])
    walk.recommend(program, meeting, "Ban pursuits for property crimes")
    walk.complete(program)
    return program, {"group_membership": 1, "session_attendance": 1, "public_comment": 1}


@journey("hiring-promotion-boards")
def hiring_promotion_board(walk):
    program, member = seated_member(walk, "hiring-promotion-boards", "Helen Park")
    walk.put_under_review(
        program,
        kind=ReviewItem.Kind.INTERVIEW_QUESTIONS,
        title="Sergeant promotion interview questions",
    )
    meeting = walk.hold_meeting(program, [member])
    walk.recommend(program, meeting, "Add a question on de-escalation")
    walk.complete(program)
    return program, {"group_membership": 1, "session_attendance": 1}


@journey("community-advisory-groups")
def community_advisory_group(walk):
    program, member = seated_member(walk, "community-advisory-groups", "Luis Romero")
    walk.put_under_review(
        program, kind=ReviewItem.Kind.CURRICULUM, title="Recruit academy curriculum"
    )
    meeting = walk.hold_meeting(program, [member])
    walk.recommend(program, meeting, "Teach the history of our neighbourhoods")
    walk.complete(program)
    return program, {"group_membership": 1, "session_attendance": 1}


@journey("citizen-review-boards")
def citizen_review_board(walk):
    program, member = seated_member(walk, "citizen-review-boards", "Ruth Adeyemi")
    case = walk.put_under_review(
        program,
        kind=ReviewItem.Kind.CASE,
        title="Use-of-force review 2026-014",
        confidential="on",
    )
    # The member signs up with the address they applied with and confirms it, which links
    # the account to their record; then they read the case in the members' area.
    browser = new_person()
    response = browser.post(
        reverse("signup"),
        {
            "full_name": "Ruth Adeyemi",
            "email": member.resident.email,
            "preferred_language": "en",
            "neighbourhood": str(walk.neighbourhood.pk),
            "password1": "quiet-harbour-lantern-47",
            "password2": "quiet-harbour-lantern-47",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    message = OutboxMessage.objects.get(key__startswith="account-confirm:")
    assert browser.get(link_in(delivered(message), "confirm-email")).status_code == 302
    member.resident.refresh_from_db()
    account = member.resident.user
    assert account is not None and account.email == member.resident.email
    area = browser.get(reverse("groups:member-home", args=[program.slug]))
    assert area.status_code == 200 and case.title in area.text
    page = browser.get(reverse("groups:member-item", args=[program.slug, case.public_id]))
    assert page.status_code == 200 and case.title in page.text
    assert AuditLog.objects.filter(actor=account, action="review_item.view").count() == 1
    # The case never reaches the public pages.
    assert new_person().get(reverse("groups:public-item", args=[case.public_id])).status_code == 404
    meeting = walk.hold_meeting(program, [member])
    walk.recommend(program, meeting, "Retrain the unit on the use-of-force continuum")
    walk.complete(program)
    return program, {"group_membership": 1, "session_attendance": 1}


@pytest.mark.parametrize("slug", [t["slug"] for t in ENGAGEMENT_TYPES])
def test_every_seeded_type_has_a_journey(slug):
    assert slug in JOURNEYS, f"Write an end-to-end journey for {slug}"


@pytest.mark.parametrize("slug", [t["slug"] for t in ENGAGEMENT_TYPES])
def test_engagement_type_runs_end_to_end(slug, walk):
    if slug not in JOURNEYS:
        pytest.fail(f"No journey for {slug}")
    program, expected = JOURNEYS[slug](walk)
    program.refresh_from_db()
    assert program.status == Program.Status.COMPLETED
    assert program.outcome
    assert counts(program) == expected
    # The dashboard's summaries say the same, once held anonymous answers are published
    # (after each submission, and by the sweep beat runs every 15 minutes) ...
    release_held_responses()
    summarise()
    assert summarised(program) == expected
    # Everyone who took part is counted once by age group (or as "did not say").
    kept = by_group(program)
    assert sum(kept.values()) == sum(expected.values())
    # ... and a full rebuild from the source tables changes nothing.
    rebuild()
    assert summarised(program) == expected
    assert by_group(program) == kept


def by_group(program):
    rows = DemographicDay.objects.filter(program=program, category="age")
    return dict(rows.values("group").annotate(n=Sum("people")).values_list("group", "n"))


def summarised(program):
    rows = (
        ParticipationDay.objects.filter(program=program)
        .values("kind")
        .annotate(n=Sum("people"))
        .order_by()
    )
    return {row["kind"]: row["n"] for row in rows if row["n"]}
