"""Replies to announcements: residents tell the agency what they know (a tip, a sighting),
optionally anonymously; the program's staff read them on an audit-logged page."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from programs.information import selectors, services
from programs.information.models import Announcement, AnnouncementReply
from tests.concurrency import run_at_once
from tests.factories import (
    AnnouncementFactory,
    AnnouncementReplyFactory,
    ProgramFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db

TIP = "The man in the photo lives above the bakery on Elm Street; I see him most mornings."


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    # The limiter counts in the default cache, which outlives a test: start every test at zero.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def help_request(alice, program):
    """A published request for help identifying someone, on alice's program."""
    return AnnouncementFactory(
        kind=Announcement.Kind.HELP,
        title={"en": "Do you know this man?", "es": "¿Conoce a este hombre?"},
        body={"en": "He was seen near the school on Friday.", "es": "Visto el viernes."},
        author=alice,
        program=program,
    )


def reply_url(announcement):
    return reverse("announcements:reply", args=[announcement.public_id])


def replies_url(announcement):
    return reverse("announcements:staff-replies", args=[announcement.pk])


def detail_url(announcement):
    return reverse("announcements:public-detail", args=[announcement.public_id])


# --- Services ---------------------------------------------------------------------------


def test_submit_reply_saves_it_and_tells_the_owner_without_its_content(
    help_request, alice, eastside
):
    reply = services.submit_reply(
        announcement=help_request,
        message=f"  {TIP}  ",
        name=" Rosa ",
        contact=" rosa@example.net ",
        neighbourhood=eastside,
    )
    assert reply.message == TIP
    assert reply.name == "Rosa"
    assert reply.contact == "rosa@example.net"
    assert reply.neighbourhood == eastside
    assert reply.handled_at is None
    message = OutboxMessage.objects.get()
    assert message.key == f"announcement-reply:{reply.pk}"
    assert message.recipient == alice.email
    assert message.channel == OutboxMessage.Channel.EMAIL
    assert message.essential
    assert "Do you know this man?" in message.subject
    assert replies_url(help_request) in message.body_text
    for private in ("bakery", "Elm Street", "Rosa", "rosa@example.net", "Eastside"):
        assert private not in message.subject + message.body_text + message.body_html


def test_submit_reply_twice_keeps_one_reply_and_one_message(help_request):
    first = services.submit_reply(announcement=help_request, message=TIP, contact="2025550143")
    again = services.submit_reply(announcement=help_request, message=TIP, contact="2025550143")
    assert first == again
    assert help_request.replies.count() == 1
    assert OutboxMessage.objects.count() == 1


def test_the_same_tip_on_another_day_or_from_someone_else_is_a_new_reply(help_request):
    now = timezone.now()
    services.submit_reply(announcement=help_request, message=TIP, now=now - timedelta(days=2))
    services.submit_reply(announcement=help_request, message=TIP, now=now)
    services.submit_reply(announcement=help_request, message=TIP, name="Ben", now=now)
    assert help_request.replies.count() == 3
    assert OutboxMessage.objects.count() == 3


def test_each_reply_gets_its_own_message_to_the_owner(help_request):
    services.submit_reply(announcement=help_request, message="First tip")
    services.submit_reply(announcement=help_request, message="Second tip")
    assert OutboxMessage.objects.filter(key__startswith="announcement-reply:").count() == 2


def test_the_owner_is_told_in_their_language(help_request, alice):
    alice.preferred_language = "es"
    alice.save(update_fields=["preferred_language"])
    services.submit_reply(announcement=help_request, message=TIP)
    message = OutboxMessage.objects.get()
    assert message.language == "es"
    assert "¿Conoce a este hombre?" in message.subject


def test_a_reply_to_an_agency_announcement_without_program_notifies_nobody(alice):
    news = AnnouncementFactory(author=alice)
    reply = services.submit_reply(announcement=news, message=TIP)
    assert reply.pk and not OutboxMessage.objects.exists()


def test_an_inactive_owner_is_not_emailed(help_request, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    services.submit_reply(announcement=help_request, message=TIP)
    assert not OutboxMessage.objects.exists()


def test_submit_reply_refuses_an_unpublished_announcement(alice, program):
    draft = AnnouncementFactory(author=alice, program=program, published_at=None)
    with pytest.raises(ValidationError, match="not published"):
        services.submit_reply(announcement=draft, message=TIP)
    assert not AnnouncementReply.objects.exists()


@pytest.mark.parametrize("message", ["", "   \n ", "x" * 5001])
def test_submit_reply_refuses_an_empty_or_overlong_message(help_request, message):
    with pytest.raises(ValidationError):
        services.submit_reply(announcement=help_request, message=message)
    assert not AnnouncementReply.objects.exists()


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        ("", ""),
        ("  ", ""),
        ("rosa@example.net", "rosa@example.net"),
        ("(202) 555-0143", "+12025550143"),
        ("202.555.0143", "+12025550143"),
        ("+44 20 7946 0958", "+442079460958"),
    ],
)
def test_contact_is_an_email_or_a_phone_number_in_one_form(typed, kept):
    assert services.clean_reply_contact(typed) == kept


