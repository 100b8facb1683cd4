"""`manage.py loadtest`: many logged-in people on one viral photo, through the real server.

It serves the site as `make serve` does (gunicorn, the production profile, its own port on
127.0.0.1) with one `manage.py worker`, then drives it from here: N clients, each with a
real session, first POST to the bare authenticated view (the yardstick), then toggle
their like of one photo (with a few page reads). Optionally a fault strikes mid-run. Then
it checks that nothing was lost or doubled: the count equals the Like rows, each person's
like is what they were last told, their events alternate and were all dispatched, the
owner's like notifications match the likes, and `check_integrity` passes.

The load generator is asyncio over plain streams (one HTTP/1.1 connection per client,
kept alive when the server allows it), cheap enough to share the machine with the server.
A client that gets a 5xx or loses its connection does not know whether its request took
effect: it sends the same desired state again until it gets a definite answer.
"""

import asyncio
import io
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from importlib import import_module
from pathlib import Path
from statistics import quantiles

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import OperationalError, connection, connections
from django.db.models import QuerySet
from django.tasks.base import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from config.bench import BARE_URL
from config.scale import tiny_webp
from engagement.models import EngagementEvent, Like
from notifications.models import Notification
from photos.models import Photo

HOST = "127.0.0.1"
FAULTS = ("none", "kill-worker", "restart-postgres", "drop-connections", "stop-tasks")
# Targets from issue #12, for 200 clients on one photo on a 2-core machine.
TARGET_RATIO = 0.5
TARGET_P95_MS = 1000
REQUEST_TIMEOUT = 30.0
# How long a client whose last answer was unknown keeps retrying after the phase ends,
# and how long the worker may take to dispatch the events afterwards.
RESOLVE_SECONDS = 60.0
STALL_SECONDS = 30.0  # longer than MODERATION_DETECTION_DELAY_SECONDS
DRAIN_SECONDS = 900.0
STOP_TASKS_SECONDS = 5.0


class Dropped(Exception):
    """The connection closed or timed out before a whole response: outcome unknown."""


@dataclass
class Plan:
    clients: int = 200
    seconds: float = 20.0
    max_requests: int = 100_000
    web_workers: int = 4
    web_threads: int = 1
    fault: str = "none"
    page_share: float = 0.05
    seed: int = 1


@dataclass
class Stats:
    """One kind of request in one phase: latencies and what went wrong."""

    name: str
    seconds: list[float] = field(default_factory=list)
    server_errors: int = 0
    dropped: int = 0
    other: Counter = field(default_factory=Counter)
    until: float = 0.0  # the phase's deadline (time.monotonic)
    length: float = 0.0  # the phase's seconds
    answered_in_time: int = 0  # requests answered by the deadline: the throughput
    last_answer: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)  # server CPU seconds in the phase

    def record(self, started: float, status: int | None) -> None:
        self.seconds.append(time.perf_counter() - started)
        self.last_answer = time.monotonic()
        self.answered_in_time += self.last_answer <= self.until
        if status is None:
            self.dropped += 1
        elif status >= 500:
            self.server_errors += 1
        elif status >= 300:
            self.other[status] += 1

    def window(self) -> float:
        """Seconds from the phase's start to its deadline, or to its last answer if the
        request budget ran out first."""
        return max(min(self.until, self.last_answer) - (self.until - self.length), 1e-3)

    def summary(self) -> dict:
        ms = sorted(second * 1000 for second in self.seconds)
        cuts = quantiles(ms, n=100, method="inclusive") if len(ms) > 1 else ms * 99
        return {
            "requests": len(ms),
            "per_second": round(self.answered_in_time / self.window(), 1),
            "p50_ms": round(cuts[49], 1) if ms else None,
            "p95_ms": round(cuts[94], 1) if ms else None,
            "p99_ms": round(cuts[98], 1) if ms else None,
            "5xx": self.server_errors,
            "dropped": self.dropped,
            "other": dict(self.other),
            "server_cpu_seconds": self.cpu,
        }


class Budget:
    """At most ``total`` requests in a phase, shared by its clients."""

    def __init__(self, total: int) -> None:
        self.left = total

    def take(self) -> bool:
        self.left -= 1
        return self.left >= 0


