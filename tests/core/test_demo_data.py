"""The demo agency `manage.py seed_demo` builds: accounts and programs in every tier, and a year
of activity in them that every page can show.

Seeding takes a while, so the tests that read the demo share one agency per module (built
inside a transaction that is rolled back at the end); each test still runs in its own
savepoint.
"""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count, Sum
from django.test import Client, override_settings
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone

from engagement_portal.accounts import roles
from engagement_portal.accounts.models import Neighbourhood, Resident, User
from engagement_portal.messaging.models import OutboxMessage
from events.models import Event, EventPersonnel, Registration, WalkIn
from programs import readiness
from programs.coproduction.models_groups import GroupMember, PublicComment, ReviewItem
from programs.coproduction.models_recommendations import Recommendation
from programs.dashboard.models import ParticipationDay
from programs.in_person.models import PartnerAgreement, ResidentRequest
from programs.information.models import Announcement, AnnouncementReply, PressQuestion
from programs.models import Program, Tier
from programs.structured.models_applications import Application
from programs.structured.models_cohorts import CohortMember
from programs.structured.models_volunteers import HoursEntry
from surveys.models import Response, Survey

PASSWORD = "engage-demo-2026"


def counts():
    """Rows of everything the demo makes; a second run must leave every number as it was."""
    models = [
        User,
        Neighbourhood,
        Program,
        Resident,
        Event,
        Registration,
        WalkIn,
        EventPersonnel,
        Response,
        Survey,
        Application,
        CohortMember,
        HoursEntry,
        GroupMember,
        ReviewItem,
        PublicComment,
        Recommendation,
        Announcement,
        ResidentRequest,
        PartnerAgreement,
        OutboxMessage,
        ParticipationDay,
    ]
    return {model.__name__: model.objects.count() for model in models}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One demo agency for this module, rolled back when the module is done."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            output = io.StringIO()
            call_command("seed_demo", force=True, stdout=output)
            yield output.getvalue()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def test_demo_data_refuses_to_run_in_production(db, settings):
    settings.DEBUG = False
    before = User.objects.count()
    try:
        call_command("seed_demo")
    except CommandError as exc:
        assert "refusing" in str(exc)
    else:
        raise AssertionError("seed_demo ran with DEBUG off")
    assert User.objects.count() == before


def test_demo_data_builds_an_agency_with_every_role_and_tier(demo, db):
    assert Neighbourhood.objects.filter(population__gt=0).count() >= 6
    for role in roles.ROLES:
        assert User.objects.filter(groups__name=role).exists(), role
    for tier in Tier.objects.all():
        assert Program.objects.filter(
            engagement_type__tier=tier, status=Program.Status.ACTIVE
        ).exists(), tier
    staff = User.objects.get(email="staff@example.org")
    assert staff.check_password(PASSWORD)
    assert staff.rank and staff.unit


def test_the_demo_shows_every_type_in_a_believable_state(demo, db, client):
    """Issue 17, item 11: every engagement type has a program; briefings and ride-outs run
    and their requests reach someone; no resident wrote in the future; past events read as
    held, not scheduled."""
    from programs.in_person.models import RequestRoute
    from programs.in_person.selectors_requests import unrouted_requests
    from programs.models import EngagementType

    missing = EngagementType.objects.exclude(programs__isnull=False).values_list("slug", flat=True)
    assert list(missing) == []
    for slug in ("neighbourhood-briefings", "ride-outs", "hiring-promotion-boards"):
        assert Program.objects.filter(
            engagement_type__slug=slug, status=Program.Status.ACTIVE
        ).exists(), slug
    assert RequestRoute.objects.count() == 2 and not unrouted_requests().exists()
    today = timezone.localdate()
    assert not PressQuestion.objects.filter(submitted_on__gt=today).exists()
    assert not ResidentRequest.objects.filter(created_at__gt=timezone.now()).exists()

    past = Event.objects.filter(ends_at__lt=timezone.now(), status=Event.Status.SCHEDULED)
    assert past.exists() and {e.status_label for e in past} == {"Held"}
    client.force_login(User.objects.get(email="staff@example.org"))
    press = Program.objects.get(slug="chiefs-press-briefings")
    page = client.get(reverse("events:staff-list"), {"program": press.pk, "when": "past"})
    page = page.content.decode()
    assert "Held" in page


def test_demo_data_twice_changes_nothing(demo, db, settings):
    settings.DEBUG = True
    before = counts()
    output = io.StringIO()
    call_command("seed_demo", stdout=output)
    assert "already have activity" in output.getvalue()
    assert counts() == before


