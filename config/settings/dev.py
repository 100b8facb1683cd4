"""Local development: debug pages, console email."""

from .base import *  # noqa: F403
from .base import env_bool

# Debug pages list every URL pattern and setting: on by default only while the site answers
# to this machine's own names (ALLOWED_HOSTS), never once it is opened to a network.
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
DEBUG = env_bool("DJANGO_DEBUG", set(ALLOWED_HOSTS) <= LOOPBACK_HOSTS)  # noqa: F405
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
