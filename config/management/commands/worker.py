"""A task worker for the scale-out profile (TASKS_BACKEND=db): `make worker`.

It runs django-tasks-db's worker loop and, before it starts and then every minute, puts
back in the queue any task whose worker died mid-run (see config.tasks) and dispatches
engagement events whose side effects never ran (see engagement.services.event_dispatch).
"""

import threading
from datetime import timedelta

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from config.tasks import stores_tasks_in_database, tasks_requeue_stale
from engagement.services import events_dispatch_stale


class Command(BaseCommand):
    help = "Run background tasks from the database queue, recovering tasks of dead workers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
        parser.add_argument("--batch", action="store_true", help="exit when the queue is empty")

    def handle(self, *args, interval: float, batch: bool, **options) -> None:
        if not stores_tasks_in_database():
            raise CommandError("The worker needs TASKS_BACKEND=db (tasks stored in the database).")
        stale_after = timedelta(seconds=settings.TASK_STALE_SECONDS)
        self.requeue(stale_after)
        stop = threading.Event()
        if not batch:
            threading.Thread(
                target=self.keep_requeueing, args=(stop, stale_after), daemon=True
            ).start()
        try:
            db_worker_args = ["--queue-name", "*", "--interval", str(interval), "--no-reload"]
            call_command("db_worker", *db_worker_args, *(["--batch"] if batch else []))
        finally:
            stop.set()

    def requeue(self, stale_after: timedelta) -> None:
        if count := tasks_requeue_stale(older_than=stale_after):
            self.stderr.write(f"Requeued {count} task(s) whose worker stopped mid-run.")
        if count := events_dispatch_stale(older_than=stale_after):
            self.stderr.write(f"Dispatched {count} engagement event(s) whose task was lost.")

    def keep_requeueing(self, stop: threading.Event, stale_after: timedelta) -> None:
        while not stop.wait(60):
            self.requeue(stale_after)
            close_old_connections()