@pytest.mark.parametrize(
    "typed", ["12", "rosa@", "@example.net", "call me", "rosa at example dot net", "+1 202"]
)
def test_contact_that_is_neither_is_refused(help_request, typed):
    with pytest.raises(ValidationError, match="email address or a phone number"):
        services.submit_reply(announcement=help_request, message=TIP, contact=typed)
    assert not AnnouncementReply.objects.exists()


def test_mark_reply_handled_once_and_twice_keeps_the_first(help_request, alice, bob, program):
    reply = AnnouncementReplyFactory(announcement=help_request)
    first = timezone.now() - timedelta(hours=2)
    services.mark_reply_handled(reply=reply, user=alice, now=first)
    program.team.add(bob)
    services.mark_reply_handled(reply=reply, user=bob)
    reply.refresh_from_db()
    assert reply.handled_at == first
    assert reply.handled_by == alice


def test_mark_reply_handled_is_refused_to_staff_off_the_program(help_request, bob, carol):
    reply = AnnouncementReplyFactory(announcement=help_request)
    for user in (bob, carol):
        with pytest.raises(PermissionDenied):
            services.mark_reply_handled(reply=reply, user=user)
    reply.refresh_from_db()
    assert reply.handled_at is None


def test_editable_ids_agree_with_the_permission_rule(alice, bob, carol, root, program):
    someone = StaffUserFactory()
    own = AnnouncementFactory(author=alice, program=program)
    by_bob = AnnouncementFactory(author=bob)
    elsewhere = AnnouncementFactory(author=someone, program=ProgramFactory())
    team_program = AnnouncementFactory(author=someone, program=program)
    announcements = [own, by_bob, elsewhere, team_program]
    program.team.add(bob)
    for user in (alice, bob, carol, root):
        expected = {a.pk for a in announcements if services.user_can_edit_announcement(user, a)}
        assert selectors.announcements_user_can_edit(user, announcements) == expected, user
    assert selectors.announcements_user_can_edit(bob, announcements) == {
        own.pk,
        by_bob.pk,
        team_program.pk,
    }


race = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("real concurrent transactions need PostgreSQL")


@race
def test_the_same_reply_sent_eight_times_at_once_is_kept_once(postgres_only, help_request):
    errors = run_at_once(
        8, lambda i: services.submit_reply(announcement=help_request, message=TIP, name="Rosa")
    )
    assert errors == []
    assert help_request.replies.count() == 1
    assert OutboxMessage.objects.filter(key__startswith="announcement-reply:").count() == 1


@race
def test_staff_marking_one_reply_at_once_record_one_follow_up(
    postgres_only, help_request, alice, program
):
    team = [StaffUserFactory() for _ in range(5)]
    program.team.add(*team)
    reply = AnnouncementReplyFactory(announcement=help_request)
    results = []
    errors = run_at_once(
        5, lambda i: results.append(services.mark_reply_handled(reply=reply, user=team[i]))
    )
    assert errors == []
    reply.refresh_from_db()
    assert reply.handled_by in team
    # Every caller is handed back the one recorded follow-up, not its own.
    assert {(r.handled_by_id, r.handled_at) for r in results} == {
        (reply.handled_by_id, reply.handled_at)
    }


# --- Public pages -----------------------------------------------------------------------


def test_a_request_for_help_shows_a_clear_call_to_action(client, help_request):
    page = client.get(detail_url(help_request)).content.decode()
    assert "Do you know something? Tell us" in page
    assert f'href="{reply_url(help_request)}"' in page
    assert "call 911" in page


def test_other_announcements_show_a_small_reply_link(client, alice):
    news = AnnouncementFactory(author=alice, kind=Announcement.Kind.TRAFFIC)
    page = client.get(detail_url(news)).content.decode()
    assert "Do you know something?" not in page
    assert "Reply to this announcement" in page
    assert f'href="{reply_url(news)}"' in page