def test_make_runs_demo_has_reminders_falling_due_within_minutes(demo, db):
    """`make run` seeds with --reminder-soon, so a newcomer sees the worker send reminders
    (issue 16): they fall due a few minutes from now, the sweep sends each once, and
    seeding again while they are ahead adds no second event."""
    from events.models import Reminder
    from events.services import queue_due_reminders

    now = timezone.now()
    output = io.StringIO()
    call_command("seed_demo", force=True, reminder_soon=True, stdout=output)
    assert "watch the console" in output.getvalue()
    due = Reminder.objects.filter(queued_at__isnull=True, due_at__gt=now)
    soonest = due.order_by("due_at").first()
    assert soonest is not None
    assert timedelta(minutes=2) <= soonest.due_at - now <= timedelta(minutes=8)
    soon = list(due.filter(due_at=soonest.due_at))
    assert len(soon) == 3
    assert "resident@example.org" in {r.registration.resident.email for r in soon}

    call_command("seed_demo", force=True, reminder_soon=True, stdout=output)
    assert "already due" in output.getvalue()
    assert due.filter(due_at__lte=now + timedelta(minutes=15)).count() == 3

    assert queue_due_reminders(now=soonest.due_at + timedelta(minutes=1)) == 3
    reminders = OutboxMessage.objects.filter(key__in=[f"reminder:{r.pk}" for r in soon])
    assert reminders.count() == 3
    assert reminders.filter(recipient="resident@example.org").exists()


def test_every_tier_has_participation_in_the_last_90_days(demo, db):
    since = timezone.localdate() - timedelta(days=90)
    by_tier = dict(
        ParticipationDay.objects.filter(day__gte=since)
        .values_list("tier")
        .annotate(people=Sum("people"))
    )
    for tier in Tier.objects.all():
        assert by_tier.get(tier.number, 0) > 0, tier


def test_active_programs_that_need_a_policy_are_ready(demo, db):
    for program in Program.objects.filter(
        status=Program.Status.ACTIVE, engagement_type__needs_policy=True
    ):
        assert program.governing_policy, program
        assert readiness.is_ready(program), readiness.readiness_problems(program)


def test_each_building_block_has_data(demo, db, client):
    today = timezone.localdate()
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses == set(Application.Status.values)

    graduate = CohortMember.objects.filter(status=CohortMember.Status.COMPLETED).first()
    assert graduate is not None
    page = client.get(reverse("cohorts:certificate", args=[graduate.certificate_id]))
    assert page.status_code == 200
    assert graduate.resident.name in page.content.decode()

    assert HoursEntry.objects.filter(status=HoursEntry.Status.APPROVED).exists()
    assert HoursEntry.objects.filter(status=HoursEntry.Status.SUBMITTED).exists()
    assert GroupMember.objects.filter(term_starts__lte=today, term_ends__gte=today).exists()
    assert GroupMember.objects.filter(
        term_ends__gte=today, term_ends__lte=today + timedelta(days=60)
    ).exists()
    open_items = [
        item for item in ReviewItem.objects.filter(confidential=False) if item.comment_period_open()
    ]
    assert open_items
    assert PublicComment.objects.filter(
        item__in=open_items, status=PublicComment.Status.PUBLISHED
    ).exists()
    assert PublicComment.objects.filter(
        item__in=open_items, status=PublicComment.Status.SUBMITTED
    ).exists()
    assert Recommendation.objects.filter(
        status__in=Recommendation.OPEN, response_due__lt=today
    ).exists()
    answered = set(Recommendation.objects.values_list("status", flat=True))
    assert answered == set(Recommendation.Status.values)


def test_the_demo_tells_a_year_of_activity(demo, db):
    now = timezone.now()
    held = (
        Event.objects.filter(ends_at__lt=now, cohort_session__isnull=True)
        .annotate(n=Count("registrations"))
        .filter(n__gt=0)
    )
    assert held.count() >= 35
    assert held.filter(starts_at__lt=now - timedelta(days=300)).exists()
    assert Registration.objects.filter(party_size__gt=1).exists()
    seated = Registration.objects.filter(event__ends_at__lt=now, status__in=Registration.HOLDS_SEAT)
    attended = seated.filter(status=Registration.Status.ATTENDED).count()
    assert 0.6 <= attended / seated.count() <= 0.85
    assert seated.filter(status=Registration.Status.NO_SHOW).exists()
    assert WalkIn.objects.exclude(age_group="").exists()

    upcoming = Event.objects.filter(
        starts_at__gt=now,
        visibility=Event.Visibility.PUBLIC,
        registrations__isnull=False,
    ).distinct()
    assert upcoming.count() >= 4
    assert any(
        e.registrations.filter(status=Registration.Status.WAITLISTED).exists() for e in upcoming
    )

    survey = Survey.objects.get(program__slug="city-wide-trust-survey-2026")
    responses = survey.responses.all()
    assert responses.count() >= 250
    assert not responses.filter(resident__isnull=False).exists()
    assert responses.values("neighbourhood").distinct().count() >= 6
    assert Survey.objects.filter(mode=Survey.Mode.IDENTIFIED, responses__isnull=False).count() >= 2

    rosa = Resident.objects.get(email="resident@example.org")
    assert Application.objects.filter(
        resident=rosa, program__slug="citizen-academy-spring", status=Application.Status.ACCEPTED
    ).exists()
    assert CohortMember.objects.filter(resident=rosa).exists()
    assert Application.objects.filter(
        program__slug="explorer-post-12",
        guardian_consented_at__isnull=True,
        guardian_token_hash__isnull=False,
    ).exists()

    assert PressQuestion.objects.filter(status=PressQuestion.Status.ANSWERED).exists()
    assert AnnouncementReply.objects.count() >= 2
    assert set(ResidentRequest.objects.values_list("status", flat=True)) >= {
        ResidentRequest.Status.ACCEPTED,
        ResidentRequest.Status.TIME_PROPOSED,
        ResidentRequest.Status.DECLINED,
    }
    case = ReviewItem.objects.get(confidential=True, status=ReviewItem.Status.UNDER_REVIEW)
    assert case.named_staff.filter(email="detective@example.org").exists()
    assert PartnerAgreement.objects.filter(
        renews_on__gte=now.date(), renews_on__lte=now.date() + timedelta(days=60)
    ).exists()
    units = EventPersonnel.objects.values("user__unit").distinct().count()
    ranks = EventPersonnel.objects.values("user__rank").distinct().count()
    assert units >= 5 and ranks >= 5
    # A year of messages is recorded, none of it left for the console to send.
    assert not OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()


