"""Settings for the test suite: the real settings, with test-friendly defaults."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from .settings import *  # noqa: F403
from .settings import STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Unit tests run tasks in-process; tests/conftest.py's `celery_worker` fixture
# switches a test to the real broker and a real worker process.
CELERY_TASK_ALWAYS_EAGER = True
STATIC_ROOT = None  # type: ignore[assignment]  # served from the finders in tests; no collectstatic needed
WHITENOISE_USE_FINDERS = True
