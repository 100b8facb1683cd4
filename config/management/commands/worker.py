"""A task worker for the scale-out profile (TASKS_BACKEND=db): `make worker`.

It runs django-tasks-db's worker loop; beside it, a thread drains the engagement outbox
(every like, unlike or void is an EngagementEvent row whose side effects run once, see
engagement.services.event_dispatch) every ``--interval``, retrying a failing event after
2, 4, 8... s; and before it starts and then every minute it puts back in the queue any
task whose worker died mid-run (see config.tasks), and queues detection again for people
whose detection task was lost (engagement.moderation.tasks.detect_due_requeue_stale).
Every hour it deletes the rows of tasks finished ``TASK_RESULTS_KEEP_DAYS`` ago.
While requests keep the machine's CPU saturated, it leaves events for up to
``WORKER_DEFER_SECONDS`` (see CpuPressure).
Run as many workers as needed: each event is dispatched once whichever worker gets it.
"""

import logging
import os
import threading
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, close_old_connections

from config.tasks import (
    retry_delay,
    stores_tasks_in_database,
    tasks_prune_finished,
    tasks_requeue_stale,
)
from engagement.moderation.tasks import detect_due_requeue_stale
from engagement.services import event_dispatch, events_undispatched

logger = logging.getLogger(__name__)

PRUNE_EVERY_SECONDS = 3600
# The share of the time some runnable task waited for a CPU above which the machine is
# saturated: idle or busy, a machine whose requests get the CPU when they ask stays far
# below it (a few percent); a burst that queues requests for the CPU keeps it near 1.
SATURATED_CPU_PRESSURE = 0.5


def yield_cpu(nice: int) -> None:
    """Lower this process's CPU priority by ``nice``: side effects can wait a few seconds
    when requests need the CPU. Linux schedules each session as a group (autogroup) before
    the processes in it, so a worker started in a session of its own (a supervisor, a
    terminal) lowers its group's weight too; otherwise its nice value would change nothing
    against the web servers' group."""
    if nice <= 0:
        return
    os.nice(nice)
    autogroup = Path("/proc/self/autogroup")
    if autogroup.exists() and os.getsid(0) == os.getpid():  # this session is ours alone
        try:
            autogroup.write_text(str(nice))
        except OSError:
            logger.warning("Could not lower the worker's scheduling group priority")


class CpuPressure:
    """The share of the time, since last asked, that some runnable task on this machine
    waited for a CPU (Linux's pressure stall information); None where the kernel does not
    report it. A worker at nice 19 still slows requests on a shared machine: it runs in
    the short gaps the web leaves (a request waiting on the database) and the request
    then waits for it (measured: a like burst served 0.51x the bare POST rate with no
    worker, 0.44x beside one at nice 19). While the CPU is saturated, events can wait."""

    PATH = Path("/proc/pressure/cpu")

    def __init__(self) -> None:
        self.last = self.sample()

    def sample(self) -> tuple[float, int] | None:
        """(now, microseconds stalled since boot) from the 'some' line, or None."""
        try:
            some = self.PATH.read_text().splitlines()[0]
            return time.monotonic(), int(some.rsplit("total=", 1)[1])
        except (OSError, IndexError, ValueError):
            return None

    def share(self) -> float | None:
        now = self.sample()
        last, self.last = self.last, now
        if now is None or last is None or now[0] <= last[0]:
            return None
        return (now[1] - last[1]) / 1e6 / (now[0] - last[0])

    def saturated(self) -> bool:
        share = self.share()
        return share is not None and share >= SATURATED_CPU_PRESSURE


def deferral(pressure: CpuPressure) -> timedelta:
    """How long an event must have waited to be dispatched now: not at all, or, while
    requests keep the CPU saturated, ``WORKER_DEFER_SECONDS``."""
    if settings.WORKER_DEFER_SECONDS and pressure.saturated():
        return timedelta(seconds=settings.WORKER_DEFER_SECONDS)
    return timedelta(0)


