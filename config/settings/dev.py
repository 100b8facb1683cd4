"""Local development: debug pages, console email."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", True)
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}}
