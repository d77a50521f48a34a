"""Standing groups in a real browser.

A resident on a phone comments on the body-worn camera policy the policy review committee
has under review (first sending an empty form to see the error); staff on a desktop publish
the comment; the resident then sees it on the item's page. A citizen review board member
logs in and reads confidential case material in the members' area, which is audit-logged.
axe runs on every page visited.
"""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagement_portal.accounts import roles
from engagement_portal.core.models import AuditLog
from programs.coproduction import services_groups as services
from programs.coproduction.models_groups import PublicComment
from programs.models import EngagementType

from ..factories import (
    GroupMemberFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    ResidentFactory,
    UserFactory,
)
from .test_event_flows import assert_fits_phone

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

COMMENT = "Please release footage of serious incidents within 30 days."


@pytest.fixture
def committee(alice):
    return ProgramFactory(
        title="Policy Review Committee",
        slug="policy-review-committee",
        engagement_type=EngagementType.objects.get(slug="policy-review-committees"),
        owner=alice,
    )


@pytest.fixture
def body_cameras(committee, alice):
    now = timezone.now()
    item = services.create_review_item(
        program=committee,
        user=alice,
        kind="technology",
        title="Body-worn cameras",
        summary="When officers must record, and who may see the footage.",
        status="under_review",
        comment_opens_at=now - timedelta(days=1),
        comment_closes_at=now + timedelta(days=20),
    )
    services.add_document(
        item=item, title="Draft body-worn camera policy", link="https://example.org/bwc.pdf"
    )
    return item


@pytest.fixture
def board_case(alice, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    board = ProgramFactory(
        title="Citizen Review Board",
        slug="citizen-review-board",
        engagement_type=EngagementType.objects.get(slug="citizen-review-boards"),
        owner=alice,
    )
    return services.create_review_item(
        program=board,
        user=alice,
        kind="case",
        title="Use-of-force case 2026-14",
        summary="The investigator found the force used was within policy; the board reviews.",
        status="under_review",
        confidential=True,
    )


@pytest.fixture
def board_member(board_case, password):
    user = UserFactory(email="maria@example.net", full_name="Maria Lopez", role=roles.RESIDENT)
    resident = ResidentFactory(name="Maria Lopez", email=user.email, user=user)
    GroupMemberFactory(program=board_case.program, resident=resident, role="chair")
    return user


def test_resident_comments_on_a_policy_on_a_phone_and_staff_publish_it(
    phone_page,
    desktop_page,
    live_server,
    body_cameras,
    alice,
    password,
    log_in,
    assert_accessible,
):
    NeighbourhoodFactory(name="Eastside", code="east")
    page = phone_page

    def check(label: str) -> None:
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    page.goto("/consultations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Have your say")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Open for comment")
    check("consultations list (phone)")

    main.get_by_role("link", name="Body-worn cameras").click()
    expect(page).to_have_url(re.compile(rf"/consultations/{body_cameras.public_id}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Body-worn cameras")
    expect(main.get_by_role("link", name="Draft body-worn camera policy")).to_be_visible()
    check("item under review (phone)")

    # First an empty comment: the error is shown and what was typed is kept.
    text = page.get_by_role("textbox", name=re.compile("^Your comment"))
    expect(text).to_have_id("id_text")
    page.get_by_label("Your name (optional)").fill("Rosa")
    main.get_by_role("button", name="Send my comment").click()
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Write your comment before sending it.")
    expect(text).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Your name (optional)")).to_have_value("Rosa")
    assert not PublicComment.objects.exists()
    check("comment form with an error (phone)")

    text.fill(COMMENT)
    page.get_by_label("Your neighbourhood (optional)").select_option(label="Eastside")
    main.get_by_role("button", name="Send my comment").click()
    expect(page.get_by_role("status")).to_contain_text(
        "A moderator will review it before it appears"
    )
    expect(main.get_by_text(COMMENT)).to_have_count(0)
    comment = PublicComment.objects.get()
    assert comment.status == "submitted" and comment.name == "Rosa"
    check("thank-you (phone)")

    # Staff publish it from the item's page on a desktop.
    staff = desktop_page
    log_in(staff, alice, password)
    staff.goto(f"/staff/programs/{body_cameras.program_id}/group/")
    expect(staff.get_by_role("heading", level=1)).to_contain_text("meetings and items")
    assert_accessible(staff, "group overview (staff)")
    staff.get_by_role("main").get_by_role("link", name="Body-worn cameras").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Body-worn cameras")
    waiting = staff.get_by_role("region", name=re.compile("^Waiting for moderation"))
    expect(waiting).to_contain_text(COMMENT)
    assert_accessible(staff, "item page with a comment waiting (staff)")
    waiting.get_by_role("button", name="Publish comment 1", exact=True).click()
    expect(staff.get_by_role("status")).to_contain_text("Comment marked “Published”.")
    published = staff.get_by_role("region", name=re.compile("^Published"))
    expect(published).to_contain_text(COMMENT)
    assert_accessible(staff, "item page after publishing (staff)")
    comment.refresh_from_db()
    assert comment.status == "published" and comment.moderated_by == alice

    # Back on the phone, the comment is there.
    page.reload()
    expect(main).to_contain_text(COMMENT)
    expect(main).to_contain_text("Rosa · Eastside")
    check("item with the published comment (phone)")


def test_board_member_reads_confidential_case_material_in_the_members_area(
    phone_page, live_server, board_case, board_member, password, log_in, assert_accessible
):
    page = phone_page

    def check(label: str) -> None:
        assert_accessible(page, label)
        assert_fits_phone(page, label)

    log_in(page, board_member, password)
    page.goto("/groups/citizen-review-board/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Citizen Review Board: members' area")
    main = page.get_by_role("main")
    expect(main).to_contain_text("You serve as Chair")
    check("members' area (phone)")

    main.get_by_role("link", name="Use-of-force case 2026-14").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Use-of-force case 2026-14")
    expect(main).to_contain_text("within policy")
    expect(main).to_contain_text("This view is recorded in the audit log.")
    check("confidential case (phone)")

    entry = AuditLog.objects.get(action="review_item.view")
    assert entry.actor == board_member and entry.details["page"] == "members"