class Connection:
    """One client's HTTP/1.1 connection: reopened when the server closes it."""

    def __init__(self, port: int, cookies: str, csrf_token: str) -> None:
        self.port = port
        self.head = (
            f"Host: {HOST}:{port}\r\nCookie: {cookies}\r\nX-CSRFToken: {csrf_token}\r\n"
        ).encode()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(
        self, method: str, path: str, body: bytes = b"", headers: str = ""
    ) -> tuple[int, bytes]:
        """(status, body); raises Dropped when the outcome is unknown."""
        reused = self.writer is not None
        try:
            return await asyncio.wait_for(
                self._exchange(method, path, body, headers), REQUEST_TIMEOUT
            )
        except (OSError, EOFError, TimeoutError, ValueError, Dropped) as error:
            self.close()
            # A kept-alive connection the server had closed while idle: nothing was read
            # by it, so sending again is no retry.
            if reused and isinstance(error, Dropped) and error.args == ("idle close",):
                return await self.request(method, path, body, headers)
            raise Dropped(repr(error)) from error

    async def _exchange(self, method: str, path: str, body: bytes, headers: str):
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        length = f"Content-Length: {len(body)}\r\n" if method == "POST" else ""
        content_type = "Content-Type: application/x-www-form-urlencoded\r\n" if body else ""
        self.writer.write(
            f"{method} {path} HTTP/1.1\r\n".encode()
            + self.head
            + f"{length}{content_type}{headers}\r\n".encode()
            + body
        )
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise Dropped("idle close")
        status = int(status_line.split()[1])
        fields = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _colon, value = line.decode("latin-1").partition(":")
            fields[name.strip().lower()] = value.strip().lower()
        if "content-length" in fields:
            content = await self.reader.readexactly(int(fields["content-length"]))
        elif fields.get("transfer-encoding") == "chunked":
            content = b""
            while size := int((await self.reader.readline()).split(b";")[0], 16):
                content += await self.reader.readexactly(size + 2)
            await self.reader.readline()
        else:
            content = await self.reader.read()
            fields["connection"] = "close"
        if fields.get("connection") == "close":
            self.close()
        return status, content

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


@dataclass
class LoadClient:
    user_id: int
    connection: Connection
    told: bool | None = False  # what the site last said about this person's like
    retried: int = 0  # requests sent again after an unknown outcome
    wrong_answers: int = 0  # a 200 whose control shows another state than asked


@dataclass
class Subjects:
    run: str
    owner: User
    photo: Photo
    clients: list[LoadClient]
    started: datetime = field(default_factory=timezone.now)  # tasks queued since are its own


# --- Preparing: data, sessions, processes -------------------------------------------------


def refuse_unsupported(plan: Plan) -> None:
    if connection.vendor != "postgresql":
        raise CommandError("The load test needs PostgreSQL: set DATABASE_URL (not SQLite).")
    if plan.fault not in FAULTS:
        raise CommandError(f"--fault must be one of {', '.join(FAULTS)}.")
    database_host = connection.settings_dict["HOST"] or "localhost"
    if plan.fault == "restart-postgres" and database_host not in (HOST, "localhost"):
        raise CommandError("--fault restart-postgres restarts the local cluster only.")
    if plan.clients < 1 or plan.seconds <= 0 or plan.max_requests < 1:
        raise CommandError("Need at least one client, a positive duration and request budget.")


def session_for(user: User) -> str:
    """A logged-in session in the configured store, as login() leaves it; its key."""
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = user._meta.pk.value_to_string(user)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


