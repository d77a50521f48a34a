"""The resident side of events: list, event page, registration, the private manage link and
calendars. Data is built through events.services.register, as residents would."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from engagement_portal.accounts.models import Language
from engagement_portal.messaging.models import OutboxMessage
from events import calendar, services
from events.models import Event, Registration
from programs.models import EngagementType, Program
from tests.factories import NeighbourhoodFactory, ProgramFactory, ResidentFactory
from tests.mailbox import delivered

Status = Registration.Status


@pytest.fixture(autouse=True)
def fresh_rate_limit():
    # The limiter counts in the default cache, which outlives a test: start every test at zero.
    cache.clear()
    yield
    cache.clear()


def register(event, n, **kwargs):
    kwargs.setdefault("name", f"Resident {n}")
    kwargs.setdefault("email", f"resident{n}@example.net")
    return services.register(event=event, **kwargs)


def form_data(**overrides):
    data = {
        "name": "Rosa Ruiz",
        "email": "rosa@example.net",
        "phone": "",
        "neighbourhood": "",
        "language": "en",
        "accessibility": "",
        "interpretation": "",
    }
    data.update(overrides)
    return data


def register_url(event):
    return reverse("events:register", args=[event.public_id])


def manage_url(token):
    return reverse("events:manage", args=[token])


def html(response):
    return response.content.decode()


# --- The list --------------------------------------------------------------------------


def test_list_shows_upcoming_public_events_with_places_left(client, make_event):
    event = make_event(title="Coffee on Main Street", capacity=10, venue_name="Main St Cafe")
    register(event, 1)
    full = make_event(title="Ride-out slot", capacity=1)
    register(full, 2)

    response = client.get(reverse("events:list"))

    assert response.status_code == 200
    page = html(response)
    assert "Coffee on Main Street" in page and "Main St Cafe" in page
    assert "9 places left" in page
    assert "Full — waiting list open" in page
    assert event.get_absolute_url() in page


def test_list_says_full_when_no_waiting_list(client, make_event):
    event = make_event(title="Academy week 3", capacity=1, waitlist_enabled=False)
    register(event, 1)
    page = html(client.get(reverse("events:list")))
    assert "Full — waiting list open" not in page
    assert "Full" in page


def test_list_empty_state(client, db):
    response = client.get(reverse("events:list"))
    assert response.status_code == 200
    assert "There are no upcoming events right now" in html(response)


def test_list_leaves_out_past_unlisted_and_internal_and_inactive_program_events(client, make_event):
    make_event(title="Visible town hall")
    make_event(title="Unlisted porch talk", visibility=Event.Visibility.UNLISTED)
    make_event(
        title="Internal briefing", program=ProgramFactory(visibility=Program.Visibility.INTERNAL)
    )
    make_event(title="Draft program event", program=ProgramFactory(status=Program.Status.DRAFT))
    past = timezone.now() - timedelta(days=3)
    make_event(title="Last week's coffee", starts_at=past, ends_at=past + timedelta(hours=1))

    page = html(client.get(reverse("events:list")))

    assert "Visible town hall" in page
    for hidden in (
        "Unlisted porch talk",
        "Internal briefing",
        "Draft program event",
        "Last week's coffee",
    ):
        assert hidden not in page


def test_list_filters_by_tier_type_neighbourhood_language_and_date(client, make_event):
    hillcrest = NeighbourhoodFactory(name="Hillcrest", code="hc")
    spanish = Language.objects.get(code="es")
    coffee = make_event(title="Coffee in Hillcrest", neighbourhood=hillcrest)
    coffee.languages.set([spanish])
    academy_type = EngagementType.objects.exclude(tier__number=2).first()
    later = timezone.now() + timedelta(days=40)
    make_event(
        title="Academy session",
        program=ProgramFactory(engagement_type=academy_type),
        starts_at=later,
    )

    def titles(**params):
        page = html(client.get(reverse("events:list"), params))
        return {t for t in ("Coffee in Hillcrest", "Academy session") if t in page}

    assert titles(neighbourhood=hillcrest.pk) == {"Coffee in Hillcrest"}
    assert titles(language=spanish.pk) == {"Coffee in Hillcrest"}
    assert titles(tier=academy_type.tier_id) == {"Academy session"}
    assert titles(engagement_type=academy_type.pk) == {"Academy session"}
    local_later = timezone.localtime(later).date()
    assert titles(date_from=local_later.isoformat()) == {"Academy session"}
    assert titles(date_to=(local_later - timedelta(days=1)).isoformat()) == {"Coffee in Hillcrest"}


@pytest.mark.parametrize(
    "params",
    [
        {"tier": "abc"},
        {"engagement_type": "99999"},
        {"neighbourhood": "999999"},
        {"language": "'; drop table"},
        {"date_from": "99999-99-99"},
        {"date_to": "x" * 5000},
        {"page": "-1"},
        {"page": "abc"},
        {"page": "999999"},
    ],
)
def test_list_survives_bad_filter_values(client, make_event, params):
    make_event(title="Town hall")
    response = client.get(reverse("events:list"), params)
    assert response.status_code == 200
    assert "Town hall" in html(response)


def test_list_is_paginated_by_twenty(client, make_event):
    program = ProgramFactory()
    start = timezone.now() + timedelta(days=2)
    for n in range(21):
        make_event(program=program, title=f"Session {n:02d}", starts_at=start + timedelta(days=n))
    first = html(client.get(reverse("events:list")))
    assert "Session 19" in first and "Session 20" not in first
    second = html(client.get(reverse("events:list"), {"page": 2}))
    assert "Session 20" in second


def _events_with_registrations(make_event, count):
    program = ProgramFactory()
    spanish = Language.objects.get(code="es")
    neighbourhood = NeighbourhoodFactory()
    for n in range(count):
        event = make_event(program=program, capacity=5, neighbourhood=neighbourhood)
        event.languages.set([spanish])
        register(event, n)


@pytest.mark.parametrize("count", [3, 30])
def test_list_queries_do_not_grow_with_the_number_of_events(
    client, make_event, django_assert_max_num_queries, count
):
    _events_with_registrations(make_event, count)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("events:list"), {"language": "1"})
    assert response.status_code == 200


# --- The event page --------------------------------------------------------------------


def test_event_page_shows_the_details_and_the_registration_form(client, make_event):
    program = ProgramFactory(title="Coffee with a Cop", slug="coffee")
    event = make_event(
        program=program,
        title="Coffee at the library",
        venue_name="Central Library",
        address="1 Main St",
        accessibility_notes="Step-free entrance on Elm St.",
        interpretation_available="Spanish on request",
        capacity=20,
    )
    event.languages.set([Language.objects.get(code="es")])

    response = client.get(event.get_absolute_url())

    assert response.status_code == 200
    page = html(response)
    assert page.count("<h1") == 1
    for text in (
        "Coffee at the library",
        "Central Library",
        "Step-free entrance on Elm St.",
        "Spanish on request",
        "20 places left",
        reverse("programs:public-detail", args=["coffee"]),
        reverse("events:ics", args=[event.public_id]),
        register_url(event),
        'name="name"',
    ):
        assert text in page, text
    assert 'name="party_size"' not in page  # no guests at this event


def test_event_page_shows_time_in_the_agency_zone(client, make_event, settings):
    settings.TIME_ZONE = "America/Chicago"
    start = datetime(2031, 7, 1, 23, 30, tzinfo=UTC)  # 18:30 in Chicago
    with time_machine.travel(start - timedelta(days=5)):
        event = make_event(starts_at=start)
        page = html(client.get(event.get_absolute_url()))
    assert "6:30 PM" in page and "CDT" in page


def test_event_page_offers_party_size_when_guests_are_allowed(client, make_event):
    event = make_event(max_party_size=4)
    page = html(client.get(event.get_absolute_url()))
    assert 'name="party_size"' in page and '<option value="4"' in page


@pytest.mark.parametrize(
    "change, message",
    [
        ({"status": Event.Status.CANCELLED}, "This event was cancelled."),
        ({"registration_closes_at_delta": -1}, "Registration for this event has closed."),
        ({"registration_opens_at_delta": 2}, "Registration has not opened yet."),
    ],
)
def test_event_page_explains_why_registration_is_not_possible(client, make_event, change, message):
    event = make_event()
    now = timezone.now()
    if "status" in change:
        event.status = change["status"]
    if "registration_closes_at_delta" in change:
        event.registration_closes_at = now + timedelta(hours=change["registration_closes_at_delta"])
    if "registration_opens_at_delta" in change:
        event.registration_opens_at = now + timedelta(days=change["registration_opens_at_delta"])
    event.save()
    page = html(client.get(event.get_absolute_url()))
    assert message in page
    assert 'name="name"' not in page


def test_past_event_page_says_it_already_took_place(client, make_event):
    start = timezone.now() - timedelta(days=2)
    event = make_event(starts_at=start)
    page = html(client.get(event.get_absolute_url()))
    assert "This event has already taken place." in page


def test_unlisted_event_page_works_by_link(client, make_event):
    event = make_event(title="Porch talk", visibility=Event.Visibility.UNLISTED)
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200 and "Porch talk" in html(response)


def test_internal_program_events_are_not_found(client, make_event):
    event = make_event(program=ProgramFactory(visibility=Program.Visibility.INTERNAL))
    for url in (
        event.get_absolute_url(),
        register_url(event),
        reverse("events:ics", args=[event.public_id]),
    ):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("public_id", ["nope", "x" * 500, "1", "%E2%9C%93"])
def test_unknown_event_ids_give_the_styled_404(client, db, public_id):
    response = client.get(f"/events/{public_id}/")
    assert response.status_code == 404
    assert "We could not find that page" in html(response)


def test_a_null_character_in_an_event_id_gets_the_styled_400(client, db):
    response = client.get("/events/ab%00cd/")
    assert response.status_code == 400
    assert "We could not understand that request" in html(response)


def test_event_page_queries_are_bounded(client, make_event, django_assert_max_num_queries):
    event = make_event(capacity=50, max_party_size=3)
    event.languages.set(Language.objects.all())
    for n in range(10):
        register(event, n)
    with django_assert_max_num_queries(4):
        response = client.get(event.get_absolute_url())
    assert response.status_code == 200


# --- Registering -----------------------------------------------------------------------


def test_register_page_shows_the_form(client, make_event):
    event = make_event(title="Town hall")
    response = client.get(register_url(event))
    assert response.status_code == 200
    page = html(response)
    assert "Register for Town hall" in page and 'name="email"' in page
    assert "Prefer not to say" in page


def test_registering_confirms_and_opens_the_manage_page(client, make_event):
    event = make_event(capacity=5)
    neighbourhood = NeighbourhoodFactory()

    response = client.post(
        register_url(event),
        form_data(
            neighbourhood=neighbourhood.pk,
            language="es",
            accessibility="Wheelchair space",
            interpretation="Spanish",
            wants_reminders="on",
        ),
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/events/r/")
    registration = event.registrations.get()
    assert registration.status == Status.CONFIRMED
    assert registration.language == "es" and registration.wants_reminders
    assert registration.resident.neighbourhood == neighbourhood
    assert registration.accommodations.count() == 2
    page = html(client.get(response["Location"]))
    assert "You are registered." in page
    assert registration.check_in_code in page


def test_registering_when_full_waitlists_and_says_the_position(client, make_event):
    event = make_event(capacity=1)
    register(event, 1)
    register(event, 2)  # first on the waiting list

    response = client.post(register_url(event), form_data(), follow=True)

    registration = event.registrations.get(resident__email="rosa@example.net")
    assert registration.status == Status.WAITLISTED
    page = html(response)
    assert "The event is full: you are number 2 on the waiting list." in page
    assert "You are number 2 on the waiting list" in page


def test_the_waiting_list_position_is_the_same_on_the_page_and_in_the_message(client, make_event):
    event = make_event(capacity=1)
    register(event, 1)
    register(event, 2)

    response = client.post(register_url(event), form_data())

    registration = event.registrations.get(resident__email="rosa@example.net")
    message = OutboxMessage.objects.get(key=f"registration:{registration.pk}:received")
    assert "in position 2." in message.body_text
    assert "you are number 2 on the waiting list" in html(client.get(response["Location"]))


def test_a_registration_post_stays_within_its_queries(
    client, make_event, django_assert_max_num_queries
):
    """Everything the resident waits for: the event, the resident, the ledger fact, the seat
    decision (one statement on PostgreSQL after the lock), the registration, its reminders
    and its confirmation, and the confirmation page it leads to."""
    event = make_event(capacity=50, neighbourhood=NeighbourhoodFactory())
    event.languages.set(Language.objects.all())
    for n in range(10):
        register(event, n)

    with django_assert_max_num_queries(13):
        response = client.post(register_url(event), form_data())
    assert response.status_code == 302
    with django_assert_max_num_queries(3):
        page = client.get(response["Location"])
    assert "You are registered." in html(page)


def test_the_check_in_qr_image_is_not_drawn_while_the_resident_waits(
    client, make_event, monkeypatch
):
    import segno

    event = make_event(capacity=5)
    with monkeypatch.context() as patch:
        patch.setattr(segno, "make", lambda *args, **kwargs: pytest.fail("QR drawn in a POST"))
        response = client.post(register_url(event), form_data())
        assert response.status_code == 302

    registration = event.registrations.get()
    message = OutboxMessage.objects.get(key=f"registration:{registration.pk}:received")
    delivered(message)
    (email,) = [m for m in mail.outbox if m.to == ["rosa@example.net"]]
    png = {name: content for name, content, _type in email.attachments}["check-in.png"]
    assert png == calendar.check_in_qr_png(registration)


def test_registering_twice_with_the_same_email_is_counted_once(client, make_event):
    event = make_event(capacity=5)
    client.post(register_url(event), form_data())

    response = client.post(register_url(event), form_data(email=" ROSA@example.net "))

    assert response.status_code == 200
    page = html(response)
    assert "You are already registered" in page
    assert "first message" in page
    assert event.registrations.count() == 1
    assert "/events/r/" not in page  # no manage link for whoever typed the email


def test_full_event_without_waiting_list_keeps_the_form_and_says_so(client, make_event):
    event = make_event(capacity=1, waitlist_enabled=False)
    register(event, 1)

    response = client.post(register_url(event), form_data(accessibility="Hearing loop"))

    assert response.status_code == 200
    page = html(response)
    assert page.count("Sorry, this event is full.") == 1  # in the summary, not twice
    assert 'value="Rosa Ruiz"' in page and "Hearing loop" in page
    assert event.registrations.count() == 1


@pytest.mark.parametrize(
    "setup, message",
    [
        ("cancelled", "This event was cancelled."),
        ("closed", "Registration for this event has closed."),
        ("past", "This event has already taken place."),
        ("not_open", "Registration has not opened yet."),
    ],
)
def test_closed_cancelled_and_past_events_refuse_a_direct_post(client, make_event, setup, message):
    now = timezone.now()
    event = make_event()
    if setup == "cancelled":
        services.cancel_event(event=event, reason="Storm")
    elif setup == "closed":
        Event.objects.filter(pk=event.pk).update(registration_closes_at=now - timedelta(hours=1))
    elif setup == "past":
        Event.objects.filter(pk=event.pk).update(
            starts_at=now - timedelta(days=1), ends_at=now - timedelta(hours=22)
        )
    else:
        Event.objects.filter(pk=event.pk).update(registration_opens_at=now + timedelta(days=1))

    response = client.post(register_url(event), form_data())

    assert response.status_code == 200
    assert message in html(response)
    assert not event.registrations.exists()


def test_form_errors_keep_every_typed_value(client, make_event):
    event = make_event(max_party_size=4)
    neighbourhood = NeighbourhoodFactory()

    response = client.post(
        register_url(event),
        form_data(
            email="not-an-email",
            phone="555 0100 222",
            neighbourhood=neighbourhood.pk,
            party_size="3",
            language="es",
            accessibility="Large print please",
            interpretation="ASL",
            wants_reminders="on",
        ),
    )

    assert response.status_code == 200
    page = html(response)
    assert 'id="error-summary"' in page
    for kept in (
        'value="Rosa Ruiz"',
        'value="not-an-email"',
        'value="555 0100 222"',
        f'<option value="{neighbourhood.pk}" selected>',
        '<option value="3" selected>',
        '<option value="es" selected>',
        "Large print please",
        'value="ASL"',
    ):
        assert kept in page, kept
    assert re.search(r'<input[^>]*name="wants_reminders"[^>]*checked', page)
    assert not event.registrations.exists()


def test_an_email_or_a_phone_is_required(client, make_event):
    event = make_event()
    response = client.post(register_url(event), form_data(email="", phone=""))
    assert response.status_code == 200
    assert "Give an email address or a mobile phone number" in html(response)
    assert not event.registrations.exists()


def test_a_phone_alone_is_enough(client, make_event):
    event = make_event()
    response = client.post(register_url(event), form_data(email="", phone="(312) 555-0142"))
    assert response.status_code == 302
    assert event.registrations.get().resident.phone_normalised == "+13125550142"


@pytest.mark.parametrize(
    "overrides",
    [
        {"party_size": "0"},
        {"party_size": "999"},
        {"party_size": "abc"},
        {"name": "x" * 100_000},
        {"email": ("a" * 300) + "@example.net"},
        {"phone": "9" * 500},
        {"phone": "not a phone"},
        {"accessibility": "y" * 50_000},
        {"interpretation": "z" * 5_000},
        {"neighbourhood": "999999"},
        {"neighbourhood": "abc"},
        {"language": "klingon"},
        {"name": ""},
        {"name": "   "},
    ],
)
def test_bad_registration_input_is_a_form_error_never_a_500(client, make_event, overrides):
    event = make_event(max_party_size=4)
    response = client.post(register_url(event), form_data(**overrides))
    assert response.status_code == 200
    assert 'id="error-summary"' in html(response)
    assert not event.registrations.exists()


def test_party_size_is_ignored_when_the_event_takes_no_guests(client, make_event):
    event = make_event()
    client.post(register_url(event), form_data(party_size="5"))
    assert event.registrations.get().party_size == 1


def test_signed_in_resident_is_prefilled_and_linked(client, make_event, dave):
    # dave confirmed his address, so his account has his contact record.
    ResidentFactory(name="Dave Diaz", email="dave@example.org", user=dave)
    event = make_event()
    client.force_login(dave)
    page = html(client.get(register_url(event)))
    assert 'value="Dave Diaz"' in page and 'value="dave@example.org"' in page

    client.post(register_url(event), form_data(name="Dave Diaz", email="dave@example.org"))

    assert event.registrations.get().resident.user == dave


def test_signed_in_resident_sees_their_registrations(client, make_event, dave):
    ResidentFactory(name="Dave Diaz", email="dave@example.org", user=dave)
    event = make_event(title="Coffee on Elm")
    services.register(event=event, name="Dave", email="dave@example.org", user=dave)
    client.force_login(dave)
    page = html(client.get(reverse("core:resident-home")))
    assert "Coffee on Elm" in page and "Confirmed" in page


def test_register_refuses_other_methods(client, make_event):
    event = make_event()
    assert client.put(register_url(event)).status_code == 405


# --- Rate limiting ---------------------------------------------------------------------


def test_registration_posts_are_rate_limited_with_a_readable_429(client, make_event):
    event = make_event()
    with time_machine.travel(timezone.now(), tick=False):
        codes = [
            client.post(register_url(event), form_data(email=f"r{n}@example.net")).status_code
            for n in range(10)
        ]
        blocked = client.post(register_url(event), form_data(email="late@example.net"))
    assert codes == [302] * 10
    assert blocked.status_code == 429
    page = html(blocked)
    assert "Too many attempts" in page and 'href="#main"' in page
    assert event.registrations.count() == 10


def test_spoofed_forwarded_for_does_not_reset_the_count(client, make_event):
    event = make_event()
    with time_machine.travel(timezone.now(), tick=False):
        for n in range(10):
            client.post(
                register_url(event),
                form_data(email=f"r{n}@example.net"),
                HTTP_X_FORWARDED_FOR=f"10.0.0.{n}",
            )
        blocked = client.post(
            register_url(event), form_data(email="x@example.net"), HTTP_X_FORWARDED_FOR="10.9.9.9"
        )
        other_address = client.post(
            register_url(event), form_data(email="y@example.net"), REMOTE_ADDR="192.0.2.7"
        )
    assert blocked.status_code == 429
    assert other_address.status_code == 302


def test_cancel_posts_are_rate_limited(client, make_event):
    event = make_event()
    token = register(event, 1).token
    with time_machine.travel(timezone.now(), tick=False):
        for _ in range(10):
            client.post(reverse("events:manage-cancel", args=[token]))
        assert client.post(reverse("events:manage-cancel", args=[token])).status_code == 429
        assert client.get(manage_url(token)).status_code == 200  # reading is not limited


# --- The private manage link -----------------------------------------------------------


def test_manage_page_shows_the_registration_and_check_in_code(client, make_event):
    event = make_event(title="Town hall", max_party_size=3)
    result = register(event, 1, party_size=2, accessibility="Quiet seat")

    response = client.get(manage_url(result.token))

    assert response.status_code == 200
    assert response["Referrer-Policy"] == "no-referrer"
    assert "no-store" in response["Cache-Control"]
    page = html(response)
    for text in (
        "Town hall",
        "Confirmed",
        result.registration.check_in_code,
        reverse("events:manage-qr", args=[result.token, "svg"]),
        "Quiet seat",
        reverse("events:manage-cancel", args=[result.token]),
        'name="party_size"',
    ):
        assert text in page, text
    assert page.count("<h1") == 1


def test_waitlisted_manage_page_gives_the_position_and_no_qr(client, make_event):
    event = make_event(capacity=1)
    register(event, 1)
    token = register(event, 2).token
    page = html(client.get(manage_url(token)))
    assert "You are number 1 on the waiting list" in page
    assert "qr.svg" not in page
    assert client.get(reverse("events:manage-qr", args=[token, "png"])).status_code == 404


def test_qr_code_images(client, make_event):
    token = register(make_event(), 1).token
    png = client.get(reverse("events:manage-qr", args=[token, "png"]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")
    svg = client.get(reverse("events:manage-qr", args=[token, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and b"<svg" in svg.content
    assert svg["Referrer-Policy"] == "no-referrer"
    assert client.get(reverse("events:manage-qr", args=[token, "gif"])).status_code == 404


@pytest.mark.parametrize(
    "token", ["not-a-valid-token", "x" * 64, "x" * 5000, "%20", "..", "a/../../"]
)
def test_invalid_manage_links_show_a_clear_page(client, db, token):
    for url in (
        f"/events/r/{token}/",
        f"/events/r/{token}/cancel/",
        f"/events/r/{token}/qr.png",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        page = html(response)
        assert "not valid or has expired" in page or "We could not find that page" in page
        assert "Traceback" not in page
    response = client.post(f"/events/r/{token}/cancel/")
    assert response.status_code == 404


def test_invalid_link_page_says_so_and_hides_the_referrer(client, db):
    response = client.get(manage_url("not-a-valid-token"))
    assert "This link is not valid or has expired" in html(response)
    assert response["Referrer-Policy"] == "no-referrer"


def test_changing_the_party_size(client, make_event):
    event = make_event(capacity=10, max_party_size=4)
    result = register(event, 1)
    response = client.post(manage_url(result.token), {"party_size": "3"}, follow=True)
    assert "Your party size is updated." in html(response)
    result.registration.refresh_from_db()
    assert result.registration.party_size == 3


@pytest.mark.parametrize("size", ["0", "5", "abc", ""])
def test_bad_party_size_changes_are_form_errors(client, make_event, size):
    event = make_event(capacity=10, max_party_size=4)
    result = register(event, 1)
    response = client.post(manage_url(result.token), {"party_size": size})
    assert response.status_code == 200
    assert 'id="error-summary"' in html(response)


def test_growing_a_party_beyond_the_seats_left_is_explained(client, make_event):
    event = make_event(capacity=3, max_party_size=4)
    result = register(event, 1)
    register(event, 2, party_size=2)
    response = client.post(manage_url(result.token), {"party_size": "3"})
    assert response.status_code == 200
    assert "There are not enough seats left for 3 people." in html(response)


def test_cancel_asks_first_then_cancels_and_promotes_the_next_person(client, make_event):
    event = make_event(capacity=1)
    first = register(event, 1)
    waiting = register(event, 2)
    assert waiting.registration.status == Status.WAITLISTED
    url = reverse("events:manage-cancel", args=[first.token])

    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Yes, cancel my registration" in html(confirm)
    assert confirm["Referrer-Policy"] == "no-referrer"
    first.registration.refresh_from_db()
    assert first.registration.status == Status.CONFIRMED  # GET changes nothing

    response = client.post(url, follow=True)

    assert "Your registration is cancelled." in html(response)
    first.registration.refresh_from_db()
    waiting.registration.refresh_from_db()
    assert first.registration.status == Status.CANCELLED
    assert waiting.registration.status == Status.CONFIRMED
    # Cancelling again is harmless and shows the same state.
    assert client.post(url, follow=True).status_code == 200
    assert "Cancel my registration" not in html(client.get(manage_url(first.token)))


def test_a_started_event_can_no_longer_be_cancelled_through_the_link(client, make_event):
    event = make_event()
    result = register(event, 1)
    Event.objects.filter(pk=event.pk).update(starts_at=timezone.now() - timedelta(minutes=5))
    client.post(reverse("events:manage-cancel", args=[result.token]))
    result.registration.refresh_from_db()
    assert result.registration.status == Status.CONFIRMED


# --- Calendars -------------------------------------------------------------------------


def test_event_calendar_file_parses_with_the_right_start(client, make_event):
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    event = make_event(title="Town hall", starts_at=start)

    response = client.get(reverse("events:ics", args=[event.public_id]))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="event-{event.public_id}.ics"' in response["Content-Disposition"]
    calendar = Calendar.from_ical(response.content)
    (item,) = calendar.walk("VEVENT")
    assert item.decoded("dtstart") == start
    assert str(item["summary"]) == "Town hall"


def test_unlisted_event_has_a_calendar_file_but_is_not_in_feeds(client, make_event):
    program = ProgramFactory(slug="porch")
    event = make_event(program=program, visibility=Event.Visibility.UNLISTED, title="Porch")
    assert client.get(reverse("events:ics", args=[event.public_id])).status_code == 200
    for url in (reverse("events:feed"), reverse("events:program-feed", args=["porch"])):
        assert b"Porch" not in client.get(url).content


def feed_titles(response):
    return {str(item["summary"]) for item in Calendar.from_ical(response.content).walk("VEVENT")}


def test_feed_lists_only_public_upcoming_events_of_public_programs(client, make_event):
    make_event(title="Town hall")
    make_event(title="Unlisted", visibility=Event.Visibility.UNLISTED)
    make_event(title="Internal", program=ProgramFactory(visibility=Program.Visibility.INTERNAL))
    make_event(title="Draft", program=ProgramFactory(status=Program.Status.DRAFT))
    past = timezone.now() - timedelta(days=3)
    make_event(title="Past", starts_at=past, ends_at=past + timedelta(hours=1))

    response = client.get(reverse("events:feed"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert "filename=" in response["Content-Disposition"]
    assert feed_titles(response) == {"Town hall"}


def test_program_feed_lists_that_programs_public_upcoming_events(client, make_event):
    coffee = ProgramFactory(slug="coffee")
    make_event(program=coffee, title="Coffee 1")
    make_event(program=coffee, title="Coffee 2")
    make_event(program=coffee, title="Hidden", visibility=Event.Visibility.UNLISTED)
    make_event(title="Other program")

    response = client.get(reverse("events:program-feed", args=["coffee"]))

    assert response.status_code == 200
    assert feed_titles(response) == {"Coffee 1", "Coffee 2"}


def test_program_feed_of_internal_or_unknown_program_is_not_found(client, make_event):
    ProgramFactory(slug="secret", visibility=Program.Visibility.INTERNAL)
    assert client.get(reverse("events:program-feed", args=["secret"])).status_code == 404
    assert client.get(reverse("events:program-feed", args=["nope"])).status_code == 404
