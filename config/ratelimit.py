"""Fixed-window rate limits counted in the cache (Redis in the scale-out profile)."""

import time
from collections.abc import Callable, Iterable
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from config.views import error_response


def count_attempt(key: str, period: int) -> int:
    """Add one to the counter ``key`` (kept a little longer than ``period``); its new value."""
    cache.add(key, 0, timeout=period + 60)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=period + 60)
        return 1


def consume_attempt(
    key: str, limits: Iterable[tuple[str, int, int]], *, now: int
) -> tuple[str | None, int]:
    """Count one attempt at ``now`` (Unix seconds) under ``key`` in each
    ``(scope, limit, period)`` window.

    Returns the first scope now over its limit (None if within every limit) and the
    seconds until that window resets.
    """
    exceeded, retry_after = None, 0
    for scope, limit, period in limits:
        window = now // period
        count = count_attempt(f"{key}:{scope}:{window}", period)
        if count > limit and exceeded is None:
            exceeded, retry_after = scope, (window + 1) * period - now
    return exceeded, retry_after


def limit_image_uploads(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Refuse with 429, before any image is decoded, a person over the upload limits.

    Only requests that carry a file count; photos and avatars share the limits.
    """

    @wraps(view)
    def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "POST" and request.user.is_authenticated and request.FILES:
            limits = [
                ("minute", settings.IMAGE_UPLOADS_PER_MINUTE, 60),
                ("day", settings.IMAGE_UPLOADS_PER_DAY, 86_400),
            ]
            exceeded, retry_after = consume_attempt(
                f"image-upload:{request.user.pk}", limits, now=int(time.time())
            )
            if exceeded:
                per_day = settings.IMAGE_UPLOADS_PER_DAY
                message = {
                    "minute": _(
                        "You're uploading images very fast. Nothing was saved; wait a minute "
                        "and try again."
                    ),
                    "day": _(
                        "You've reached today's limit of %(limit)d image uploads. "
                        "Nothing was saved."
                    )
                    % {"limit": per_day},
                }[exceeded]
                return error_response(request, 429, message, retry_after=retry_after)
        return view(request, *args, **kwargs)

    return limited
