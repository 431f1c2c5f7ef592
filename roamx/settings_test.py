"""Test settings: the real settings with test conveniences; DATABASE_URL still selects the database."""

import os

os.environ.setdefault("ROAMX_TESTING", "1")

from roamx.settings import *  # noqa: E402,F403
from roamx.settings import BASE_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / "var" / "test-media"
STORAGES = {
    **STORAGES,  # noqa: F405 (the object store when a test's process sets S3_BUCKET)
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

# An in-memory SQLite test database is shared between threads through SQLite's shared cache, whose table
# locks fail at once instead of waiting; browser tests run the live server and the task worker in threads
# beside the test, so the SQLite test database is a file, where the busy timeout makes writers wait.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / "test-db.sqlite3")}  # noqa: F405

# No collectstatic before tests: whitenoise serves from the apps' folders, as it does for the demo server.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# django-axes needs the request in every authenticate() call, which client.login() does not pass; the
# throttling tests (tests/test_security_login.py) switch it back on.
AXES_ENABLED = False
