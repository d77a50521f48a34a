"""Settings for the Engagement Portal.

One module, driven by environment variables. With none set the portal runs on the
embedded default: SQLite, Celery tasks in-process, e-mail to the console, DEBUG on.
Every deploy value comes from the environment and bad values fail loudly.
"""

import os
from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.core.management.utils import get_random_secret_key
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=True)


def _dev_secret_key(path: Path) -> str:
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    key = "dev-" + get_random_secret_key()
    # Written whole under another name, then linked into place: whoever links first wins,
    # and nobody reads a file that is half written.
    draft = path.with_name(f".{path.name}.{os.getpid()}")
    draft.write_text(key)
    draft.chmod(0o600)
    try:
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink()
    return key


SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=[])
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG=0.")
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must be set when DJANGO_DEBUG=0.")
else:
    # A dev secret generated on first use and kept in .run/ (never committed): the web
    # server and the embedded worker share it (the worker opens the private links the web
    # server sealed into messages), and sessions survive a restart.
    SECRET_KEY = SECRET_KEY or _dev_secret_key(BASE_DIR / ".run" / "dev-secret-key")
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]

INSTALLED_APPS = [
    "engagement_portal.accounts",
    "engagement_portal.core",
    "engagement_portal.messaging",
    "engagement_portal.privacy",
    "programs",
    "events",
    "surveys",
    "programs.information",
    "programs.in_person",
    "programs.structured",
    "programs.personnel",
    "programs.coproduction",
    "programs.dashboard",
    "engagement_portal.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_celery_beat",
    "axes",
    "csp",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "engagement_portal.core.middleware.RejectNullCharactersMiddleware",
    "engagement_portal.core.links.RequestBaseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "engagement_portal.core.middleware.NullOriginSameSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Axes goes last so that it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "engagement_portal.urls"
WSGI_APPLICATION = "engagement_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "engagement_portal.core.context_processors.portal",
            ],
            # {{ value|abbr_date:"j M Y" }} everywhere, without a {% load %} in each template.
            "builtins": ["engagement_portal.core.templatetags.dates"],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Each web thread keeps its connection for a minute instead of opening one per request
# (a new PostgreSQL connection is a new server process: milliseconds of both machines'
# CPU on every request); health checks drop one the server closed before it is reused.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server, the in-process tasks and a shell share the
    # file without "database is locked"; IMMEDIATE makes transactions take the write lock up
    # front, which is what select_for_update would give us on PostgreSQL.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Accounts -------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "core:role-home"
LOGOUT_REDIRECT_URL = "core:home"

