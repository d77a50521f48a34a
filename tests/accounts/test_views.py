"""Log in, log out, lockout, password change and reset, and resident signup."""

import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.urls import reverse

from engagement_portal.accounts import roles
from engagement_portal.accounts.models import Resident, User
from tests.factories import NeighbourhoodFactory, ResidentFactory
from tests.mailbox import delivered

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"
SIGNUP_URL = "/accounts/signup/"
NEW_PASSWORD = "a-much-longer-new-secret-42"


def log_in(client, email, password, **extra):
    return client.post(LOGIN_URL, {"username": email, "password": password, **extra})


def signed_in_user_id(client):
    return client.session.get(SESSION_KEY)


def templates_of(response):
    return [t.name for t in response.templates]


# --- log in --------------------------------------------------------------------------


def test_login_accepts_the_email_in_another_case(client, dave, password):
    response = log_in(client, "  DAVE@Example.ORG", password)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(dave.pk)


@pytest.mark.parametrize(
    "persona, home",
    [
        ("dave", "/me/"),
        ("alice", "/staff/"),
        ("carol", "/command/"),
        ("root", "/administration/"),
    ],
)
def test_login_lands_each_role_on_its_own_home(persona, home, request, client, password):
    user = request.getfixturevalue(persona)

    response = client.post(LOGIN_URL, {"username": user.email, "password": password}, follow=True)

    assert response.redirect_chain[-1][0] == home
    assert response.status_code == 200


def test_login_with_a_wrong_password_re_renders_with_an_error_and_keeps_the_email(client, dave):
    response = log_in(client, "Dave@Example.org", "not-the-password")

    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    html = response.content.decode()
    assert 'value="Dave@Example.org"' in html
    assert "not-the-password" not in html
    assert signed_in_user_id(client) is None


def test_login_locks_the_account_out_after_five_failures(client, dave, password):
    for _attempt in range(5):
        log_in(client, dave.email, "not-the-password")

    response = log_in(client, dave.email, password)

    assert response.status_code in (403, 429)
    assert "registration/lockout.html" in templates_of(response)
    assert "Too many failed log-in attempts" in response.content.decode()
    assert signed_in_user_id(client) is None


def test_login_lockout_counts_failures_whatever_the_case_of_the_email(client, dave, password):
    for typed in ["dave@example.org", "DAVE@example.org", "Dave@Example.org", "dave@EXAMPLE.org"]:
        log_in(client, typed, "not-the-password")
    log_in(client, "DAVE@EXAMPLE.ORG", "not-the-password")

    response = log_in(client, dave.email, password)

    assert "registration/lockout.html" in templates_of(response)
    assert signed_in_user_id(client) is None


def test_login_lockout_of_one_account_leaves_others_alone(client, dave, alice, password):
    for _attempt in range(5):
        log_in(client, dave.email, "not-the-password")

    response = log_in(client, alice.email, password)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(alice.pk)


def test_login_failures_on_different_accounts_do_not_add_up(client, dave, alice, password):
    for _attempt in range(4):
        log_in(client, dave.email, "not-the-password")

    response = log_in(client, alice.email, "not-the-password")

    assert response.status_code == 200
    assert "registration/lockout.html" not in templates_of(response)
    assert log_in(client, alice.email, password).status_code == 302


def test_login_success_resets_the_failure_count(client, dave, password):
    for _attempt in range(4):
        log_in(client, dave.email, "not-the-password")
    log_in(client, dave.email, password)
    client.post(reverse("logout"))
    for _attempt in range(4):
        log_in(client, dave.email, "not-the-password")

    response = log_in(client, dave.email, password)

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(dave.pk)


# --- log out -------------------------------------------------------------------------


def test_logout_is_a_post_that_redirects_home(client, dave):
    client.force_login(dave)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_user_id(client) is None


def test_logout_refuses_get(client, dave):
    client.force_login(dave)

    response = client.get(reverse("logout"))

    assert response.status_code == 405
    assert signed_in_user_id(client) == str(dave.pk)


# --- password change and reset -------------------------------------------------------


