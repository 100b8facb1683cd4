"""config.ratelimit: at most ``limit`` attempts in any rolling period, one Redis round trip
per attempt, exact under concurrency. The same rules hold on the embedded profile's cache."""

import threading

import pytest
import redis
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from config.ratelimit import consume_attempt

pytestmark = pytest.mark.django_db

T0 = 1_800_000_000.0
LIMITS = [("minute", 3, 60), ("day", 5, 86_400)]
ON_REDIS = pytest.mark.skipif(
    not isinstance(caches["default"], RedisCache), reason="needs Redis (set REDIS_URL)"
)


def attempt(at: float, key: str = "someone") -> tuple[str | None, int]:
    return consume_attempt(key, LIMITS, now=at)


def test_at_most_the_limit_in_any_rolling_minute():
    assert [attempt(T0 + s) for s in (0, 20, 40)] == [(None, 0)] * 3
    assert attempt(T0 + 59.5) == ("minute", 1)  # the first leaves at +60
    assert attempt(T0 + 60) == (None, 0)
    assert attempt(T0 + 61) == ("minute", 19)  # the one at +20 leaves at +80


def test_a_refused_attempt_is_not_counted():
    for s in (0, 1, 2):
        attempt(T0 + s)
    for _ in range(10):
        assert attempt(T0 + 30)[0] == "minute"

    assert attempt(T0 + 60) == (None, 0)  # only the first three ever counted


def test_the_day_holds_across_minutes_and_says_when_it_frees_up():
    for minute in range(5):
        assert attempt(T0 + 60 * minute) == (None, 0)

    assert attempt(T0 + 600) == ("day", 86_400 - 600)


def test_each_key_has_its_own_log():
    for s in (0, 1, 2):
        attempt(T0 + s, key="ana")

    assert attempt(T0 + 3, key="ben") == (None, 0)
    assert attempt(T0 + 3, key="ana")[0] == "minute"


@ON_REDIS
def test_one_redis_round_trip_per_attempt(monkeypatch):
    attempt(T0)  # the script is registered once per process
    calls = []
    real = redis.Redis.execute_command

    def counted(self, *args, **options):
        calls.append(args[0])
        return real(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counted)

    attempt(T0 + 1)
    attempt(T0 + 2)

    assert calls == ["EVALSHA", "EVALSHA"]


@ON_REDIS
def test_many_processes_at_once_get_exactly_the_limit():
    """Thirty attempts at the same moment from thirty threads (each its own connection, as
    app servers are): exactly three are accepted."""
    barrier = threading.Barrier(30)
    results = []

    def run() -> None:
        barrier.wait()
        results.append(attempt(T0, key="popular"))

    threads = [threading.Thread(target=run) for _ in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(1 for scope, _wait in results if scope is None) == 3