def prepare(plan: Plan, port: int) -> Subjects:
    """A hot photo by a load owner and ``plan.clients`` people with sessions, all named
    ``load-<run>-N``. Written directly (the load test may run beside a live outbox, which
    seed_scale's rebuilds of derived data would count twice)."""
    run = get_random_string(6, "abcdefghijklmnopqrstuvwxyz0123456789")
    no_password = make_password(None)
    people = User.objects.bulk_create(
        User(username=f"load-{run}-{n}", email=f"load-{run}-{n}@load.invalid", password=no_password)
        for n in range(plan.clients + 1)
    )
    owner = people[0]
    files = {}
    for field_name, folder in (("master", "masters"), ("display", "r"), ("thumbnail", "r")):
        name = f"photos/{folder}/load-{run}-{field_name}.webp"
        files[field_name] = default_storage.save(name, ContentFile(tiny_webp(len(files))))
    photo = Photo.objects.create(
        owner=owner, alt_text="The load test's photo", width=8, height=6,
        display_width=8, display_height=6, **files,
    )  # fmt: skip
    clients = []
    for user in people[1:]:
        csrf_token = get_random_string(32)  # the cookie's secret, sent back in the header
        cookies = (
            f"{settings.SESSION_COOKIE_NAME}={session_for(user)}; "
            f"{settings.CSRF_COOKIE_NAME}={csrf_token}"
        )
        clients.append(LoadClient(user.pk, Connection(port, cookies, csrf_token)))
    return Subjects(run, owner, photo, clients)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def server_environment(static_root: Path) -> dict[str, str]:
    """`make serve`'s production profile, on this database, with the bare view on and the
    like rate limits out of the way (every load client likes far faster than a person)."""
    database = connection.settings_dict
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        # Sessions are signed with it: the one this process made them with.
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_SECURE_COOKIES": "0",
        "DJANGO_DEBUG": "0",
        "DATABASE_URL": f"postgres://{database['USER']}{password}@{database['HOST']}:"
        f"{database['PORT']}/{database['NAME']}",
        "TASKS_BACKEND": "db",
        "BENCH_BARE_VIEW": "1",
        "LIKE_RATE_PER_MINUTE": str(10**9),
        "LIKE_RATE_PER_DAY": str(10**9),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "STATIC_ROOT": str(static_root),
    }


def process_stats() -> dict[int, list[str]]:
    """Every process's /proc/<pid>/stat fields after its name: state, parent id, ...,
    user and system CPU ticks at [11] and [12]."""
    stats = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            stats[int(stat.parent.name)] = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended meanwhile
    return stats


def _cpu_used(stats: dict[int, list[str]], pids) -> float:
    """CPU seconds (user and system) used so far by the live processes among ``pids``."""
    ticks = sum(int(stats[pid][11]) + int(stats[pid][12]) for pid in pids if pid in stats)
    return ticks / os.sysconf("SC_CLK_TCK")


