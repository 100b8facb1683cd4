"""`manage.py loadtest` at CI size: a real gunicorn and task worker on the test database,
a web worker killed mid-run, and every consistency check it makes."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from config import loadtest
from config.loadtest import Servers
from tests.postgres import POSTGRES_ONLY


def postgres_only(test):
    for mark in reversed(POSTGRES_ONLY):
        test = mark(test)
    return test


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@postgres_only
def test_a_killed_web_worker_loses_nothing_and_every_invariant_holds(tmp_path):
    """Run as an operator would, in a process of its own (this one may already be running
    an event loop: the browser tests' Playwright), with media of its own: files another
    database's photos left in the checkout's media folder (`make run`'s demo) would be
    orphans to this one's check_integrity."""
    database = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}"
        f"/{database['NAME']}",
        "MEDIA_ROOT": str(tmp_path / "media"),
    }
    command = [sys.executable, "manage.py", "loadtest", "--clients", "8", "--seconds", "3"]
    command += ["--max-requests", "300", "--fault", "kill-worker", "--json"]
    finished = subprocess.run(
        command,
        cwd=Path(settings.BASE_DIR),
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert finished.returncode == 0, finished.stdout + finished.stderr

    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert result["problems"] == []
    assert result["targets"]["invariants"]
    assert result["fault_note"].startswith("SIGKILL to gunicorn worker")
    # Both phases ran, within their request budget, and the like phase really liked.
    assert 0 < result["bare"]["requests"] <= 300
    assert 0 < result["like"]["requests"] + result["page"]["requests"] <= 300 + result["retried"]
    assert result["ratio"] > 0
    # It waited for what the dispatches queued (moderation detection of each client).
    assert not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists()
    detected = DBTaskResult.objects.successful().filter(
        task_path="engagement.moderation.tasks.detect_due"
    )
    assert detected.count() >= 8
    # The server, its workers and the task worker are gone.
    assert result["processes"] and not any(alive(pid) for pid in result["processes"])
    # It made its own people, one session each, and one owner.
    assert User.objects.filter(username__startswith=f"load-{result['run']}-").count() == 9


@pytest.mark.skipif(connection.vendor == "postgresql", reason="the SQLite run's answer")
def test_on_sqlite_it_refuses_to_run_and_says_what_it_needs():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("loadtest", clients=1, seconds=1)


def test_the_task_workers_cpu_is_still_counted_after_it_was_restarted(tmp_path):
    """A task worker that exits is started again (as a supervisor would); the CPU the
    first one used stays in the phase's total instead of making it negative."""
    busy_then_exit = (
        "import time\nend = time.process_time() + 0.6\nwhile time.process_time() < end: pass"
    )
    started = []

    def start_tasks() -> subprocess.Popen:
        code = busy_then_exit if not started else "import time; time.sleep(60)"
        started.append(subprocess.Popen([sys.executable, "-c", code], start_new_session=True))
        return started[-1]

    web = subprocess.Popen(["sleep", "60"], start_new_session=True)
    servers = Servers(0, web, start_tasks, tmp_path)
    try:
        before = servers.cpu_seconds()["tasks"]
        deadline = time.monotonic() + 30
        while len(started) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        after = servers.cpu_seconds()["tasks"]
    finally:
        servers.stop()

    assert len(started) == 2  # restarted once
    assert after - before >= 0.3


def test_the_drain_waits_while_the_outbox_shrinks_and_gives_up_on_a_stall(monkeypatch):
    """A slow machine drains late but does drain; a worker that stops is not waited on."""
    monkeypatch.setattr(loadtest, "STALL_SECONDS", 0.05)
    real_sleep = time.sleep
    monkeypatch.setattr(loadtest.time, "sleep", lambda seconds: real_sleep(0.01))
    shrinking = iter([9, 8, 7, 6, 5, 4, 3, 2, 1, 0])
    asked = []
    loadtest.drained(lambda: asked.append(1) or next(shrinking))
    assert len(asked) == 10  # each count below the last one is progress: asked until 0

    stuck_since = time.monotonic()
    waited = loadtest.drained(lambda: 5)
    assert 0.05 <= time.monotonic() - stuck_since < 1
    assert waited < 1
