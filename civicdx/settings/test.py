"""Test settings: SQLite in memory unless DATABASE_URL names PostgreSQL."""

import os
import tempfile

os.environ.setdefault("CIVICDX_DATA_DIR", tempfile.mkdtemp(prefix="civicdx-test-"))

from .base import *  # noqa: E402,F403
from .base import BASE_DIR, DATABASES  # noqa: E402

SECRET_KEY = "test-only-not-secret"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": os.path.join(os.environ["CIVICDX_DATA_DIR"], "test.sqlite3")}
# Jobs run in-process during tests unless a test asks for the database backend explicitly.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The joined whisper-base model is 145 MB: keep one copy in the checkout's var/ rather than one per test run.
CIVICDX_ASR_MODEL_DIR = BASE_DIR.parent / "var" / "models" / "whisper-base"
