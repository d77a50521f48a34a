"""Error pages are styled, helpful and reveal nothing."""

from django.test import RequestFactory

from engagement_portal.core import errors


def test_unknown_url_gives_the_styled_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "We could not find that page" in html
    assert 'href="#main"' in html  # the page uses the site layout, skip link included


def test_missing_permission_gives_the_styled_403(client, dave):
    client.force_login(dave)
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "You do not have access to this page" in response.content.decode()


def test_server_error_page_reveals_nothing_and_needs_no_context():
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong" in html
    assert "Traceback" not in html and "settings" not in html.lower()


def test_a_crashing_view_shows_the_500_page(client, db, monkeypatch):
    from programs import views

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views.selectors, "public_catalogue", boom)
    client.raise_request_exception = False
    response = client.get("/programs/")
    assert response.status_code == 500
    assert "secret internals" not in response.content.decode()


def test_a_stale_form_gives_the_styled_csrf_page(db):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "a@b.c", "password": "x"})
    assert response.status_code == 403
    assert "This form expired" in response.content.decode()


def test_null_characters_anywhere_get_a_clear_400_not_a_500(client, alice):
    client.force_login(alice)
    for response in [
        client.get("/events/abc%00def/"),
        client.get("/programs/", {"neighbourhood": "1\x00"}),
        client.get("/staff/programs/", {"q": "a\x00b"}),
        client.post("/accounts/login/", {"username": "a\x00@b.c", "password": "x"}),
    ]:
        assert response.status_code == 400
        assert "We could not understand that request" in response.content.decode()


def test_a_form_on_a_no_referrer_page_posts_with_csrf_intact(db):
    """Under Referrer-Policy: no-referrer browsers send Origin: null; the browser's own
    Sec-Fetch-Site: same-origin (which pages cannot forge) restores the origin for the CSRF
    check. Without it, or with a real cross-site request, the post is refused."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    data = {"username": "a@b.c", "password": "x", "csrfmiddlewaretoken": token}
    same_site = client.post(
        "/accounts/login/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="same-origin"
    )
    assert same_site.status_code == 200  # the form answered (wrong password), CSRF passed
    cross_site = client.post(
        "/accounts/login/", data, HTTP_ORIGIN="null", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert cross_site.status_code == 403
    no_token = client.post(
        "/accounts/login/",
        {"username": "a@b.c", "password": "x"},
        HTTP_ORIGIN="null",
        HTTP_SEC_FETCH_SITE="same-origin",
    )
    assert no_token.status_code == 403