# --- Every demo persona opens the main pages without a server error ----------------------

HREF = re.compile(r'href="(/[^"#?]*)')
SKIP = ("/admin/", "/accounts/logout", "/i18n/", "/static/")


def test_no_demo_message_keeps_a_private_link(demo, db):
    """The audit found 803 sent messages of the demo with working private links in them."""
    from engagement_portal.messaging.private_links import private_tokens

    messages = OutboxMessage.objects.all()
    kept = [
        m.key for m in messages if private_tokens(m.subject, m.body_text, m.body_html, m.last_error)
    ]
    assert kept == []
    assert messages.filter(body_text__contains="[private link removed #").count() >= 100
    assert not messages.exclude(status=OutboxMessage.Status.PENDING).exclude(link_secrets="")


def main_pages() -> list[str]:
    pages = [
        reverse("core:home"),
        reverse("core:role-home"),
        reverse("core:staff-home"),
        reverse("core:command-home"),
        reverse("core:resident-home"),
        reverse("programs:catalogue"),
        reverse("programs:staff-list"),
        reverse("events:list"),
        reverse("announcements:public-list"),
        reverse("groups:public-list"),
        reverse("recommendations:public-list"),
        reverse("dashboard:overview"),
        reverse("dashboard:trust"),
    ]
    for program in Program.objects.order_by("pk"):
        pages += [program.get_absolute_url(), program.get_staff_url()]
    for event in Event.objects.filter(starts_at__gt=timezone.now(), visibility="public"):
        pages.append(event.get_absolute_url())
    for item in ReviewItem.objects.filter(confidential=False, comment_opens_at__isnull=False):
        pages.append(reverse("groups:public-item", args=[item.public_id]))
    return pages


def program_links(html: str) -> set[str]:
    """The pages a program's staff page links to, that a GET may open."""
    links = set()
    for href in HREF.findall(html):
        if href.startswith(SKIP):
            continue
        try:
            match = resolve(href)
        except Resolver404:
            continue
        if match.namespace in {"applications", "cohorts", "volunteers", "groups", "events"}:
            links.add(href)
    return links


@pytest.mark.parametrize(
    "email",
    [None, "staff@example.org", "command@example.org", "resident@example.org"],
    ids=["anonymous", "staff", "command", "resident"],
)
def test_every_persona_opens_the_main_pages_without_server_errors(demo, db, email):
    client = Client()
    if email:
        client.force_login(User.objects.get(email=email))
    failures, seen = [], set()
    queue = main_pages()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code >= 500:
            failures.append((url, response.status_code))
        elif response.status_code == 200 and url.startswith("/staff/programs/"):
            queue += sorted(program_links(response.content.decode()) - seen)
    assert not failures
    assert len(seen) > 40


@pytest.mark.parametrize(
    ("email", "page", "shows"),
    [
        ("staff@example.org", "core:staff-home", "Volunteers in Police Service"),
        ("command@example.org", "core:command-home", "active programs"),
        # The academy's intake and graduation surveys fall in the default 90 days.
        ("command@example.org", "dashboard:trust", "Academy graduation survey"),
        ("resident@example.org", "core:resident-home", "Coffee with a Cop"),
    ],
)
def test_each_persona_sees_the_demo_on_their_pages(demo, db, email, page, shows):
    client = Client()
    client.force_login(User.objects.get(email=email))
    response = client.get(reverse(page))
    assert response.status_code == 200
    assert shows in response.content.decode()
