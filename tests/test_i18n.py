"""Every catalogue under locale/ (Spanish, Arabic...) is complete, compiled, in step with the
code, and actually served; every enabled interface language has one.

Residents choose their language; every string they can see must be in its catalogue and
translated. These tests catch the usual ways that breaks: a new string nobody ran
makemessages for, a translation left empty or fuzzy, a .po edited but not compiled, and a
placeholder lost or renamed in translation (which raises KeyError at render time).
"""

import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.utils import translation

from tests.conftest import skip_or_fail

BASE_DIR = Path(settings.BASE_DIR)
CATALOGUES = sorted(
    path.parent.parent.name for path in (BASE_DIR / "locale").glob("*/LC_MESSAGES/django.po")
)


def po_path(code: str) -> Path:
    return BASE_DIR / "locale" / code / "LC_MESSAGES" / "django.po"


# Everything makemessages scans in the real project (tests/, .venv/ and staticfiles/ are ignored).
SOURCES = ["templates", "engagement_portal", "programs", "events", "surveys", "locale", "manage.py"]
# Keep in step with the README / Makefile: the one way to regenerate the catalogue.
MAKEMESSAGES = [
    "makemessages",
    "--no-obsolete",
    "--no-location",
    "--ignore=.venv",
    "--ignore=staticfiles",
    "--ignore=tests",
]

# %(name)s, %s, %d, %.2f ... ; %% is a literal percent sign, not a placeholder.
PLACEHOLDER = re.compile(
    r"%(?:\((?P<name>[^)]+)\))?"  # optional mapping key
    r"[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?"  # flags, width, precision, length
    r"(?P<conv>[diouxXeEfFgGcrsa%])"
)