@dataclass
class Servers:
    """gunicorn and one task worker, each in its own process group. The task worker is
    started again whenever it exits, as a process supervisor would (systemd's
    Restart=always): `manage.py worker` exits when its database connection breaks."""

    port: int
    web: subprocess.Popen
    start_tasks: Callable[[], subprocess.Popen]
    logs: Path
    tasks: subprocess.Popen = field(init=False)
    tasks_started: list[int] = field(default_factory=list)
    tasks_cpu: dict[int, float] = field(default_factory=dict)  # CPU seconds by process
    stopping: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self.tasks = self.start_tasks()
        self.tasks_started.append(self.tasks.pid)
        threading.Thread(target=self.supervise_tasks, daemon=True).start()

    def supervise_tasks(self) -> None:
        while not self.stopping.wait(0.5):
            self.sample_tasks_cpu(process_stats())
            if self.tasks.poll() is not None:
                self.tasks = self.start_tasks()
                self.tasks_started.append(self.tasks.pid)

    def web_workers(self) -> list[int]:
        """Process ids of the gunicorn workers (the master's children)."""
        return [pid for pid, fields in process_stats().items() if int(fields[1]) == self.web.pid]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time used so far by the live gunicorn workers and by every task worker
        started (one that exited counts as last sampled)."""
        stats = process_stats()
        workers = set(self.web_workers())
        self.sample_tasks_cpu(stats)
        return {"web": _cpu_used(stats, workers), "tasks": sum(self.tasks_cpu.values())}

    def sample_tasks_cpu(self, stats: dict[int, list[str]]) -> None:
        """Note the task worker's CPU so far. A worker that exits (and is started again)
        keeps its last sample, taken at most half a second before it ended."""
        pid = self.tasks.pid
        if pid in stats:
            self.tasks_cpu[pid] = _cpu_used(stats, [pid])

    def processes(self) -> list[int]:
        return [self.web.pid, *self.web_workers(), *self.tasks_started]

    def stop(self) -> None:
        self.stopping.set()
        for process in (self.web, self.tasks):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in (self.web, self.tasks):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


@contextmanager
def servers_running(plan: Plan, port: int, workdir: Path) -> Iterator[Servers]:
    environment = server_environment(workdir / "static")
    base_dir = Path(settings.BASE_DIR)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=base_dir,
        env=environment,
        check=True,
    )
    web_command = [
        sys.executable, "-m", "gunicorn", "config.wsgi", "--bind", f"{HOST}:{port}",
        "--workers", str(plan.web_workers), "--threads", str(plan.web_threads),
        "--graceful-timeout", "5", "--timeout", "30",
    ]  # fmt: skip
    tasks_command = [sys.executable, "manage.py", "worker"]
    opened = [open(workdir / name, "wb") for name in ("web.log", "worker.log")]  # noqa: SIM115
    web = subprocess.Popen(
        web_command, cwd=base_dir, env=environment, stdout=opened[0], stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    servers = Servers(
        port, web, lambda: subprocess.Popen(
            tasks_command, cwd=base_dir, env=environment, stdout=opened[1],
            stderr=subprocess.STDOUT, start_new_session=True,
        ), workdir,
    )  # fmt: skip
    try:
        wait_healthy(servers)
        yield servers
    finally:
        servers.stop()
        for log in opened:
            log.close()


def wait_healthy(servers: Servers, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if servers.web.poll() is not None:
            log = (servers.logs / "web.log").read_text(errors="replace")[-2000:]
            raise CommandError(f"gunicorn exited:\n{log}")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{servers.port}/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.3)
    raise CommandError(f"The server did not answer /healthz within {timeout:.0f} s.")


# --- Running: the two phases, the fault, the wait samples --------------------------------


async def sent(
    client: LoadClient, stats: Stats, method: str, path: str, body: bytes = b"", headers: str = ""
) -> tuple[int | None, bytes]:
    """One request, its time and outcome recorded; status None when the outcome is unknown."""
    started = time.perf_counter()
    try:
        status, content = await client.connection.request(method, path, body, headers)
    except Dropped:
        status, content = None, b""
    stats.record(started, status)
    return status, content


async def bare_client(client: LoadClient, stats: Stats, budget: Budget) -> None:
    while time.monotonic() < stats.until and budget.take():
        await sent(client, stats, "POST", BARE_URL)


async def toggling_client(
    client: LoadClient,
    urls: dict[str, str],
    phase: dict[str, Stats],
    budget: Budget,
    rng: random.Random,
    page_share: float,
) -> None:
    """Alternate the desired state; a page read now and then. After an unknown outcome,
    send the same desired state again (even past the deadline) until the site answers."""
    desired = True
    while time.monotonic() < phase["like"].until and budget.take():
        if rng.random() < page_share:
            await sent(client, phase["page"], "GET", urls["page"])
            continue
        client.told = await like_until_answered(client, urls["like"], desired, phase["like"])
        if client.told is None:
            return
        desired = not desired


async def like_until_answered(
    client: LoadClient, url: str, desired: bool, stats: Stats
) -> bool | None:
    """What the site says the like is now; None if it never answered definitely."""
    body = f"liked={int(desired)}".encode()
    give_up = time.monotonic() + RESOLVE_SECONDS
    while True:
        status, content = await sent(client, stats, "POST", url, body, "HX-Request: true\r\n")
        if status is not None and status < 500:
            break
        client.retried += 1
        if time.monotonic() > give_up:
            return None
        await asyncio.sleep(0.05)
    if status != 200:
        return client.told  # refused (e.g. 429): "nothing changed"
    shown = b'aria-pressed="true"' in content
    if shown != desired:
        client.wrong_answers += 1
    return shown


class Fault:
    """Strikes once, at the middle of the like phase."""

    def __init__(self, kind: str, servers: Servers) -> None:
        self.kind, self.servers, self.note = kind, servers, ""

    async def strike(self, after: float) -> None:
        if self.kind == "none":
            return
        await asyncio.sleep(after)
        if self.kind == "kill-worker":
            victim = self.servers.web_workers()[0]
            os.kill(victim, signal.SIGKILL)
            self.note = f"SIGKILL to gunicorn worker {victim}"
        elif self.kind == "restart-postgres":
            version = sorted(os.listdir("/etc/postgresql"))[-1]
            command = ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]
            started = time.monotonic()
            process = await asyncio.create_subprocess_exec(*command)
            await process.wait()
            self.note = f"{' '.join(command)}: exit {process.returncode} after " + (
                f"{time.monotonic() - started:.1f} s"
            )
        elif self.kind == "drop-connections":
            dropped = await asyncio.to_thread(self.drop_connections)
            self.note = f"{dropped} database connections terminated"
        elif self.kind == "stop-tasks":
            os.killpg(self.servers.tasks.pid, signal.SIGSTOP)
            await asyncio.sleep(STOP_TASKS_SECONDS)
            os.killpg(self.servers.tasks.pid, signal.SIGCONT)
            self.note = f"task worker stopped for {STOP_TASKS_SECONDS:.0f} s"

    @staticmethod
    def drop_connections() -> int:
        """Terminate this database's other connections (a restart, for this one only)."""
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                return cursor.fetchone()[0]
        finally:
            connection.close()