def test_reply_form_says_they_may_stay_anonymous_and_where_urgent_matters_go(client, help_request):
    response = client.get(reply_url(help_request))
    assert response.status_code == 200
    page = response.content.decode()
    assert "You may stay anonymous" in page
    assert "call 911" in page
    assert "Do you know this man?" in page


def test_the_emergency_number_is_the_agencys(client, help_request, settings):
    settings.PORTAL_EMERGENCY_NUMBER = "112"
    for url in (reply_url(help_request), detail_url(help_request)):
        page = client.get(url).content.decode()
        assert "call 112" in page and "911" not in page


def test_reply_form_is_in_spanish_for_a_spanish_visitor(client, help_request):
    client.cookies["django_language"] = "es"
    page = client.get(reply_url(help_request)).content.decode()
    assert "¿Conoce a este hombre?" in page


def test_resident_replies_anonymously_and_is_thanked(client, help_request):
    response = client.post(reply_url(help_request), {"message": TIP}, follow=True)
    assert response.redirect_chain == [(detail_url(help_request), 302)]
    assert "Thank you: staff will read what you sent." in response.content.decode()
    reply = help_request.replies.get()
    assert (reply.message, reply.name, reply.contact, reply.neighbourhood) == (TIP, "", "", None)


def test_resident_replies_with_name_phone_and_neighbourhood(client, help_request, eastside):
    client.post(
        reply_url(help_request),
        {
            "message": TIP,
            "name": "Rosa",
            "contact": "(202) 555-0143",
            "neighbourhood": eastside.pk,
        },
    )
    reply = help_request.replies.get()
    assert (reply.name, reply.contact, reply.neighbourhood) == ("Rosa", "+12025550143", eastside)


