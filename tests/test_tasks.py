"""Background work: intent stored with the change, retries, recovery, the worker, health."""

import logging
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection, transaction
from django.tasks import task
from django.tasks.base import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config.tasks import (
    enqueue_with_change,
    queue_lag,
    retried,
    tasks_prune_finished,
    tasks_requeue_stale,
)
from engagement.models import EngagementEvent
from engagement.services import like_set
from notifications.models import Notification
from photos.models import Photo
from tests.factories import PhotoFactory

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
calls: list[dict] = []


@task
def record_call(**kwargs) -> None:
    calls.append(kwargs)


@task
@retried
def always_fails(*, label: str) -> None:
    calls.append({"label": label})
    raise RuntimeError("the mail server is down")


@pytest.fixture(autouse=True)
def _fresh_calls():
    calls.clear()


def queued() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.order_by("enqueued_at"))


# --- Enqueueing with the change ---------------------------------------------------------


def test_a_database_queue_stores_the_task_in_the_same_transaction(db, settings):
    settings.TASKS = DB_QUEUE
    with transaction.atomic():
        enqueue_with_change(record_call, photo_id=7)
        assert [row.task_path for row in queued()] == ["tests.test_tasks.record_call"]


def test_a_rolled_back_change_leaves_no_task_behind(db, settings):
    settings.TASKS = DB_QUEUE
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue_with_change(record_call, photo_id=7)
        raise RuntimeError("the change failed")

    assert queued() == []


def test_an_immediate_backend_runs_the_task_only_once_the_change_committed(
    db, settings, django_capture_on_commit_callbacks
):
    settings.TASKS = IMMEDIATE
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enqueue_with_change(record_call, photo_id=7)
        assert calls == []

    assert calls == [{"photo_id": 7}]


# --- Retries and recovery ---------------------------------------------------------------


def test_a_failing_task_is_tried_again_later_with_a_growing_delay(db, settings):
    settings.TASKS = DB_QUEUE
    before = timezone.now()

    always_fails.func(label="first")  # what the worker runs: attempt 1 fails
    (retry,) = queued()
    always_fails.func(**retry.args_kwargs["kwargs"])  # attempt 2 fails too
    second_retry = queued()[-1]

    assert retry.args_kwargs["kwargs"] == {"label": "first", "attempt": 2}
    assert retry.run_after >= before + timedelta(seconds=2)
    assert second_retry.args_kwargs["kwargs"]["attempt"] == 3
    assert second_retry.run_after >= before + timedelta(seconds=4)


def test_a_task_gives_up_after_the_last_attempt(db, settings):
    settings.TASKS = DB_QUEUE
    settings.TASK_MAX_ATTEMPTS = 3

    with pytest.raises(RuntimeError, match="mail server"):
        always_fails.func(label="last", attempt=3)

    assert queued() == []


def test_tasks_whose_worker_died_go_back_in_the_queue(db, settings):
    settings.TASKS = DB_QUEUE
    stuck, fresh = record_call.enqueue(n=1), record_call.enqueue(n=2)
    long_ago = timezone.now() - timedelta(minutes=10)
    DBTaskResult.objects.filter(pk=stuck.id).update(
        status=TaskResultStatus.RUNNING, started_at=long_ago
    )
    DBTaskResult.objects.filter(pk=fresh.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now()
    )

    assert tasks_requeue_stale(older_than=timedelta(minutes=5)) == 1

    statuses = {str(pk): status for pk, status in DBTaskResult.objects.values_list("pk", "status")}
    assert statuses[stuck.id] == TaskResultStatus.READY
    assert statuses[fresh.id] == TaskResultStatus.RUNNING


def finished_days_ago(result, days: int, status=TaskResultStatus.SUCCESSFUL) -> None:
    DBTaskResult.objects.filter(pk=result.id).update(
        status=status, finished_at=timezone.now() - timedelta(days=days)
    )


