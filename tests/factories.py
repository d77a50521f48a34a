"""factory_boy factories for every model. Seeded rows (tiers, engagement types, languages,
roles) come from migrations; factories reuse them rather than inventing new ones."""

from datetime import timedelta

import factory
from dateutil.relativedelta import relativedelta
from django.contrib.auth.models import Group
from django.utils import timezone

from engagement_portal.accounts import roles
from engagement_portal.accounts.models import (
    Consent,
    ContactClaim,
    Language,
    Neighbourhood,
    Rank,
    Resident,
    Unit,
    User,
    normalise_email,
)
from engagement_portal.accounts.services import normalise_phone
from programs.in_person.models import PartnerOrganisation
from programs.models import EngagementType, Program, Tier
from surveys import sealing
from surveys.services import HELD

PASSWORD = "correct-horse-battery-staple"


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"Unit {n}")
    is_community_outreach = False


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _apply_role(self, create, extracted)


def _apply_role(user, create, role):
    if not create:
        return
    if role:
        user.groups.add(Group.objects.get(name=role))
        user.is_staff = role == roles.ADMINISTRATOR
    user.save()


class StaffUserFactory(UserFactory):
    """Agency personnel with a rank and unit; program staff unless role= says otherwise."""

    rank = Rank.OFFICER
    unit = factory.SubFactory(UnitFactory)

    @factory.post_generation
    def role(self, create, extracted, **kwargs):
        _apply_role(self, create, extracted or roles.PROGRAM_STAFF)


class NeighbourhoodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Neighbourhood
        django_get_or_create = ["code"]

    name = factory.Sequence(lambda n: f"Neighbourhood {n}")
    code = factory.Sequence(lambda n: f"n{n}")
    population = 10000


def square(west: float = -88.0, south: float = 41.5, size: float = 0.01) -> dict:
    """A GeoJSON Polygon: a square `size` degrees wide from its south-west corner."""
    ring = [
        [west, south],
        [west + size, south],
        [west + size, south + size],
        [west, south + size],
        [west, south],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


class NeighbourhoodBoundaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.NeighbourhoodBoundary"

    neighbourhood = factory.SubFactory(NeighbourhoodFactory)
    geometry = factory.LazyFunction(square)


class LanguageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Language
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"x{n}")
    name = factory.Sequence(lambda n: f"Language {n}")
    native_name = factory.SelfAttribute("name")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"resident{n}@example.net")
    email_normalised = factory.LazyAttribute(lambda o: normalise_email(o.email))
    phone = ""
    phone_normalised = factory.LazyAttribute(lambda o: normalise_phone(o.phone))
    neighbourhood = factory.SubFactory(NeighbourhoodFactory)


class ContactClaimFactory(factory.django.DjangoModelFactory):
    """A public form named `resident`; what was typed sits on a provisional record."""

    class Meta:
        model = ContactClaim

    resident = factory.SubFactory(ResidentFactory)
    provisional = factory.SubFactory(
        ResidentFactory,
        provisional_for=factory.SelfAttribute("..resident"),
        email=factory.SelfAttribute("provisional_for.email"),
    )
    channel = Consent.Channel.EMAIL
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    created_at = factory.LazyFunction(timezone.now)


class ConsentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consent

    resident = factory.SubFactory(ResidentFactory)
    channel = Consent.Channel.EMAIL
    granted_at = factory.Faker("date_time_this_year", tzinfo=__import__("datetime").UTC)


class EngagementTypeFactory(factory.django.DjangoModelFactory):
    """A custom, agency-added type (seeded types come from the migration)."""

    class Meta:
        model = EngagementType

    tier = factory.LazyFunction(lambda: Tier.objects.get(number=2))
    slug = factory.Sequence(lambda n: f"custom-type-{n}")
    name = factory.Sequence(lambda n: f"Custom type {n}")
    description = "An engagement type an agency added itself."


class PartnerOrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganisation

    name = factory.Sequence(lambda n: f"Partner {n}")
    kind = PartnerOrganisation.Kind.OTHER


class ProgramFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Program

    title = factory.Sequence(lambda n: f"Program {n}")
    slug = factory.Sequence(lambda n: f"program-{n}")
    engagement_type = factory.LazyFunction(
        lambda: EngagementType.objects.get(slug="unstructured-engagement")
    )
    intention = "Meet residents informally and hear their concerns early."
    status = Program.Status.ACTIVE
    visibility = Program.Visibility.PUBLIC
    owner = factory.SubFactory(StaffUserFactory)


# --- Spectrum, events, messaging, audit ----------------------------------------------


class TierFactory(factory.django.DjangoModelFactory):
    """The five tiers are seeded; this returns the seeded row for a number."""

    class Meta:
        model = Tier
        django_get_or_create = ["number"]

    number = 2


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Event"
        skip_postgeneration_save = True

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Event {n}")
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    venue_name = "Community Center"


class EventSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.EventSeries"

    program = factory.SubFactory(ProgramFactory)
    frequency = "weekly"
    occurrences = 4
    rule = "FREQ=WEEKLY;COUNT=4"


class EventPersonnelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.EventPersonnel"

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory(StaffUserFactory)
    role = "support"


class RegistrationFactory(factory.django.DjangoModelFactory):
    """A registration row as stored; flows that allocate seats go through events.services."""

    class Meta:
        model = "events.Registration"

    event = factory.SubFactory(EventFactory)
    resident = factory.SubFactory(ResidentFactory)
    token_hash = factory.Sequence(lambda n: f"{n:064x}")
    check_in_code = factory.Sequence(lambda n: f"C{n:09d}")
    status = "confirmed"
    language = "en"


class AccommodationRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.AccommodationRequest"

    registration = factory.SubFactory(RegistrationFactory)
    kind = "accessibility"
    details = "Step-free access"


class WalkInFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.WalkIn"

    event = factory.SubFactory(EventFactory)
    recorded_by = factory.SubFactory(StaffUserFactory)


class ReminderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "events.Reminder"

    registration = factory.SubFactory(RegistrationFactory)
    kind = "before"
    offset_minutes = 1440
    due_at = factory.LazyAttribute(lambda o: o.registration.event.starts_at - timedelta(hours=24))


class OutboxMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "messaging.OutboxMessage"

    key = factory.Sequence(lambda n: f"test:{n}")
    channel = "email"
    recipient = factory.Sequence(lambda n: f"person{n}@example.net")
    language = "en"
    subject = "Hello"
    body_text = "Hello there."


class AuditLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "core.AuditLog"

    actor = factory.SubFactory(StaffUserFactory)
    action = "export_roster"
    target = "Town hall"


class SurveyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Survey"

    owner = factory.SubFactory(StaffUserFactory)
    title = factory.Sequence(lambda n: {"en": f"Survey {n}", "es": f"Encuesta {n}"})
    languages = ["en", "es"]
    status = "open"


class StandardItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.StandardItem"

    key = factory.Sequence(lambda n: f"item-{n}")
    kind = "agreement"
    text = {"en": "A statement", "es": "Una afirmación"}


class QuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Question"

    survey = factory.SubFactory(SurveyFactory)
    kind = "rating"
    text = {"en": "How was it?", "es": "¿Qué tal fue?"}


class ChoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Choice"

    question = factory.SubFactory(QuestionFactory, kind="single")
    label = {"en": "Yes", "es": "Sí"}


class ResponseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Response"

    survey = factory.SubFactory(SurveyFactory)
    language = "en"
    source = "web"
    submitted_on = factory.LazyFunction(timezone.localdate)


class HeldResponseFactory(factory.django.DjangoModelFactory):
    """An anonymous response waiting for its group of 10; sealed as surveys.services seals."""

    class Meta:
        model = "surveys.HeldResponse"

    survey = factory.SubFactory(SurveyFactory)
    language = "en"
    source = "web"
    sealed = factory.LazyFunction(
        lambda: sealing.seal(
            {"day": timezone.localdate().isoformat(), "hood": None, "answers": []},
            purpose=HELD,
        )
    )


class AnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Answer"

    response = factory.SubFactory(ResponseFactory)
    question = factory.SubFactory(
        QuestionFactory, survey=factory.SelfAttribute("..response.survey")
    )
    number = 4


class FollowUpContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.FollowUpContact"

    survey = factory.SubFactory(SurveyFactory)
    email = factory.Sequence(lambda n: f"hear-back{n}@example.net")
    language = "en"


class DistributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Distribution"

    survey = factory.SubFactory(SurveyFactory)
    audience = "csv"
    created_by = factory.SubFactory(StaffUserFactory)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "surveys.Invitation"

    survey = factory.SubFactory(SurveyFactory)
    contact = factory.Sequence(lambda n: f"invitee{n}@example.net")
    channel = "email"
    language = "en"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coproduction.Recommendation"

    program = factory.SubFactory(ProgramFactory)
    title = factory.Sequence(lambda n: f"Recommendation {n}")
    text = "Publish stop data every quarter, by beat."
    received_on = factory.LazyFunction(timezone.localdate)
    response_due = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=60))
    responsible_user = factory.SubFactory(StaffUserFactory)
    created_by = factory.SelfAttribute("responsible_user")


class RecommendationUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coproduction.RecommendationUpdate"

    recommendation = factory.SubFactory(RecommendationFactory)
    on = factory.LazyFunction(timezone.localdate)
    status = "under_review"
    text = "The chief's office is reviewing it."
    author = factory.SelfAttribute("recommendation.responsible_user")


class RecommendationFollowerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coproduction.RecommendationFollower"

    recommendation = factory.SubFactory(RecommendationFactory)
    resident = factory.SubFactory(ResidentFactory)
    language = "en"


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "information.Announcement"

    title = factory.Sequence(lambda n: {"en": f"News {n}", "es": f"Noticia {n}"})
    body = {"en": "Main St is closed on Sunday.", "es": "La calle Main cierra el domingo."}
    author = factory.SubFactory(StaffUserFactory)
    published_at = factory.LazyFunction(timezone.now)


class PressQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "information.PressQuestion"

    event = factory.SubFactory(EventFactory)
    question = "When will the report be public?"


class PartnerContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "in_person.PartnerContact"

    partner = factory.SubFactory(PartnerOrganisationFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    role = "Outreach coordinator"
    email = factory.Sequence(lambda n: f"contact{n}@partner.example.net")


class PartnerAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "in_person.PartnerAgreement"

    partner = factory.SubFactory(PartnerOrganisationFactory)
    title = factory.Sequence(lambda n: f"Memorandum {n}")
    kind = "mou"
    starts_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=300))
    renews_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=365))
    responsible_user = factory.SubFactory(StaffUserFactory)


class EventCoFacilitatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "personnel.EventCoFacilitator"

    event = factory.SubFactory(EventFactory)
    partner = factory.SubFactory(PartnerOrganisationFactory)
    name = factory.Sequence(lambda n: f"Co-facilitator {n}")
    role = "Peer trainer"


class RequestRouteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "in_person.RequestRoute"

    # One route per kind: a test may make three.
    kind = factory.Iterator(["ride_out", "briefing", "front_porch"])
    unit = factory.SubFactory(UnitFactory)


class ResidentRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "in_person.ResidentRequest"

    kind = "briefing"
    resident = factory.SubFactory(ResidentFactory)
    topic = "Car break-ins"
    neighbourhood = factory.SelfAttribute("resident.neighbourhood")
    preferred_time_1 = "Weekday evenings after 6"
    language = "en"
    token_hash = factory.Sequence(lambda n: f"{n:064x}")


# --- Building blocks: readiness, applications, cohorts, volunteers, standing groups ----


def _soon(days=0, hours=0):
    return timezone.now() + timedelta(days=days, hours=hours)


class ReadinessCheckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programs.ReadinessCheck"

    program = factory.SubFactory(ProgramFactory)
    item = "policy_approved"


class AnnouncementReplyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "information.AnnouncementReply"

    announcement = factory.SubFactory("tests.factories.AnnouncementFactory")
    message = "I saw the blue car on Elm Street around 9 pm."


class ApplicationFormFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.ApplicationForm"

    program = factory.SubFactory(ProgramFactory)
    opens_at = factory.LazyFunction(lambda: _soon(days=-1))
    closes_at = factory.LazyFunction(lambda: _soon(days=30))
    minimum_age = 18


class ApplicationQuestionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.ApplicationQuestion"

    form = factory.SubFactory(ApplicationFormFactory)
    text = factory.LazyFunction(
        lambda: {"en": "Why do you want to join?", "es": "¿Por qué quiere participar?"}
    )


class ApplicationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.Application"

    program = factory.SubFactory(ProgramFactory)
    resident = factory.SubFactory(ResidentFactory)
    # About 36 years old whatever today is (relativedelta turns 29 February into the 28th).
    date_of_birth = factory.LazyFunction(lambda: timezone.localdate() - relativedelta(years=36))
    lives_in_service_area = True
    token_hash = factory.Sequence(lambda n: f"a{n:063x}")


class ApplicationNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.ApplicationNote"

    application = factory.SubFactory(ApplicationFactory)
    author = factory.SubFactory(StaffUserFactory)
    text = "Strong answers; lives in the north beat."


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.Cohort"

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Cohort {n}")


class CohortSessionFactory(factory.django.DjangoModelFactory):
    """An event that is one of a cohort's sessions (of the cohort's program)."""

    class Meta:
        model = "structured.CohortSession"

    cohort = factory.SubFactory(CohortFactory)
    event = factory.SubFactory(EventFactory, program=factory.SelfAttribute("..cohort.program"))


class CohortMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.CohortMember"

    cohort = factory.SubFactory(CohortFactory)
    resident = factory.SubFactory(ResidentFactory)


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.Attendance"

    event = factory.SubFactory(EventFactory)
    resident = factory.SubFactory(ResidentFactory)
    present = True


class AlumniInvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.AlumniInvitation"

    member = factory.SubFactory(CohortMemberFactory)
    program = factory.SubFactory(ProgramFactory)


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.Training"
        django_get_or_create = ["name"]

    name = factory.Sequence(lambda n: f"First aid {n}")
    valid_for_months = 24


class VolunteerRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.VolunteerRole"

    program = factory.SubFactory(ProgramFactory)
    name = factory.Sequence(lambda n: f"Citizens on Patrol {n}")


class VolunteerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.Volunteer"

    program = factory.SelfAttribute("role.program")
    role = factory.SubFactory(VolunteerRoleFactory)
    resident = factory.SubFactory(ResidentFactory)
    token_hash = factory.Sequence(lambda n: f"v{n:063x}")


class CertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.Certification"

    volunteer = factory.SubFactory(VolunteerFactory)
    training = factory.SubFactory(TrainingFactory)
    completed_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=300))
    expires_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=400))


class ShiftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.Shift"

    program = factory.SubFactory(ProgramFactory)
    title = "Patrol, north beat"
    starts_at = factory.LazyFunction(lambda: _soon(days=3))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=3))
    capacity = 2


class ShiftSignupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.ShiftSignup"

    shift = factory.SubFactory(ShiftFactory)
    volunteer = factory.SubFactory(VolunteerFactory)


class HoursEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "structured.HoursEntry"

    volunteer = factory.SubFactory(VolunteerFactory)
    started_at = factory.LazyFunction(lambda: _soon(days=-2))
    ended_at = factory.LazyAttribute(lambda o: o.started_at + timedelta(hours=2))
    description = "Helped at the safety fair"


class GroupMemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coproduction.GroupMember"

    program = factory.SubFactory(ProgramFactory)
    resident = factory.SubFactory(ResidentFactory)
    term_starts = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=30))
    term_ends = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=700))


class MeetingRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coproduction.MeetingRecord"

    event = factory.SubFactory(EventFactory)
    agenda = "1. Welcome\n2. Body-worn camera policy draft"


class ReviewItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coproduction.ReviewItem"

    program = factory.SubFactory(ProgramFactory)
    kind = "policy"
    title = "Body-worn camera policy"
    summary = "When officers record, and who may see the footage."
    status = "under_review"
    created_by = factory.SubFactory(StaffUserFactory)


class ReviewDocumentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coproduction.ReviewDocument"

    item = factory.SubFactory(ReviewItemFactory)
    title = "Draft policy"
    link = "https://example.org/bwc-draft.pdf"


class PublicCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "coproduction.PublicComment"

    item = factory.SubFactory(ReviewItemFactory)
    text = "Footage should be released within 30 days."
