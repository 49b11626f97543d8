"""Settings for the drafting tracker.

Every value that differs between a developer's machine and production comes from an environment
variable with a safe development default. With ``DEBUG`` off the development secret key is refused,
so a production deploy cannot start with it by accident.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

DEVELOPMENT_SECRET_KEY = "django-insecure-development-only-never-use-in-production"  # noqa: S105


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = _env_bool("DEBUG", False)
# The development key is refused where production starts (guidance.wsgi / guidance.asgi) and by
# `check --deploy`, not here: plain management commands in a fresh checkout keep working.
SECRET_KEY = os.environ.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "reversion",
    # django_comments_xtd must come before django_comments, or the plain package's templates win.
    "django_comments_xtd",
    "django_comments",
    "rest_framework",
    "drf_spectacular",
    "drafts",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "drafts.middleware.ContentSecurityPolicyMiddleware",
    "drafts.middleware.TimeZoneMiddleware",
]

if not DEBUG:
    # WhiteNoise serves the collected static files in production; runserver serves them in development.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "guidance.urls"
WSGI_APPLICATION = "guidance.wsgi.application"
ASGI_APPLICATION = "guidance.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so two concurrent saves queue
    # instead of failing half-way with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"transaction_mode": "IMMEDIATE", "timeout": 20})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
# Every entry expires (a week by default); what is cached can always be made again.
CACHE_SECONDS = int(os.environ.get("CACHE_SECONDS", str(7 * 24 * 3600)))
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis that may fail: an outage is logged once and pages are rendered without it.
            "BACKEND": "guidance.cache.DegradingRedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": CACHE_SECONDS,
            # Passed to redis-py's connection pool: a stopped Redis costs a request half a second at most,
            # and then nothing for CACHE_RETRY_SECONDS (see guidance.cache).
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "TIMEOUT": CACHE_SECONDS,
            "OPTIONS": {"MAX_ENTRIES": 20_000},
        }
    }
CACHE_RETRY_SECONDS = float(os.environ.get("CACHE_RETRY_SECONDS", "5"))
# Anonymous pages of public frozen drafts may be kept by browsers and shared caches this long; they
# revalidate with their ETag afterwards (a visibility change or a new public comment changes it).
PUBLIC_PAGE_MAX_AGE = int(os.environ.get("PUBLIC_PAGE_MAX_AGE", "300"))

# Background work (drafts/tasks.py) on Celery. Without a broker, tasks run in-process as they are
# enqueued (make run, the tests); production sets REDIS_URL (or CELERY_BROKER_URL) and runs
# `celery -A guidance worker` and one `celery -A guidance beat` (README, Production).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = _env_bool("TASKS_EAGER", not CELERY_BROKER_URL)
CELERY_BROKER_URL = CELERY_BROKER_URL or "memory://localhost/"  # in-process: no broker is ever contacted
CELERY_TASK_EAGER_PROPAGATES = _env_bool("TASKS_EAGER_PROPAGATES", False)  # the tests set it: a bug fails them
CELERY_TASK_ACKS_LATE = True  # a task whose worker is killed is delivered again ...
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # ... and every task is idempotent, so that is safe
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A broker connection lost mid-task: cancel what was running; it is delivered again (acks late, idempotent).
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
CELERY_TASK_IGNORE_RESULT = True  # results live in our own tables (the outbox, jobs)
# Enqueueing happens after a commit, in a request: a broker that is down must not hold it up.
# The record is in the database already, and the sweep below enqueues it again.
CELERY_TASK_PUBLISH_RETRY = False
CELERY_BROKER_CONNECTION_TIMEOUT = 1
CELERY_BROKER_TRANSPORT_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 2, "visibility_timeout": 900}
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    # Mail whose task was lost (broker down at commit time, worker killed) or whose retry is due.
    "outbox-sweep": {
        "task": "drafts.tasks.outbox_sweep",
        "schedule": float(os.environ.get("OUTBOX_SWEEP_SECONDS", "30")),
    },
}
CELERY_TIMEZONE = "UTC"
OUTBOX_RETRY_SECONDS = float(os.environ.get("OUTBOX_RETRY_SECONDS", "30"))  # doubled after each failure

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "drafts:document_list"
LOGOUT_REDIRECT_URL = "drafts:document_list"

LANGUAGE_CODE = "en"
# The six official UN languages. Arabic is laid out right to left (base.html sets dir).
LANGUAGES = [
    ("en", "English"),
    ("fr", "Français"),
    ("es", "Español"),
    ("ru", "Русский"),
    ("zh-hans", "中文"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
FORMAT_MODULE_PATH = ["guidance.formats"]  # English and Arabic dates; see guidance/formats/__init__.py
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _env_bool("EMAIL_USE_TLS", False)
# An SMTP server that accepts and never answers holds a sender this long, never a request (mail is sent by tasks).
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "drafting-tracker@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Comments: django-comments-xtd with our model and form. The package reads these once at start-up.
SITE_ID = 1
SITE_DOMAIN = os.environ.get("SITE_DOMAIN", "127.0.0.1:8000" if DEBUG else (ALLOWED_HOSTS or ["localhost"])[0])
SITE_NAME = os.environ.get("SITE_NAME", "Drafting tracker")
SITE_SCHEME = "http" if DEBUG else "https"  # for links in e-mails, which have no request to ask
COMMENTS_APP = "django_comments_xtd"
COMMENTS_XTD_MODEL = "drafts.models.DraftComment"
COMMENTS_XTD_FORM_CLASS = "drafts.forms.DraftCommentForm"
COMMENTS_XTD_MAX_THREAD_LEVEL = 1  # a comment and one level of replies
COMMENTS_XTD_CONFIRM_EMAIL = False  # only signed-in people comment
COMMENTS_XTD_THREADED_EMAILS = False  # our follow-up mail goes through the outbox (drafts/services/outbox.py)
COMMENTS_XTD_SEND_HTML_EMAIL = False
COMMENTS_XTD_FROM_EMAIL = DEFAULT_FROM_EMAIL
COMMENTS_XTD_APP_MODEL_OPTIONS = {
    "default": {"who_can_post": "users", "allow_flagging": True, "allow_feedback": False, "show_feedback": False},
    "drafts.draftsection": {"who_can_post": "users", "allow_flagging": True, "allow_feedback": False,
                            "show_feedback": False},
}
COMMENTS_PER_MINUTE = int(os.environ.get("COMMENTS_PER_MINUTE", "6"))

# The REST API (drafts/api/): API keys or the browser's session; every endpoint decides access itself
# (drafts.access), so the default permission lets the request through to that decision. Requests per
# client are throttled (in the cache: a cache outage lets requests through rather than refusing them).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "drafts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PAGINATION_CLASS": "drafts.api.pagination.Pages",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": os.environ.get("API_ANON_RATE", "60/min"),
        "user": os.environ.get("API_USER_RATE", "600/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "drafts.api.views.api_exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Drafting tracker API",
    "DESCRIPTION": "Documents, drafts, their sections, comparisons, comments, the comment matrix and search: "
    "what the signed-in person (API key or session) may read, as the pages show it. Hidden things are 404.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "drafts.api.schema.error_responses",
    ],
}

# Security: strict by default, relaxed only where DEBUG is on (plain http on a developer machine).
SECURE_SSL_REDIRECT = _env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
CSRF_FAILURE_VIEW = "drafts.views.errors.csrf_failure"  # the form-expired page, with the site's header
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _env_bool("BEHIND_TLS_PROXY", False) else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere: everything comes from our own static files.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
    "base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)

# A section body may be 1 MB of text; a form post carries it plus a little more.
DATA_UPLOAD_MAX_MEMORY_SIZE = 8 * 1024 * 1024  # a 1 MB body in any script, form-encoded

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