class WaitSampler(threading.Thread):
    """Samples what this database's active backends wait on (pg_stat_activity), 10 times
    a second, to show where a phase's time goes."""

    QUERY = """
        SELECT coalesce(wait_event_type, 'CPU'), coalesce(wait_event, 'running'), count(*)
        FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()
        GROUP BY 1, 2
    """

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.stopped = threading.Event()
        self.waits: Counter = Counter()
        self.samples = 0

    def run(self) -> None:
        while not self.stopped.wait(0.1):
            try:
                with connection.cursor() as cursor:
                    cursor.execute(self.QUERY)
                    rows = cursor.fetchall()
            except OperationalError:
                connection.close()
                continue
            self.samples += 1
            for kind, event, count in rows:
                self.waits[f"{kind}:{event}"] += count
        connection.close()

    @classmethod
    @contextmanager
    def running(cls) -> Iterator["WaitSampler"]:
        """A sampler sampling while the block runs."""
        sampler = cls()
        sampler.start()
        try:
            yield sampler
        finally:
            sampler.stopped.set()
            sampler.join()

    def summary(self) -> dict[str, float]:
        """Mean active backends per sample, by what they wait on (largest first)."""
        samples = max(self.samples, 1)
        return {name: round(total / samples, 2) for name, total in self.waits.most_common(8)}


def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(after[name] - before[name], 1) for name in before}


def run_phases(plan: Plan, subjects: Subjects, servers: Servers) -> dict:
    urls = {
        "like": reverse("like", kwargs={"photo_id": subjects.photo.pk}),
        "page": subjects.photo.get_absolute_url(),
    }
    rng = random.Random(plan.seed)
    results: dict = {}

    async def phases() -> None:
        # Both phases are watched the same way: the sampler's queries cost the same in each.
        until = time.monotonic() + plan.seconds
        bare = Stats("bare POST", until=until, length=plan.seconds)
        budget = Budget(plan.max_requests)
        cpu = servers.cpu_seconds()
        with WaitSampler.running() as bare_waits:
            await asyncio.gather(*(bare_client(c, bare, budget) for c in subjects.clients))
        bare.cpu = spent(cpu, servers.cpu_seconds())

        fault = Fault(plan.fault, servers)
        until = time.monotonic() + plan.seconds
        phase = {
            "like": Stats("like/unlike", until=until, length=plan.seconds),
            "page": Stats("page GET", until=until, length=plan.seconds),
        }
        budget = Budget(plan.max_requests)
        cpu = servers.cpu_seconds()
        with WaitSampler.running() as like_waits:
            striking = asyncio.create_task(fault.strike(plan.seconds / 2))
            await asyncio.gather(
                *(
                    toggling_client(c, urls, phase, budget, rng, plan.page_share)
                    for c in subjects.clients
                )
            )
            phase["like"].cpu = spent(cpu, servers.cpu_seconds())
            await striking
        for client in subjects.clients:
            client.connection.close()
        results.update(
            bare=bare, like=phase["like"], page=phase["page"], fault=fault.note,
            waits={"bare": bare_waits.summary(), "like": like_waits.summary()},
        )  # fmt: skip

    cpu = time.process_time()
    asyncio.run(phases())
    results["generator_cpu_seconds"] = round(time.process_time() - cpu, 1)
    return results


# --- Verifying ----------------------------------------------------------------------------


def drained(left: Callable[[], int]) -> float:
    """Seconds until nothing is ``left()``, asked every half second: at most STALL_SECONDS
    without progress (a worker that stopped working), at most DRAIN_SECONDS in all. A
    slower machine drains later, not wrongly: only a stall counts as failing to."""
    started = last_progress = time.monotonic()
    fewest = None
    while time.monotonic() - last_progress < STALL_SECONDS:
        try:
            count = left()
        except OperationalError:
            connections.close_all()
        else:
            if count == 0 or time.monotonic() - started > DRAIN_SECONDS:
                break
            if fewest is None or count < fewest:
                fewest, last_progress = count, time.monotonic()
        time.sleep(0.5)
    return round(time.monotonic() - started, 1)


