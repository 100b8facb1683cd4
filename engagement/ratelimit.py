"""Like/unlike rate limits over rolling periods (config.ratelimit), in the cache.

Likes and unlikes both count, so churning (like, unlike, like...) cannot escape the cap.
A person a moderator restricted (``User.likes_restricted_until``) gets the lower
MODERATION_RESTRICTED_* limits until then.
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from config.ratelimit import consume_attempt
from engagement.models import RateLimitHit, ReadLimitHit


def _limits(user: User | None = None) -> list[tuple[str, int, int]]:
    until = user.likes_restricted_until if user is not None else None
    if until is not None and until > timezone.now():
        per_minute = settings.MODERATION_RESTRICTED_LIKES_PER_MINUTE
        per_day = settings.MODERATION_RESTRICTED_LIKES_PER_DAY
    else:
        per_minute, per_day = settings.LIKE_RATE_PER_MINUTE, settings.LIKE_RATE_PER_DAY
    return [
        (RateLimitHit.Scope.MINUTE, per_minute, 60),
        (RateLimitHit.Scope.DAY, per_day, 86_400),
    ]


def consume_like_attempt(user: User) -> tuple[str | None, int]:
    """Count one like/unlike attempt by ``user``.

    Returns the scope whose limit is now exceeded (None if within limits) and the seconds
    until that window resets.
    """
    return consume_attempt(f"like-rate:{user.pk}", _limits(user), now=time.time())


def first_hit_in_window(user_id: int, scope: str) -> bool:
    """True the first time ``user_id`` goes over ``scope`` in the current window."""
    period = dict((s, p) for s, _limit, p in _limits())[scope]
    return _first_in_window(f"like-rate-hit:{scope}:{user_id}", period)


def _first_in_window(key: str, period: int) -> bool:
    window = int(time.time()) // period
    return cache.add(f"{key}:{window}", 1, timeout=period + 60)


# Reading who liked a photo, and pages of like counts (feeds and grids): generous for a
# person browsing, refused to a script polling them to diff them (how "who unliked me"
# tools work). Counted per person and, logged in or not, per address.
READ_PERIODS = {RateLimitHit.Scope.MINUTE: 60, RateLimitHit.Scope.DAY: 86_400}


def _read_limits(reading: str, *, per_address: bool) -> tuple[int, int]:
    """(per minute, per day) for ``reading``, per person or per address."""
    if reading == ReadLimitHit.Reading.LIKERS:
        if per_address:
            return (
                settings.LIKERS_READS_PER_ADDRESS_PER_MINUTE,
                settings.LIKERS_READS_PER_ADDRESS_PER_DAY,
            )
        return settings.LIKERS_READS_PER_MINUTE, settings.LIKERS_READS_PER_DAY
    if per_address:
        return (
            settings.LIKE_COUNT_READS_PER_ADDRESS_PER_MINUTE,
            settings.LIKE_COUNT_READS_PER_ADDRESS_PER_DAY,
        )
    return settings.LIKE_COUNT_READS_PER_MINUTE, settings.LIKE_COUNT_READS_PER_DAY


def consume_read(*, reading: str, user: User, address: str) -> tuple[str | None, int]:
    """Count one ``reading`` by ``user`` (when logged in) from ``address``.

    Returns the scope now over its limit (None if within every limit) and the seconds
    until that window resets.
    """
    counters = [(f"read:{reading}:address:{address}", True)]
    if user.is_authenticated:
        counters.append((f"read:{reading}:user:{user.pk}", False))
    now = time.time()
    refused: tuple[str | None, int] = (None, 0)
    for key, per_address in counters:
        per_minute, per_day = _read_limits(reading, per_address=per_address)
        limits = [
            (RateLimitHit.Scope.MINUTE, per_minute, READ_PERIODS["minute"]),
            (RateLimitHit.Scope.DAY, per_day, READ_PERIODS["day"]),
        ]
        exceeded, retry_after = consume_attempt(key, limits, now=now)
        if exceeded and retry_after > refused[1]:
            refused = (exceeded, retry_after)
    return refused


def first_read_hit_in_window(reading: str, reader: str, scope: str) -> bool:
    """True the first time ``reader`` goes over ``scope`` for ``reading`` in its window."""
    return _first_in_window(f"read-hit:{reading}:{scope}:{reader}", READ_PERIODS[scope])
