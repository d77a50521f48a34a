"""Walk every URL pattern and prove who may open it.

Each named URL is classified in ACCESS below. A new URL that is not classified fails
`test_every_url_pattern_is_classified`, so nobody can add a page without deciding who may
see it. Then each class is checked for every persona.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import ProgramFactory

PUBLIC = "public"  # anyone, no account
LOGIN = "login"  # any signed-in user
STAFF = "staff"  # agency staff (program staff, command staff, administrators)
PROGRAM = "program"  # staff who run this program (owner, team) and administrators
CREATE = "create"  # staff allowed to create programs (program staff, administrators)
COMMAND = "command"  # command staff and administrators
ADMIN = "admin"  # administrators only

ACCESS = {
    "core:home": PUBLIC,
    "core:role-home": LOGIN,
    "core:resident-home": LOGIN,
    "core:staff-home": STAFF,
    "core:command-home": COMMAND,
    "core:admin-home": ADMIN,
    "programs:catalogue": PUBLIC,
    "programs:public-detail": PUBLIC,
    "programs:staff-list": STAFF,
    "programs:staff-create": CREATE,
    "programs:staff-detail": STAFF,
    "programs:staff-edit": PROGRAM,
    "programs:staff-status": PROGRAM,
    "programs:spectrum": STAFF,
    "login": PUBLIC,
    "logout": PUBLIC,
    "signup": PUBLIC,
    "password_reset": PUBLIC,
    "password_reset_done": PUBLIC,
    "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC,
    "password_change": LOGIN,
    "password_change_done": LOGIN,
    "set_language": PUBLIC,
    "messaging:opt-out": PUBLIC,  # guarded by a signed token; a bad token is a clear 404 page
}
POST_ONLY = {"programs:staff-status", "logout", "set_language"}

# Which classes each persona may open. Everything else must be refused.
ALLOWED = {
    "anonymous": {PUBLIC},
    "dave": {PUBLIC, LOGIN},  # resident
    "alice": {PUBLIC, LOGIN, STAFF, PROGRAM, CREATE},  # program staff, owns the program
    "bob": {PUBLIC, LOGIN, STAFF, CREATE},  # program staff, not on this program
    "carol": {PUBLIC, LOGIN, STAFF, COMMAND},  # command staff
    "root": {PUBLIC, LOGIN, STAFF, PROGRAM, CREATE, COMMAND, ADMIN},  # administrator
}


def walk(patterns, namespace=None):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # The Django admin is checked separately below.
            ns = entry.namespace or namespace
            yield from walk(entry.url_patterns, ns)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}:{entry.name}" if namespace else entry.name, entry


def project_urls():
    return dict(walk(get_resolver().url_patterns))


def url_for(name, program):
    kwargs = {}
    pattern = project_urls()[name].pattern.regex.pattern
    if "pk" in pattern:
        kwargs["pk"] = program.pk
    if "slug" in pattern:
        kwargs["slug"] = program.slug
    if "token" in pattern and "uidb64" not in pattern:
        kwargs["token"] = "not-a-valid-token"
    if "uidb64" in pattern:
        kwargs.update(uidb64="MQ", token="set-password")
    return reverse(name, kwargs=kwargs)


def test_every_url_pattern_is_classified():
    unclassified = sorted(set(project_urls()) - set(ACCESS))
    assert not unclassified, f"Classify these URLs in ACCESS: {unclassified}"
    stale = sorted(set(ACCESS) - set(project_urls()))
    assert not stale, f"ACCESS names URLs that no longer exist: {stale}"


@pytest.fixture
def program(alice):
    return ProgramFactory(owner=alice)


@pytest.mark.parametrize("persona", list(ALLOWED))
def test_each_persona_reaches_exactly_what_its_role_allows(persona, request, client, program):
    user = None if persona == "anonymous" else request.getfixturevalue(persona)
    problems = []
    for name, level in ACCESS.items():
        if user:
            client.force_login(user)  # again each time: the walk includes logout
        url = url_for(name, program)
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
        if persona == "anonymous" and level not in ALLOWED[persona]:
            # Anonymous visitors are sent to log in, not shown a bare 403.
            if response.status_code != 302:
                problems.append(f"{name} ({url}) gave anonymous {response.status_code}")
        if response.status_code >= 500:
            problems.append(f"{name} ({url}) crashed for {persona}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", ["anonymous", "dave", "alice", "carol"])
def test_admin_site_and_its_personal_data_refuse_everyone_but_administrators(
    persona, request, client, db
):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    for url in [
        reverse("admin:index"),
        reverse("admin:accounts_resident_changelist"),
        reverse("admin:accounts_user_changelist"),
        reverse("admin:accounts_neighbourhood_import"),
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("admin:login")), url


def test_administrator_opens_the_admin_pages_with_personal_data(client, root):
    client.force_login(root)
    for url in [
        reverse("admin:index"),
        reverse("admin:accounts_resident_changelist"),
        reverse("admin:accounts_neighbourhood_import"),
    ]:
        assert client.get(url).status_code == 200, url