@pytest.fixture(autouse=True)
def _back_to_default_language():
    """LocaleMiddleware leaves the last request's language active; do not leak Spanish."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="module", params=CATALOGUES)
def po(request):
    catalogue = polib.pofile(str(po_path(request.param)))
    catalogue.code = request.param
    return catalogue


def test_every_enabled_language_has_a_catalogue():
    enabled = {code for code, _name in settings.LANGUAGES} - {settings.LANGUAGE_CODE}
    assert enabled <= set(CATALOGUES), f"no catalogue for {sorted(enabled - set(CATALOGUES))}"
    assert "es" in enabled


def _key(entry):
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or None)


def _translation(entry):
    if entry.msgid_plural:
        return tuple(entry.msgstr_plural[i] for i in sorted(entry.msgstr_plural))
    return entry.msgstr


def _placeholders(text):
    """Named placeholders as a set (order and repetition are free), positional ones in order."""
    named, positional = set(), []
    for match in PLACEHOLDER.finditer(text):
        if match["conv"] == "%":
            continue
        if match["name"]:
            named.add(f"%({match['name']})")
        else:
            positional.append(match.group(0))
    return named, positional


def test_every_entry_is_translated_and_none_is_fuzzy(po):
    assert len(po) > 0
    untranslated = [e.msgid for e in po.untranslated_entries()]
    fuzzy = [e.msgid for e in po.fuzzy_entries()]
    assert not untranslated, f"untranslated entries in {po.code}: {untranslated}"
    assert not fuzzy, f"fuzzy entries in {po.code} (review, then drop the flag): {fuzzy}"
    assert not po.metadata_is_fuzzy, "the catalogue header is still marked fuzzy"
    empty_plurals = [e.msgid for e in po if e.msgid_plural and not all(e.msgstr_plural.values())]
    assert not empty_plurals, f"plural entries with an empty form: {empty_plurals}"
    nplurals = int(re.search(r"nplurals\s*=\s*(\d+)", po.metadata["Plural-Forms"])[1])
    short = [e.msgid for e in po if e.msgid_plural and len(e.msgstr_plural) != nplurals]
    assert not short, f"plural entries without all {nplurals} forms: {short}"


def test_compiled_catalogue_matches_the_po(po):
    """django.mo is committed (a fresh clone needs no gettext); it must be compiled from the .po."""
    mo_path = po_path(po.code).with_suffix(".mo")
    assert mo_path.exists(), "run: python manage.py compilemessages --ignore=.venv"
    mo = polib.mofile(str(mo_path))
    compiled = {_key(e): _translation(e) for e in mo if e.msgid}
    source = {_key(e): _translation(e) for e in po.translated_entries()}
    assert compiled == source, (
        f"locale/{po.code}/LC_MESSAGES/django.mo is out of date: "
        "run python manage.py compilemessages --ignore=.venv"
    )


def test_catalogue_holds_every_translatable_string_in_the_code(po, tmp_path):
    """Regenerating the catalogue from the current code must not add or drop a single msgid."""
    for tool in ("xgettext", "msgmerge", "msguniq"):
        if shutil.which(tool) is None:
            skip_or_fail("gettext is not installed")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
    for name in SOURCES:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=ignore)
        elif source.exists():
            shutil.copy2(source, tmp_path / name)
    result = subprocess.run(
        [sys.executable, "manage.py", *MAKEMESSAGES, "-l", po.code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    regenerated = polib.pofile(str(tmp_path / po_path(po.code).relative_to(BASE_DIR)))
    committed_ids = {_key(e) for e in po}
    current_ids = {_key(e) for e in regenerated}
    missing = sorted(current_ids - committed_ids, key=str)
    stale = sorted(committed_ids - current_ids, key=str)
    assert not missing and not stale, (
        f"locale/{po.code}/LC_MESSAGES/django.po is out of step with the code; run "
        "make messages, translate, then make messages again.\n"
        f"not in the catalogue: {missing}\nno longer in the code: {stale}"
    )


def test_translations_keep_their_placeholders(po):
    """A plain entry keeps exactly the English placeholders. A plural form gets the same
    values as the English singular and plural, so it may use any placeholder either has
    (Arabic's forms for one and two often leave the number out) but no other."""
    broken = []
    for entry in po:
        if "no-python-format" in entry.flags:
            continue
        if entry.msgid_plural:
            singular, plural = _placeholders(entry.msgid), _placeholders(entry.msgid_plural)
            named = singular[0] | plural[0]
            for text in entry.msgstr_plural.values():
                own_named, own_positional = _placeholders(text)
                if text and not (
                    own_named <= named and own_positional in ([], singular[1], plural[1])
                ):
                    broken.append((entry.msgid_plural, text))
        elif entry.msgstr and _placeholders(entry.msgid) != _placeholders(entry.msgstr):
            broken.append((entry.msgid, entry.msgstr))
    assert not broken, f"placeholders changed in translation: {broken}"


def test_catalogue_has_no_duplicate_entries(po):
    counts = Counter(_key(e) for e in po)
    assert not [k for k, n in counts.items() if n > 1]


# --- Served pages ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_are_english_without_a_language_choice(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert '<html lang="en"' in response.text
    assert "Skip to main content" in response.text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # The skip link comes from base.html; the tier name is seeded data shown through gettext.
        (
            "/",
            [
                "Saltar al contenido principal",
                "Cinco formas de participar",
                "Intercambio de información",
            ],
        ),
        (
            "/programs/",
            [
                "Saltar al contenido principal",
                "Programas en los que puede participar",
                "Intercambio de información",
            ],
        ),
    ],
)
def test_language_cookie_serves_spanish(client, url, expected):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    response = client.get(url)
    assert response.status_code == 200
    assert '<html lang="es"' in response.text
    for text in expected:
        assert text in response.text, f"{text!r} missing from {url} in Spanish"
    assert "Skip to main content" not in response.text


@pytest.mark.django_db
def test_choosing_spanish_persists_across_pages(client):
    response = client.post("/i18n/setlang/", {"language": "es", "next": "/programs/"})
    assert response.status_code == 302
    assert response["Location"] == "/programs/"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE

    for url in ("/programs/", "/"):
        page = client.get(url)
        assert '<html lang="es"' in page.text
        assert "Saltar al contenido principal" in page.text

    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en"' in client.get("/").text


@pytest.mark.django_db
def test_a_language_written_right_to_left_gets_a_right_to_left_page(client, settings):
    """Issue 18: dir="rtl" and Bootstrap's right-to-left stylesheet, served locally."""
    settings.LANGUAGES = [*settings.LANGUAGES, ("ar", "Arabic")]
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    page = client.get("/").text
    assert '<html lang="ar" dir="rtl">' in page
    assert "vendor/bootstrap/css/bootstrap.rtl.min.css" in page
    assert "العربيّة" in page  # the menu names each language in its own name
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    page = client.get("/").text
    assert 'dir="rtl"' not in page and "bootstrap.min.css" in page
