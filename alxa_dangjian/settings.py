"""The only settings module. Every deployment-specific value comes from the environment;
each variable is documented in .env.example. With nothing set, the project runs on SQLite
with Celery tasks executed eagerly in-process (the embedded default)."""

import os
from pathlib import Path

import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A local .env is a convenience for developers (`make run` keeps the machine's own SECRET_KEY
# there); production passes real environment variables. ENV_FILE names another file, e.g. for
# tests that must see the settings as a bare environment gives them.
environ.Env.read_env(os.environ.get("ENV_FILE", BASE_DIR / ".env"), overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
# The fallback is published here: with DEBUG off the core.E001 check rejects it (and the
# .env.example placeholder), and the WSGI/ASGI application refuses to start with it.
SECRET_KEY = env.str(
    "SECRET_KEY", default="django-insecure-development-only-key-change-me-in-production"
)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "axes",
    "simple_history",
    "alxa_dangjian.accounts",
    "alxa_dangjian.core",
    "alxa_dangjian.ledgers",
    "branches",
    "activities",
    "training",
    "assessments",
    "dues",
    "annual_stats",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A view that finds the database, cache or broker unreachable answers 503 in Chinese.
    "alxa_dangjian.core.outages.ServiceOutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, so that it sees the outcome of authentication attempts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alxa_dangjian.urls"
WSGI_APPLICATION = "alxa_dangjian.wsgi.application"

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
                "portal.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if env.str("TEST_DATABASE_NAME", default=""):
    # Lets .ci/run point an external Celery worker at the database the test run creates.
    DATABASES["default"]["TEST"] = {"NAME": env.str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

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
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Lock an account+address pair after repeated failures (django-axes). The pair, not the
# account alone: wrong passwords typed from one address never lock the account's owner out
# of another address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
# Proxies in front of the web processes that append the client address to X-Forwarded-For
# (one TLS proxy in the production shape). 0 ignores the header: without a proxy any client
# could write it.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "alxa_dangjian.accounts.client_ip.client_ip_address"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True

# Secure by default; a plain-HTTP intranet or a developer machine turns these off explicitly.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("USE_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every response (django-csp): scripts only from our own static
# files, so data that slipped past escaping still cannot run (no inline <script>, no on…=
# attributes, no eval; behaviours hang on data attributes in static/js/site.js).
# Styles allow 'unsafe-inline' on purpose: templates size charts and bars with style="…"
# attributes, and browsers without CSP3's style-src-attr would drop those under a split
# policy. A style cannot run script, and server-side escaping keeps data out of markup.
# Images allow data: for Bootstrap's inline SVG icons (select arrows, navbar toggler).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
# Uploads are never served as static files: views check access before streaming them.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
# Ledger exports up to this many rows download at once; larger ones run as a background job.
LEDGER_SYNC_MAX_ROWS = env.int("LEDGER_SYNC_MAX_ROWS", default=5000)
EXPORT_FILE_RETENTION_DAYS = env.int("EXPORT_FILE_RETENTION_DAYS", default=7)
# Background exports one user may have queued or running at a time.
LEDGER_EXPORT_MAX_PENDING = env.int("LEDGER_EXPORT_MAX_PENDING", default=3)
# A running export silent this long lost its worker: the sweeper starts it again, up to
# EXPORT_MAX_ATTEMPTS times in all, then marks it failed (the requester may retry).
EXPORT_STALL_SECONDS = env.int("EXPORT_STALL_SECONDS", default=300)
EXPORT_MAX_ATTEMPTS = env.int("EXPORT_MAX_ATTEMPTS", default=3)
# A worker building an export touches its heartbeat this often (seconds) from a timer thread,
# whatever the rows do (the query before the first row, saving the file): well under
# EXPORT_STALL_SECONDS. 0 turns the timer off; it never runs with CELERY_TASK_ALWAYS_EAGER
# (no worker to lose: the export runs in the process that asked for it).
EXPORT_HEARTBEAT_SECONDS = env.int("EXPORT_HEARTBEAT_SECONDS", default=60)
# Excel imports: largest accepted file (bytes) and most data rows in one file.
LEDGER_IMPORT_MAX_BYTES = env.int("LEDGER_IMPORT_MAX_BYTES", default=5 * 1024 * 1024)
LEDGER_IMPORT_MAX_ROWS = env.int("LEDGER_IMPORT_MAX_ROWS", default=20000)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=20 * 1024 * 1024)
# Organisational life: how many days back a new record may be dated (back-filling window),
# and the largest photo or file (bytes) that may be attached to a record.
ACTIVITY_BACKFILL_DAYS = env.int("ACTIVITY_BACKFILL_DAYS", default=30)
ACTIVITY_UPLOAD_MAX_BYTES = env.int("ACTIVITY_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # Redis unreachable: pages are computed without the cache instead of failing (logged).
    CACHES["default"]["BACKEND"] = "alxa_dangjian.core.cache_backends.DegradingRedisCache"
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 1)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 1)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="dangjian@localhost")
# Notifications by e-mail: unset follows the backend (console/in-memory default: no mail;
# SMTP from EMAIL_URL: mail); true or false forces it (alxa_dangjian/core/notifications.py).
NOTIFICATION_EMAIL = env.bool("NOTIFICATION_EMAIL", default=None)

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
# Year-end assessment runs: organisations per chunk task; a run silent this long is stalled.
ASSESSMENT_RUN_CHUNK_SIZE = env.int("ASSESSMENT_RUN_CHUNK_SIZE", default=1000)
ASSESSMENT_RUN_STALL_SECONDS = env.int("ASSESSMENT_RUN_STALL_SECONDS", default=900)
# A run whose chunks show no progress this long lost its worker: the sweeper sends its
# unfinished chunks again (each chunk task touches its heartbeat as it goes).
ASSESSMENT_CHUNK_STALL_SECONDS = env.int("ASSESSMENT_CHUNK_STALL_SECONDS", default=120)
ASSESSMENT_RUN_MAX_DISPATCHES = env.int("ASSESSMENT_RUN_MAX_DISPATCHES", default=5)
# Work committed while the broker was down is sent by the sweeper once this old (the request
# that committed it tries first, right after its commit).
DISPATCH_GRACE_SECONDS = env.int("DISPATCH_GRACE_SECONDS", default=60)
# Time a web request waits for an unreachable broker before the work is left to the sweeper.
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECTION_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.5,
    "interval_max": 0.5,
}
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or None
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=600)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=660)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {"task": "core.heartbeat", "schedule": 60.0},
    # Work committed while the broker was down is sent; work whose worker was lost is sent
    # again or marked failed (alxa_dangjian.core.sweeper).
    "sweep-background-work": {"task": "core.sweep", "schedule": 60.0},
    # The big cockpits (root, party committees) are built here, not in a user's request.
    "warm-cockpit": {"task": "core.warm_cockpit", "schedule": 300.0},
    # Before the working day starts (CELERY_TIMEZONE, i.e. Beijing time).
    "compliance-reminders": {
        "task": "activities.send_compliance_reminders",
        "schedule": crontab(hour=7, minute=30),
    },
    # Export files hold personal data: removed after EXPORT_FILE_RETENTION_DAYS, at night.
    "export-file-retention": {
        "task": "ledgers.purge_export_files",
        "schedule": crontab(hour=3, minute=15),
    },
    # Uploaded import workbooks hold full ID numbers: the same retention as exports.
    "import-file-retention": {
        "task": "ledgers.purge_import_files",
        "schedule": crontab(hour=3, minute=20),
    },
    # Dues arrears are counted on completed months: once a day is plenty.
    "dues-arrears-alerts": {
        "task": "dues.send_arrears_alerts",
        "schedule": crontab(hour=7, minute=40),
    },
    # 党章第九条's other half: six months without organisational life, on completed months.
    "absence-alerts": {
        "task": "activities.send_absence_alerts",
        "schedule": crontab(hour=7, minute=45),
    },
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
