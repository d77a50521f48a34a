"""Walk every URL pattern and prove who may open it.

Each named URL is classified in ACCESS below. A new URL that is not classified fails
`test_every_url_pattern_is_classified`, so nobody can add a page without deciding who may
see it. Then each class is checked for every persona.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import ProgramFactory

PUBLIC = "public"  # anyone, no account
LOGIN = "login"  # any signed-in user
STAFF = "staff"  # agency staff (program staff, command staff, administrators)
PROGRAM = "program"  # staff who run this program (owner, team) and administrators
CREATE = "create"  # staff allowed to create programs (program staff, administrators)
COMMAND = "command"  # command staff and administrators
ADMIN = "admin"  # administrators only

ACCESS = {
    "core:home": PUBLIC,
    "core:healthz": PUBLIC,
    "core:readyz": PUBLIC,  # states only: ok, down, not configured
    "messaging:machinery": ADMIN,
    "core:role-home": LOGIN,
    "core:resident-home": LOGIN,
    "core:staff-home": STAFF,
    "core:command-home": COMMAND,
    "core:admin-home": ADMIN,
    # Everything held about one resident, and erasing them: administrators only.
    "core:privacy": ADMIN,
    "core:privacy-resident": ADMIN,
    "core:privacy-export": ADMIN,
    "core:privacy-erase": ADMIN,
    "programs:catalogue": PUBLIC,
    "programs:public-detail": PUBLIC,
    "programs:staff-list": STAFF,
    "programs:staff-create": CREATE,
    "programs:staff-detail": STAFF,
    "programs:staff-edit": PROGRAM,
    "programs:staff-status": PROGRAM,
    "programs:spectrum": STAFF,
    "login": PUBLIC,
    "logout": PUBLIC,
    "signup": PUBLIC,
    "confirm-email": PUBLIC,  # a signed token; a bad one is a clear 404 page
    "confirm-email-resend": LOGIN,
    "confirm-contact": PUBLIC,  # the private token is the key; a bad one is a clear 404 page
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "password_change": LOGIN,
    "password_change_done": LOGIN,
    "set_language": PUBLIC,
    "messaging:opt-out": PUBLIC,  # guarded by a signed token; a bad token is a clear 404 page
    "events:list": PUBLIC,
    "events:feed": PUBLIC,
    "events:program-feed": PUBLIC,
    "events:detail": PUBLIC,
    "events:register": PUBLIC,
    "events:ics": PUBLIC,
    "events:manage": PUBLIC,  # the private token is the key
    "events:manage-cancel": PUBLIC,
    "events:manage-qr": PUBLIC,
    "events:staff-list": STAFF,
    "events:staff-create": PROGRAM,
    "events:staff-series": PROGRAM,
    # Everything that shows or changes registrants' personal data: the program's own staff.
    "events:staff-detail": PROGRAM,
    "events:staff-edit": PROGRAM,
    "events:staff-cancel": PROGRAM,
    "events:staff-delete": PROGRAM,
    "events:staff-add-registrant": PROGRAM,
    "events:staff-door": PROGRAM,
    "events:staff-check-in": PROGRAM,
    "events:staff-check-in-code": PROGRAM,
    "events:staff-walk-in": PROGRAM,
    "events:staff-no-shows": PROGRAM,
    "events:staff-export": PROGRAM,
    "events:staff-personnel": PROGRAM,
    "events:staff-accommodation": PROGRAM,
    "events:staff-requests": CREATE,  # opens for program staff, listing their events' only
    "surveys:invitation": PUBLIC,
    "surveys:answer": PUBLIC,
    "surveys:thanks": PUBLIC,
    "surveys:kiosk": PUBLIC,
    "surveys:qr": PUBLIC,
    "surveys:print": PUBLIC,
    "surveys:public-results": PUBLIC,  # only what staff published; 404 otherwise
    "surveys:staff-list": STAFF,
    "surveys:staff-create": CREATE,
    "surveys:staff-trends": STAFF,  # aggregates of standard questions, suppressed under 10
    # A survey's own pages: its owner, the team of its program, administrators.
    "surveys:staff-detail": PROGRAM,
    "surveys:staff-edit": PROGRAM,
    "surveys:staff-question-add": PROGRAM,
    "surveys:staff-bank-add": PROGRAM,
    "surveys:staff-translations": PROGRAM,
    "surveys:staff-status": PROGRAM,
    "surveys:staff-version": PROGRAM,
    "surveys:staff-question-edit": PROGRAM,
    "surveys:staff-question-move": PROGRAM,
    "surveys:staff-question-delete": PROGRAM,
    "surveys:staff-paper": PROGRAM,
    "surveys:staff-paper-undo": PROGRAM,
    "surveys:staff-distributions": PROGRAM,
    "surveys:staff-distribution": PROGRAM,
    "surveys:staff-distribution-action": PROGRAM,
    "surveys:staff-results": PROGRAM,
    "surveys:staff-results-csv": PROGRAM,
    "surveys:staff-publish": PROGRAM,
    "recommendations:public-list": PUBLIC,
    "recommendations:public-detail": PUBLIC,
    "recommendations:staff-list": STAFF,  # no personal data: what was asked and answered
    "recommendations:staff-detail": STAFF,
    "recommendations:staff-create": PROGRAM,
    "recommendations:staff-respond": PROGRAM,  # the program's staff and the responsible person
    "announcements:public-list": PUBLIC,
    "announcements:feed": PUBLIC,
    "announcements:public-detail": PUBLIC,
    "announcements:ask": PUBLIC,
    "announcements:staff-list": STAFF,
    "announcements:staff-create": CREATE,
    "announcements:staff-edit": PROGRAM,  # its author, its program's staff, administrators
    "announcements:staff-publish": PROGRAM,
    "announcements:staff-questions": PROGRAM,  # residents' names: the event's program staff
    "announcements:staff-moderate": PROGRAM,
    "partners:staff-list": STAFF,  # organisations and the programs they co-run, no contacts
    # A partner's page and its contacts: the staff who run a program it co-runs.
    "partners:staff-detail": PROGRAM,
    "partners:contact-add": PROGRAM,
    "partners:contact-edit": PROGRAM,
    # Editing the organisation needs programs.change_program: program staff and administrators.
    "partners:staff-create": CREATE,
    "partners:staff-edit": CREATE,
    "partners:agreement-add": CREATE,
    "partners:agreement-edit": CREATE,
    "personnel:staff-co-facilitators": PROGRAM,  # the session's program staff
    "personnel:staff-co-facilitator-edit": PROGRAM,
    "personnel:staff-co-facilitator-remove": PROGRAM,
    "requests:form": PUBLIC,
    "requests:status": PUBLIC,  # the private token is the key; a bad one is a clear 404 page
    # Residents' contact details: the staff a request is routed to (selectors_requests).
    "requests:staff-list": CREATE,  # opens for program staff, listing only their requests
    "requests:staff-detail": PROGRAM,
    "announcements:reply": PUBLIC,
    "announcements:staff-replies": PROGRAM,  # tips can name people: the program's staff
    # Applications: applicants hold private links; reviewers are the program's staff.
    "applications:apply": PUBLIC,
    "applications:status": PUBLIC,  # the private token is the key
    "applications:guardian": PUBLIC,  # the guardian's own single-use token
    "applications:staff-queue": PROGRAM,
    "applications:staff-settings": PROGRAM,
    "applications:staff-question-edit": PROGRAM,
    "applications:staff-detail": PROGRAM,
    "cohorts:staff-create": PROGRAM,
    "cohorts:staff-detail": PROGRAM,
    "cohorts:staff-sessions": PROGRAM,
    "cohorts:staff-members": PROGRAM,
    "cohorts:staff-attendance": PROGRAM,
    "cohorts:staff-close": PROGRAM,
    "cohorts:staff-invite": PROGRAM,
    "cohorts:certificate": PUBLIC,  # an unguessable id, printed on the certificate to verify it
    "cohorts:staff-readiness": PROGRAM,
    "volunteers:staff-roster": PROGRAM,
    "volunteers:staff-add": PROGRAM,
    "volunteers:staff-roles": PROGRAM,
    "volunteers:staff-shifts": PROGRAM,
    "volunteers:staff-hours": PROGRAM,
    "volunteers:staff-detail": PROGRAM,
    "volunteers:staff-trainings": CREATE,  # the shared list of trainings; no personal data
    "volunteers:home": PUBLIC,  # the volunteer's private token is the key
    "groups:public-list": PUBLIC,
    "groups:public-item": PUBLIC,  # items open for comment only; others are a 404
    "groups:public-meetings": PUBLIC,  # published agendas and minutes only
    "groups:document": PUBLIC,  # a public item's document; confidential ones: see test_groups
    # The members' area: current members with an account, the program's staff, admins.
    # dave is not a member here; tests/programs/coproduction/test_groups*.py prove members get in.
    "groups:member-home": PROGRAM,
    "groups:member-item": PROGRAM,
    "groups:staff-group": PROGRAM,  # the group's meetings and items, with links to each
    "groups:staff-members": PROGRAM,
    "groups:staff-representation": STAFF,  # counts by neighbourhood, no names
    "groups:staff-member-edit": PROGRAM,
    "groups:staff-meeting": PROGRAM,
    "groups:staff-item-create": PROGRAM,
    "groups:staff-item": PROGRAM,
    "groups:staff-moderate": PROGRAM,
    # Command dashboards: aggregates only, for command staff and administrators.
    "dashboard:overview": COMMAND,
    "dashboard:spectrum": COMMAND,
    "dashboard:drill-down": COMMAND,
    "dashboard:reach": COMMAND,
    "dashboard:principles": COMMAND,
    "dashboard:trust": COMMAND,
    "dashboard:trust-question": COMMAND,
    "dashboard:export": COMMAND,
    "dashboard:report": COMMAND,
    "dashboard:open-data": PUBLIC,  # aggregate, suppressed, no personal data
    "dashboard:open-data-file": PUBLIC,
}
POST_ONLY = {
    "confirm-email-resend",
    "programs:staff-status",
    "logout",
    "set_language",
    "events:staff-check-in",
    "events:staff-no-shows",
    "events:staff-accommodation",
    "surveys:staff-status",
    "surveys:staff-version",
    "surveys:staff-question-move",
    "surveys:staff-distribution-action",
    "surveys:staff-publish",
    "announcements:staff-publish",
    "announcements:staff-moderate",
    "cohorts:staff-close",
    "groups:staff-moderate",
    "personnel:staff-co-facilitator-remove",
}

# Which classes each persona may open. Everything else must be refused.
ALLOWED = {
    "anonymous": {PUBLIC},
    "dave": {PUBLIC, LOGIN},  # resident
    "alice": {PUBLIC, LOGIN, STAFF, PROGRAM, CREATE},  # program staff, owns the program
    "bob": {PUBLIC, LOGIN, STAFF, CREATE},  # program staff, not on this program
    "carol": {PUBLIC, LOGIN, STAFF, COMMAND},  # command staff
    "root": {PUBLIC, LOGIN, STAFF, PROGRAM, CREATE, COMMAND, ADMIN},  # administrator
}


def walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # The Django admin is checked separately below.
            ns = entry.namespace or namespace
            yield from walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name, entry


def project_urls():
    return dict(walk(get_resolver().url_patterns))


def url_for(name, objects):
    program, event, registration, token, survey, voice, blocks = objects
    recommendation, announcement, press_question, resident_request = voice
    kwargs = {}
    pattern = project_urls()[name].pattern.regex.pattern
    block_pk = {
        "applications:staff-detail": blocks["application"],
        "cohorts:staff-detail": blocks["cohort"],
        "cohorts:staff-sessions": blocks["cohort"],
        "cohorts:staff-members": blocks["cohort"],
        "cohorts:staff-attendance": blocks["cohort"],
        "cohorts:staff-close": blocks["cohort"],
        "cohorts:staff-invite": blocks["cohort"],
        "volunteers:staff-detail": blocks["volunteer"],
        "groups:document": blocks["document"],
        "groups:staff-member-edit": blocks["member"],
        "groups:staff-meeting": event,
        "groups:staff-item": blocks["item"],
        "groups:staff-moderate": blocks["item"],
        "announcements:staff-replies": announcement,
        "personnel:staff-co-facilitator-edit": blocks["co_facilitator"],
        "personnel:staff-co-facilitator-remove": blocks["co_facilitator"],
        "core:privacy-resident": registration.resident,
        "core:privacy-export": registration.resident,
        "core:privacy-erase": registration.resident,
    }
    if name in block_pk:
        kwargs["pk"] = block_pk[name].pk
    elif "<pk>" in pattern:
        if name == "events:staff-accommodation":
            kwargs["pk"] = registration.accommodations.get().pk
        elif name.startswith("surveys:"):
            kwargs["pk"] = survey.pk
        elif name.startswith("recommendations:"):
            kwargs["pk"] = recommendation.pk
        elif name.startswith("requests:"):
            kwargs["pk"] = resident_request.pk
        elif name == "announcements:staff-questions" or name == "personnel:staff-co-facilitators":
            kwargs["pk"] = event.pk
        elif name.startswith("announcements:"):
            kwargs["pk"] = announcement.pk
        else:
            kwargs["pk"] = event.pk if name.startswith("events:") else program.pk
    if "<event_pk>" in pattern:
        kwargs["event_pk"] = blocks["session"].pk
    if "<comment_pk>" in pattern:
        kwargs["comment_pk"] = blocks["comment"].pk
    if "<certificate_id>" in pattern:
        kwargs["certificate_id"] = blocks["cohort_member"].certificate_id
    if "<question_pk>" in pattern:
        if name.startswith("applications:"):
            kwargs["question_pk"] = blocks["question"].pk
        elif name.startswith("announcements:"):
            kwargs["question_pk"] = press_question.pk
        else:
            kwargs["question_pk"] = survey.questions.first().pk
    if "<partner_pk>" in pattern:
        kwargs["partner_pk"] = program.partners.get().pk
    if "<contact_pk>" in pattern:
        kwargs["contact_pk"] = program.partners.get().contacts.get().pk
    if "<agreement_pk>" in pattern:
        kwargs["agreement_pk"] = program.partners.get().agreements.get().pk
    if "<distribution_pk>" in pattern:
        kwargs["distribution_pk"] = survey.distributions.first().pk
    if "<action>" in pattern:
        kwargs["action"] = "approve" if name.startswith(("announcements:", "groups:")) else "pause"
    if "<lang>" in pattern:
        kwargs["lang"] = "en"
    if "<program_pk>" in pattern:
        kwargs["program_pk"] = program.pk
    if "<registration_pk>" in pattern:
        kwargs["registration_pk"] = registration.pk
    if "<public_id>" in pattern:
        kwargs["public_id"] = {
            "surveys": survey.public_id,
            "recommendations": recommendation.public_id,
            "announcements": announcement.public_id,
            "groups": blocks["item"].public_id,
        }.get(name.split(":")[0], event.public_id)
        if name == "announcements:ask":
            kwargs["public_id"] = event.public_id
    if "<code>" in pattern:
        kwargs["code"] = registration.check_in_code
    if "<fmt>" in pattern:
        kwargs["fmt"] = "csv" if name.startswith("dashboard:") else "png"
    if "<figure>" in pattern:
        kwargs["figure"] = "participations"
    if "<table>" in pattern:
        kwargs["table"] = "overview"
    if "<key>" in pattern:
        kwargs["key"] = "trust-neighbourhood"  # a question of the standard bank
    if "<slug>" in pattern:
        kwargs["slug"] = program.slug
    if "<token>" in pattern and "<uidb64>" not in pattern:
        kwargs["token"] = token if name.startswith("events:") else "not-a-valid-token"
    if "<uidb64>" in pattern:
        kwargs.update(uidb64="MQ", token="set-password")
    return reverse(name, kwargs=kwargs)


def test_every_url_pattern_is_classified():
    unclassified = sorted(set(project_urls()) - set(ACCESS))
    assert not unclassified, f"Classify these URLs in ACCESS: {unclassified}"
    stale = sorted(set(ACCESS) - set(project_urls()))
    assert not stale, f"ACCESS names URLs that no longer exist: {stale}"


@pytest.fixture
def objects(alice):
    """A program alice owns, an upcoming event of it, and a registration with its token."""
    from datetime import timedelta

    from django.utils import timezone

    from events import services as event_services
    from events.models import Event

    program = ProgramFactory(owner=alice)
    start = timezone.now() + timedelta(days=7)
    event = Event.objects.create(
        program=program, title="Town hall", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    result = event_services.register(
        event=event, name="Rosa", email="rosa@example.net", accessibility="Step-free access"
    )
    from surveys.models import Distribution, Question, Survey

    survey = Survey.objects.create(
        owner=alice,
        program=program,
        title={"en": "How did we do?"},
        languages=["en"],
        status=Survey.Status.OPEN,
    )
    Question.objects.create(survey=survey, kind="rating", text={"en": "Rate the event"})
    Distribution.objects.create(survey=survey, audience="csv", created_by=alice)
    from programs.coproduction.models_recommendations import Recommendation
    from programs.information.models import Announcement, PressQuestion

    recommendation = Recommendation.objects.create(
        program=program,
        title="Publish stop data",
        text="Every quarter, by beat.",
        received_on=timezone.localdate(),
        responsible_user=alice,
        created_by=alice,
        response_due=timezone.localdate() + timedelta(days=60),
    )
    announcement = Announcement.objects.create(
        program=program,
        title={"en": "Road closed"},
        body={"en": "Main St, Sunday."},
        author=alice,
        published_at=timezone.now(),
    )
    question = PressQuestion.objects.create(event=event, question="When will it reopen?")
    from tests.factories import PartnerAgreementFactory, PartnerContactFactory

    partner_agreement = PartnerAgreementFactory(responsible_user=alice)
    PartnerContactFactory(partner=partner_agreement.partner)
    program.partners.add(partner_agreement.partner)
    from tests.factories import ResidentRequestFactory

    # Accepted into alice's program: hers (and her unit's) to read, not bob's.
    voice = (recommendation, announcement, question, ResidentRequestFactory(program=program))
    return (
        program,
        event,
        result.registration,
        result.token,
        survey,
        voice,
        building_blocks(program, event),
    )


def building_blocks(program, event):
    """One of each building-block record on alice's program, for the URL walk."""
    from programs.personnel.models import EventCoFacilitator
    from tests import factories as f

    form = f.ApplicationFormFactory(program=program)
    cohort = f.CohortFactory(program=program)
    session = f.CohortSessionFactory(cohort=cohort, event__program=program).event
    item = f.ReviewItemFactory(program=program, created_by=program.owner)
    role = f.VolunteerRoleFactory(program=program)
    return {
        "question": f.ApplicationQuestionFactory(form=form),
        "application": f.ApplicationFactory(program=program),
        "cohort": cohort,
        "session": session,
        "cohort_member": f.CohortMemberFactory(cohort=cohort),
        "volunteer": f.VolunteerFactory(role=role),
        "member": f.GroupMemberFactory(program=program),
        "item": item,
        "document": f.ReviewDocumentFactory(item=item),
        "comment": f.PublicCommentFactory(item=item),
        "co_facilitator": EventCoFacilitator.objects.create(event=event, name="Dana Reyes"),
    }


