"""Development / demo settings (`make run`)."""

import os

os.environ.setdefault("CIVICDX_DEBUG", "1")

from .base import *  # noqa: E402,F403
from .base import DATA_DIR  # noqa: E402

DEBUG = os.environ.get("CIVICDX_DEBUG", "1") == "1"
if not SECRET_KEY:  # noqa: F405
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        import secrets

        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    SECRET_KEY = key_file.read_text().strip()
