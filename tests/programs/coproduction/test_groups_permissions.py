"""Review-board case material: who may see a confidential item and its documents, and the
audit-log entry every view and download writes.

The board is alice's; erin is on its team but not named on the case; frank is program staff
named on it (not on the team); maria serves on the board today and has an account; tomas
served until last month; dave is a resident who never served; carol is command staff.
"""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engagement_portal.accounts import roles
from engagement_portal.core.models import AuditLog
from programs.coproduction import services_groups as services
from tests.core.test_permissions import ACCESS, ALLOWED, POST_ONLY, url_for
from tests.core.test_permissions import objects as objects  # noqa: F401  (the walk's fixture)
from tests.factories import (
    GroupMemberFactory,
    ResidentFactory,
    StaffUserFactory,
    UserFactory,
)
from tests.programs.coproduction.test_groups import PDF, board, committee, open_item, private_media  # noqa: F401

pytestmark = pytest.mark.django_db


def resident_account(email: str, name: str):
    user = UserFactory(email=email, full_name=name, role=roles.RESIDENT)
    ResidentFactory(name=name, email=email, user=user)
    return user


@pytest.fixture
def erin(board):  # noqa: F811
    user = StaffUserFactory(email="erin@example.org", full_name="Erin Evans")
    board.team.add(user)
    return user


@pytest.fixture
def frank(db):
    return StaffUserFactory(email="frank@example.org", full_name="Frank Fox")


@pytest.fixture
def maria(board):  # noqa: F811
    user = resident_account("maria@example.net", "Maria Lopez")
    GroupMemberFactory(program=board, resident=user.resident)
    return user


@pytest.fixture
def tomas(board):  # noqa: F811
    user = resident_account("tomas@example.net", "Tomas Berg")
    today = timezone.localdate()
    GroupMemberFactory(
        program=board,
        resident=user.resident,
        term_starts=today - timedelta(days=800),
        term_ends=today - timedelta(days=30),
    )
    return user


@pytest.fixture
def left_early(board):  # noqa: F811
    user = resident_account("lena@example.net", "Lena Park")
    today = timezone.localdate()
    GroupMemberFactory(
        program=board,
        resident=user.resident,
        term_starts=today - timedelta(days=100),
        term_ends=today + timedelta(days=600),
        ended_early_on=today,
    )
    return user


@pytest.fixture
def case(board, alice, frank, private_media):  # noqa: F811
    item = services.create_review_item(
        program=board,
        user=alice,
        kind="case",
        title="Use-of-force case 2026-14",
        summary="Bodycam footage and the investigator's findings.",
        status="under_review",
        confidential=True,
        named_staff=[frank],
    )
    services.add_document(
        item=item,
        title="Investigator's findings",
        file=SimpleUploadedFile("findings.pdf", PDF, "application/pdf"),
        user=alice,
    )
    AuditLog.objects.all().delete()
    return item


def member_item_url(item):
    return reverse("groups:member-item", args=[item.program.slug, item.public_id])


def document_url(item):
    return reverse("groups:document", args=[item.documents.get().pk])


def views_logged(action: str, user=None) -> int:
    entries = AuditLog.objects.filter(action=action)
    return entries.filter(actor=user).count() if user else entries.count()


# --- Who sees a confidential item ----------------------------------------------------------


def test_a_current_member_sees_the_case_and_every_view_is_audited(client, maria, case):
    client.force_login(maria)

    for _ in range(2):
        response = client.get(member_item_url(case))
        assert response.status_code == 200
        assert "Bodycam footage" in response.content.decode()

    entries = AuditLog.objects.filter(action="review_item.view", actor=maria)
    assert entries.count() == 2
    entry = entries.first()
    assert entry.details == {"item": case.pk, "page": "members"}
    assert entry.target == f"coproduction.reviewitem {case.pk}"
    assert response["Cache-Control"].startswith("max-age=0")


def test_a_member_sees_the_case_listed_in_the_members_area(client, maria, case):
    client.force_login(maria)
    page = client.get(reverse("groups:member-home", args=[case.program.slug])).content.decode()
    assert case.title in page and member_item_url(case) in page


