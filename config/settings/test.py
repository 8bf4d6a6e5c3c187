"""Test override: fast hashing, no HTTPS redirects, a fixed key."""

import os

os.environ.setdefault("LINLI_SECRET_KEY", "linli-test-key-" + "x" * 50)
os.environ.setdefault("LINLI_SECURE", "0")

from .base import *  # noqa: F403
from .base import DATABASES, LOGGING, PASSWORD_HASHERS

ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    *PASSWORD_HASHERS,
]
DATABASES["default"]["CONN_MAX_AGE"] = 0
if DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
    # A name per checkout/worker lets several test runs share one PostgreSQL server.
    DATABASES["default"]["TEST"] = {"NAME": os.environ.get("LINLI_TEST_DB_NAME", "test_linli")}
    # The ledger refuses TRUNCATE (points migration 0006) unless the session says otherwise;
    # Django's flush between transactional tests is one TRUNCATE of every table. Production
    # never sets this (and its application role may not TRUNCATE at all: docs/operations.md).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = (options.get("options", "") + " -c linli.allow_truncate=on").strip()
# The replica alias in the tests is the primary itself (a TEST MIRROR): routing is exercised
# against one database; scripts/prod-local.sh tests a real streaming replica.
DATABASES["replica"] = {**DATABASES["default"], "TEST": {"MIRROR": "default"}}
LOGGING["root"]["level"] = "WARNING"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
