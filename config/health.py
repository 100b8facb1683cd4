"""`GET /healthz` for load balancers and monitoring: database, cache and task queue."""

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils.module_loading import import_string
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    key = f"healthz:{time.monotonic_ns()}"
    cache.set(key, "1", timeout=10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return "ok" if ok else "failing"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 with each part's state when everything answers, 503 when something does not.

    ``queue_lag_seconds`` is how long the oldest work waiting for a worker has waited
    (the longest of the HEALTH_QUEUE_LAGS: runnable tasks, undispatched engagement
    events); over ``HEALTH_MAX_QUEUE_LAG_SECONDS`` the queue counts as failing (workers
    down or behind).
    """
    report: dict[str, object] = {}
    for name, probe in (("database", _database), ("cache", _cache)):
        try:
            report[name] = probe()
        except Exception as error:  # any failure is the answer, not a 500
            report[name] = f"failing: {type(error).__name__}"
    try:
        lag = max(import_string(path)() for path in settings.HEALTH_QUEUE_LAGS)
        report["queue_lag_seconds"] = round(lag, 1)
        report["queue"] = "ok" if lag <= settings.HEALTH_MAX_QUEUE_LAG_SECONDS else "behind"
    except Exception as error:
        report["queue"] = f"failing: {type(error).__name__}"
    healthy = all(report[part] == "ok" for part in ("database", "cache", "queue"))
    return JsonResponse(report, status=200 if healthy else 503)