def test_password_change_sets_the_new_password_and_keeps_the_user_signed_in(client, dave, password):
    client.force_login(dave)

    response = client.post(
        reverse("password_change"),
        {"old_password": password, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("password_change_done")
    dave.refresh_from_db()
    assert dave.check_password(NEW_PASSWORD)
    assert client.get(reverse("password_change_done")).status_code == 200


def test_password_change_with_a_wrong_old_password_changes_nothing(client, dave, password):
    client.force_login(dave)

    response = client.post(
        reverse("password_change"),
        {"old_password": "nope", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert response.context["form"].errors["old_password"]
    dave.refresh_from_db()
    assert dave.check_password(password)


def test_password_reset_sends_one_email_whose_link_sets_a_new_password(client, dave):
    response = client.post(reverse("password_reset"), {"email": "DAVE@example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [dave.email]
    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)

    confirm = client.get(link, follow=True)
    assert confirm.status_code == 200
    assert confirm.context["validlink"]
    set_password_url = confirm.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert done.status_code == 302
    assert done["Location"] == reverse("password_reset_complete")
    dave.refresh_from_db()
    assert dave.check_password(NEW_PASSWORD)
    # The link works once.
    assert not client.get(link, follow=True).context["validlink"]


def test_password_reset_for_an_unknown_email_sends_nothing_but_looks_the_same(client, dave):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})

    assert response.status_code == 302
    assert response["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_password_reset_is_limited_per_account_from_any_number_of_addresses(client, dave, settings):
    settings.PORTAL_ACCOUNT_EMAIL_RATE = "3/h"
    responses = [
        client.post(
            reverse("password_reset"), {"email": "dave@example.org"}, REMOTE_ADDR=f"10.0.0.{n}"
        )
        for n in range(1, 16)
    ]

    # Every request looks the same (no flood, and nothing said about the account) ...
    assert {r.status_code for r in responses} == {302}
    assert {r["Location"] for r in responses} == {reverse("password_reset_done")}
    # ... but the resident's inbox gets three messages, not fifteen.
    assert len(mail.outbox) == 3


def test_password_reset_is_limited_per_address_with_a_readable_429(client, dave, settings):
    settings.PORTAL_ACCOUNT_POST_RATE = "5/h"
    for n in range(5):
        response = client.post(reverse("password_reset"), {"email": f"probe{n}@example.org"})
        assert response.status_code == 302

    blocked = client.post(reverse("password_reset"), {"email": "dave@example.org"})

    assert blocked.status_code == 429
    assert blocked["Retry-After"]
    assert mail.outbox == []
    # Another client is not held back by this one.
    other = client.post(
        reverse("password_reset"), {"email": "dave@example.org"}, REMOTE_ADDR="192.0.2.7"
    )
    assert other.status_code == 302
    assert len(mail.outbox) == 1


# --- resident signup -----------------------------------------------------------------


def signup_data(**overrides):
    return {
        "full_name": "Erin Evans",
        "email": "Erin@Example.net",
        "preferred_language": "es",
        "neighbourhood": "",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        **overrides,
    }


def test_signup_page_opens_for_visitors(client):
    response = client.get(SIGNUP_URL)

    assert response.status_code == 200
    assert "registration/signup.html" in templates_of(response)


def confirmation_link() -> str:
    from engagement_portal.messaging.models import OutboxMessage

    message = OutboxMessage.objects.get(key__startswith="account-confirm:")
    return re.search(r"http\S+/accounts/confirm/\S+/", delivered(message)).group(0)


def test_signup_creates_a_signed_in_resident_and_asks_to_confirm_the_address(client):
    riverside = NeighbourhoodFactory(code="rn")

    response = client.post(SIGNUP_URL, signup_data(neighbourhood=riverside.pk))

    assert response.status_code == 302
    assert response["Location"] == "/me/"
    user = User.objects.get()
    assert user.email == "erin@example.net"
    assert user.full_name == "Erin Evans"
    assert user.preferred_language == "es"
    assert user.check_password(NEW_PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [roles.RESIDENT]
    assert not user.is_staff
    assert signed_in_user_id(client) == str(user.pk)
    # Not linked to any contact record until the address is confirmed.
    assert not Resident.objects.exists()
    assert "Send the link again" in client.get("/me/").text

    response = client.get(confirmation_link().split("example.org")[-1].split(":8000")[-1])

    assert response.status_code == 302
    resident = Resident.objects.get()
    assert resident.user == user
    assert resident.email_normalised == "erin@example.net"
    assert resident.neighbourhood == riverside
    assert resident.preferred_language == "es"


def test_signup_with_someone_elses_address_sees_none_of_their_history(client):
    from tests.factories import RegistrationFactory

    victim = ResidentFactory(name="Erin E.", email="erin@example.net")
    RegistrationFactory(resident=victim)

    client.post(SIGNUP_URL, signup_data())
    page = client.get("/me/").text

    victim.refresh_from_db()
    assert victim.user is None
    assert "Erin E." not in page
    assert "Confirm your email address" in page


def test_confirming_reuses_the_resident_record_that_has_the_same_email(client):
    existing = ResidentFactory(name="Erin E.", email="erin@example.net", phone="555-201-3344")

    client.post(SIGNUP_URL, signup_data())
    link = confirmation_link()
    path = link[link.index("/accounts/confirm/") :]
    client.get(path)
    client.get(path)  # twice: nothing more happens

    assert Resident.objects.count() == 1
    existing.refresh_from_db()
    assert existing.user == User.objects.get(email="erin@example.net")
    assert existing.name == "Erin E."
    assert existing.phone_normalised == "+15552013344"


@pytest.mark.parametrize("token", ["nope", "x" * 300, "eyJ1IjoxfQ:abc:def"])
def test_a_bad_confirmation_link_is_a_clear_404(client, token):
    response = client.get(f"/accounts/confirm/{token}/")

    assert response.status_code == 404
    assert "does not work" in response.text


def test_a_confirmation_link_stops_working_when_the_address_changed(client):
    client.post(SIGNUP_URL, signup_data())
    link = confirmation_link()
    User.objects.filter(email="erin@example.net").update(email="someone@example.net")

    response = client.get(link[link.index("/accounts/confirm/") :])

    assert response.status_code == 404
    assert not Resident.objects.exists()


def test_resending_the_link_sends_one_message_a_day(client):
    from engagement_portal.messaging.models import OutboxMessage

    client.post(SIGNUP_URL, signup_data())
    client.post("/accounts/confirm/resend/")
    client.post("/accounts/confirm/resend/")

    assert OutboxMessage.objects.filter(key__startswith="account-confirm:").count() == 1


def assert_signup_re_rendered_with_typing_kept(response, field):
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    html = response.content.decode()
    assert 'value="Erin Evans"' in html
    assert 'value="Erin@Example.net"' in html
    assert NEW_PASSWORD not in html
    assert "other-secret" not in html


def test_signup_with_mismatched_passwords_re_renders_and_creates_nothing(client):
    response = client.post(SIGNUP_URL, signup_data(password2="other-secret-123456"))

    assert_signup_re_rendered_with_typing_kept(response, "password2")
    assert not User.objects.exists()
    assert not Resident.objects.exists()


def test_signup_with_an_email_that_has_an_account_re_renders_and_creates_nothing(client, password):
    taken = User.objects.create_user(email="erin@example.net", password=password, full_name="E")

    response = client.post(SIGNUP_URL, signup_data())

    assert_signup_re_rendered_with_typing_kept(response, "email")
    assert list(User.objects.all()) == [taken]
    assert not Resident.objects.exists()


def test_signup_with_a_weak_password_re_renders(client):
    response = client.post(SIGNUP_URL, signup_data(password1="password", password2="password"))

    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.exists()


@pytest.mark.parametrize("persona", ["dave", "alice"])
def test_signup_redirects_signed_in_users(persona, request, client):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(SIGNUP_URL)

    assert response.status_code == 302
    assert response["Location"] == reverse("core:role-home")
    assert client.post(SIGNUP_URL, signup_data()).status_code == 302
    assert not User.objects.filter(email="erin@example.net").exists()


def test_behind_a_proxy_failures_from_elsewhere_do_not_lock_the_user_out(
    client, dave, password, settings
):
    """With one trusted proxy every request comes from the proxy's address; the lockout
    must count the client the proxy names, or a stranger locks a resident out."""
    settings.AXES_IPWARE_PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    stranger = {**proxy, "HTTP_X_FORWARDED_FOR": "203.0.113.5"}
    for _attempt in range(5):
        client.post(LOGIN_URL, {"username": dave.email, "password": "guess"}, **stranger)
    blocked = client.post(LOGIN_URL, {"username": dave.email, "password": password}, **stranger)
    assert "registration/lockout.html" in templates_of(blocked)

    client.cookies.clear()
    response = client.post(
        LOGIN_URL,
        {"username": dave.email, "password": password},
        **proxy,
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 302
    assert signed_in_user_id(client) == str(dave.pk)


def test_signup_is_limited_per_address(client, settings):
    settings.PORTAL_ACCOUNT_POST_RATE = "4/h"
    for n in range(4):
        response = client.post(
            SIGNUP_URL, signup_data(email=f"erin{n}@example.net", password2="mismatch-123456")
        )
        assert response.status_code == 200

    blocked = client.post(SIGNUP_URL, signup_data())

    assert blocked.status_code == 429
    assert not User.objects.filter(email__iexact="erin@example.net").exists()


def test_signup_is_limited_per_account_from_any_number_of_addresses(client, settings):
    settings.PORTAL_ACCOUNT_EMAIL_RATE = "3/h"
    for n in range(3):
        response = client.post(
            SIGNUP_URL, signup_data(password2="mismatch-123456"), REMOTE_ADDR=f"10.0.1.{n}"
        )
        assert response.status_code == 200

    blocked = client.post(SIGNUP_URL, signup_data(), REMOTE_ADDR="10.0.1.99")

    assert blocked.status_code == 429
    assert not User.objects.filter(email__iexact="erin@example.net").exists()
