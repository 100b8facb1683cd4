"""Settings shared by every profile.

The embedded default (SQLite, local-memory cache, immediate tasks, files on disk) needs no
server. The scale-out profile is chosen by environment variables only: ``DATABASE_URL``
(PostgreSQL, pooled), ``REDIS_URL`` (cache and sessions), ``TASKS_BACKEND``.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return default if value in (None, "") else int(value)


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-insecure-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "accounts",
    "photos",
    "engagement",
    "engagement.insights",
    "engagement.moderation",
    "engagement.ranking",
    "notifications",
    "config",
    "django_tasks_db",
]

MIDDLEWARE = [
    "config.observability.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.PermissionsPolicyMiddleware",
    "config.middleware.RequestSizeLimitMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "accounts.middleware.UserTimezoneMiddleware",
    "config.middleware.FriendlyMethodNotAllowedMiddleware",
]

ROOT_URLCONF = "config.urls"
FORM_RENDERER = "config.forms.SiteFormRenderer"
CSRF_FAILURE_VIEW = "config.views.csrf_failure"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
DATABASE_URL = os.environ.get("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env_bool(
        "DATABASE_JIT", False
    ):
        # This site runs many short, index-served queries; JIT compilation only kicks in
        # when the planner expects a big one, and then costs 100-300 ms to save little
        # (measured with `bench` at 10k/100k/1M). Off for our connections; DATABASE_JIT=1
        # leaves the server's setting alone.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DATABASE_PREPARED", True
    ):
        # Lets config.queries.prepared_cursor prepare the statements it runs (the like's
        # write); no other cursor prepares anything. DATABASE_PREPARED=0 behind a pooler
        # in transaction mode (PgBouncer's), which cannot keep prepared statements.
        DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 1_000_000
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
        "DATABASE_POOL", True
    ):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": env_int("DATABASE_POOL_MIN", 2),
            "max_size": env_int("DATABASE_POOL_MAX", 20),
            "timeout": env_int("DATABASE_POOL_TIMEOUT", 10),
        }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(BASE_DIR / "db.sqlite3")),
            "OPTIONS": {
                # WAL lets readers proceed during a write; IMMEDIATE takes the write lock at
                # BEGIN so concurrent writers queue instead of failing with "database is locked".
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, background tasks ------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": os.environ.get("CACHE_KEY_PREFIX", "likewise"),
        }
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Background tasks: "immediate" (in-process, the embedded default), "db" (rows in this
# database, run by `make worker` processes: the scale-out profile), or a backend's path.
TASK_BACKEND_ALIASES = {
    "immediate": "django.tasks.backends.immediate.ImmediateBackend",
    "db": "django_tasks_db.DatabaseBackend",
}
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "immediate")
TASKS = {"default": {"BACKEND": TASK_BACKEND_ALIASES.get(TASKS_BACKEND, TASKS_BACKEND)}}
# A failing task is tried again after 2, 4, 8... seconds, this many times in all.
TASK_MAX_ATTEMPTS = env_int("TASK_MAX_ATTEMPTS", 5)
TASK_RETRY_SECONDS = env_int("TASK_RETRY_SECONDS", 2)
# A task "running" this long lost its worker; `make worker` puts it back in the queue.
TASK_STALE_SECONDS = env_int("TASK_STALE_SECONDS", 300)
# `make worker` deletes the rows of tasks finished this many days ago, every hour (0 keeps
# them all): the queue keeps every task it ran, a burst of them for each viral photo.
TASK_RESULTS_KEEP_DAYS = env_int("TASK_RESULTS_KEEP_DAYS", 7)
# `manage.py worker` runs at this nice value (0-19): on a machine it shares with web
# servers, requests get the CPU first and the outbox catches up when they leave it idle
# (a viral burst is served at about 1.5x the rate; its notifications follow). On a
# machine of its own it makes no difference.
WORKER_NICE = env_int("WORKER_NICE", 19)
# While requests keep the CPU saturated (Linux CPU pressure), `manage.py worker` leaves
# events (notifications, rollups, detection, affinities) for up to this many seconds, so a
# burst is served first; 0 dispatches them at once whatever the load.
WORKER_DEFER_SECONDS = env_int("WORKER_DEFER_SECONDS", 30)
# /healthz reports the queue as behind when the oldest runnable task waited longer.
HEALTH_MAX_QUEUE_LAG_SECONDS = env_int("HEALTH_MAX_QUEUE_LAG_SECONDS", 60)
# What /healthz measures as the queue's lag, in seconds: each is a function.
HEALTH_QUEUE_LAGS = ["config.tasks.queue_lag", "engagement.selectors.outbox_lag"]
# `manage.py loadtest` serves config.bench.bare_view at /bench/bare/ as the like path's
# yardstick; off everywhere else.
BENCH_BARE_VIEW = env_bool("BENCH_BARE_VIEW", False)

# --- Authentication (django-allauth) --------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PRESERVE_USERNAME_CASING = False
ACCOUNT_USERNAME_MIN_LENGTH = 3
ACCOUNT_USERNAME_VALIDATORS = "accounts.validators.username_validators"
ACCOUNT_USERNAME_BLACKLIST = [
    "about", "account", "accounts", "admin", "administrator", "api", "explore", "feed",
    "help", "home", "likewise", "login", "logout", "media", "moderation", "moderator",
    "notifications", "p", "photos", "privacy", "root", "settings", "signup", "static",
    "staff", "support", "system", "upload", "www",
]  # fmt: skip
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Likewise] "
ACCOUNT_ADAPTER = "accounts.adapters.AccountAdapter"
# allauth's rate limits stay on with their defaults (login failures, signups, resets...).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Likewise"

DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Likewise <noreply@likewise.local>")

# --- Internationalisation and time ----------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# The embedded profile serves processed media itself; with object storage, set it off.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Uploaded images (avatars now, photos later) pass the checks in accounts/imaging.py.
AVATAR_MAX_BYTES = env_int("AVATAR_MAX_BYTES", 5 * 1024 * 1024)
AVATAR_MAX_PIXELS = env_int("AVATAR_MAX_PIXELS", 40_000_000)
AVATAR_SIZE = 320

# --- Security -------------------------------------------------------------------------
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Sent as Permissions-Policy (config.middleware): features no page here uses, off for all.
PERMISSIONS_POLICY_DENY = [
    "accelerometer",
    "autoplay",
    "camera",
    "display-capture",
    "geolocation",
    "gyroscope",
    "magnetometer",
    "microphone",
    "midi",
    "payment",
    "usb",
]
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.server": {"level": "INFO"},
        "django.tasks": {"level": "WARNING"},
        # One line per request (config.observability); production makes it JSON at INFO.
        "likewise.requests": {"level": os.environ.get("REQUEST_LOG_LEVEL", "WARNING")},
    },
}

# --- Photos ---------------------------------------------------------------------------
PHOTO_MAX_BYTES = env_int("PHOTO_MAX_BYTES", 20 * 1024 * 1024)
PHOTO_MAX_PIXELS = env_int("PHOTO_MAX_PIXELS", 40_000_000)
# Every uploaded image, photo or avatar, is checked against these from its header before
# any pixel is decoded (accounts/imaging.py), so what one upload can cost is bounded.
IMAGE_MAX_FRAMES = env_int("IMAGE_MAX_FRAMES", 500)
IMAGE_MAX_SIDE = env_int("IMAGE_MAX_SIDE", 12_000)
IMAGE_MAX_ASPECT_RATIO = env_int("IMAGE_MAX_ASPECT_RATIO", 20)
# Decoding memory: width x height x bytes per decoded pixel (4 for RGB) x frames.
IMAGE_MAX_DECODED_BYTES = env_int("IMAGE_MAX_DECODED_BYTES", 160 * 1024 * 1024)
# Image uploads (photos and avatars together) per person; over them answers 429.
IMAGE_UPLOADS_PER_MINUTE = env_int("IMAGE_UPLOADS_PER_MINUTE", 10)
IMAGE_UPLOADS_PER_DAY = env_int("IMAGE_UPLOADS_PER_DAY", 200)
PHOTO_MASTER_SIZE = 4096  # clean working copy for later renditions; never linked
PHOTO_LARGE_SIZE = 2048  # made by a background task
PHOTO_DISPLAY_SIZE = 1280
PHOTO_THUMBNAIL_SIZE = 480
PHOTOS_PER_PAGE = 24
# Full cards (image, like control, "Why am I seeing this?") per page of the home feeds:
# infinite scroll asks for more, and each card costs more to render than a grid tile.
FEED_CARDS_PER_PAGE = 12
# Rows per page of every list of people (likers, followers, following), each with its
# follow button.
PEOPLE_PER_PAGE = 30
# Requests larger than this are refused with 413 before their body is read.
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_BYTES", PHOTO_MAX_BYTES + 1024 * 1024)

# `manage.py check_integrity` runs these (see config/integrity.py).
INTEGRITY_CHECKS = [
    "photos.integrity.photo_files_present",
    "photos.integrity.orphan_media",
    "engagement.integrity.like_counts",
    "engagement.integrity.pending_withdrawals",
    "engagement.integrity.events_dispatched",
    "notifications.integrity.no_orphan_like_notifications",
    "notifications.integrity.notification_lines",
    "engagement.insights.integrity.rollups_match_log",
    "accounts.integrity.data_exports_expired",
    "accounts.integrity.follow_counts",
]

# --- Engagement -----------------------------------------------------------------------
# One of engagement.policy.PRESETS: instagram, facebook, twitter, likewise.
ENGAGEMENT_POLICY = os.environ.get("ENGAGEMENT_POLICY", "likewise")
# The unlike inference shield releases withdrawn likes at the end of each window.
UNLIKE_SHIELD_WINDOW_MINUTES = env_int("UNLIKE_SHIELD_WINDOW_MINUTES", 60)
# Likes and unlikes both count toward these limits.
LIKE_RATE_PER_MINUTE = env_int("LIKE_RATE_PER_MINUTE", 60)
LIKE_RATE_PER_DAY = env_int("LIKE_RATE_PER_DAY", 1000)
# A repeat like by the same person on the same photo within this many hours does not
# notify the owner again.
LIKE_RENOTIFY_COOLDOWN_HOURS = env_int("LIKE_RENOTIFY_COOLDOWN_HOURS", 24)
# How often the navigation bell asks for the unread count.
NOTIFICATION_POLL_SECONDS = env_int("NOTIFICATION_POLL_SECONDS", 30)
# Reading who liked a photo, and pages of like counts (feeds, profile grids), per person
# and per address: generous for browsing, while a script polling them to find out who
# unliked is refused with 429 (polling once a minute passes the daily caps within hours).
# Per address limits are higher: people behind one network address share them.
LIKERS_READS_PER_MINUTE = env_int("LIKERS_READS_PER_MINUTE", 30)
LIKERS_READS_PER_DAY = env_int("LIKERS_READS_PER_DAY", 300)
LIKERS_READS_PER_ADDRESS_PER_MINUTE = env_int("LIKERS_READS_PER_ADDRESS_PER_MINUTE", 120)
LIKERS_READS_PER_ADDRESS_PER_DAY = env_int("LIKERS_READS_PER_ADDRESS_PER_DAY", 1200)
LIKE_COUNT_READS_PER_MINUTE = env_int("LIKE_COUNT_READS_PER_MINUTE", 90)
LIKE_COUNT_READS_PER_DAY = env_int("LIKE_COUNT_READS_PER_DAY", 600)
LIKE_COUNT_READS_PER_ADDRESS_PER_MINUTE = env_int("LIKE_COUNT_READS_PER_ADDRESS_PER_MINUTE", 360)
LIKE_COUNT_READS_PER_ADDRESS_PER_DAY = env_int("LIKE_COUNT_READS_PER_ADDRESS_PER_DAY", 2400)

# --- Your data: download and account deletion -------------------------------------------
# What "download my data" contains: functions ``section(user)`` yielding (file name,
# bytes) pairs, one per app (see config/personal_data.py).
DATA_EXPORT_SECTIONS = [
    "accounts.personal_data.export_profile",
    "accounts.personal_data.export_follows",
    "photos.personal_data.export_photos",
    "engagement.personal_data.export_likes",
    "notifications.personal_data.export_notifications",
    "engagement.insights.personal_data.export_insights",
    "engagement.ranking.personal_data.export_ranking",
]
# How long a finished archive can be downloaded; an archive still building after this
# many minutes is taken as failed (its worker died) and can be asked for again.
DATA_EXPORT_HOURS = env_int("DATA_EXPORT_HOURS", 72)
DATA_EXPORT_STALE_MINUTES = env_int("DATA_EXPORT_STALE_MINUTES", 60)
# Each archive is built from everything the person has: asking is limited per day.
DATA_EXPORTS_PER_DAY = env_int("DATA_EXPORTS_PER_DAY", 5)
# Logging in within this many days of asking to delete the account cancels it; after
# them `manage.py purge_deleted_accounts` removes it.
ACCOUNT_DELETION_GRACE_DAYS = env_int("ACCOUNT_DELETION_GRACE_DAYS", 14)
# What removes a person's data when their account is purged, in this order: insights
# takes their events out of the rollups before the events go.
ACCOUNT_ERASERS = [
    "engagement.insights.personal_data.erase",
    "engagement.moderation.personal_data.erase",
    "engagement.ranking.personal_data.erase",
    "photos.personal_data.erase",
    "engagement.personal_data.erase",
    "accounts.personal_data.erase",
    "notifications.personal_data.erase",
]

# --- Moderation -----------------------------------------------------------------------
# Detection thresholds (engagement/moderation/detection.py). A finding at twice its
# threshold is raised as high severity.
# Churn: the same person liking and unliking the same photo this many times...
MODERATION_CHURN_CYCLES = env_int("MODERATION_CHURN_CYCLES", 3)
# ...within this many minutes.
MODERATION_CHURN_MINUTES = env_int("MODERATION_CHURN_MINUTES", 10)
# Burst: this many likes in one minute across photos.
MODERATION_BURST_LIKES_PER_MINUTE = env_int("MODERATION_BURST_LIKES_PER_MINUTE", 30)
# Sweep: this many withdrawals, on different photos, within this many minutes.
MODERATION_SWEEP_WITHDRAWALS = env_int("MODERATION_SWEEP_WITHDRAWALS", 15)
MODERATION_SWEEP_MINUTES = env_int("MODERATION_SWEEP_MINUTES", 5)
# Repeated rate-limit hits: this many within this many hours.
MODERATION_RATE_LIMIT_HITS = env_int("MODERATION_RATE_LIMIT_HITS", 3)
MODERATION_RATE_LIMIT_HOURS = env_int("MODERATION_RATE_LIMIT_HOURS", 24)
# New accounts (joined within this many days) with this many likes/unlikes in an hour.
MODERATION_NEW_ACCOUNT_DAYS = env_int("MODERATION_NEW_ACCOUNT_DAYS", 7)
MODERATION_NEW_ACCOUNT_EVENTS_PER_HOUR = env_int("MODERATION_NEW_ACCOUNT_EVENTS_PER_HOUR", 100)
# A worker runs a person's detection this many seconds after the engagement that made it
# due (database queue only): a burst of likes and unlikes is then read and flagged once.
MODERATION_DETECTION_DELAY_SECONDS = env_int("MODERATION_DETECTION_DELAY_SECONDS", 10)
# Restricted people (a moderator's action) get these like/unlike limits instead.
MODERATION_RESTRICTED_LIKES_PER_MINUTE = env_int("MODERATION_RESTRICTED_LIKES_PER_MINUTE", 5)
MODERATION_RESTRICTED_LIKES_PER_DAY = env_int("MODERATION_RESTRICTED_LIKES_PER_DAY", 100)
MODERATION_ITEMS_PER_PAGE = 25