def undispatched_events(photo: Photo) -> QuerySet[EngagementEvent]:
    """The photo's events whose side effects have not run yet."""
    return EngagementEvent.objects.filter(photo=photo, dispatched_at__isnull=True)


def tasks_queued(since: datetime) -> QuerySet[DBTaskResult]:
    """Tasks queued since ``since`` that have not run yet (or are running)."""
    return DBTaskResult.objects.filter(
        enqueued_at__gte=since, status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]
    )


def wait_for_side_effects(subjects: Subjects) -> tuple[float, float]:
    """Seconds until every event on the photo was dispatched, then until the tasks those
    dispatches queued ran (moderation detection, held back
    MODERATION_DETECTION_DELAY_SECONDS). Waiting for the tasks also keeps them out of the
    next run's phases."""
    return (
        drained(undispatched_events(subjects.photo).count),
        drained(tasks_queued(subjects.started).count),
    )


def verify(subjects: Subjects) -> list[str]:
    """Every invariant that must hold after the run; the ones broken, described."""
    problems = []
    photo = Photo.objects.get(pk=subjects.photo.pk)
    liked = set(Like.objects.filter(photo=photo).values_list("user_id", flat=True))
    if photo.like_count != len(liked):
        problems.append(f"like_count {photo.like_count} != {len(liked)} Like rows")
    history: dict[int, list[str]] = {}
    for actor, kind in (
        EngagementEvent.objects.filter(photo=photo).order_by("created", "pk").values_list(
            "actor_id", "kind"
        )
    ):  # fmt: skip
        history.setdefault(actor, []).append(kind)
    if count := undispatched_events(photo).count():
        problems.append(f"{count} events never dispatched")
    if count := tasks_queued(subjects.started).count():
        problems.append(f"{count} tasks still queued")
    notified = set(
        Notification.objects.filter(
            recipient=subjects.owner,
            photo=photo,
            verb=Notification.Verb.LIKE,
            withdrawn_at__isnull=True,
        ).values_list("actor_id", flat=True)
    )
    if missing := liked - notified:
        problems.append(f"{len(missing)} likes without their notification")
    if orphans := notified - liked:
        problems.append(f"{len(orphans)} like notifications without their like")
    expected = ["like", "unlike"]
    for client in subjects.clients:
        name = f"client {client.user_id}"
        if client.told is None:
            problems.append(f"{name}: never got a definite answer")
            continue
        if (client.user_id in liked) != client.told:
            problems.append(f"{name}: told liked={client.told}, stored {not client.told}")
        kinds = history.get(client.user_id, [])
        if kinds != [expected[index % 2] for index in range(len(kinds))]:
            problems.append(f"{name}: events do not alternate like/unlike: {kinds[:6]}…")
        elif bool(len(kinds) % 2) != (client.user_id in liked):
            problems.append(f"{name}: last event {kinds[-1:]} disagrees with the Like row")
        if client.wrong_answers:
            problems.append(f"{name}: {client.wrong_answers} answers showed the other state")
    output = io.StringIO()
    try:
        call_command("check_integrity", stdout=output, stderr=io.StringIO())
    except CommandError as error:
        problems.append(f"check_integrity: {error} {output.getvalue().strip()}")
    return problems


# --- Reporting ----------------------------------------------------------------------------


def judged(plan: Plan, results: dict, problems: list[str]) -> dict:
    bare, like = results["bare"].summary(), results["like"].summary()
    ratio = round(like["per_second"] / bare["per_second"], 2) if bare["per_second"] else 0.0
    errors = sum(results[name].server_errors + results[name].dropped for name in ("like", "page"))
    return {
        "ratio": ratio,
        "targets": {
            "ratio >= 0.5": ratio >= TARGET_RATIO,
            "like p95 < 1000 ms": (like["p95_ms"] or 0) < TARGET_P95_MS,
            "zero 5xx or drops": errors + bare["5xx"] + bare["dropped"] == 0,
            "invariants": not problems,
        },
    }


