"""Production: every secret and host from the environment, hardened cookies."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool, env_int, env_list

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("Set DJANGO_SECRET_KEY for the production profile.")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS")
# Behind TLS (the normal case) cookies are sent over HTTPS only. `make serve` runs plain
# HTTP on 127.0.0.1 for local load tests and turns both off there.
SESSION_COOKIE_SECURE = env_bool("DJANGO_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
# Load balancers probe over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# The preload directive says the domain (and every subdomain) is HTTPS-only for good;
# browsers only hard-code it once someone submits the domain at hstspreload.org. A domain
# with subdomains that are not HTTPS sets DJANGO_HSTS_PRELOAD=0, a choice made on purpose,
# so the deploy check's reminder about it is silenced then.
SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", True)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
# Media is served by the web server or object storage in front of Django, not by Django
# (README, "Production: media and HTTPS"); SERVE_MEDIA=1 is an explicit opt-in.
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
# Static files are served by the app servers themselves through WhiteNoise: hashed names,
# compressed, cached forever; no separate static server to run.
MIDDLEWARE = [
    *MIDDLEWARE[:2],  # noqa: F405  (request log, security)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    *MIDDLEWARE[2:],  # noqa: F405
]
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
# One JSON line per request (config.observability) and for every other log record.
LOGGING["formatters"] = {"json": {"()": "config.observability.JsonFormatter"}}  # noqa: F405
LOGGING["handlers"]["console"]["formatter"] = "json"  # noqa: F405
LOGGING["loggers"]["likewise.requests"]["level"] = os.environ.get(  # noqa: F405
    "REQUEST_LOG_LEVEL", "INFO"
)
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": env_int("EMAIL_PORT", 25),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
        },
    }
}
