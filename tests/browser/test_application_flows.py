"""Applications in a real browser.

On a 375 px phone a resident finds the citizen police academy, applies (first forgetting
the code of conduct, which keeps everything typed), and lands on their private status
page; staff on a desktop open the review queue and accept them; the status page then says
so. A teenager applies to the Explorer post, their guardian opens the link from the outbox
on a phone and consents once, and staff accept from the application's own page. axe runs
on every page visited.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagement_portal.messaging.models import OutboxMessage
from programs.models import EngagementType
from programs.structured.models_applications import (
    Application,
    ApplicationForm,
    ApplicationQuestion,
)
from tests.mailbox import delivered

from ..factories import NeighbourhoodFactory, ProgramFactory
from .conftest import PHONE, _new_page
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

Status = Application.Status


def _selective_program(owner, *, title, slug, type_slug, **form_options):
    program = ProgramFactory(
        title=title,
        slug=slug,
        engagement_type=EngagementType.objects.get(slug=type_slug),
        owner=owner,
        intention="Give residents an inside look at policing and hear their questions.",
    )
    now = timezone.now()
    form = ApplicationForm.objects.create(
        program=program,
        opens_at=now - timedelta(days=1),
        closes_at=now + timedelta(days=30),
        acknowledgements=["conduct"],
        acknowledgement_texts={"conduct": {"en": "I will treat everyone with respect."}},
        **form_options,
    )
    ApplicationQuestion.objects.create(
        form=form,
        kind=ApplicationQuestion.Kind.SHORT,
        text={"en": "Why do you want to join?", "es": "¿Por qué quiere participar?"},
    )
    ApplicationQuestion.objects.create(
        form=form,
        position=1,
        kind=ApplicationQuestion.Kind.CHOICE,
        text={"en": "Which sessions suit you?"},
        choices=[{"en": "Evenings"}, {"en": "Weekends"}],
    )
    return program


@pytest.fixture
def academy(alice):
    NeighbourhoodFactory(name="Hillcrest", code="hc")
    return _selective_program(
        alice,
        title="Citizen Police Academy",
        slug="citizen-police-academy",
        type_slug="citizen-police-academy",
        minimum_age=18,
        places=20,
        residency_required=True,
        introduction={"en": "Twelve Tuesday evenings at headquarters."},
    )


@pytest.fixture
def explorers(alice):
    return _selective_program(
        alice,
        title="Explorer Post 7",
        slug="explorer-post-7",
        type_slug="youth-engagement",
        minimum_age=14,
        maximum_age=20,
        guardian_consent_under=18,
    )


def _check(page, assert_accessible, label, *, phone=True):
    assert_accessible(page, label)
    if phone:
        assert_fits_phone(page, label)


def _fill_application(page, *, name, email, born, tick_conduct=True):
    form = page.get_by_role("main")
    form.get_by_label("Your full name").fill(name)
    form.get_by_label("Email", exact=True).fill(email)
    form.get_by_label("Date of birth").fill(born)
    form.get_by_label("Home address").fill("12 Elm Street")
    form.get_by_label("Why do you want to join?").fill("To understand my neighbourhood's police.")
    form.get_by_role("group", name="Which sessions suit you?").get_by_label("Weekends").check()
    if tick_conduct:
        form.get_by_label("I have read and accept the code of conduct").check()


def _staff_queue(page, program, log_in, alice, password, assert_accessible):
    log_in(page, alice, password)
    page.goto(program.get_staff_url())
    page.get_by_role("link", name="Applications", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Applications: {program.title}")
    _check(page, assert_accessible, "review queue", phone=False)


def test_a_resident_applies_to_the_academy_on_a_phone_and_staff_accept(
    phone_page, desktop_page, live_server, academy, alice, password, log_in, assert_accessible
):
    page = phone_page
    page.goto("/programs/")
    _check(page, assert_accessible, "catalogue (phone)")
    page.get_by_role("link", name="Citizen Police Academy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Citizen Police Academy")
    expect(page.get_by_role("main")).to_contain_text("Open now")
    _check(page, assert_accessible, "academy page (phone)")

    page.get_by_role("link", name="Apply", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply to Citizen Police Academy")
    expect(page.get_by_role("main")).to_contain_text("Twelve Tuesday evenings at headquarters.")
    _check(page, assert_accessible, "apply page (phone)")

    # First try: the code of conduct is not ticked, nor the service-area box.
    _fill_application(
        page, name="Rosa Diaz", email="rosa@example.net", born="1990-05-01", tick_conduct=False
    )
    page.get_by_role("button", name="Send my application").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Read this and tick the box to accept it")
    expect(summary).to_contain_text("live or work in the service area")
    main = page.get_by_role("main")
    expect(main.get_by_label("Your full name")).to_have_value("Rosa Diaz")
    expect(main.get_by_label("Date of birth")).to_have_value("1990-05-01")
    expect(main.get_by_label("Why do you want to join?")).to_have_value(
        "To understand my neighbourhood's police."
    )
    expect(main.get_by_label("Weekends")).to_be_checked()
    assert not Application.objects.exists()
    _check(page, assert_accessible, "apply page with errors (phone)")

    summary.get_by_role("link", name="I have read and accept the code of conduct").click()
    conduct = main.get_by_label("I have read and accept the code of conduct")
    expect(conduct).to_be_focused()
    conduct.check()
    main.get_by_label("I live or work in the service area").check()
    page.get_by_role("button", name="Send my application").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your application")
    expect(page.get_by_role("main")).to_contain_text("Thank you: your application is in.")
    expect(page.get_by_role("main")).to_contain_text("Submitted")
    status_url = page.url
    _check(page, assert_accessible, "status page (phone)")

    staff = desktop_page
    _staff_queue(staff, academy, log_in, alice, password, assert_accessible)
    staff.get_by_label("Select Rosa Diaz").check()
    staff.get_by_label("Action").select_option(label="Move to under review")
    staff.get_by_role("button", name="Apply to the ticked applications").click()
    expect(staff.get_by_role("main")).to_contain_text("1 application is now: Under review.")
    staff.get_by_label("Select Rosa Diaz").check()
    staff.get_by_label("Action").select_option(label="Accept")
    staff.get_by_label("Message to the applicants (optional)").fill("See you on Tuesday.")
    staff.get_by_role("button", name="Apply to the ticked applications").click()
    expect(staff.get_by_role("main")).to_contain_text("1 application is now: Accepted.")
    expect(staff.get_by_role("main")).to_contain_text("19 of 20 places left.")
    _check(staff, assert_accessible, "review queue after accepting", phone=False)
    # The form's own pages, from the queue.
    staff.get_by_role("link", name="Application form and window").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text(
        "Application form: Citizen Police Academy"
    )
    _check(staff, assert_accessible, "application form settings", phone=False)
    staff.get_by_role("link", name=re.compile(r"^Edit.*Why do you want to join")).click()
    expect(staff.get_by_label("Question (English)")).to_have_value("Why do you want to join?")
    _check(staff, assert_accessible, "question edit", phone=False)

    page.goto(status_url)
    expect(page.get_by_role("main")).to_contain_text("Accepted")
    expect(page.get_by_role("main")).to_contain_text("Congratulations: you are accepted.")
    expect(page.get_by_role("main")).to_contain_text("See you on Tuesday.")
    _check(page, assert_accessible, "status page after acceptance (phone)")
    decision = OutboxMessage.objects.get(key__endswith=":decision:accepted")
    assert decision.recipient == "rosa@example.net"


def test_a_teenager_applies_a_guardian_consents_and_staff_accept(
    phone_page,
    desktop_page,
    browser,
    live_server,
    explorers,
    alice,
    password,
    log_in,
    assert_accessible,
):
    page = phone_page
    born = (timezone.localdate() - timedelta(days=15 * 365 + 30)).isoformat()
    page.goto(explorers.get_absolute_url())
    page.get_by_role("link", name="Apply", exact=True).click()
    _check(page, assert_accessible, "explorer apply page (phone)")

    # Under 18 without a guardian: refused, with the reason.
    _fill_application(page, name="Leo Diaz", email="leo@example.net", born=born)
    page.get_by_role("button", name="Send my application").click()
    expect(page.locator("#error-summary")).to_contain_text("a parent or guardian must consent")
    _check(page, assert_accessible, "explorer apply page with errors (phone)")
    main = page.get_by_role("main")
    main.get_by_label("Parent or guardian's full name").fill("Marta Diaz")
    main.get_by_label("Parent or guardian's email").fill("marta@example.net")
    page.get_by_role("button", name="Send my application").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your application")
    expect(page.get_by_role("main")).to_contain_text(
        "We are waiting for Marta Diaz to give consent"
    )
    status_url = page.url
    _check(page, assert_accessible, "status page, consent pending (phone)")

    # The guardian opens the link from their message, on their own phone.
    message = OutboxMessage.objects.get(recipient="marta@example.net")
    guardian_path = re.search(r"/take-part/guardian/[^/\s]+/", delivered(message)).group(0)
    guardian_context, guardian = _new_page(browser, live_server, PHONE)
    guardian.goto(guardian_path)
    expect(guardian.get_by_role("heading", level=1)).to_have_text("Consent for an application")
    expect(guardian.get_by_role("main")).to_contain_text("I am the parent or legal guardian of Leo")
    expect(guardian.get_by_role("main")).to_contain_text("I will treat everyone with respect.")
    _check(guardian, assert_accessible, "guardian page (phone)")
    guardian.get_by_label("Your full name, as your signature").fill("Marta Diaz")
    guardian.get_by_label("I consent").check()
    guardian.get_by_role("button", name="Give my consent").click()
    expect(guardian.get_by_role("main")).to_contain_text("Thank you: your consent is recorded.")
    expect(guardian.get_by_role("main")).to_contain_text("Consent already given on")
    expect(guardian.get_by_label("I consent")).to_have_count(0)
    _check(guardian, assert_accessible, "guardian page after consent (phone)")
    guardian_context.close()

    staff = desktop_page
    _staff_queue(staff, explorers, log_in, alice, password, assert_accessible)
    staff.get_by_role("link", name="Leo Diaz").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Application: Leo Diaz")
    expect(staff.get_by_role("main")).to_contain_text("signed “Marta Diaz”")
    _check(staff, assert_accessible, "application detail", phone=False)
    staff.get_by_role("radio", name="Move to under review").check()
    staff.get_by_role("button", name="Record the decision").click()
    staff.get_by_role("radio", name="Accept").check()
    staff.get_by_role("button", name="Record the decision").click()
    expect(staff.get_by_role("main")).to_contain_text("Done: Accepted.")
    _check(staff, assert_accessible, "application detail after accepting", phone=False)

    page.goto(status_url)
    expect(page.get_by_role("main")).to_contain_text("Congratulations: you are accepted.")
    expect(page.get_by_role("main")).to_contain_text("Marta Diaz gave consent on")
    _check(page, assert_accessible, "status page after acceptance (phone)")
