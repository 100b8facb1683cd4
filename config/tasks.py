"""Background work that survives a crash: enqueueing with the change, retries, recovery.

Embedded profile: Django's immediate backend runs a task as soon as it is enqueued, in
the same process. Scale-out profile (``TASKS_BACKEND=db``): django-tasks-db stores each
task as a row in the site's database and `make worker` processes on any machine run
them. Either way:

- ``enqueue_with_change`` makes a side effect's intent part of the change that causes
  it. A database queue inserts the task row in the current transaction (an outbox: the
  intent commits or rolls back with the change, so a process dying right after commit
  loses nothing). Any other backend is called once the change has committed, so its
  task never sees uncommitted data.
- ``retried`` wraps a task function: a failure is tried again later with exponential
  backoff (``TASK_MAX_ATTEMPTS``, ``TASK_RETRY_SECONDS``) where the backend can defer.
- ``tasks_requeue_stale`` puts tasks whose worker died mid-run back in the queue. Task
  functions are idempotent (they reconcile with the truth), so running one twice is safe.
- ``tasks_prune_finished`` deletes the rows of tasks finished long ago: a database queue
  keeps every task it ran (one or more per like, a burst of them per viral photo), and
  nothing here reads them again after a few days.
"""

import functools
import logging
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Case, F, Min, When
from django.tasks import DEFAULT_TASK_BACKEND_ALIAS, Task, task_backends
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)


def stores_tasks_in_database(task: Task | None = None) -> bool:
    """Whether ``task`` (or, without one, the default backend) queues in the database."""
    backend = task.get_backend() if task else task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    return isinstance(backend, DatabaseBackend)


def enqueue_with_change(task: Task, **kwargs) -> None:
    """Enqueue ``task`` as part of the change being written (see the module docstring)."""
    if stores_tasks_in_database(task) and transaction.get_connection().in_atomic_block:
        task.enqueue(**kwargs)
    else:
        transaction.on_commit(lambda: task.enqueue(**kwargs), using=DEFAULT_DB_ALIAS)


def deferred(task: Task, *, seconds: float) -> Task:
    """``task`` to run ``seconds`` from now where its backend can defer (the database
    queue); at once otherwise (the immediate backend has no later)."""
    if seconds <= 0 or not task.get_backend().supports_defer:
        return task
    return task.using(run_after=timezone.now() + timedelta(seconds=seconds))


def retry_delay(attempt: int) -> timedelta:
    """Wait before attempt ``attempt + 1``: 2 s, 4 s, 8 s... (TASK_RETRY_SECONDS doubling)."""
    return timedelta(seconds=settings.TASK_RETRY_SECONDS * 2 ** (attempt - 1))


def retried(func: Callable[..., None]) -> Callable[..., None]:
    """Decorate a task function (under ``@task``) so that failures are retried later.

    The attempt number travels in the task's own ``attempt`` keyword argument.
    """

    @functools.wraps(func)
    def run(*, attempt: int = 1, **kwargs) -> None:
        try:
            func(**kwargs)
        except Exception:
            this_task: Task = import_string(f"{func.__module__}.{func.__name__}")
            if attempt >= settings.TASK_MAX_ATTEMPTS or not this_task.get_backend().supports_defer:
                raise
            when = timezone.now() + retry_delay(attempt)
            logger.warning(
                "Task %s failed (attempt %d); trying again at %s",
                this_task.module_path,
                attempt,
                when.isoformat(),
                exc_info=True,
            )
            this_task.using(run_after=when).enqueue(attempt=attempt + 1, **kwargs)

    return run


def tasks_requeue_stale(*, older_than: timedelta) -> int:
    """Put back in the queue tasks that have been running longer than ``older_than``:
    their worker died (killed, machine lost). Returns how many."""
    cutoff = timezone.now() - older_than
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=cutoff
    ).update(status=TaskResultStatus.READY, started_at=None)


def tasks_prune_finished(*, older_than: timedelta, batch: int = 5_000) -> int:
    """Delete the rows of tasks that finished (succeeded or gave up) more than
    ``older_than`` ago, ``batch`` at a time so no transaction holds many locks or runs
    long. Returns how many went."""
    cutoff = timezone.now() - older_than
    finished = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff)
    pruned = 0
    while ids := list(finished.values_list("pk", flat=True)[:batch]):
        pruned += DBTaskResult.objects.filter(pk__in=ids).delete()[0]
    return pruned


def queue_lag() -> float:
    """Seconds the oldest runnable task has waited for a worker (0 when none waits)."""
    runnable_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after")
    )
    oldest = DBTaskResult.objects.ready().aggregate(oldest=Min(runnable_since))["oldest"]
    return max(0.0, (timezone.now() - oldest).total_seconds()) if oldest else 0.0