def test_rows_of_tasks_finished_long_ago_are_deleted_in_batches(db, settings):
    settings.TASKS = DB_QUEUE
    old = [record_call.enqueue(n=n) for n in range(5)]
    for result in old[:4]:
        finished_days_ago(result, 8)
    finished_days_ago(old[4], 8, status=TaskResultStatus.FAILED)
    recent, waiting = record_call.enqueue(n=5), record_call.enqueue(n=6)
    finished_days_ago(recent, 6)
    running = record_call.enqueue(n=7)
    DBTaskResult.objects.filter(pk=running.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - timedelta(days=8)
    )

    assert tasks_prune_finished(older_than=timedelta(days=7), batch=2) == 5

    left = {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)}
    assert left == {recent.id, waiting.id, running.id}


# --- Health -----------------------------------------------------------------------------


def test_healthz_reports_every_part_ok(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {
        "database": "ok",
        "cache": "ok",
        "queue_lag_seconds": 0.0,
        "queue": "ok",
    }
    assert "no-store" in response["Cache-Control"]


def test_healthz_fails_when_the_queue_falls_behind(client, db, settings):
    settings.TASKS = DB_QUEUE
    waiting = record_call.enqueue(n=1)
    DBTaskResult.objects.filter(pk=waiting.id).update(
        enqueued_at=timezone.now() - timedelta(minutes=5)
    )

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["queue"] == "behind"
    assert 299 < queue_lag() < 310


def test_healthz_fails_when_the_workers_fall_behind_on_engagement_events(
    client, settings, owner, fan
):
    settings.TASKS = DB_QUEUE
    like_set(user=fan, photo=PhotoFactory(owner=owner), liked=True)  # left to the workers
    EngagementEvent.objects.update(created=timezone.now() - timedelta(minutes=2))

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["queue"] == "behind"
    assert 119 < response.json()["queue_lag_seconds"] < 130


def test_every_response_carries_a_request_id_and_is_logged(client, db, caplog):
    with caplog.at_level(logging.INFO, logger="likewise.requests"):
        response = client.get("/healthz", headers={"X-Request-ID": "probe-1"})

    assert response["X-Request-ID"] == "probe-1"
    (record,) = [r for r in caplog.records if r.name == "likewise.requests"]
    assert (record.method, record.path, record.status) == ("GET", "/healthz", 200)
    assert record.request_id == "probe-1"


# --- A real worker process --------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="the worker needs PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_separate_worker_process_runs_queued_tasks(settings, owner, fan):
    """The scale-out profile: a photo's large rendition is made by `manage.py worker`,
    which also drains the engagement outbox (the owner hears of a like from it)."""
    settings.TASKS = DB_QUEUE
    photo = PhotoFactory(owner=owner, size=(2600, 1800))
    assert not Photo.objects.get(pk=photo.pk).large  # queued, not run in-process
    like_set(user=fan, photo=photo, liked=True)
    assert not Notification.objects.filter(recipient=owner).exists()
    long_done = record_call.enqueue(n=1)
    finished_days_ago(long_done, django_settings.TASK_RESULTS_KEEP_DAYS + 1)

    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "DATABASE_POOL": "0",
        "TASKS_BACKEND": "db",
        "MEDIA_ROOT": str(django_settings.MEDIA_ROOT),
        # A batch worker stops when nothing is ready: detection is not held back here.
        "MODERATION_DETECTION_DELAY_SECONDS": "0",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "worker", "--batch"],
        cwd=Path(django_settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert Photo.objects.get(pk=photo.pk).large
    assert long_done.id not in {str(row.pk) for row in queued()}, "pruned when it started"
    # The rendition, and the like's moderation check that its dispatch queued.
    assert {row.status for row in queued()} == {TaskResultStatus.SUCCESSFUL}
    assert {"photo_id": photo.pk} in [row.args_kwargs["kwargs"] for row in queued()]
    assert Notification.objects.filter(recipient=owner, photo=photo, actor=fan).exists()


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="Linux autogroup only")
def test_the_worker_yields_the_cpu_to_the_web_servers_on_a_shared_machine():
    """Nice alone changes nothing against processes of another session (Linux schedules
    sessions as groups first): a worker in a session of its own lowers its group too."""
    code = (
        "import os; os.setsid();"
        "from config.management.commands.worker import yield_cpu; yield_cpu(7);"
        "print(os.nice(0)); print(open('/proc/self/autogroup').read())"
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        cwd=Path(django_settings.BASE_DIR),
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    nice, group = result.stdout.splitlines()[:2]
    assert int(nice) == os.nice(0) + 7
    assert group.endswith("nice 7")