@pytest.mark.parametrize("persona", list(ALLOWED))
def test_each_persona_reaches_exactly_what_its_role_allows(persona, request, client, objects):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    problems = []
    for name, level in ACCESS.items():
        if user:
            client.force_login(user)  # again each time: the walk includes logout
        url = url_for(name, objects)
        if name in POST_ONLY:
            response = client.post(url, {"status": "completed", "outcome": "x"})
        else:
            response = client.get(url)
        refused = response.status_code == 403 or (
            response.status_code == 302 and response["Location"].startswith(reverse("login"))
        )
        if level in ALLOWED[persona] and refused:
            problems.append(f"{name} ({url}) refused {persona}: {response.status_code}")
        if level not in ALLOWED[persona] and not refused:
            problems.append(f"{name} ({url}) let {persona} in: {response.status_code}")
        # Anonymous visitors are sent to log in, not shown a bare 403.
        if persona == "anonymous" and level not in ALLOWED[persona] and response.status_code != 302:
            problems.append(f"{name} ({url}) gave anonymous {response.status_code}")
        if response.status_code >= 500:
            problems.append(f"{name} ({url}) crashed for {persona}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", ["anonymous", "dave", "alice", "carol"])
def test_admin_site_and_its_personal_data_refuse_everyone_but_administrators(
    persona, request, client, db
):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    for url in [
        reverse("admin:index"),
        reverse("admin:accounts_resident_changelist"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_neighbourhood_import"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_administrator_opens_the_admin_pages_with_personal_data(client, root):
    client.force_login(root)
    for url in [
        reverse("admin:index"),
        reverse("admin:accounts_resident_changelist"),
        reverse("admin:accounts_neighbourhood_import"),
        reverse("admin:in_person_residentrequest_changelist"),
        reverse("admin:events_registration_changelist"),
        reverse("admin:surveys_survey_changelist"),
        reverse("admin:messaging_outboxmessage_changelist"),
    ]:
        assert client.get(url).status_code == 200, url


# --- Need to know -------------------------------------------------------------------------
#
# Every staff URL either shows or changes personal data, and is then refused to staff who do
# not run the program it belongs to, or holds none. Pages that show residents' data also
# write one audit log entry per view, naming the residents shown.

AUDITED = "audited"  # shows personal data; refused to others; each view is audit-logged
REFUSED = "refused"  # changes personal data (forms, posts) or shows names typed in free text
SCOPED = "scoped"  # a list that opens for program staff but shows only their own records

PERSONAL_DATA = {
    "events:staff-detail": AUDITED,  # the roster
    "events:staff-door": AUDITED,
    "events:staff-check-in-code": AUDITED,
    "events:staff-export": AUDITED,  # the roster file; the export service logs it
    "events:staff-add-registrant": REFUSED,
    "events:staff-walk-in": REFUSED,
    "events:staff-check-in": REFUSED,
    "events:staff-no-shows": REFUSED,
    "events:staff-accommodation": REFUSED,
    "events:staff-requests": SCOPED,
    "events:staff-cancel": REFUSED,  # tells every registrant
    "events:staff-delete": REFUSED,
    "applications:staff-queue": AUDITED,
    "applications:staff-detail": AUDITED,
    "volunteers:staff-roster": AUDITED,
    "volunteers:staff-detail": AUDITED,
    "volunteers:staff-shifts": AUDITED,
    "volunteers:staff-hours": AUDITED,
    "volunteers:staff-add": REFUSED,
    "cohorts:staff-detail": AUDITED,
    "cohorts:staff-members": AUDITED,
    "cohorts:staff-attendance": AUDITED,
    "cohorts:staff-invite": REFUSED,
    "cohorts:staff-close": REFUSED,
    "groups:staff-members": AUDITED,
    "groups:staff-member-edit": AUDITED,
    "groups:member-home": REFUSED,
    "groups:member-item": REFUSED,  # confidential items: the groups service logs each view
    "groups:staff-item": REFUSED,
    "groups:staff-moderate": REFUSED,
    "announcements:staff-questions": AUDITED,  # askers' names as typed
    "announcements:staff-replies": AUDITED,  # tips can name people
    "announcements:staff-moderate": REFUSED,
    "requests:staff-detail": AUDITED,
    "requests:staff-list": SCOPED,
    "partners:staff-detail": AUDITED,  # contacts' names, emails and phones
    "partners:contact-edit": AUDITED,
    "partners:contact-add": REFUSED,
    # Administrators only: find a resident, what is held about them, its download, erasure.
    "core:privacy": AUDITED,
    "core:privacy-resident": AUDITED,
    "core:privacy-export": AUDITED,
    "core:privacy-erase": REFUSED,
}
# Staff URLs that hold no one's personal data (staff names aside), each with its reason.
NO_PERSONAL_DATA = {
    "core:staff-home": "links and the signed-in user's own programs",
    "core:command-home": "links",
    "core:admin-home": "counts",
    "messaging:machinery": "counts, times and kinds of error",
    "programs:staff-list": "programs",
    "programs:staff-create": "a new program",
    "programs:staff-detail": "a program, its team of staff and its events",
    "programs:staff-edit": "a program",
    "programs:staff-status": "a program's status",
    "programs:spectrum": "programs by tier",
    "events:staff-list": "events with seat counts",
    "events:staff-create": "a new event",
    "events:staff-series": "a new series",
    "events:staff-edit": "the event",
    "events:staff-personnel": "agency staff at the event",
    "surveys:staff-list": "surveys",
    "surveys:staff-create": "a new survey",
    "surveys:staff-trends": "aggregates, suppressed under 10",
    "surveys:staff-detail": "the questionnaire",
    "surveys:staff-edit": "the questionnaire",
    "surveys:staff-question-add": "the questionnaire",
    "surveys:staff-bank-add": "the questionnaire",
    "surveys:staff-translations": "the questionnaire",
    "surveys:staff-status": "the survey's status",
    "surveys:staff-version": "the questionnaire",
    "surveys:staff-question-edit": "the questionnaire",
    "surveys:staff-question-move": "the questionnaire",
    "surveys:staff-question-delete": "the questionnaire",
    "surveys:staff-paper": "a blank paper form to type in",
    "surveys:staff-paper-undo": "the last paper form typed",
    "surveys:staff-distributions": "counts of invitations",
    "surveys:staff-distribution": "counts of invitations",
    "surveys:staff-distribution-action": "pause or resume sending",
    "surveys:staff-results": "anonymous answers, suppressed under 10",
    "surveys:staff-results-csv": "anonymous answers; the export is audit-logged",
    "surveys:staff-publish": "publishing the summary",
    "recommendations:staff-list": "what was asked and answered",
    "recommendations:staff-detail": "what was asked and answered",
    "recommendations:staff-create": "a new recommendation",
    "recommendations:staff-respond": "the agency's response",
    "announcements:staff-list": "announcements",
    "announcements:staff-create": "a new announcement",
    "announcements:staff-edit": "the announcement",
    "announcements:staff-publish": "publishing the announcement",
    "partners:staff-list": "organisations and their programs; no contacts",
    "partners:staff-create": "a new organisation",
    "partners:staff-edit": "the organisation",
    "partners:agreement-add": "an agreement and the staff member responsible",
    "partners:agreement-edit": "an agreement and the staff member responsible",
    "personnel:staff-co-facilitators": "co-facilitators on a training session, by role",
    "personnel:staff-co-facilitator-edit": "a co-facilitator's name, role and organisation",
    "personnel:staff-co-facilitator-remove": "taking a co-facilitator off a session",
    "applications:staff-settings": "the application form",
    "applications:staff-question-edit": "the application form",
    "cohorts:staff-create": "a new cohort",
    "cohorts:staff-sessions": "the cohort's sessions",
    "cohorts:staff-readiness": "the program's readiness checklist",
    "volunteers:staff-roles": "roles and their required trainings",
    "volunteers:staff-trainings": "the shared list of trainings",
    "groups:staff-group": "the group's meetings and items",
    "groups:staff-representation": "counts by neighbourhood, no names",
    "groups:staff-meeting": "agenda and minutes",
    "groups:staff-item-create": "a new item",
    "dashboard:overview": "aggregates",
    "dashboard:spectrum": "aggregates",
    "dashboard:drill-down": "aggregates",
    "dashboard:reach": "aggregates",
    "dashboard:principles": "aggregates",
    "dashboard:trust": "aggregates",
    "dashboard:trust-question": "aggregates",
    "dashboard:export": "aggregates",
    "dashboard:report": "aggregates",
}


def test_every_staff_url_says_whether_it_holds_personal_data():
    staff_urls = {name for name, level in ACCESS.items() if level not in (PUBLIC, LOGIN)}
    both = sorted(set(PERSONAL_DATA) & set(NO_PERSONAL_DATA))
    assert not both, f"In both PERSONAL_DATA and NO_PERSONAL_DATA: {both}"
    unmarked = sorted(staff_urls - set(PERSONAL_DATA) - set(NO_PERSONAL_DATA))
    assert not unmarked, f"Mark these staff URLs in PERSONAL_DATA or NO_PERSONAL_DATA: {unmarked}"
    stale = sorted((set(PERSONAL_DATA) | set(NO_PERSONAL_DATA)) - staff_urls)
    assert not stale, f"Not staff URLs (any more): {stale}"
    # Whatever shows personal data is for the program's own staff, or a list scoped to them.
    broad = sorted(
        name
        for name, kind in PERSONAL_DATA.items()
        if (ACCESS[name] in (PROGRAM, ADMIN)) != (kind != SCOPED)
    )
    assert not broad, f"Personal data open beyond the program's staff: {broad}"


@pytest.fixture
def bob_runs_another_program(bob):
    """bob is program staff with a program of his own, of every kind a request can become."""
    from programs.in_person.models import ResidentRequest
    from programs.models import EngagementType

    for slug in ResidentRequest.TYPE_SLUGS.values():
        ProgramFactory(owner=bob, engagement_type=EngagementType.objects.get(slug=slug))
    return bob


def _fetch(client, name, objects):
    url = url_for(name, objects)
    if name in POST_ONLY:
        return client.post(url, {"status": "completed", "outcome": "x"})
    return client.get(url)


def test_staff_who_do_not_run_the_program_are_refused_its_personal_data(
    client, bob_runs_another_program, objects
):
    resident = objects[5][3].resident  # the request's resident, the one a scoped list hides
    problems = []
    for name, kind in PERSONAL_DATA.items():
        client.force_login(bob_runs_another_program)
        response = _fetch(client, name, objects)
        if kind == SCOPED:
            page = response.content.decode()
            if response.status_code != 200 or resident.name in page or resident.email in page:
                problems.append(f"{name} showed bob someone else's resident")
        elif response.status_code not in (403, 404):
            problems.append(f"{name} let bob in: {response.status_code}")
    assert not problems, "\n".join(problems)


def _residents_seen(objects) -> dict[str, object]:
    """For each audited page, a resident it shows, who must be named in its audit entry."""
    program, event, registration, token, survey, voice, blocks = objects
    return {
        "events:staff-detail": registration.resident,
        "events:staff-door": registration.resident,
        "events:staff-check-in-code": registration.resident,
        "events:staff-export": registration.resident,
        "applications:staff-queue": blocks["application"].resident,
        "applications:staff-detail": blocks["application"].resident,
        "volunteers:staff-roster": blocks["volunteer"].resident,
        "volunteers:staff-detail": blocks["volunteer"].resident,
        "cohorts:staff-detail": blocks["cohort_member"].resident,
        "cohorts:staff-members": blocks["cohort_member"].resident,
        "groups:staff-members": blocks["member"].resident,
        "groups:staff-member-edit": blocks["member"].resident,
        "requests:staff-detail": voice[3].resident,
        "requests:staff-list": voice[3].resident,
        "core:privacy": registration.resident,
        "core:privacy-resident": registration.resident,
        "core:privacy-export": registration.resident,
    }


def _pages_of_their_own_kind(alice, seen) -> dict[str, str]:
    """Pages that exist only for one kind of program (a 404 on the walk's coffee program):
    a program of that kind for alice, and the page's URL on it."""
    from datetime import timedelta

    from django.utils import timezone

    from programs.information.models import PressQuestion
    from programs.models import EngagementType
    from tests import factories as f

    def program_of(slug):
        return ProgramFactory(owner=alice, engagement_type=EngagementType.objects.get(slug=slug))

    academy = program_of("citizen-police-academy")
    f.ApplicationFormFactory(program=academy)
    seen["applications:staff-queue"] = f.ApplicationFactory(program=academy).resident
    committee = program_of("policy-review-committees")
    seen["groups:staff-members"] = f.GroupMemberFactory(program=committee).resident
    start = timezone.now() + timedelta(days=3)
    briefing = f.EventFactory(program=program_of("press-conferences"), starts_at=start)
    PressQuestion.objects.create(event=briefing, question="When?", name="Ana")
    return {
        "applications:staff-queue": reverse("applications:staff-queue", args=[academy.pk]),
        "groups:staff-members": reverse("groups:staff-members", args=[committee.pk]),
        "announcements:staff-questions": reverse(
            "announcements:staff-questions", args=[briefing.pk]
        ),
    }


def test_each_view_of_personal_data_is_audit_logged_with_the_residents_shown(
    client, alice, root, objects
):
    from engagement_portal.core.models import AuditLog

    seen = _residents_seen(objects)
    special = _pages_of_their_own_kind(alice, seen)
    special["core:privacy"] = reverse("core:privacy") + f"?q={seen['core:privacy'].email}"
    problems = []
    for name, kind in PERSONAL_DATA.items():
        if kind == REFUSED:
            continue
        who = root if ACCESS[name] == ADMIN else alice
        client.force_login(who)
        AuditLog.objects.all().delete()
        url = special.get(name)
        response = client.get(url) if url else _fetch(client, name, objects)
        entries = list(AuditLog.objects.filter(actor=who).prefetch_related("residents"))
        if response.status_code != 200 or not entries:
            problems.append(f"{name}: {response.status_code}, {len(entries)} audit entries")
            continue
        named = {resident for entry in entries for resident in entry.residents.all()}
        if name in seen and seen[name] not in named:
            problems.append(f"{name} did not name {seen[name]} in its audit entry")
    assert not problems, "\n".join(problems)