def test_bad_contact_keeps_what_was_typed_and_links_the_error(client, help_request):
    response = client.post(
        reply_url(help_request),
        {"message": TIP, "name": "Rosa Typed", "contact": "call me maybe"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert TIP in page and 'value="Rosa Typed"' in page and 'value="call me maybe"' in page
    assert 'href="#id_contact"' in page
    assert "email address or a phone number" in page
    assert not AnnouncementReply.objects.exists()


def test_overlong_or_empty_message_keeps_what_was_typed(client, help_request):
    long = "y" * 5001
    response = client.post(reply_url(help_request), {"message": long, "name": "Kept"})
    assert response.status_code == 200
    assert long in response.content.decode()
    response = client.post(reply_url(help_request), {"message": "   ", "name": "Kept"})
    assert response.status_code == 200
    assert 'href="#id_message"' in response.content.decode()
    assert not AnnouncementReply.objects.exists()


def test_reply_to_a_draft_or_missing_announcement_is_404(client, alice):
    draft = AnnouncementFactory(author=alice, published_at=None)
    assert client.get(reply_url(draft)).status_code == 404
    assert client.post(reply_url(draft), {"message": TIP}).status_code == 404
    for public_id in ["nope", "x" * 17, "x" * 300]:
        url = reverse("announcements:reply", args=[public_id])
        assert client.get(url).status_code == 404
    assert not AnnouncementReply.objects.exists()


FUZZ = [
    {},
    {"message": "\x00"},
    {"message": "tip\x00with a null"},
    {"message": TIP, "name": "\x00"},
    {"message": TIP, "contact": "\x00"},
    {"message": TIP, "contact": "+" + "9" * 199},
    {"message": TIP, "contact": "a" * 201},
    {"message": TIP, "contact": "@" * 200},
    {"message": TIP, "contact": "rosa@" + "x" * 190 + ".net"},
    {"message": TIP, "contact": "١٢٣٤٥٦٧٨٩٠"},
    {"message": TIP, "contact": "²²²²²²²²²²"},
    {"message": TIP, "name": "n" * 151},
    {"message": TIP, "neighbourhood": "abc"},
    {"message": TIP, "neighbourhood": "999999"},
    {"message": TIP, "neighbourhood": "99999999999999999999999"},
    {"message": TIP, "neighbourhood": "-1"},
    {"message": ["one", "two"], "contact": ["a@b.c", "d"]},
    {"message": "😀" * 5000},
    {"message": "<script>alert(1)</script>", "name": "<b>Rosa</b>"},
    {"message": "x" * 100_000},
]


@pytest.mark.parametrize("data", FUZZ)
def test_no_input_gives_a_server_error(client, help_request, data):
    response = client.post(reply_url(help_request), data)
    # 400: the project's middleware refuses any NUL character before a view sees it.
    expected = 400 if any("\x00" in str(v) for v in data.values()) else None
    assert response.status_code in ((expected,) if expected else (200, 302))
    if response.status_code == 200:
        assert response.context["form"].errors
    assert "<script>alert(1)</script>" not in response.content.decode()


def test_reply_posts_are_rate_limited(client, help_request):
    with time_machine.travel(timezone.now(), tick=False):
        codes = [
            client.post(reply_url(help_request), {"message": f"Tip {n}"}).status_code
            for n in range(10)
        ]
        blocked = client.post(reply_url(help_request), {"message": "One more"})
    assert codes == [302] * 10
    assert blocked.status_code == 429
    assert help_request.replies.count() == 10


# --- Staff pages ------------------------------------------------------------------------


def test_owner_reads_replies_newest_first_with_every_detail(client, alice, help_request, eastside):
    old = AnnouncementReplyFactory(
        announcement=help_request,
        message="Older tip",
        received_at=timezone.now() - timedelta(days=1),
    )
    new = AnnouncementReplyFactory(
        announcement=help_request,
        message="Newer tip",
        name="Rosa",
        contact="rosa@example.net",
        neighbourhood=eastside,
    )
    AnnouncementReplyFactory(message="A tip about something else")
    client.force_login(alice)
    response = client.get(replies_url(help_request))
    assert response.status_code == 200
    assert list(response.context["page"]) == [new, old]
    page = response.content.decode()
    assert page.index("Newer tip") < page.index("Older tip")
    assert "something else" not in page
    assert 'href="mailto:rosa@example.net"' in page and "Rosa" in page and "Eastside" in page
    assert "Not given: anonymous" in page
    assert "Not followed up yet" in page


@pytest.mark.parametrize(
    ("stored", "shown", "href"),
    [
        ("", "", ""),
        ("rosa@example.net", "rosa@example.net", "mailto:rosa@example.net"),
        ("+12025550143", "(202) 555-0143", "tel:+12025550143"),
        ("+442079460958", "+44 20 7946 0958", "tel:+442079460958"),
    ],
)
def test_contacts_are_shown_as_people_dial_them(stored, shown, href):
    assert selectors.contact_link(stored) == (shown, href)


def test_staff_page_links_a_phone_contact(client, alice, help_request):
    AnnouncementReplyFactory(announcement=help_request, contact="+12025550143")
    client.force_login(alice)
    page = client.get(replies_url(help_request)).content.decode()
    assert '<a href="tel:+12025550143">(202) 555-0143</a>' in page


def test_each_view_of_the_replies_is_audit_logged(client, alice, help_request):
    AnnouncementReplyFactory(announcement=help_request)
    client.force_login(alice)
    client.get(replies_url(help_request))
    client.get(replies_url(help_request), {"show": "open"})
    entries = AuditLog.objects.filter(action="announcement_replies.view")
    assert entries.count() == 2
    entry = entries.first()
    assert entry.actor == alice
    assert entry.details["announcement_id"] == help_request.pk
    assert entry.details["shown"] in (0, 1)


def test_refused_visitors_leave_no_audit_entry_and_see_nothing(
    client, help_request, bob, carol, dave
):
    AnnouncementReplyFactory(announcement=help_request, message=TIP)
    url = replies_url(help_request)
    assert client.get(url)["Location"].startswith(reverse("login"))
    for user in (bob, carol, dave):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 403, user
        assert TIP not in response.content.decode()
        assert client.post(url, {"reply": help_request.replies.get().pk}).status_code == 403
    assert not AuditLog.objects.filter(action="announcement_replies.view").exists()
    assert help_request.replies.get().handled_at is None


def test_team_author_and_administrators_read_replies(client, help_request, bob, root, program):
    program.team.add(bob)
    authored = AnnouncementFactory(author=StaffUserFactory(), program=None)
    for user, announcement in ((bob, help_request), (root, help_request)):
        client.force_login(user)
        assert client.get(replies_url(announcement)).status_code == 200
    client.force_login(authored.author)
    assert client.get(replies_url(authored)).status_code == 200


def test_staff_mark_a_reply_followed_up_and_twice_keeps_the_first(client, alice, help_request):
    reply = AnnouncementReplyFactory(announcement=help_request)
    client.force_login(alice)
    response = client.post(replies_url(help_request), {"reply": reply.pk, "show": "open"})
    assert response["Location"] == replies_url(help_request) + "?show=open"
    reply.refresh_from_db()
    first = reply.handled_at
    assert first is not None and reply.handled_by == alice
    client.post(replies_url(help_request), {"reply": reply.pk})
    reply.refresh_from_db()
    assert reply.handled_at == first
    page = client.get(replies_url(help_request)).content.decode()
    assert "Followed up" in page and "Alice Adams" in page
    assert "Mark as followed up" not in page


@pytest.mark.parametrize("value", ["", "abc", "-3", "0", "99999999999999999999", "²", "1.5"])
def test_bad_mark_followed_up_posts_are_refused_without_a_crash(client, alice, help_request, value):
    reply = AnnouncementReplyFactory(announcement=help_request)
    client.force_login(alice)
    response = client.post(replies_url(help_request), {"reply": value, "show": "<x>"}, follow=True)
    assert response.status_code == 200
    assert "not one of this announcement" in response.content.decode()
    reply.refresh_from_db()
    assert reply.handled_at is None


def test_a_reply_of_another_announcement_cannot_be_marked_here(client, alice, help_request):
    elsewhere = AnnouncementReplyFactory()
    client.force_login(alice)
    client.post(replies_url(help_request), {"reply": elsewhere.pk})
    elsewhere.refresh_from_db()
    assert elsewhere.handled_at is None


def test_replies_filter_shows_open_or_followed_up(client, alice, help_request):
    AnnouncementReplyFactory(announcement=help_request, message="Open tip")
    AnnouncementReplyFactory(
        announcement=help_request, message="Done tip", handled_at=timezone.now(), handled_by=alice
    )
    client.force_login(alice)
    open_page = client.get(replies_url(help_request), {"show": "open"}).content.decode()
    assert "Open tip" in open_page and "Done tip" not in open_page
    done_page = client.get(replies_url(help_request), {"show": "handled"}).content.decode()
    assert "Done tip" in done_page and "Open tip" not in done_page
    everything = client.get(replies_url(help_request), {"show": "nonsense"})
    assert everything.status_code == 200
    assert len(everything.context["page"]) == 2


def test_other_methods_are_refused_after_the_permission_check(client, alice, bob, help_request):
    client.force_login(bob)
    assert client.put(replies_url(help_request)).status_code == 403
    client.force_login(alice)
    assert client.put(replies_url(help_request)).status_code == 405


def test_replies_of_a_missing_announcement_are_404(client, alice):
    client.force_login(alice)
    assert client.get(reverse("announcements:staff-replies", args=[999999])).status_code == 404


def test_staff_list_and_edit_page_link_to_replies_with_the_count_to_follow_up(
    client, alice, bob, help_request
):
    AnnouncementReplyFactory(announcement=help_request)
    AnnouncementReplyFactory(announcement=help_request)
    AnnouncementReplyFactory(announcement=help_request, handled_at=timezone.now(), handled_by=alice)
    client.force_login(alice)
    for url in (
        reverse("announcements:staff-list"),
        reverse("announcements:staff-edit", args=[help_request.pk]),
    ):
        page = client.get(url).content.decode()
        assert f'href="{replies_url(help_request)}"' in page, url
        assert "3 replies" in page and "2 to follow up" in page, url
    # Bob sees how many replies there are, but no link to a page he may not open.
    client.force_login(bob)
    page = client.get(reverse("announcements:staff-list")).content.decode()
    assert "3 replies" in page
    assert f'href="{replies_url(help_request)}"' not in page


# --- Query bounds -----------------------------------------------------------------------


@pytest.mark.parametrize("count", [3, 40])
def test_replies_page_queries_do_not_grow_with_replies(
    client, alice, help_request, eastside, count, django_assert_max_num_queries
):
    for n in range(count):
        AnnouncementReplyFactory(
            announcement=help_request,
            message=f"Tip {n}",
            neighbourhood=eastside,
            handled_at=timezone.now() if n % 2 else None,
            handled_by=alice if n % 2 else None,
        )
    client.force_login(alice)
    with django_assert_max_num_queries(10):
        assert client.get(replies_url(help_request)).status_code == 200


@pytest.mark.parametrize("count", [3, 30])
def test_staff_list_queries_do_not_grow_with_announcements_or_replies(
    client, alice, program, count, django_assert_max_num_queries
):
    for n in range(count):
        announcement = AnnouncementFactory(author=StaffUserFactory(), program=program)
        AnnouncementReplyFactory(announcement=announcement, message=f"Tip {n}")
    client.force_login(alice)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("announcements:staff-list"))
    assert response.status_code == 200
    assert all(a.can_edit for a in response.context["page"])


def test_edit_page_counts_replies_in_one_query(
    client, alice, help_request, django_assert_max_num_queries
):
    for n in range(20):
        AnnouncementReplyFactory(announcement=help_request, message=f"Tip {n}")
    client.force_login(alice)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("announcements:staff-edit", args=[help_request.pk]))
    assert response.context["replies"] == {"total": 20, "open": 20}
