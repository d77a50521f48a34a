"""Standing groups: members and terms, representation, meetings (agenda, minutes,
attendance, quorum), items under review with documents, public comment and moderation.

Who may see confidential case material is proven in test_groups_permissions.py.
"""

from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts import roles
from engagement_portal.accounts.models import Resident
from engagement_portal.core.models import AuditLog
from engagement_portal.messaging.models import OutboxMessage
from events.models import Event
from programs.coproduction import selectors_groups as selectors
from programs.coproduction import services_groups as services
from programs.coproduction.models_groups import (
    GroupMember,
    MeetingRecord,
    PublicComment,
    ReviewDocument,
    ReviewItem,
)
from programs.models import EngagementType
from programs.structured.models_applications import Application
from programs.structured.models_cohorts import Attendance
from tests.factories import (
    ApplicationFactory,
    EventFactory,
    GroupMemberFactory,
    NeighbourhoodFactory,
    ProgramFactory,
    PublicCommentFactory,
    ResidentFactory,
    ReviewDocumentFactory,
    ReviewItemFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- Fixtures shared with test_groups_permissions.py ------------------------------------


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def private_media(settings, tmp_path):
    """Uploaded documents go to a temporary private directory for the test."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private-media"},
        },
    }
    return tmp_path / "private-media"


@pytest.fixture
def committee(alice):
    """An active public policy review committee that alice owns."""
    return ProgramFactory(
        title="Policy Review Committee",
        slug="policy-review-committee",
        engagement_type=EngagementType.objects.get(slug="policy-review-committees"),
        owner=alice,
    )


@pytest.fixture
def board(alice):
    """An active citizen review board that alice owns."""
    return ProgramFactory(
        title="Citizen Review Board",
        slug="citizen-review-board",
        engagement_type=EngagementType.objects.get(slug="citizen-review-boards"),
        owner=alice,
    )


def days(n: int):
    return timezone.localdate() + timedelta(days=n)


def open_item(program, **kwargs):
    now = timezone.now()
    kwargs.setdefault("comment_opens_at", now - timedelta(days=1))
    kwargs.setdefault("comment_closes_at", now + timedelta(days=13))
    return ReviewItemFactory(program=program, created_by=program.owner, **kwargs)


def meeting(program, *, days_from_now: int = -7, **kwargs):
    start = timezone.now() + timedelta(days=days_from_now)
    return EventFactory(
        program=program, starts_at=start, ends_at=start + timedelta(hours=2), **kwargs
    )


# --- Members -----------------------------------------------------------------------------


def test_add_member_seats_and_welcomes_once(committee, alice):
    resident = ResidentFactory(name="Rosa Diaz", email="rosa@example.net", preferred_language="es")

    first = services.add_member(
        program=committee,
        resident=resident,
        role=GroupMember.Role.CHAIR,
        term_starts=days(0),
        term_ends=days(730),
        user=alice,
    )
    again = services.add_member(
        program=committee,
        resident=resident,
        role=GroupMember.Role.CHAIR,
        term_starts=days(0),
        term_ends=days(730),
        user=alice,
    )

    assert first == again and GroupMember.objects.count() == 1
    message = OutboxMessage.objects.get()
    assert message.essential and message.language == "es" and message.recipient == resident.email
    assert reverse("groups:member-home", args=[committee.slug]) in message.body_text


def test_add_member_refuses_overlapping_terms_and_backwards_terms(committee):
    resident = ResidentFactory()
    services.add_member(
        program=committee,
        resident=resident,
        role="member",
        term_starts=days(0),
        term_ends=days(365),
    )

    with pytest.raises(ValidationError, match="cannot overlap"):
        services.add_member(
            program=committee,
            resident=resident,
            role="member",
            term_starts=days(300),
            term_ends=days(900),
        )
    with pytest.raises(ValidationError, match="end after it starts"):
        services.add_member(
            program=committee,
            resident=ResidentFactory(),
            role="member",
            term_starts=days(10),
            term_ends=days(10),
        )
    # A new term that starts after the first one ends is fine.
    services.add_member(
        program=committee,
        resident=resident,
        role="member",
        term_starts=days(366),
        term_ends=days(1000),
    )
    assert GroupMember.objects.filter(resident=resident).count() == 2


def test_a_member_who_left_early_can_start_a_new_term_after_leaving(committee):
    member = GroupMemberFactory(
        program=committee, term_starts=days(-100), term_ends=days(600), ended_early_on=days(-10)
    )

    services.add_member(
        program=committee,
        resident=member.resident,
        role="member",
        term_starts=days(-10),
        term_ends=days(700),
    )

    assert GroupMember.objects.filter(resident=member.resident).count() == 2


def test_add_member_refuses_a_program_that_is_not_a_standing_group(program):
    with pytest.raises(ValidationError, match="not a standing group"):
        services.add_member(
            program=program,
            resident=ResidentFactory(),
            role="member",
            term_starts=days(0),
            term_ends=days(10),
        )


def test_accepted_applicants_are_offered_once_and_seated_once(committee, alice):
    accepted = ApplicationFactory(program=committee, status=Application.Status.ACCEPTED)
    ApplicationFactory(program=committee, status=Application.Status.WAITLISTED)
    assert list(selectors.accepted_applicants_to_add(committee)) == [accepted]

    for _ in range(2):
        services.add_accepted_applicants(
            program=committee,
            applications=[accepted],
            role="member",
            term_starts=days(0),
            term_ends=days(730),
            user=alice,
        )

    member = GroupMember.objects.get()
    assert member.application == accepted and member.resident == accepted.resident
    assert OutboxMessage.objects.count() == 1
    assert not selectors.accepted_applicants_to_add(committee).exists()


def test_an_application_that_is_not_accepted_cannot_seat_anyone(committee):
    waiting = ApplicationFactory(program=committee, status=Application.Status.UNDER_REVIEW)

    with pytest.raises(ValidationError, match="accepted"):
        services.add_member(
            program=committee,
            resident=waiting.resident,
            application=waiting,
            role="member",
            term_starts=days(0),
            term_ends=days(30),
        )


def test_add_member_by_hand_finds_the_resident_on_file(committee, eastside):
    known = ResidentFactory(email="ana@example.net", neighbourhood=None)

    member = services.add_member_by_hand(
        program=committee,
        name="Ana Ruiz",
        email="ANA@example.net",
        neighbourhood=eastside,
        role="member",
        term_starts=days(0),
        term_ends=days(365),
    )

    assert member.resident == known
    known.refresh_from_db()
    assert known.neighbourhood == eastside


def test_update_member_validates_and_saving_twice_changes_nothing(committee, alice):
    member = GroupMemberFactory(program=committee, term_starts=days(-30), term_ends=days(700))
    GroupMemberFactory(
        program=committee, resident=member.resident, term_starts=days(701), term_ends=days(1000)
    )

    with pytest.raises(ValidationError, match="cannot overlap"):
        services.update_member(
            member=member,
            role="chair",
            term_starts=days(-30),
            term_ends=days(800),
            ended_early_on=None,
        )
    with pytest.raises(ValidationError):
        services.update_member(
            member=member,
            role="chair",
            term_starts=days(-30),
            term_ends=days(700),
            ended_early_on=days(900),
        )
    for _ in range(2):
        services.update_member(
            member=member,
            role="chair",
            term_starts=days(-30),
            term_ends=days(700),
            ended_early_on=days(5),
            user=alice,
        )

    member.refresh_from_db()
    assert member.role == "chair" and member.ended_early_on == days(5)
    assert AuditLog.objects.filter(action="group_member.change").count() == 1


def test_members_page_splits_current_upcoming_past_and_flags_terms_ending_soon(committee):
    soon = GroupMemberFactory(program=committee, term_starts=days(-300), term_ends=days(59))
    later = GroupMemberFactory(program=committee, term_starts=days(-300), term_ends=days(61))
    upcoming = GroupMemberFactory(program=committee, term_starts=days(10), term_ends=days(400))
    left = GroupMemberFactory(
        program=committee, term_starts=days(-300), term_ends=days(300), ended_early_on=days(-1)
    )
    ended = GroupMemberFactory(program=committee, term_starts=days(-900), term_ends=days(-1))

    page = selectors.members_for_staff_page(committee, timezone.localdate())

    current = {row.member: row.ending_soon for row in page["current"]}
    assert current == {soon: True, later: False}
    assert [row.member for row in page["upcoming"]] == [upcoming]
    assert {row.member for row in page["past"]} == {left, ended}


def test_staff_add_a_member_by_hand_with_the_default_term(client, alice, committee, eastside):
    client.force_login(alice)
    url = reverse("groups:staff-members", args=[committee.pk])

    page = client.get(url).content.decode()
    # Policy review committees serve 24 months: the default term is today to then.
    assert f'value="{days(0).isoformat()}"' in page
    assert f'value="{(days(0) + relativedelta(months=24)).isoformat()}"' in page

    response = client.post(
        url,
        {
            "action": "manual",
            "manual-name": "Rosa Diaz",
            "manual-email": "rosa@example.net",
            "manual-phone": "",
            "manual-neighbourhood": eastside.pk,
            "manual-language": "en",
            "manual-role": "vice_chair",
            "manual-term_starts": days(0).isoformat(),
            "manual-term_ends": days(730).isoformat(),
        },
    )

    assert response.status_code == 302
    member = GroupMember.objects.get()
    assert member.role == "vice_chair" and member.resident.neighbourhood == eastside
    assert "Rosa Diaz" in client.get(url).content.decode()


def test_staff_add_by_hand_keeps_what_was_typed_when_input_is_bad(client, alice, committee):
    client.force_login(alice)

    response = client.post(
        reverse("groups:staff-members", args=[committee.pk]),
        {
            "action": "manual",
            "manual-name": "Rosa Typed",
            "manual-email": "",
            "manual-phone": "",
            "manual-language": "en",
            "manual-role": "member",
            "manual-term_starts": days(10).isoformat(),
            "manual-term_ends": days(5).isoformat(),
        },
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="Rosa Typed"' in page
    assert "The term must end after it starts." in page
    assert "Give an email address or a mobile phone number" in page
    assert not GroupMember.objects.exists()


def test_staff_seat_accepted_applicants_from_the_members_page(client, alice, committee):
    accepted = ApplicationFactory(program=committee, status=Application.Status.ACCEPTED)
    client.force_login(alice)
    url = reverse("groups:staff-members", args=[committee.pk])
    assert accepted.resident.name in client.get(url).content.decode()

    response = client.post(
        url,
        {
            "action": "applicants",
            "applicants-applications": [accepted.pk],
            "applicants-role": "member",
            "applicants-term_starts": days(0).isoformat(),
            "applicants-term_ends": days(730).isoformat(),
        },
    )

    assert response.status_code == 302
    assert GroupMember.objects.get().application == accepted


def test_staff_member_edit_refuses_an_overlap_with_a_clear_message(client, alice, committee):
    member = GroupMemberFactory(program=committee, term_starts=days(-30), term_ends=days(300))
    GroupMemberFactory(
        program=committee, resident=member.resident, term_starts=days(301), term_ends=days(600)
    )
    client.force_login(alice)

    response = client.post(
        reverse("groups:staff-member-edit", args=[member.pk]),
        {
            "role": "member",
            "term_starts": days(-30).isoformat(),
            "term_ends": days(400).isoformat(),
            "ended_early_on": "",
        },
    )

    assert response.status_code == 200
    # Once, in the error summary at the top (issue 17, item 12: crispy listed it again).
    assert response.content.decode().count("cannot overlap") == 1
    member.refresh_from_db()
    assert member.term_ends == days(300)


def test_staff_member_edit_records_leaving_early(client, alice, committee):
    member = GroupMemberFactory(program=committee, term_starts=days(-30), term_ends=days(300))
    client.force_login(alice)

    response = client.post(
        reverse("groups:staff-member-edit", args=[member.pk]),
        {
            "role": "member",
            "term_starts": days(-30).isoformat(),
            "term_ends": days(300).isoformat(),
            "ended_early_on": days(0).isoformat(),
        },
    )

    assert response.status_code == 302
    member.refresh_from_db()
    assert member.ended_early_on == days(0) and not member.serving_on(days(0))


# --- Representation ----------------------------------------------------------------------


def test_representation_compares_member_shares_with_population_shares(committee):
    north = NeighbourhoodFactory(name="North", code="north", population=30000)
    south = NeighbourhoodFactory(name="South", code="south", population=10000)
    for _ in range(3):
        GroupMemberFactory(program=committee, resident=ResidentFactory(neighbourhood=south))
    GroupMemberFactory(program=committee, resident=ResidentFactory(neighbourhood=north))
    GroupMemberFactory(program=committee, resident=ResidentFactory(neighbourhood=None))
    # Past members do not count.
    GroupMemberFactory(
        program=committee,
        resident=ResidentFactory(neighbourhood=north),
        term_starts=days(-800),
        term_ends=days(-1),
    )

    result = selectors.representation(committee, timezone.localdate())

    rows = {row.name: row for row in result["rows"]}
    assert rows["South"].members == 3 and rows["South"].member_share == 0.75
    assert rows["South"].population_share == 0.25
    assert rows["South"].gap == pytest.approx(0.5)
    assert rows["North"].members == 1 and rows["North"].gap == pytest.approx(-0.5)
    assert rows["North"].under_represented
    assert result["not_recorded"].members == 1
    assert result["total_members"] == 5 and result["area_population"] == 40000


def test_representation_uses_the_neighbourhoods_the_group_serves(committee):
    north = NeighbourhoodFactory(name="North", code="north", population=30000)
    south = NeighbourhoodFactory(name="South", code="south", population=10000)
    NeighbourhoodFactory(name="Elsewhere", code="else", population=90000)
    committee.neighbourhoods.set([north, south])
    GroupMemberFactory(program=committee, resident=ResidentFactory(neighbourhood=north))

    result = selectors.representation(committee, timezone.localdate())

    assert [row.name for row in result["rows"]] == ["North", "South"]
    assert result["area_population"] == 40000
    assert result["rows"][0].population_share == 0.75


def test_representation_page_shows_counts_without_names_to_command_staff(
    client, carol, committee, django_assert_max_num_queries
):
    for n in range(6):
        GroupMemberFactory(
            program=committee,
            resident=ResidentFactory(
                name=f"Secret Name {n}", neighbourhood=NeighbourhoodFactory(population=1000 + n)
            ),
        )
    client.force_login(carol)

    with django_assert_max_num_queries(10):
        response = client.get(reverse("groups:staff-representation", args=[committee.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Secret Name" not in page
    assert "Not recorded" in page and "Share of population" in page


def test_representation_is_a_404_for_a_program_that_is_not_a_group(client, alice, program):
    client.force_login(alice)
    assert client.get(reverse("groups:staff-representation", args=[program.pk])).status_code == 404


# --- Meetings ----------------------------------------------------------------------------


def test_attendance_is_recorded_per_serving_member_and_saving_twice_is_one_effect(committee, alice):
    event = meeting(committee)
    members = [GroupMemberFactory(program=committee) for _ in range(4)]
    not_yet = GroupMemberFactory(program=committee, term_starts=days(1), term_ends=days(300))
    present = [members[0].resident_id, members[1].resident_id, not_yet.resident_id]

    first = services.record_meeting_attendance(
        event=event, present_resident_ids=present, user=alice
    )
    again = services.record_meeting_attendance(
        event=event, present_resident_ids=present, user=alice
    )

    assert first == {"serving": 4, "present": 2, "changed": 4}
    assert again["changed"] == 0
    assert Attendance.objects.filter(event=event).count() == 4
    assert not Attendance.objects.filter(resident=not_yet.resident).exists()
    summary = selectors.meeting_attendance(event)
    assert summary["needed"] == 3 and not summary["quorum"]

    services.record_meeting_attendance(
        event=event, present_resident_ids=[*present, members[2].resident_id], user=alice
    )
    assert selectors.meeting_attendance(event)["quorum"]


def test_publishing_minutes_keeps_the_first_time_and_needs_minutes(committee, alice):
    event = meeting(committee)

    with pytest.raises(ValidationError, match="Write the minutes"):
        services.save_meeting_record(event=event, agenda="1. Welcome", minutes="", publish=True)
    first = services.save_meeting_record(
        event=event, agenda="1. Welcome", minutes="We met.", publish=True
    )
    published_at = first.minutes_published_at
    again = services.save_meeting_record(
        event=event, agenda="1. Welcome", minutes="We met and agreed.", publish=True
    )

    assert MeetingRecord.objects.count() == 1
    assert again.minutes_published_at == published_at and again.minutes == "We met and agreed."
    services.unpublish_minutes(event=event)
    services.unpublish_minutes(event=event)
    assert MeetingRecord.objects.get().minutes_published_at is None


def test_staff_meeting_page_takes_attendance_and_shows_quorum(client, alice, committee):
    event = meeting(committee, title="March meeting")
    members = [GroupMemberFactory(program=committee) for _ in range(3)]
    client.force_login(alice)
    url = reverse("groups:staff-meeting", args=[event.pk])

    page = client.get(url).content.decode()
    assert members[0].resident.name in page and "Attendance not taken yet" in page

    response = client.post(
        url,
        {
            "action": "attendance",
            "attendance-present": [members[0].resident_id, members[1].resident_id],
        },
    )
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Quorum reached" in page
    assert "2 of 3 serving members present; 2 needed" in page


def test_staff_meeting_publishes_minutes_to_the_public_meetings_page(client, alice, committee):
    event = meeting(committee, title="March meeting")
    other = meeting(committee, title="April meeting", days_from_now=-1)
    MeetingRecord.objects.create(event=other, agenda="Secret draft", minutes="Draft minutes")
    client.force_login(alice)

    response = client.post(
        reverse("groups:staff-meeting", args=[event.pk]),
        {
            "action": "publish",
            "record-agenda": "1. Body-worn cameras",
            "record-minutes": "The committee asked for a 30-day release rule.",
        },
    )

    assert response.status_code == 302
    client.logout()
    page = client.get(reverse("groups:public-meetings", args=[committee.slug])).content.decode()
    assert "30-day release rule" in page and "1. Body-worn cameras" in page
    assert "Draft minutes" not in page and "Secret draft" not in page


def test_staff_meeting_refuses_publishing_empty_minutes_with_a_message(client, alice, committee):
    event = meeting(committee)
    client.force_login(alice)

    response = client.post(
        reverse("groups:staff-meeting", args=[event.pk]),
        {"action": "publish", "record-agenda": "1. Welcome", "record-minutes": ""},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Write the minutes before publishing them." in page
    assert ">\n1. Welcome</textarea>" in page
    assert not MeetingRecord.objects.exists()


def test_staff_meeting_is_a_404_for_an_event_of_another_kind_of_program(client, alice, program):
    client.force_login(alice)
    event = EventFactory(program=program)
    assert client.get(reverse("groups:staff-meeting", args=[event.pk])).status_code == 404
    assert client.get(reverse("groups:staff-meeting", args=[999999])).status_code == 404


def test_public_meetings_is_a_404_for_programs_that_are_not_public_groups(client, program, alice):
    assert client.get(reverse("groups:public-meetings", args=[program.slug])).status_code == 404
    internal = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="citizen-review-boards"),
        visibility="internal",
        owner=alice,
    )
    assert client.get(reverse("groups:public-meetings", args=[internal.slug])).status_code == 404


# --- Items under review --------------------------------------------------------------------


def test_create_item_names_its_creator_and_refuses_public_comment_on_confidential(
    board, alice, bob
):
    item = services.create_review_item(
        program=board,
        user=alice,
        kind="case",
        title="Case 2026-14",
        confidential=True,
        named_staff=[bob],
    )
    assert set(item.named_staff.all()) == {alice, bob}
    assert AuditLog.objects.filter(action="review_item.create").count() == 1

    now = timezone.now()
    with pytest.raises(ValidationError, match="cannot take public comment"):
        services.create_review_item(
            program=board,
            user=alice,
            kind="case",
            title="Case 2026-15",
            confidential=True,
            comment_opens_at=now,
            comment_closes_at=now + timedelta(days=7),
        )


def test_item_status_moves_forward_only_and_twice_is_one_change(committee, alice):
    item = ReviewItemFactory(program=committee, status="draft", created_by=alice)

    services.advance_item_status(item=item, to="under_review", user=alice)
    services.advance_item_status(item=item, to="under_review", user=alice)
    with pytest.raises(ValidationError):
        services.advance_item_status(item=item, to="draft", user=alice)
    services.advance_item_status(item=item, to="concluded", user=alice)

    item.refresh_from_db()
    assert item.status == "concluded"
    assert AuditLog.objects.filter(action="review_item.status").count() == 2


def test_staff_create_item_refuses_confidential_with_a_comment_period_clearly(client, alice, board):
    client.force_login(alice)
    url = reverse("groups:staff-item-create", args=[board.pk])
    data = {
        "kind": "case",
        "title": "Use of force review 14",
        "summary": "",
        "status": "under_review",
        "confidential": "on",
        "comment_opens_at": "2030-01-01T09:00",
        "comment_closes_at": "2030-01-15T17:00",
    }

    response = client.post(url, data)

    assert response.status_code == 200
    assert "A confidential item cannot take public comment." in response.content.decode()
    assert 'value="Use of force review 14"' in response.content.decode()
    assert not ReviewItem.objects.exists()

    data.update(comment_opens_at="", comment_closes_at="")
    response = client.post(url, data)
    item = ReviewItem.objects.get()
    assert response["Location"] == reverse("groups:staff-item", args=[item.pk])
    assert item.confidential and list(item.named_staff.all()) == [alice]


def test_staff_create_item_refuses_half_or_backwards_periods(client, alice, committee):
    client.force_login(alice)
    url = reverse("groups:staff-item-create", args=[committee.pk])
    base = {"kind": "policy", "title": "Pursuit policy", "status": "under_review"}

    half = client.post(url, {**base, "comment_opens_at": "2030-01-01T09:00"})
    backwards = client.post(
        url,
        {**base, "comment_opens_at": "2030-01-10T09:00", "comment_closes_at": "2030-01-01T09:00"},
    )
    garbage = client.post(url, {**base, "kind": "nonsense", "comment_opens_at": "yesterday"})

    assert "Give both the opening and the closing" in half.content.decode()
    assert "must close after it opens" in backwards.content.decode()
    assert garbage.status_code == 200
    assert not ReviewItem.objects.exists()


def test_staff_upload_a_document_and_anyone_downloads_it(client, alice, committee, private_media):
    item = open_item(committee)
    client.force_login(alice)

    response = client.post(
        reverse("groups:staff-item", args=[item.pk]),
        {
            "action": "document",
            "document-title": "Draft policy",
            "document-file": SimpleUploadedFile("bwc policy.pdf", PDF, "application/pdf"),
        },
    )

    assert response.status_code == 302
    document = ReviewDocument.objects.get()
    assert (private_media / document.file.name).exists()
    client.logout()
    download = client.get(reverse("groups:document", args=[document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert "bwc_policy.pdf" in download["Content-Disposition"]
    assert b"".join(download.streaming_content) == PDF


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "Upload a PDF"),
        ("fake.pdf", b"just text pretending", "not what its name says"),
        ("photo.png", b"\xff\xd8\xff\xe0 jpeg bytes", "not what its name says"),
        ("empty.txt", b"", "empty"),
    ],
)
def test_staff_document_upload_refuses_wrong_types(
    client, alice, committee, private_media, name, content, message
):
    item = open_item(committee)
    client.force_login(alice)

    response = client.post(
        reverse("groups:staff-item", args=[item.pk]),
        {
            "action": "document",
            "document-title": "Something",
            "document-file": SimpleUploadedFile(name, content),
        },
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ReviewDocument.objects.exists()


def test_staff_document_upload_refuses_files_over_20_mb(client, alice, committee, private_media):
    item = open_item(committee)
    client.force_login(alice)
    too_big = SimpleUploadedFile("big.pdf", PDF + b"0" * (20 * 1024 * 1024))

    response = client.post(
        reverse("groups:staff-item", args=[item.pk]),
        {"action": "document", "document-title": "Big", "document-file": too_big},
    )

    assert response.status_code == 200
    assert "the limit is 20 MB" in response.content.decode()
    assert not ReviewDocument.objects.exists()


def test_staff_document_needs_a_file_or_a_link_but_not_both(
    client, alice, committee, private_media
):
    item = open_item(committee)
    client.force_login(alice)
    url = reverse("groups:staff-item", args=[item.pk])

    neither = client.post(url, {"action": "document", "document-title": "Nothing"})
    both = client.post(
        url,
        {
            "action": "document",
            "document-title": "Both",
            "document-link": "https://example.org/policy.pdf",
            "document-file": SimpleUploadedFile("p.pdf", PDF),
        },
    )
    link = client.post(
        url,
        {
            "action": "document",
            "document-title": "Council report",
            "document-link": "https://example.org/report",
        },
    )

    assert "Upload a file or give a link." in neither.content.decode()
    assert "not both" in both.content.decode()
    assert link.status_code == 302
    document = ReviewDocument.objects.get()
    response = client.get(reverse("groups:document", args=[document.pk]))
    assert response.status_code == 302 and response["Location"] == "https://example.org/report"


def test_draft_documents_are_a_404_to_the_public_and_open_to_program_staff(
    client, alice, bob, committee
):
    document = ReviewDocumentFactory(
        item=ReviewItemFactory(program=committee, status="draft", created_by=alice)
    )
    url = reverse("groups:document", args=[document.pk])

    assert client.get(url).status_code == 404
    client.force_login(bob)
    assert client.get(url).status_code == 404
    client.force_login(alice)
    assert client.get(url).status_code == 302


def test_a_document_whose_file_is_missing_is_a_404(client, committee, private_media):
    document = ReviewDocument.objects.create(
        item=open_item(committee), title="Lost", file="review/x/gone.pdf"
    )
    assert client.get(reverse("groups:document", args=[document.pk])).status_code == 404


def test_staff_change_status_and_set_the_comment_period(client, alice, committee):
    item = ReviewItemFactory(program=committee, status="draft", created_by=alice)
    client.force_login(alice)
    url = reverse("groups:staff-item", args=[item.pk])

    client.post(url, {"action": "status", "to": "under_review"})
    client.post(url, {"action": "status", "to": "under_review"})
    refused = client.post(url, {"action": "status", "to": "draft"}, follow=True)
    client.post(
        url,
        {
            "action": "period",
            "period-comment_opens_at": "2030-01-01T09:00",
            "period-comment_closes_at": "2030-02-01T09:00",
        },
    )

    item.refresh_from_db()
    assert item.status == "under_review" and item.comment_opens_at.year == 2030
    assert "An item goes from being prepared" in refused.content.decode()
    page = client.get(url).content.decode()
    assert reverse("recommendations:staff-create", args=[committee.pk]) in page
    assert "Record a recommendation from this item" in page


# --- Public comment and moderation ---------------------------------------------------------


def test_submit_comment_is_stored_for_moderation_and_refused_outside_the_period(committee):
    item = open_item(committee)
    closed = open_item(
        committee,
        comment_opens_at=timezone.now() - timedelta(days=30),
        comment_closes_at=timezone.now() - timedelta(days=1),
    )

    comment = services.submit_comment(item=item, text="  Release footage in 30 days. ")

    assert comment.status == PublicComment.Status.SUBMITTED
    assert comment.text == "Release footage in 30 days."
    with pytest.raises(ValidationError, match="closed on"):
        services.submit_comment(item=closed, text="Too late")
    concluded = open_item(committee, status="concluded")
    with pytest.raises(ValidationError, match="concluded"):
        services.submit_comment(item=concluded, text="Too late")


def test_moderating_twice_changes_nothing_and_rejecting_needs_a_reason(committee, alice):
    comment = PublicCommentFactory(item=open_item(committee))

    first = services.moderate_comment(comment=comment, action="approve", user=alice)
    moderated_at = first.moderated_at
    again = services.moderate_comment(comment=comment, action="approve", user=alice)
    assert again.status == "published" and again.moderated_at == moderated_at

    with pytest.raises(ValidationError, match="reason"):
        services.moderate_comment(comment=comment, action="reject", user=alice, reason=" ")
    rejected = services.moderate_comment(
        comment=comment, action="reject", user=alice, reason="Names a private person."
    )
    assert rejected.status == "rejected" and rejected.rejection_reason


def test_public_comment_flow_from_empty_form_to_published(client, alice, committee, eastside):
    item = open_item(committee, title="Body-worn camera policy")
    url = reverse("groups:public-item", args=[item.public_id])

    empty = client.post(url, {"text": "  ", "name": "Rosa"})
    assert empty.status_code == 200
    assert "Write your comment before sending it." in empty.content.decode()
    assert 'value="Rosa"' in empty.content.decode()

    sent = client.post(
        url,
        {"text": "Footage within 30 days.", "name": "", "neighbourhood": eastside.pk},
        follow=True,
    )
    assert "A moderator will review it before it appears" in sent.content.decode()
    comment = PublicComment.objects.get()
    assert comment.status == "submitted" and comment.neighbourhood == eastside
    assert "Footage within 30 days." not in sent.content.decode()

    client.force_login(alice)
    moderate = reverse("groups:staff-moderate", args=[item.pk, comment.pk, "approve"])
    assert client.get(moderate).status_code == 405
    assert client.post(moderate).status_code == 302
    assert client.post(moderate).status_code == 302
    client.logout()
    page = client.get(url).content.decode()
    assert "Footage within 30 days." in page and "A resident" in page


def test_comment_text_over_5000_characters_is_refused_and_kept(client, committee):
    item = open_item(committee)

    response = client.post(
        reverse("groups:public-item", args=[item.public_id]), {"text": "x" * 5001}
    )

    assert response.status_code == 200
    assert "at most 5000 characters" in response.content.decode()
    assert not PublicComment.objects.exists()


def test_a_closed_item_shows_published_comments_and_refuses_posts_clearly(client, committee):
    item = open_item(
        committee,
        comment_opens_at=timezone.now() - timedelta(days=30),
        comment_closes_at=timezone.now() - timedelta(days=1),
    )
    PublicCommentFactory(item=item, text="Published earlier", status="published")
    PublicCommentFactory(item=item, text="Rejected earlier", status="rejected")
    url = reverse("groups:public-item", args=[item.public_id])

    page = client.get(url).content.decode()
    assert "Comments closed" in page and "Published earlier" in page
    assert "Rejected earlier" not in page and "Send my comment" not in page

    response = client.post(url, {"text": "Late comment"})
    assert response.status_code == 200
    assert "closed on" in response.content.decode()
    assert PublicComment.objects.count() == 2


def test_comment_posts_are_rate_limited(client, committee, settings):
    settings.PORTAL_PUBLIC_POST_RATE = "2/m"
    item = open_item(committee)
    url = reverse("groups:public-item", args=[item.public_id])

    codes = [client.post(url, {"text": f"Comment {n}"}).status_code for n in range(3)]

    assert codes == [302, 302, 429]
    assert PublicComment.objects.count() == 2


@pytest.mark.parametrize(
    "overrides",
    [
        {"status": "draft"},
        {"comment_opens_at": None, "comment_closes_at": None},
    ],
)
def test_public_item_is_a_404_unless_public_and_past_draft(client, committee, overrides):
    item = open_item(committee, **overrides)
    assert client.get(reverse("groups:public-item", args=[item.public_id])).status_code == 404


def test_public_item_is_a_404_when_the_program_is_not_public(client, alice):
    internal = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="policy-review-committees"),
        visibility="internal",
        owner=alice,
    )
    item = open_item(internal)
    assert client.get(reverse("groups:public-item", args=[item.public_id])).status_code == 404
    assert client.get(reverse("groups:public-item", args=["x" * 40])).status_code == 404


def test_public_list_shows_open_then_upcoming_then_closed_and_nothing_private(
    client, committee, board
):
    now = timezone.now()
    closed = open_item(
        committee,
        title="Closed item",
        comment_opens_at=now - timedelta(days=30),
        comment_closes_at=now - timedelta(days=2),
    )
    upcoming = open_item(
        committee,
        title="Upcoming item",
        comment_opens_at=now + timedelta(days=2),
        comment_closes_at=now + timedelta(days=20),
    )
    current = open_item(committee, title="Open item")
    open_item(committee, title="Draft item", status="draft")
    ReviewItemFactory(program=board, title="Confidential case", confidential=True)
    ReviewItemFactory(program=committee, title="No period item")

    response = client.get(reverse("groups:public-list"))

    assert list(response.context["page"]) == [current, upcoming, closed]
    page = response.content.decode()
    assert "Comments closed" in page and "Open for comment" in page
    assert "Draft item" not in page and "Confidential case" not in page


def test_public_list_filters_by_group(client, alice, committee):
    other = ProgramFactory(
        engagement_type=EngagementType.objects.get(slug="community-advisory-groups"), owner=alice
    )
    mine = open_item(committee, title="Ours")
    open_item(other, title="Theirs")

    response = client.get(reverse("groups:public-list"), {"group": committee.slug})

    assert list(response.context["page"]) == [mine]
    assert client.get(reverse("groups:public-list"), {"group": "x" * 300}).status_code == 200


def test_program_page_of_a_group_links_to_its_meetings_and_consultations(
    client, committee, program
):
    page = client.get(committee.get_absolute_url()).content.decode()
    assert reverse("groups:public-meetings", args=[committee.slug]) in page
    assert f"{reverse('groups:public-list')}?group={committee.slug}" in page
    assert "Follow the group" not in client.get(program.get_absolute_url()).content.decode()


def test_staff_reject_without_a_reason_gives_a_message_not_a_change(client, alice, committee):
    item = open_item(committee)
    comment = PublicCommentFactory(item=item)
    client.force_login(alice)

    response = client.post(
        reverse("groups:staff-moderate", args=[item.pk, comment.pk, "reject"]),
        {"reason": ""},
        follow=True,
    )

    assert "Give a reason for not publishing" in response.content.decode()
    comment.refresh_from_db()
    assert comment.status == "submitted"
    other_item = open_item(committee)
    wrong = reverse("groups:staff-moderate", args=[other_item.pk, comment.pk, "approve"])
    assert client.post(wrong).status_code == 404
    unknown = reverse("groups:staff-moderate", args=[item.pk, comment.pk, "delete"])
    assert client.post(unknown).status_code == 404


# --- Members' area -------------------------------------------------------------------------


@pytest.fixture
def member_account(committee):
    user = UserFactory(email="maria@example.net", full_name="Maria Lopez", role=roles.RESIDENT)
    resident = ResidentFactory(name="Maria Lopez", email="maria@example.net", user=user)
    GroupMemberFactory(program=committee, resident=resident, role="chair")
    return user


def test_members_area_shows_agendas_and_unpublished_minutes_to_members(
    client, committee, member_account
):
    upcoming = meeting(committee, title="June meeting", days_from_now=7)
    MeetingRecord.objects.create(event=upcoming, agenda="1. Pursuit policy")
    past = meeting(committee, title="May meeting")
    MeetingRecord.objects.create(event=past, minutes="Unpublished minutes of May")
    ReviewItemFactory(program=committee, title="Curriculum under review", kind="curriculum")
    ReviewItemFactory(program=committee, title="Draft not shown", status="draft")
    client.force_login(member_account)

    page = client.get(reverse("groups:member-home", args=[committee.slug])).content.decode()

    assert "You serve as Chair" in page
    assert "1. Pursuit policy" in page and "Unpublished minutes of May" in page
    assert "Curriculum under review" in page and "Draft not shown" not in page


def test_members_area_refuses_non_members_and_sends_anonymous_to_log_in(client, committee, dave):
    url = reverse("groups:member-home", args=[committee.slug])

    anonymous = client.get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    client.force_login(dave)
    assert client.get(url).status_code == 403
    assert client.get(reverse("groups:member-home", args=["no-such-group"])).status_code == 404


# --- Query bounds ----------------------------------------------------------------------------


def add_activity(committee, first: int, count: int) -> None:
    """Members, applicants, meetings with records and attendance, items with comments and
    documents: `count` of each."""
    for n in range(first, first + count):
        resident = ResidentFactory(neighbourhood=NeighbourhoodFactory())
        GroupMemberFactory(program=committee, resident=resident)
        ApplicationFactory(program=committee, status="accepted")
        event = meeting(committee, days_from_now=n - 4, title=f"Meeting {n}")
        MeetingRecord.objects.create(
            event=event, agenda="Agenda", minutes="Minutes", minutes_published_at=timezone.now()
        )
        Attendance.objects.create(event=event, resident=resident, present=True)
        item = open_item(committee, title=f"Item {n}", confidential=False)
        PublicCommentFactory(item=item, status="published")
        PublicCommentFactory(item=item)
        ReviewDocumentFactory(item=item)


def queries_for(client, url, assert_max_queries, bound: int) -> int:
    with assert_max_queries(bound) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    ("name", "who", "bound"),
    [
        ("groups:staff-members", "alice", 16),
        ("groups:staff-group", "alice", 12),
        ("groups:staff-representation", "alice", 10),
        ("groups:member-home", "alice", 12),
        ("groups:public-meetings", None, 6),
        ("groups:public-list", None, 6),
    ],
)
def test_list_pages_run_as_many_queries_for_two_rows_as_for_eight(
    client, request, committee, name, who, bound, django_assert_max_num_queries
):
    if who:
        client.force_login(request.getfixturevalue(who))
    if name == "groups:public-list":
        url = reverse(name)
    elif name in ("groups:public-meetings", "groups:member-home"):
        url = reverse(name, args=[committee.slug])
    else:
        url = reverse(name, args=[committee.pk])

    add_activity(committee, 0, 2)
    few = queries_for(client, url, django_assert_max_num_queries, bound)
    add_activity(committee, 2, 6)
    many = queries_for(client, url, django_assert_max_num_queries, bound)

    assert many == few


def test_staff_item_and_meeting_pages_do_not_grow_with_comments_or_members(
    client, alice, committee, django_assert_max_num_queries
):
    add_activity(committee, 0, 2)
    item = ReviewItem.objects.filter(program=committee).first()
    event = Event.objects.filter(program=committee).first()
    client.force_login(alice)
    item_url = reverse("groups:staff-item", args=[item.pk])
    meeting_url = reverse("groups:staff-meeting", args=[event.pk])
    bounded = django_assert_max_num_queries
    few = (
        queries_for(client, item_url, bounded, 16),
        queries_for(client, meeting_url, bounded, 14),
    )

    for _ in range(10):
        PublicCommentFactory(item=item)
        ReviewDocumentFactory(item=item)
        GroupMemberFactory(program=committee)

    many = (
        queries_for(client, item_url, bounded, 16),
        queries_for(client, meeting_url, bounded, 14),
    )
    assert many == few


def test_resident_rows_are_never_created_by_public_comments(client, committee):
    item = open_item(committee)
    before = Resident.objects.count()
    client.post(
        reverse("groups:public-item", args=[item.public_id]), {"text": "Hi", "name": "Rosa"}
    )
    assert Resident.objects.count() == before


def test_download_name_drops_the_random_prefix_even_when_it_holds_a_dash():
    document = ReviewDocument(file="review/abc/a-b_cdefghi-my-file.pdf")
    assert services.document_download_name(document) == "my-file.pdf"
    assert services.document_download_name(ReviewDocument(file="review/x/plain.pdf")) == "plain.pdf"


def test_documents_go_through_the_storage_api_whatever_the_store(
    client, alice, committee, settings
):
    """A fleet keeps uploads in a shared store (S3 through django-storages): nothing may
    assume a local file. An in-memory store stands in for it here."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    }
    item = open_item(committee)
    client.force_login(alice)
    client.post(
        reverse("groups:staff-item", args=[item.pk]),
        {
            "action": "document",
            "document-title": "Draft policy",
            "document-file": SimpleUploadedFile("bwc policy.pdf", PDF, "application/pdf"),
        },
    )
    document = ReviewDocument.objects.get()
    client.logout()
    download = client.get(reverse("groups:document", args=[document.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_minutes_and_attendance_wait_for_the_meeting_to_take_place(client, alice, committee):
    """Issue 17, item 5: a meeting dated ahead takes an agenda, but its minutes and its
    attendance are refused with a message that says when it starts, keeping what was typed."""
    event = meeting(committee, title="December meeting", days_from_now=16)
    members = [GroupMemberFactory(program=committee) for _ in range(2)]
    client.force_login(alice)
    url = reverse("groups:staff-meeting", args=[event.pk])

    agenda_only = client.post(
        url, {"action": "record", "record-agenda": "1. Welcome", "record-minutes": ""}
    )
    assert agenda_only.status_code == 302
    assert MeetingRecord.objects.get(event=event).agenda == "1. Welcome"

    for action in ("record", "publish"):
        response = client.post(
            url,
            {"action": action, "record-agenda": "1. Welcome", "record-minutes": "We agreed."},
        )
        page = response.content.decode()
        assert response.status_code == 200
        assert "This meeting has not taken place yet" in page
        assert ">\nWe agreed.</textarea>" in page
    record = MeetingRecord.objects.get(event=event)
    assert record.minutes == "" and record.minutes_published_at is None

    response = client.post(
        url, {"action": "attendance", "attendance-present": [members[0].resident_id]}
    )
    assert response.status_code == 200
    assert "Take attendance once it has begun." in response.content.decode()
    assert not Attendance.objects.filter(event=event).exists()

    with pytest.raises(ValidationError):
        services.record_meeting_attendance(
            event=event, present_resident_ids=[], user=alice, now=event.starts_at - timedelta(1)
        )
    result = services.record_meeting_attendance(
        event=event, present_resident_ids=[members[0].resident_id], user=alice, now=event.ends_at
    )
    assert result["present"] == 1


def test_staff_who_do_not_run_a_group_see_only_the_pages_open_to_them(
    client, alice, bob, committee
):
    """Issue 17, item 6: the program page offered staff not on the group links to its
    meetings and members, which refused them, beside a representation page they could open.
    Now they see the representation link only, and why."""
    program_page = reverse("programs:staff-detail", args=[committee.pk])
    members = reverse("groups:staff-members", args=[committee.pk])
    representation = reverse("groups:staff-representation", args=[committee.pk])

    client.force_login(bob)
    page = client.get(program_page).content.decode()
    assert representation in page and members not in page
    assert reverse("groups:staff-group", args=[committee.pk]) not in page
    assert "for the staff who run it" in page
    assert client.get(representation).status_code == 200
    assert client.get(members).status_code == 403

    client.force_login(alice)
    page = client.get(program_page).content.decode()
    assert representation in page and members in page
