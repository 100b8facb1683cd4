"""Rate limits over rolling periods, kept in the cache (Redis in the scale-out profile).

Each limit is ``(scope, limit, period)``: at most ``limit`` accepted attempts in ANY
``period`` seconds, not per calendar window (fixed minute windows let twice the limit
through across a window's edge). Each key keeps a log of its accepted attempts per scope
(a Redis sorted set of times; at most ``limit`` entries each, so 1,000 for a day's likes);
an attempt is accepted only if every scope is under its limit, and then it is recorded
in all of them. A refused attempt is not recorded, so Retry-After is exact: the time
until enough of the oldest attempts leave their period. On Redis one call runs a Lua
script that checks and records every scope atomically: one round trip per attempt, exact
under any concurrency. Other caches (the embedded profile's local memory) run the same
steps under a process-wide lock.
"""

import math
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from functools import cache as once
from functools import wraps

from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from config.views import error_response

Limit = tuple[str, int, int]  # scope, limit, period in seconds

# KEYS: one sorted set per scope. ARGV: now, this attempt's id, then limit and period for
# each key. Returns {0, 0} when accepted, else {index of the first full scope, seconds}.
_SLIDING_LOG = """
local now = tonumber(ARGV[1])
for i = 1, #KEYS do
  local limit, period = tonumber(ARGV[1 + 2 * i]), tonumber(ARGV[2 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', KEYS[i], '-inf', now - period)
  local count = redis.call('ZCARD', KEYS[i])
  if count >= limit then
    local oldest = redis.call('ZRANGE', KEYS[i], count - limit, count - limit, 'WITHSCORES')
    return {i, tostring(tonumber(oldest[2]) + period - now)}
  end
end
for i = 1, #KEYS do
  redis.call('ZADD', KEYS[i], now, ARGV[2])
  redis.call('PEXPIRE', KEYS[i], math.ceil(tonumber(ARGV[2 + 2 * i]) * 1000))
end
return {0, '0'}
"""

_local_lock = threading.Lock()


@once
def _redis_script():
    """The script, registered with a Redis client kept for the process (Django's cache
    builds a new client object on every call, which costs more than the call)."""
    client = cache._cache.get_client(write=True)
    return client.register_script(_SLIDING_LOG)


def consume_attempt(key: str, limits: Iterable[Limit], *, now: float) -> tuple[str | None, int]:
    """Count one attempt at ``now`` (Unix seconds) under ``key`` against each limit.

    Returns the first scope that is full (None if the attempt was accepted) and the
    whole seconds until that scope accepts again.
    """
    limits = list(limits)
    keys = [f"rate:{key}:{scope}" for scope, _limit, _period in limits]
    if isinstance(caches["default"], RedisCache):
        args = [now, uuid.uuid4().hex]
        for _scope, limit, period in limits:
            args += [limit, period]
        full, wait = _redis_script()(keys=[cache.make_and_validate_key(k) for k in keys], args=args)
    else:
        full, wait = _consume_locally(keys, limits, now)
    if not full:
        return None, 0
    return limits[int(full) - 1][0], max(1, math.ceil(float(wait)))


def _consume_locally(keys: list[str], limits: list[Limit], now: float) -> tuple[int, float]:
    """The Lua script's steps for caches without scripts, under a process-wide lock."""
    with _local_lock:
        logs = []
        pairs = zip(keys, limits, strict=True)
        for index, (key, (_scope, limit, period)) in enumerate(pairs, start=1):
            log = [at for at in cache.get(key, []) if at > now - period]
            if len(log) >= limit:
                return index, log[len(log) - limit] + period - now
            logs.append(log)
        for key, log, (_scope, _limit, period) in zip(keys, logs, limits, strict=True):
            cache.set(key, [*log, now], timeout=math.ceil(period))
    return 0, 0.0


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
                f"image-upload:{request.user.pk}", limits, now=time.time()
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
