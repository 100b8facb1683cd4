"""Like/unlike rate limits in the cache (Redis in the scale-out profile).

Likes and unlikes both count, so churning (like, unlike, like...) cannot escape the cap.
"""

import time

from django.conf import settings
from django.core.cache import cache

from engagement.models import RateLimitHit


def _limits() -> list[tuple[str, int, int]]:
    return [
        (RateLimitHit.Scope.MINUTE, settings.LIKE_RATE_PER_MINUTE, 60),
        (RateLimitHit.Scope.DAY, settings.LIKE_RATE_PER_DAY, 86_400),
    ]


def _count_attempt(key: str, period: int) -> int:
    cache.add(key, 0, timeout=period + 60)
    try:
        return cache.incr(key)
    except ValueError:  # the key expired between add and incr
        cache.set(key, 1, timeout=period + 60)
        return 1


def consume_like_attempt(user_id: int) -> tuple[str | None, int]:
    """Count one like/unlike attempt.

    Returns the scope whose limit is now exceeded (None if within limits) and the seconds
    until that window resets.
    """
    now = int(time.time())
    exceeded, retry_after = None, 0
    for scope, limit, period in _limits():
        window = now // period
        count = _count_attempt(f"like-rate:{scope}:{user_id}:{window}", period)
        if count > limit and exceeded is None:
            exceeded, retry_after = scope, (window + 1) * period - now
    return exceeded, retry_after


def first_hit_in_window(user_id: int, scope: str) -> bool:
    """True the first time ``user_id`` goes over ``scope`` in the current window."""
    period = dict((s, p) for s, _limit, p in _limits())[scope]
    window = int(time.time()) // period
    return cache.add(f"like-rate-hit:{scope}:{user_id}:{window}", 1, timeout=period + 60)