@pytest.mark.parametrize("persona", ["tomas", "left_early", "dave", "erin", "carol", "bob"])
def test_others_are_refused_the_case_and_nothing_is_logged_as_seen(client, request, case, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(member_item_url(case)).status_code == 403
    assert client.get(document_url(case)).status_code == 403
    assert client.get(reverse("groups:staff-item", args=[case.pk])).status_code == 403
    assert views_logged("review_item.view") == 0
    assert views_logged("review_document.view") == 0


def test_anonymous_visitors_are_sent_to_log_in_for_the_case_and_its_document(client, case):
    for url in (member_item_url(case), document_url(case)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert client.get(reverse("groups:staff-item", args=[case.pk])).status_code == 302
    assert not AuditLog.objects.exists()


def test_the_case_is_never_a_public_item(client, case, maria):
    url = reverse("groups:public-item", args=[case.public_id])
    assert client.get(url).status_code == 404
    client.force_login(maria)
    assert client.get(url).status_code == 404
    assert case.title not in client.get(reverse("groups:public-list")).content.decode()


@pytest.mark.parametrize("persona", ["frank", "alice", "root"])
def test_named_staff_and_administrators_open_the_case_and_are_audited(
    client, request, case, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    staff_page = client.get(reverse("groups:staff-item", args=[case.pk]))
    member_page = client.get(member_item_url(case))

    assert staff_page.status_code == 200 and member_page.status_code == 200
    assert "Investigator&#x27;s findings" in staff_page.content.decode()
    pages = sorted(
        e.details["page"] for e in AuditLog.objects.filter(action="review_item.view", actor=user)
    )
    assert pages == ["members", "staff"]


def test_program_staff_not_named_do_not_see_the_case_listed(client, erin, case):
    client.force_login(erin)

    overview = client.get(reverse("groups:staff-group", args=[case.program.pk])).content.decode()
    area = client.get(reverse("groups:member-home", args=[case.program.slug])).content.decode()

    assert case.title not in overview and "1 confidential item is not listed" in overview
    assert case.title not in area


def test_a_member_cannot_open_the_staff_page_of_the_case(client, maria, case):
    client.force_login(maria)
    assert client.get(reverse("groups:staff-item", args=[case.pk])).status_code == 403


def test_a_draft_case_is_not_shown_to_members_yet(client, maria, alice, board):  # noqa: F811
    draft = services.create_review_item(
        program=board, user=alice, kind="case", title="Not ready", confidential=True
    )
    client.force_login(maria)
    assert client.get(member_item_url(draft)).status_code == 404


# --- Downloads -------------------------------------------------------------------------------


def test_a_member_downloads_case_material_and_each_download_is_audited(client, maria, case):
    client.force_login(maria)

    for _ in range(2):
        response = client.get(document_url(case))
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == PDF

    assert response["Content-Disposition"].startswith('attachment; filename="findings.pdf"')
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    entries = AuditLog.objects.filter(action="review_document.view", actor=maria)
    assert entries.count() == 2
    assert entries.first().details["item"] == case.pk


@pytest.mark.parametrize("persona", ["frank", "root"])
def test_named_staff_and_administrators_download_case_material_audited(
    client, request, case, persona
):
    user = request.getfixturevalue(persona)
    client.force_login(user)

    assert client.get(document_url(case)).status_code == 200
    assert views_logged("review_document.view", user) == 1


def test_public_documents_are_not_audited(client, committee, private_media):  # noqa: F811
    item = open_item(committee)
    services.add_document(
        item=item, title="Draft policy", file=SimpleUploadedFile("policy.pdf", PDF)
    )
    assert client.get(document_url(item)).status_code == 200
    assert not AuditLog.objects.filter(action="review_document.view").exists()


def test_membership_is_checked_on_the_day_of_the_request(client, maria, case):
    membership = maria.resident.group_memberships.get()
    membership.ended_early_on = timezone.localdate()
    membership.save()
    client.force_login(maria)

    assert client.get(member_item_url(case)).status_code == 403
    assert client.get(document_url(case)).status_code == 403
    assert client.get(reverse("groups:member-home", args=[case.program.slug])).status_code == 403


def test_a_member_of_another_group_is_refused(client, case, committee):  # noqa: F811
    user = resident_account("other@example.net", "Other Member")
    GroupMemberFactory(program=committee, resident=user.resident)
    client.force_login(user)

    assert client.get(member_item_url(case)).status_code == 403
    assert client.get(document_url(case)).status_code == 403


# --- The URL walk, for this block's names only ---------------------------------------------


@pytest.mark.parametrize("persona", list(ALLOWED))
def test_each_persona_reaches_exactly_what_its_role_allows_on_group_pages(
    persona,
    request,
    client,
    objects,  # noqa: F811
):
    """The project-wide walk (tests/core/test_permissions.py), limited to groups: names."""
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    problems = []
    for name, level in ACCESS.items():
        if not name.startswith("groups:"):
            continue
        if user:
            client.force_login(user)
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
        if persona == "anonymous" and level not in ALLOWED[persona] and response.status_code != 302:
            problems.append(f"{name} ({url}) gave anonymous {response.status_code}")
        if response.status_code >= 500:
            problems.append(f"{name} ({url}) crashed for {persona}")
    assert not problems, "\n".join(problems)