# Login throttling: five failures for one account from one address locks that pair out
# for fifteen minutes. Locking by the pair means an attacker cannot lock a resident out
# from elsewhere.
AXES_FAILURE_LIMIT = env.int("DJANGO_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("DJANGO_LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Django's login form posts the email as "username" (USERNAME_FIELD is email, which axes
# would otherwise look for, recording every failure against no account).
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
AXES_IPWARE_PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
# axes reads REMOTE_ADDR whatever the proxy count: behind a proxy every failure would count
# against the proxy's address, and five wrong passwords from anywhere would lock the real
# user out. The same client address as the rate limits (core.net).
AXES_CLIENT_IP_CALLABLE = "engagement_portal.core.net.client_ip"

# --- Internationalisation -------------------------------------------------------------
# Adding a language takes its catalogue in locale/<code>/ and an entry here.
LANGUAGE_CODE = "en"
# The interface languages, from the environment: PORTAL_LANGUAGES=en,es,ar. Each one but
# English needs its catalogue, locale/<code>/LC_MESSAGES/django.po (README, "Languages");
# its name and direction (right to left for Arabic, Hebrew, Persian, Urdu...) come from
# Django's own table of languages, names translated by Django's catalogues.
PORTAL_LANGUAGES = env.list("PORTAL_LANGUAGES", default=["en", "es", "ar"])


def _language_name(code: str) -> str:
    from django.conf.locale import LANG_INFO

    if code not in LANG_INFO:
        raise ImproperlyConfigured(f"PORTAL_LANGUAGES: {code!r} is not a language Django knows")
    return _(LANG_INFO[code]["name"])  # noqa: INT001 (Django's catalogues hold the names)


LANGUAGES = [(code, _language_name(code)) for code in PORTAL_LANGUAGES]
if LANGUAGE_CODE not in PORTAL_LANGUAGES:
    raise ImproperlyConfigured("PORTAL_LANGUAGES must include English, the source language")
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
# English times without a trailing full stop ("6:30 PM", not "6:30 p.m."): see the module.
FORMAT_MODULE_PATH = ["engagement_portal.formats"]
TIME_ZONE = env.str("DJANGO_TIME_ZONE", default="America/Chicago")
LANGUAGE_COOKIE_AGE = 60 * 60 * 24 * 365
LANGUAGE_COOKIE_SAMESITE = "Lax"
# Region used to read phone numbers typed without a country code.
PORTAL_PHONE_REGION = env.str("PORTAL_PHONE_REGION", default="US")
PORTAL_AGENCY_NAME = env.str("PORTAL_AGENCY_NAME", default="Riverside Police Department")
# The number residents call when someone is in danger, shown wherever a form is not watched
# around the clock (112 in Europe, 999 in the UK, 000 in Australia...).
PORTAL_EMERGENCY_NUMBER = env.str("PORTAL_EMERGENCY_NUMBER", default="911")
# Absolute address of the portal, for links in emails and text messages.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
# Unset, and with DEBUG on, links built while answering a request follow the request's own
# address (engagement_portal/core/links.py).
PORTAL_BASE_URL_SET = "PORTAL_BASE_URL" in os.environ
# A survey kiosk (a tablet passed from person to person) warns after this many seconds
# without a touch or a key, and clears the answers for the next person this many seconds
# after the warning.
PORTAL_KIOSK_IDLE_SECONDS = env.int("PORTAL_KIOSK_IDLE_SECONDS", default=90)
PORTAL_KIOSK_WARNING_SECONDS = env.int("PORTAL_KIOSK_WARNING_SECONDS", default=30)
# Should the tablet's script not run, the server forgets a kiosk's answers untouched for
# this long (longer than the warning: the server cannot see someone typing a long answer).
PORTAL_KIOSK_FORGET_SECONDS = env.int("PORTAL_KIOSK_FORGET_SECONDS", default=20 * 60)
# Text messages go through this class (see engagement_portal/messaging/sms.py).
PORTAL_SMS_BACKEND = env.str(
    "PORTAL_SMS_BACKEND", default="engagement_portal.messaging.sms.ConsoleSMSBackend"
)
PORTAL_SMS_FILE_PATH = env.str("PORTAL_SMS_FILE_PATH", default=str(BASE_DIR / "sms-outbox.jsonl"))

# --- Static files ---------------------------------------------------------------------
import xstatic.pkg.bootstrap  # noqa: E402  (a settings-time path, not an app)

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/bootstrap", xstatic.pkg.bootstrap.BASE_DIR),
]
# Uploaded files (review-board documents and the like) are private: they live outside
# STATIC_ROOT, no MEDIA_URL is set and no URL pattern serves this directory, so the only way
# to a file is a view that checks who asks (programs.views_groups.document).
PRIVATE_MEDIA_ROOT = Path(
    env.str("PORTAL_PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "private-media"))
)
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Several machines: keep the uploads in an S3-compatible bucket (AWS, MinIO, Ceph, ...)
# through django-storages. Private objects, reached only through the portal's views
# (which stream them after checking who asks), never overwritten. The credentials are
# boto3's usual AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or an instance role).
if PORTAL_S3_BUCKET := env.str("PORTAL_S3_BUCKET", default=""):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": PORTAL_S3_BUCKET,
            "endpoint_url": env.str("PORTAL_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("PORTAL_S3_REGION", default="") or None,
            "location": env.str("PORTAL_S3_PREFIX", default="private-media"),
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- E-mail ---------------------------------------------------------------------------
if "EMAIL_URL" in env:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env.str(
        "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
    )
    EMAIL_HOST = env.str("DJANGO_EMAIL_HOST", default="localhost")
    EMAIL_PORT = env.int("DJANGO_EMAIL_PORT", default=25)
    EMAIL_HOST_USER = env.str("DJANGO_EMAIL_HOST_USER", default="")
    EMAIL_HOST_PASSWORD = env.str("DJANGO_EMAIL_HOST_PASSWORD", default="")
    EMAIL_USE_TLS = env.bool("DJANGO_EMAIL_USE_TLS", default=False)
    EMAIL_USE_SSL = env.bool("DJANGO_EMAIL_USE_SSL", default=False)
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="engagement@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Cache and rate limits -------------------------------------------------------------
# Rate limits count in the cache, so production (several gunicorn workers) needs a shared
# one: DJANGO_CACHE_URL=redis://host:6379/1. The embedded default is one process.
# The cache holds nothing that is not also somewhere else (counts of recent posts, "a
# run is queued" flags), so a Redis outage must not become an error page: django-redis
# answers as a miss when Redis does not (logged), within half a second, and the rate
# limits let the request through (RATELIMIT_FAIL_OPEN) rather than refuse everyone.
if (cache_url := env.str("DJANGO_CACHE_URL", default="")).startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": cache_url,
            "OPTIONS": {
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
    DJANGO_REDIS_LOGGER = "engagement_portal.cache"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Registration, cancellation and other public form posts per client address.
PORTAL_PUBLIC_POST_RATE = env.str("PORTAL_PUBLIC_POST_RATE", default="10/m")
RATELIMIT_FAIL_OPEN = True
# Signup and password reset: posts per client address, and per account (the email typed,
# whatever address it comes from), so nobody can flood a resident's inbox with reset mail.
PORTAL_ACCOUNT_POST_RATE = env.str("PORTAL_ACCOUNT_POST_RATE", default="20/h")
PORTAL_ACCOUNT_EMAIL_RATE = env.str("PORTAL_ACCOUNT_EMAIL_RATE", default="3/h")
# Behind DJANGO_PROXY_COUNT trusted proxies the client is the address they appended
# last-but-N in X-Forwarded-For; with none, REMOTE_ADDR (a client cannot forge that).
RATELIMIT_IP_META_KEY = (
    "engagement_portal.core.net.client_ip" if AXES_IPWARE_PROXY_COUNT else "REMOTE_ADDR"
)

# --- Retention -------------------------------------------------------------------------
# How long personal data is kept, in days, per kind (engagement_portal/privacy/retention.py
# and README "Privacy"). The nightly purge anonymises what has expired: rows that carry
# dashboard facts keep their facts and lose the person. Each is overridable from the
# environment as PORTAL_RETAIN_<KIND>_DAYS, e.g. PORTAL_RETAIN_APPLICATIONS_DAYS=1095.
RETENTION_DEFAULT_DAYS = {
    # A resident's contact details, counted from their last event, request, application,
    # volunteering, group term, identified survey answer or consent.
    "residents": 730,
    # Accessibility and interpretation details given with a registration, from the event's end.
    "registrations": 730,
    # Applications, from their decision (or receipt); a program's application settings may
    # set their own period.
    "applications": 730,
    # Requests for a line-up, briefing or ride-out, from when they were handled (or received).
    "requests": 730,
    # Volunteers who left or paused: what they wrote on their hours, from their last hours.
    "volunteers": 1095,
    # Names and contacts left with replies to announcements and press questions.
    "public_input": 730,
    # Survey invitations' email addresses and phone numbers, from their last sending.
    "survey_contacts": 365,
    # Anonymous answers never published (their group was still under 10 when the survey
    # closed), sealed: deleted this long after the survey closed.
    "held_answers": 365,
    # Sent (or failed) messages: their addresses, subjects and bodies.
    "outbox_messages": 90,
    # The audit log (who saw or changed personal data).
    "audit_log": 7 * 365,
}


def _retention_days(kind: str, default: int) -> int:
    name = f"PORTAL_RETAIN_{kind.upper()}_DAYS"
    days = env.int(name, default=default)
    if days < 1:
        raise ImproperlyConfigured(f"{name} must be a number of days of at least 1.")
    return days


RETENTION_DAYS = {kind: _retention_days(kind, d) for kind, d in RETENTION_DEFAULT_DAYS.items()}

# --- Celery ---------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# No broker configured: tasks run in-process, synchronously (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=CELERY_BROKER_URL or None)
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_ROUTES = {
    "surveys.tasks.release_held_responses": {"queue": "default"},
    "engagement_portal.messaging.*": {"queue": "mail"},
    "surveys.tasks.*": {"queue": "mail"},
    "programs.dashboard.tasks.send_monthly_report": {"queue": "mail"},
}
# acks_late: a task is acknowledged when it finishes, so a worker that dies mid-task hands
# it back. Redis redelivers unacknowledged tasks after the visibility timeout, which must
# be longer than any task may run (the hard time limit) or tasks would run twice.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 5 * 60
CELERY_TASK_TIME_LIMIT = 10 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60, "socket_connect_timeout": 1}
# A web request that queues a task after its commit must not wait long for a broker that
# is down: two quick retries, then the caller logs and the beat schedule catches up.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 1
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {"retry_policy": {"timeout": 2.0}}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# One beat schedules at a time (core/beat.py): start one per machine, the others stand by.
CELERY_BEAT_SCHEDULER = "engagement_portal.core.beat:SingleBeatScheduler"
# The embedded default's worker (`make run`): CELERY_BROKER_URL=filesystem:// keeps the
# queue in files under .run/broker, so the web server and one worker with its beat run
# the portal's jobs on one machine with no server to install. No results are kept.
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = Path(env.str("PORTAL_BROKER_DIR", default=str(BASE_DIR / ".run" / "broker")))
    for _folder in ("queue", "control"):
        (_broker_dir / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "control_folder": str(_broker_dir / "control"),
    }
    CELERY_RESULT_BACKEND = None
CELERY_BEAT_SCHEDULE = {
    # Also queued after each transaction that records participation facts; this sweep
    # catches up on anything recorded while the broker or the workers were away.
    "refresh-dashboard-summaries": {
        "task": "programs.dashboard.tasks.refresh_summaries",
        "schedule": timedelta(minutes=1),
    },
    # Sending is also started when a message is queued; this sweep catches retries that are
    # due and anything queued while no worker was running.
    "send-pending-messages": {
        "task": "engagement_portal.messaging.tasks.send_pending_messages",
        "schedule": timedelta(seconds=30),
    },
    # Every minute: a reminder goes out within a minute of its time (the sweep is one
    # indexed query when nothing is due).
    "send-due-reminders": {
        "task": "events.tasks.send_due_reminders",
        "schedule": timedelta(minutes=1),
    },
    # Also tried after each anonymous submission commits (in-process in the embedded
    # default); this sweep catches up and publishes the leftovers of closed surveys.
    "release-held-survey-responses": {
        "task": "surveys.tasks.release_held_responses",
        "schedule": timedelta(minutes=15),
    },
    "flag-overdue-recommendations": {
        "task": "programs.coproduction.tasks.flag_overdue_recommendations",
        "schedule": timedelta(hours=24),
    },
    "remind-agreement-renewals": {
        "task": "programs.in_person.tasks.remind_agreement_renewals",
        "schedule": timedelta(hours=24),
    },
    "remind-expiring-certifications": {
        "task": "programs.structured.tasks.remind_expiring_certifications",
        "schedule": timedelta(hours=24),
    },
    "remind-survey-non-responders": {
        "task": "surveys.tasks.remind_non_responders",
        "schedule": timedelta(hours=1),
    },
    # Anonymise personal data past its retention period (RETENTION_DAYS).
    "purge-expired-personal-data": {
        "task": "engagement_portal.privacy.tasks.purge_expired_personal_data",
        "schedule": crontab(minute=30, hour=2),
    },
    "clear-expired-sessions": {
        "task": "engagement_portal.core.tasks.clear_expired_sessions",
        "schedule": timedelta(hours=24),
    },
    # The 1st of each month at 07:00 agency time (CELERY_TIMEZONE): last month's report.
    "send-monthly-dashboard-report": {
        "task": "programs.dashboard.tasks.send_monthly_report",
        "schedule": crontab(minute=0, hour=7, day_of_month=1),
    },
}

# --- Security -------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "engagement_portal.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# Behind a TLS-terminating proxy, name the header it sets (e.g. "X-Forwarded-Proto").
if proxy_header := env.str("DJANGO_SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = (
        "HTTP_" + proxy_header.upper().replace("-", "_"),
        env.str("DJANGO_SECURE_PROXY_SSL_VALUE", default="https"),
    )

# Content Security Policy: everything from our own origin, no inline scripts or styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# --- Logging --------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No log line carries a private link's token (messaging/private_links.py): every handler
    # filters, and Django's own handlers (its DEBUG console, runserver's request lines, which
    # name each path) are replaced by ones that do. ADMINS is not used, so no mail is lost.
    "filters": {
        "private_links": {"()": "engagement_portal.messaging.private_links.RedactPrivateLinks"}
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["private_links"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["private_links"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