class Command(BaseCommand):
    help = "Run background tasks from the database queue, recovering tasks of dead workers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")
        parser.add_argument(
            "--nice",
            type=int,
            default=settings.WORKER_NICE,
            help="CPU priority to yield to the web servers on a shared machine (0 to 19)",
        )

    def handle(self, *args, interval: float, batch: bool, nice: int, **options) -> None:
        if not stores_tasks_in_database():
            raise CommandError("The worker needs TASKS_BACKEND=db (tasks stored in the database).")
        yield_cpu(nice)
        stale_after = timedelta(seconds=settings.TASK_STALE_SECONDS)
        self.requeue(stale_after)
        self.prune()
        failures: dict[int, tuple[int, float]] = {}  # event id -> (attempts, retry at)
        while self.dispatch_pending(failures):
            pass
        stop = threading.Event()
        if not batch:
            threading.Thread(
                target=self.keep_tidying, args=(stop, stale_after), daemon=True
            ).start()
            threading.Thread(
                target=self.keep_dispatching, args=(stop, interval, failures), daemon=True
            ).start()
        try:
            db_worker_args = ["--queue-name", "*", "--interval", str(interval), "--no-reload"]
            call_command("db_worker", *db_worker_args, *(["--batch"] if batch else []))
            while batch and self.dispatch_pending(failures):  # what the tasks caused
                pass
        finally:
            stop.set()

    def requeue(self, stale_after: timedelta) -> None:
        if count := tasks_requeue_stale(older_than=stale_after):
            self.stderr.write(f"Requeued {count} task(s) whose worker stopped mid-run.")
        if count := detect_due_requeue_stale(older_than=stale_after):
            self.stderr.write(f"Queued detection again for {count} person(s): its task was lost.")

    def prune(self) -> None:
        if keep_days := settings.TASK_RESULTS_KEEP_DAYS:
            tasks_prune_finished(older_than=timedelta(days=keep_days))

    def keep_tidying(self, stop: threading.Event, stale_after: timedelta) -> None:
        pruned_at = time.monotonic()
        while not stop.wait(60):
            try:
                self.requeue(stale_after)
                if time.monotonic() - pruned_at >= PRUNE_EVERY_SECONDS:
                    self.prune()
                    pruned_at = time.monotonic()
            except DatabaseError:
                logger.exception("Tidying the task queue failed; trying again in a minute")
            close_old_connections()

    def keep_dispatching(
        self, stop: threading.Event, interval: float, failures: dict[int, tuple[int, float]]
    ) -> None:
        pressure = CpuPressure()
        while not stop.wait(interval):
            try:
                # Asked again after each batch: the worker resumes as soon as requests
                # leave the CPU idle.
                while not stop.is_set() and self.dispatch_pending(
                    failures, older_than=deferral(pressure)
                ):
                    pass
            except DatabaseError:  # e.g. the database restarted: read the outbox again
                logger.exception("Reading the event outbox failed; trying again")
            close_old_connections()

    def dispatch_pending(
        self, failures: dict[int, tuple[int, float]], *, older_than: timedelta = timedelta(0)
    ) -> int:
        """Dispatch a batch of undispatched events at least ``older_than`` old, oldest
        first; returns how many ran. An event whose dispatch fails is left for 2, 4, 8... s."""
        now, dispatched = time.monotonic(), 0
        for event_id in events_undispatched(older_than=older_than):
            attempts, retry_at = failures.get(event_id, (0, 0.0))
            if retry_at > now:
                continue
            try:
                dispatched += event_dispatch(event_id=event_id)
                failures.pop(event_id, None)
            except Exception:
                delay = retry_delay(attempts + 1).total_seconds()
                failures[event_id] = (attempts + 1, now + delay)
                logger.exception("Dispatching event %d failed; retry in %d s", event_id, delay)
        return dispatched
