"""Linli settings: one env-driven base.

Every value that differs between a laptop and a deployment comes from the environment:

- ``LINLI_DEBUG`` (default off), ``LINLI_SECRET_KEY`` (required when DEBUG is off),
  ``LINLI_ALLOWED_HOSTS`` (comma separated), ``LINLI_CSRF_TRUSTED_ORIGINS``.
- ``DATABASE_URL`` (default: SQLite under ``var/``). PostgreSQL is the system of record.
- ``LINLI_DEMO`` (default off): the server runs the demo (``make demo``): DEBUG stays off, so
  visitors meet Linli's own 403/404/500 pages, but the development key, localhost hosts, plain
  HTTP and static files from the source tree are used as with ``LINLI_DEBUG``; the landing
  page lists the demo's sign-ins when the database holds the demo.
- ``LINLI_SECURE`` (default: on when DEBUG is off): HTTPS-only cookies, HSTS, SSL redirect.
- ``LINLI_EMAIL_HOST`` and the other ``LINLI_EMAIL_*``, ``LINLI_BASE_URL``: mail for the
  daily digest (docs/operations.md).
- ``LINLI_TRUSTED_PROXY_COUNT`` (default 0): how many reverse proxies (nginx, a load
  balancer) stand in front of Linli, each appending the address it saw to X-Forwarded-For.
  0 trusts no header: the client is the TCP peer and X-Forwarded-For/-Proto are ignored.
  With N > 0 the client is the N-th address from the right of X-Forwarded-For (what the
  client wrote to its left is ignored) and X-Forwarded-Proto tells Django the request came
  over HTTPS. Set it only when every request reaches Linli through those proxies.
- ``LINLI_LOCKOUT_FAILURES`` (5), ``LINLI_LOCKOUT_HOURS`` (0.25): wrong passwords for one
  number from one address before that pair is locked out, and for how long.
- ``LINLI_SPRAY_FAILURES`` (20), ``LINLI_SPRAY_HOURS`` (1): failed sign-ins from one address,
  whatever the numbers, within that many hours before the address is refused (trying a few
  passwords on every number).
- ``LINLI_MAP_TILE_URL``: the map's tiles; its host is allowed in the Content-Security-Policy
  (``{s}`` in the first label of the host becomes ``*``).
- ``LINLI_REPLICA_URL``: a streaming replica for boards, public lists, exports and statistics
  (linli.core.dbrouting); ``LINLI_REPLICA_STICKY_SECONDS`` (10): after a write a browser reads
  from the primary this long.
- ``LINLI_LOG_FORMAT`` (``json`` unless DEBUG, else ``text``), ``LINLI_LOG_LEVEL`` (INFO).
- ``LINLI_METRICS_ALLOW`` (loopback), ``LINLI_METRICS_TOKEN``: who may read ``/metrics``.
- ``LINLI_SENTRY_DSN`` (off when empty), ``LINLI_SENTRY_ENVIRONMENT``,
  ``LINLI_SENTRY_TRACES`` (0.0): error reporting.
- docs/deployment.md lists them all for an operator.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.utils.translation import gettext_lazy as _

from .observability import init_sentry, logging_config
from .security import proxy_settings, tile_source

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("LINLI_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("LINLI_DEBUG", False)
LINLI_DEMO = env_bool("LINLI_DEMO", False)
_DEV = DEBUG or LINLI_DEMO  # a developer's machine: the debugger, or the demo's server
_DEV_KEY = "linli-insecure-development-key-do-not-use-in-production-0123456789"
SECRET_KEY = os.environ.get("LINLI_SECRET_KEY") or (_DEV_KEY if _DEV else "")
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("LINLI_SECRET_KEY must be set when LINLI_DEBUG is off.")

ALLOWED_HOSTS = env_list("LINLI_ALLOWED_HOSTS", "127.0.0.1,localhost" if _DEV else "")
CSRF_TRUSTED_ORIGINS = env_list("LINLI_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "csp",
    "django_htmx",
    "template_partials",
    "linli.core",
    "linli.audit",
    "linli.places",
    "linli.people",
    "linli.notifications",
    "linli.points",
    "linli.matters",
    "linli.activities",
    "linli.web",
    "linli.demo",
    "linli.ops",
    "django_tasks",
    "django_tasks_db",
    "django_prometheus",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request's id, the user's id and timings on every log line (one line per request).
    "linli.web.common.requestlog.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "linli.web.common.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "linli.web.common.middleware.PreferencesMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Boards, public lists, exports and statistics read from the replica (linli.core.dbrouting).
    "linli.web.common.replica.ReplicaMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
    # The one door: the domain's NotFound is a 404 page, its Forbidden a 403 page.
    "linli.web.common.door.DomainErrorMiddleware",
    # Last, so that it sees a view's exception first: see its docstring.
    "linli.web.common.middleware.BadInputMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "linli.web.common.context_processors.linli",
            ],
        },
    }
]

_default_db = f"sqlite:///{VAR_DIR / 'linli.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db),
        conn_max_age=int(os.environ.get("LINLI_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite is the laptop/demo database: wait for locks instead of failing at once,
    # and take the write lock at BEGIN so two writers serialize instead of deadlocking.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# Behind PgBouncer in transaction pooling (LINLI_PGBOUNCER=1) a server-side cursor cannot
# outlive its transaction. (Django binds parameters client-side with psycopg 3, so no
# prepared statements are involved.)
if env_bool("LINLI_PGBOUNCER", False):
    DATABASES["default"]["DISABLE_SERVER_SIDE_CURSORS"] = True

# A streaming replica (read-only): see linli.core.dbrouting for what reads from it.
if os.environ.get("LINLI_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["LINLI_REPLICA_URL"],
        conn_max_age=int(os.environ.get("LINLI_DB_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
    DATABASES["replica"].setdefault("OPTIONS", {})["connect_timeout"] = 2
DATABASE_ROUTERS = ["linli.core.dbrouting.ReplicaRouter"]
LINLI_REPLICA_STICKY_SECONDS = int(os.environ.get("LINLI_REPLICA_STICKY_SECONDS", "10"))
LINLI_REPLICA_RETRY_SECONDS = float(os.environ.get("LINLI_REPLICA_RETRY_SECONDS", "5"))
# The pages that may be a few seconds behind (GET only, and not right after the person wrote).
LINLI_REPLICA_VIEWS = [
    "web:board",
    "web:publication_index",
    "web:publication_public",
    "web:publication_pdf",
    "web:publication_xlsx",
    "web:points_stats",
    "web:points_stats_public",
    "web:resident_export",
    "web:volunteer_export",
    "web:shop_thanks",
]

# The task queue: django-tasks with its database backend (the primary); `linli worker` runs it.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"

# Sign-in lockout (django-axes): five failures for one phone number from one address
# lock that pair out for 15 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("LINLI_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("LINLI_LOCKOUT_HOURS", "0.25"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# Spraying (a few passwords on every number from one address): every failure is logged
# (axes' AccessFailureLog), and an address with LINLI_SPRAY_FAILURES of them within
# LINLI_SPRAY_HOURS is refused, whatever the number (linli.web.account.signin.SignInHandler).
AXES_HANDLER = "linli.web.account.signin.SignInHandler"
AXES_ENABLE_ACCESS_FAILURE_LOG = True
LINLI_SPRAY_FAILURES = int(os.environ.get("LINLI_SPRAY_FAILURES", "20"))
LINLI_SPRAY_HOURS = float(os.environ.get("LINLI_SPRAY_HOURS", "1"))
AXES_RESET_ON_SUCCESS = True
# The sign-in form posts the phone number as "username" (Django's AuthenticationForm).
AXES_USERNAME_FORM_FIELD = "username"
AXES_LOCKOUT_CALLABLE = "linli.web.account.signin.lockout_response"
AXES_VERBOSE = False

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# Uploaded files go through Django's storage API only (linli/core/uploads.py), so the
# default storage can be S3-compatible object storage without code changes: set
# LINLI_MEDIA_STORAGE to a backend path (e.g. "storages.backends.s3.S3Storage", from
# django-storages, installed by the operator) and LINLI_MEDIA_STORAGE_OPTIONS to its options
# as JSON (bucket_name, endpoint_url, …; docs/files.md).
STORAGES = {
    "default": {
        "BACKEND": os.environ.get(
            "LINLI_MEDIA_STORAGE", "django.core.files.storage.FileSystemStorage"
        ),
        "OPTIONS": json.loads(os.environ.get("LINLI_MEDIA_STORAGE_OPTIONS", "{}")),
    },
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("LINLI_MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "/media/"
# Private files (matter photos, evidence) are served by views after a permission check.
# Behind nginx, set this to an internal location (e.g. "/_protected/") and the view answers
# with X-Accel-Redirect instead of streaming the bytes (deploy/nginx, docs/files.md).
LINLI_X_ACCEL_REDIRECT = os.environ.get("LINLI_X_ACCEL_REDIRECT", "")
# Upload limits per kind (bytes), and for images the pixel count read from the header before
# decoding (bombs) and the longest side kept after re-encoding.
_MB = 1024 * 1024
LINLI_UPLOAD_MAX_BYTES = {
    "matter_photo": int(os.environ.get("LINLI_UPLOAD_PHOTO_MB", "10")) * _MB,
    "award_evidence": int(os.environ.get("LINLI_UPLOAD_EVIDENCE_MB", "10")) * _MB,
    "hours_evidence": int(os.environ.get("LINLI_UPLOAD_EVIDENCE_MB", "10")) * _MB,
    "reward_photo": int(os.environ.get("LINLI_UPLOAD_REWARD_PHOTO_MB", "5")) * _MB,
}
LINLI_IMAGE_MAX_PIXELS = int(os.environ.get("LINLI_IMAGE_MAX_PIXELS", "60000000"))
LINLI_IMAGE_MAX_SIDE = int(os.environ.get("LINLI_IMAGE_MAX_SIDE", "2048"))
WHITENOISE_USE_FINDERS = _DEV

# Uploads: an import sheet is at most 10 MB and 20,000 rows.
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
LINLI_IMPORT_MAX_BYTES = 10 * 1024 * 1024
LINLI_IMPORT_MAX_ROWS = int(os.environ.get("LINLI_IMPORT_MAX_ROWS", "20000"))

# Security: on by default whenever DEBUG is off (and not serving the demo).
SECURE = env_bool("LINLI_SECURE", not _DEV)
SESSION_COOKIE_SECURE = SECURE
CSRF_COOKIE_SECURE = SECURE
SECURE_SSL_REDIRECT = SECURE and env_bool("LINLI_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("LINLI_HSTS_SECONDS", "31536000")) if SECURE else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE and env_bool("LINLI_HSTS_PRELOAD", True)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
X_FRAME_OPTIONS = "DENY"
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Reverse proxies (see the docstring): which headers say who the client is and whether the
# request came over HTTPS. axes finds the client's address through django-ipware with these.
LINLI_TRUSTED_PROXY_COUNT = int(os.environ.get("LINLI_TRUSTED_PROXY_COUNT", "0"))
_proxies = proxy_settings(LINLI_TRUSTED_PROXY_COUNT)
SECURE_PROXY_SSL_HEADER = _proxies["SECURE_PROXY_SSL_HEADER"]
AXES_IPWARE_META_PRECEDENCE_ORDER = _proxies["AXES_IPWARE_META_PRECEDENCE_ORDER"]
AXES_IPWARE_PROXY_COUNT = _proxies["AXES_IPWARE_PROXY_COUNT"]
AXES_IPWARE_PROXY_ORDER = "left-most"
IPWARE_STRICT = False

LOGGING = logging_config(
    level=os.environ.get("LINLI_LOG_LEVEL", "INFO"),
    json_logs=os.environ.get("LINLI_LOG_FORMAT", "text" if DEBUG else "json") == "json",
)

# /metrics (django-prometheus): the loopback, a bearer token, or a superuser
# (linli.web.common.metrics); nginx does not pass it through from outside (deploy/nginx).
LINLI_METRICS_ALLOW = env_list("LINLI_METRICS_ALLOW", "127.0.0.1/32,::1/128")
LINLI_METRICS_TOKEN = os.environ.get("LINLI_METRICS_TOKEN", "")
PROMETHEUS_EXPORT_MIGRATIONS = False

# Error reporting: sentry-sdk when a DSN is set; off by default. Reports carry no cookies,
# form data, query strings, nor any user detail but the id.
LINLI_SENTRY = init_sentry(
    os.environ.get("LINLI_SENTRY_DSN", ""),
    environment=os.environ.get("LINLI_SENTRY_ENVIRONMENT", "production"),
    release=os.environ.get("LINLI_RELEASE", "linli@0.1.0"),
    traces_sample_rate=float(os.environ.get("LINLI_SENTRY_TRACES", "0")),
)

LINLI_SITE_NAME = _("邻里")

# Map tiles for the location picker on "raise a matter" and the matter page (Leaflet, vendored).
# Coordinates are stored as WGS-84, as phones' GPS and Open311 give them; use a WGS-84 tile
# source (OpenStreetMap, Tianditu 天地图 with a key). Empty: no map, the fields stay.
LINLI_MAP_TILE_URL = os.environ.get(
    "LINLI_MAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
LINLI_MAP_ATTRIBUTION = os.environ.get("LINLI_MAP_ATTRIBUTION", "© OpenStreetMap contributors")
# Where the map opens when a place has no location yet (和平社区, 荆州市沙市区).
LINLI_MAP_CENTER = (30.3095, 112.2570)

# Content-Security-Policy (django-csp): scripts and styles from our own static files only, or
# inline with this response's nonce; images also from the map's tile host. Data for scripts
# travels in data- attributes or json_script (type=application/json, never executed).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:", *tile_source(LINLI_MAP_TILE_URL)],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Permissions-Policy for a response that sets none (linli.web.common.middleware): no camera (photos
# come through <input type=file capture>, which needs none), no microphone, no location (the
# pages that offer "use my location" allow it for themselves), no payment, no USB.
LINLI_PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"

# Mail (the daily digest, docs/operations.md). Without a host, mail goes to the console.
EMAIL_HOST = os.environ.get("LINLI_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("LINLI_EMAIL_PORT", "465"))
EMAIL_HOST_USER = os.environ.get("LINLI_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("LINLI_EMAIL_PASSWORD", "")
EMAIL_USE_SSL = env_bool("LINLI_EMAIL_SSL", EMAIL_PORT == 465)
EMAIL_USE_TLS = env_bool("LINLI_EMAIL_TLS", EMAIL_PORT == 587)
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = os.environ.get("LINLI_EMAIL_FROM", "邻里 <noreply@localhost>")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
# The site's address for links in e-mails (https://linli.example.cn).
LINLI_BASE_URL = os.environ.get("LINLI_BASE_URL", "")
