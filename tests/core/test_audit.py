"""Need to know: the audit log names whom each look was at, the Django admin's pages of
personal data are logged like the staff pages, and an administrator can read the log by
person, staff member and day."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from engagement_portal.core.models import AuditLog
from engagement_portal.core.services import VIEW_ACTION, audit, audit_view
from tests.factories import (
    ProgramFactory,
    RegistrationFactory,
    ResidentFactory,
    ResidentRequestFactory,
    StaffUserFactory,
    VolunteerFactory,
)

pytestmark = pytest.mark.django_db

LOCAL = ZoneInfo(settings.TIME_ZONE)


def test_audit_view_names_the_residents_in_two_queries_however_many(
    alice, django_assert_num_queries
):
    residents = [ResidentFactory() for _ in range(12)]
    program = ProgramFactory()

    with django_assert_num_queries(2):
        entry = audit_view(
            actor=alice, page="events:staff-detail", target=program, residents=residents
        )

    assert set(entry.residents.all()) == set(residents)
    assert entry.action == VIEW_ACTION
    assert entry.details["page"] == "events:staff-detail"


def test_audit_view_records_an_object_by_its_label_and_id_not_its_text(alice):
    resident_request = ResidentRequestFactory(resident=ResidentFactory(name="Rosa Diaz"))

    entry = audit_view(
        actor=alice,
        page="requests:staff-detail",
        target=resident_request,
        residents=[resident_request.resident_id],
    )

    assert str(resident_request).endswith("Rosa Diaz")  # what str() would have leaked
    assert entry.target == f"in_person.residentrequest {resident_request.pk}"


def _resident_record(url_name):
    """A record of the admin page's model, and the resident it is about."""
    if url_name == "admin:accounts_resident_change":
        resident = ResidentFactory()
        return resident, resident
    record = {
        "admin:events_registration_change": RegistrationFactory,
        "admin:in_person_residentrequest_change": ResidentRequestFactory,
    }[url_name]()
    return record, record.resident


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:accounts_resident_change",
        "admin:events_registration_change",
        "admin:in_person_residentrequest_change",
    ],
)
def test_admin_change_pages_of_personal_data_are_audit_logged(client, root, url_name):
    obj, resident = _resident_record(url_name)
    client.force_login(root)

    response = client.get(reverse(url_name, args=[obj.pk]))

    assert response.status_code == 200
    entry = AuditLog.objects.get(actor=root, action=VIEW_ACTION)
    assert entry.details["page"] == url_name
    assert list(entry.residents.all()) == [resident]


@pytest.mark.parametrize("kind", ["history", "delete"])
def test_admin_history_and_delete_pages_of_personal_data_are_audit_logged(client, root, kind):
    """Both name the record, and so the person: seeing them is seeing personal data."""
    registration = RegistrationFactory()
    client.force_login(root)
    url_name = f"admin:events_registration_{kind}"

    response = client.get(reverse(url_name, args=[registration.pk]))

    assert response.status_code == 200
    entry = AuditLog.objects.get(actor=root, action=VIEW_ACTION)
    assert entry.details["page"] == url_name
    assert list(entry.residents.all()) == [registration.resident]


def test_admin_lists_of_personal_data_are_audit_logged_with_the_residents_shown(client, root):
    shown = [ResidentFactory() for _ in range(3)]
    client.force_login(root)

    response = client.get(reverse("admin:accounts_resident_changelist"))

    assert response.status_code == 200
    entry = AuditLog.objects.get(actor=root, details__page="admin:accounts_resident_changelist")
    assert set(entry.residents.all()) == set(shown)


def test_admin_audit_rows_hold_no_copy_of_what_was_shown(client, root):
    resident = ResidentFactory(name="Rosa Diaz", email="rosa@example.net")
    ResidentRequestFactory(resident=resident, address="12 Elm Street", topic="Car break-ins")
    client.force_login(root)
    client.get(reverse("admin:accounts_resident_change", args=[resident.pk]))
    client.get(reverse("admin:in_person_residentrequest_changelist"))

    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM core_auditlog")
        rows = " ".join(str(cell) for row in cursor.fetchall() for cell in row)
    assert rows
    for text in ["Rosa", "rosa@example.net", "12 Elm Street", "Car break-ins"]:
        assert text not in rows, text


@pytest.fixture
def log(alice, bob):
    """Who looked at whom, on two days: alice at rosa and sam, bob at rosa."""
    rosa, sam = ResidentFactory(name="Rosa"), ResidentFactory(name="Sam")
    entries = {
        "alice-rosa-mon": (alice, [rosa], datetime(2026, 11, 16, 10, tzinfo=LOCAL)),
        "alice-sam-tue": (alice, [sam], datetime(2026, 11, 17, 10, tzinfo=LOCAL)),
        "bob-rosa-tue": (bob, [rosa], datetime(2026, 11, 17, 15, tzinfo=LOCAL)),
        "bob-both-tue": (bob, [rosa, sam], datetime(2026, 11, 17, 16, tzinfo=LOCAL)),
    }
    made = {}
    for key, (actor, residents, at) in entries.items():
        entry = audit_view(actor=actor, page="x", target=key, residents=residents)
        AuditLog.objects.filter(pk=entry.pk).update(at=at)
        made[key] = entry.pk
    return {"rosa": rosa, "sam": sam, **made}


def _listed(client, **params) -> set[int]:
    response = client.get(reverse("admin:core_auditlog_changelist"), params)
    assert response.status_code == 200
    return {entry.pk for entry in response.context["cl"].result_list}


def test_administrator_filters_the_audit_log_by_person_staff_member_and_day(
    client, root, alice, bob, log
):
    client.force_login(root)

    assert _listed(client, resident=log["rosa"].pk) == {
        log["alice-rosa-mon"],
        log["bob-rosa-tue"],
        log["bob-both-tue"],
    }
    assert _listed(client, resident=log["sam"].pk, actor__id__exact=bob.pk) == {log["bob-both-tue"]}
    assert _listed(client, resident=log["rosa"].pk, at__year=2026, at__month=11, at__day=17) == {
        log["bob-rosa-tue"],
        log["bob-both-tue"],
    }
    assert _listed(client, q=log["sam"].email) == {log["alice-sam-tue"], log["bob-both-tue"]}


def test_the_person_filter_lists_no_one_until_asked(client, root, log):
    client.force_login(root)

    page = client.get(reverse("admin:core_auditlog_changelist")).content.decode()

    assert "Rosa" not in page and "Sam" not in page


def test_a_residents_admin_page_links_to_who_has_seen_them(client, root, log):
    client.force_login(root)

    page = client.get(reverse("admin:accounts_resident_change", args=[log["rosa"].pk]))

    link = reverse("admin:core_auditlog_changelist") + f"?resident={log['rosa'].pk}"
    assert link in page.content.decode()


def test_the_audit_log_is_for_administrators_only(client, alice):
    staff = StaffUserFactory()
    for user in (alice, staff):
        client.force_login(user)
        response = client.get(reverse("admin:core_auditlog_changelist"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_write_audits_record_objects_by_id_not_by_the_name_they_print(alice):
    """A volunteer prints as its resident's name; the log keeps a reference, not a copy."""
    volunteer = VolunteerFactory(resident=ResidentFactory(name="Vera Valdez"))
    assert "Vera Valdez" in str(volunteer)

    entry = audit(
        actor=alice, action="volunteers.added", target=volunteer, residents=[volunteer.resident]
    )

    assert entry.target == f"structured.volunteer {volunteer.pk}"
