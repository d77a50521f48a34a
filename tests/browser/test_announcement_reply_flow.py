"""Replies to a request for help, in a real browser.

A resident on a phone opens a request for help from the news page, replies (first with a
contact that is neither an email nor a phone number, which is refused while the message
stays), and is thanked. The program's owner, on a desktop, finds the replies from the staff
announcements list, reads them and marks one followed up. axe runs on every page visited.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagement_portal.core.models import AuditLog
from programs.information.models import Announcement, AnnouncementReply

from ..factories import AnnouncementFactory, AnnouncementReplyFactory, ProgramFactory
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TITLE = "Do you know this man?"
TIP = "I think he lives above the bakery on Elm Street. I see him most mornings around 8."


@pytest.fixture
def help_request(alice):
    program = ProgramFactory(title="Eastside community safety", owner=alice)
    return AnnouncementFactory(
        kind=Announcement.Kind.HELP,
        title={"en": TITLE, "es": "¿Conoce a este hombre?"},
        body={"en": "He was seen near Lincoln school on Friday afternoon.", "es": "Visto."},
        author=alice,
        program=program,
    )


def test_resident_replies_to_a_request_for_help_on_a_phone(
    phone_page, live_server, help_request, assert_accessible
):
    page = phone_page
    main = page.get_by_role("main")

    def check(label: str) -> None:
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    page.goto("/news/")
    expect(page.get_by_role("heading", level=1)).to_have_text("News")
    check("news (phone)")
    main.get_by_role("link", name=TITLE).click()

    expect(page).to_have_url(re.compile(rf"/news/{help_request.public_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    call = page.get_by_role("region", name="Do you know something? Tell us")
    expect(call).to_be_visible()
    expect(call).to_contain_text("call 911")
    check("request for help (phone)")
    call.get_by_role("link", name="Tell us what you know").click()

    expect(page).to_have_url(re.compile(rf"/news/{help_request.public_id}/reply/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us what you know")
    expect(main).to_contain_text("You may stay anonymous")
    expect(main).to_contain_text("call 911")
    check("reply form (phone)")

    message = page.get_by_label("What you know")
    contact = page.get_by_label("Email or phone number (optional)")
    message.fill(TIP)
    page.get_by_label("Your name (optional)").fill("Rosa")
    contact.fill("call me after six")
    main.get_by_role("button", name="Send").click()

    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("email address or a phone number")
    expect(contact).to_have_attribute("aria-invalid", "true")
    expect(message).to_have_value(TIP)
    expect(contact).to_have_value("call me after six")
    assert not AnnouncementReply.objects.exists()
    check("reply form with an error (phone)")

    contact.fill("(202) 555-0143")
    main.get_by_role("button", name="Send").click()

    expect(page).to_have_url(re.compile(rf"/news/{help_request.public_id}/$"))
    expect(page.get_by_role("status").first).to_contain_text(
        "Thank you: staff will read what you sent."
    )
    reply = AnnouncementReply.objects.get()
    assert (reply.message, reply.name, reply.contact) == (TIP, "Rosa", "+12025550143")
    check("request for help, thanked (phone)")


def test_owner_reads_replies_and_marks_one_followed_up_on_a_desktop(
    desktop_page, live_server, help_request, alice, password, log_in, assert_accessible
):
    page = desktop_page
    main = page.get_by_role("main")
    older = AnnouncementReplyFactory(
        announcement=help_request,
        message="He drives a blue van, I think.",
        received_at=timezone.now() - timedelta(hours=3),
    )
    newer = AnnouncementReplyFactory(
        announcement=help_request, message=TIP, name="Rosa", contact="rosa@example.net"
    )

    log_in(page, alice, password)
    expect(page).to_have_url(re.compile(r"/staff/$"))

    page.goto("/staff/announcements/")
    row = main.get_by_role("row", name=re.compile(TITLE))
    expect(row).to_contain_text("2 to follow up")
    assert_accessible(page, "staff announcements")
    row.get_by_role("link", name="2 replies").click()

    expect(page).to_have_url(re.compile(rf"/staff/announcements/{help_request.pk}/replies/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Replies from residents")
    expect(main.get_by_role("status")).to_contain_text("2 not followed up yet")
    cards = main.get_by_role("article")
    expect(cards).to_have_count(2)
    expect(cards.nth(0)).to_contain_text(TIP)
    expect(cards.nth(0)).to_contain_text("rosa@example.net")
    expect(cards.nth(1)).to_contain_text(older.message)
    expect(cards.nth(1)).to_contain_text("Not given: anonymous")
    assert AuditLog.objects.filter(action="announcement_replies.view", actor=alice).count() == 1
    assert_accessible(page, "replies")

    cards.nth(0).get_by_role("button", name="Mark as followed up").click()

    expect(page.get_by_role("status").first).to_contain_text("Reply marked as followed up.")
    expect(main.get_by_role("status").last).to_contain_text("1 not followed up yet")
    expect(cards.nth(0)).to_contain_text("Followed up")
    expect(cards.nth(0).get_by_role("button")).to_have_count(0)
    newer.refresh_from_db()
    assert newer.handled_by == alice and newer.handled_at is not None
    older.refresh_from_db()
    assert older.handled_at is None
    assert AuditLog.objects.filter(action="announcement_replies.view", actor=alice).count() == 2
    assert_accessible(page, "replies, one followed up")

    page.get_by_label("Show").select_option(label="Not followed up yet")
    main.get_by_role("button", name="Apply").click()
    expect(page).to_have_url(re.compile(r"show=open"))
    expect(main.get_by_role("article")).to_have_count(1)
    expect(main.get_by_role("article")).to_contain_text(older.message)
    assert_accessible(page, "replies, filtered")
