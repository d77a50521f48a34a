"""The settings module: embedded defaults, and loud refusal of an unsafe production setup."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args, **env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "EMAIL_URL"))
    }
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_embedded_default_runs_with_no_environment():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "s.EMAIL_BACKEND, s.DEBUG)",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "django.db.backends.sqlite3 True django.core.mail.backends.console.EmailBackend True"
        in result.stdout
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="portal.example.org")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = run_manage("check", DJANGO_DEBUG="0", DJANGO_SECRET_KEY=secrets.token_urlsafe(60))
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_production_settings_pass_the_deploy_checklist_at_warning_level():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(60),
        DJANGO_ALLOWED_HOSTS="portal.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_environment_configures_database_broker_mail_and_time_zone():
    result = run_manage(
        "shell",
        "-c",
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        "print(d['ENGINE'], d['HOST'], d['NAME'], s.CELERY_BROKER_URL, "
        "s.CELERY_TASK_ALWAYS_EAGER, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS, s.TIME_ZONE)",
        DATABASE_URL="postgres://u:p@db.internal:5432/portal",
        CELERY_BROKER_URL="redis://cache.internal:6379/2",
        EMAIL_URL="smtp+tls://mailer:secret@smtp.internal:587",
        DJANGO_TIME_ZONE="America/Denver",
    )
    assert result.returncode == 0, result.stderr
    assert (
        "django.db.backends.postgresql db.internal portal redis://cache.internal:6379/2 "
        "False smtp.internal 587 True America/Denver"
    ) in result.stdout


def test_every_response_carries_the_security_headers(client, db):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_pages_contain_no_inline_script_or_style(client, db):
    """The CSP forbids them, so a page that relies on one is broken in production."""
    import re

    for url in ["/", "/programs/", "/accounts/login/", "/accounts/signup/"]:
        html = client.get(url).content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html and "<style" not in html, url


def test_a_bucket_setting_keeps_uploads_in_s3_through_django_storages():
    result = run_manage(
        "shell",
        "-c",
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__name__, s.bucket_name, s.endpoint_url, s.location, s.default_acl)",
        PORTAL_S3_BUCKET="portal-uploads",
        PORTAL_S3_ENDPOINT_URL="https://minio.example.gov",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-5:] == [
        "S3Storage",
        "portal-uploads",
        "https://minio.example.gov",
        "private-media",
        "private",
    ]


def test_interface_languages_come_from_the_environment():
    """Issue 18: adding a language is a catalogue and a setting, not a code change."""
    show = "from django.conf import settings as s; print([c for c, _n in s.LANGUAGES])"
    three = run_manage("shell", "-c", show, PORTAL_LANGUAGES="en,es,pt")
    assert three.returncode == 0, three.stderr
    assert "['en', 'es', 'pt']" in three.stdout
    unknown = run_manage("shell", "-c", show, PORTAL_LANGUAGES="en,xx")
    assert unknown.returncode != 0 and "'xx' is not a language Django knows" in unknown.stderr
    no_source = run_manage("shell", "-c", show, PORTAL_LANGUAGES="es")
    assert no_source.returncode != 0 and "must include English" in no_source.stderr


def test_enabling_a_language_needs_no_migration():
    """Fields that store a language take their choices from a function, not the list."""
    result = run_manage("makemigrations", "--check", "--dry-run", PORTAL_LANGUAGES="en,es,pt")
    assert result.returncode == 0, result.stdout + result.stderr