KILLED_NOT_COUNTED = " (the killed worker's CPU is not counted)"


def report(plan: Plan, subjects: Subjects, results: dict, problems: list[str], out) -> dict:
    verdict = judged(plan, results, problems)
    out.write(
        f"Load test {subjects.run}: {plan.clients} clients, {plan.seconds:g} s a phase, "
        f"gunicorn {plan.web_workers} worker(s) x {plan.web_threads} thread(s), "
        f"fault: {plan.fault}{f' ({results["fault"]})' if results['fault'] else ''}\n"
    )
    header = f"{'phase':<12} {'requests':>8} {'req/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
    out.write(header + f"{'p99 ms':>7} {'5xx':>5} {'drops':>5}  other\n")
    for name in ("bare", "like", "page"):
        row = results[name].summary()
        out.write(
            f"{results[name].name:<12} {row['requests']:>8} {row['per_second']:>7} "
            f"{row['p50_ms'] or 0:>7} {row['p95_ms'] or 0:>7} {row['p99_ms'] or 0:>7} "
            f"{row['5xx']:>5} {row['dropped']:>5}  {row['other'] or ''}\n"
        )
    out.write(f"like/unlike vs bare POST throughput: {verdict['ratio']}x\n")
    for target, held in verdict["targets"].items():
        out.write(f"  {'PASS' if held else 'FAIL'}  {target}\n")
    retried = sum(client.retried for client in subjects.clients)
    out.write(
        f"requests sent again after an unknown outcome: {retried}; outbox drained in "
        f"{results['drain_seconds']} s, the tasks it queued in "
        f"{results['tasks_drain_seconds']} s; task worker restarted {results['tasks_restarts']} "
        f"time(s); load generator CPU {results['generator_cpu_seconds']} s\n"
    )
    bare_cpu, like_cpu = results["bare"].cpu, results["like"].cpu
    like_requests = len(results["like"].seconds) + len(results["page"].seconds)
    out.write(
        f"server CPU: bare phase {bare_cpu['web']} s in gunicorn "
        f"({1000 * bare_cpu['web'] / max(len(results['bare'].seconds), 1):.1f} ms a request); "
        f"like phase {like_cpu['web']} s in gunicorn "
        f"({1000 * like_cpu['web'] / max(like_requests, 1):.1f} ms a request), "
        f"{like_cpu['tasks']} s in the task worker"
        f"{KILLED_NOT_COUNTED if plan.fault == 'kill-worker' else ''}\n"
    )
    for phase in ("bare", "like"):
        waits = results["waits"][phase]
        out.write(
            f"database backends waiting on (mean per sample), {results[phase].name}: {waits}\n"
        )
    for problem in problems[:50]:
        out.write(f"  INVARIANT BROKEN: {problem}\n")
    line = {
        "run": subjects.run,
        "plan": plan.__dict__,
        **{name: results[name].summary() for name in ("bare", "like", "page")},
        **verdict,
        "fault_note": results["fault"],
        "retried": retried,
        "drain_seconds": results["drain_seconds"],
        "tasks_drain_seconds": results["tasks_drain_seconds"],
        "tasks_restarts": results["tasks_restarts"],
        "generator_cpu_seconds": results["generator_cpu_seconds"],
        "waits": results["waits"],
        "processes": results["processes"],  # all ended by now
        "problems": problems,
    }
    out.write(json.dumps(line) + "\n")
    return line


def loadtest(plan: Plan, out) -> dict:
    """Prepare, serve, load, fault, verify and report; returns the JSON line's data."""
    refuse_unsupported(plan)
    port = free_port()
    subjects = prepare(plan, port)
    workdir = Path(tempfile.mkdtemp(prefix="likewise-load-"))
    with servers_running(plan, port, workdir) as servers:
        results = run_phases(plan, subjects, servers)
        connections.close_all()  # a restarted database left them broken
        results["drain_seconds"], results["tasks_drain_seconds"] = wait_for_side_effects(subjects)
        results["processes"] = servers.processes()
        results["tasks_restarts"] = len(servers.tasks_started) - 1
    problems = verify(subjects)
    shutil.rmtree(workdir / "static")
    if problems:
        problems.append(f"the server's and the task worker's logs are in {workdir}")
    else:
        shutil.rmtree(workdir)
    return report(plan, subjects, results, problems, out)
