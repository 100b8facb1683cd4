"""A like's side effects survive the process dying right after commit, and run once.

The EngagementEvent row is the outbox: it commits with the like; workers drain it
(database queue) or its dispatch task runs after commit (immediate), and whatever was
lost is found and dispatched later, exactly once in effect.
"""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from config.management.commands import worker
from engagement.insights.models import PhotoDay
from engagement.models import EngagementEvent
from engagement.services import event_dispatch, events_dispatch_stale, like_set
from engagement.signals import photo_liked
from notifications.models import Notification
from tests.factories import PhotoFactory

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


def like_notifications(photo) -> int:
    return Notification.objects.filter(photo=photo, verb=Notification.Verb.LIKE).count()


def run_check() -> str:
    out = StringIO()
    call_command("check_integrity", stdout=out)
    return out.getvalue()


def like_then_die(fan, photo) -> EngagementEvent:
    """The like commits; the process dies before any after-commit work runs."""
    like_set(user=fan, photo=photo, liked=True)  # on-commit callbacks are never run here
    return EngagementEvent.objects.get(actor=fan, photo=photo)


def test_a_like_whose_process_died_after_commit_still_notifies_once(fan, photo):
    event = like_then_die(fan, photo)
    assert like_notifications(photo) == 0
    assert event.dispatched_at is None

    assert events_dispatch_stale(older_than=timedelta(0)) == 1
    assert events_dispatch_stale(older_than=timedelta(0)) == 0

    assert like_notifications(photo) == 1
    event.refresh_from_db()
    assert event.dispatched_at is not None


def test_dispatching_an_event_twice_changes_nothing_the_second_time(fan, photo):
    event = like_then_die(fan, photo)

    assert event_dispatch(event_id=event.pk) is True
    assert event_dispatch(event_id=event.pk) is False
    assert like_notifications(photo) == 1


def test_the_next_engagement_dispatches_events_whose_task_was_lost(
    fan, stranger, owner, photo, django_capture_on_commit_callbacks
):
    lost = like_then_die(fan, photo)
    EngagementEvent.objects.filter(pk=lost.pk).update(created=timezone.now() - timedelta(hours=1))
    other = PhotoFactory(owner=owner)

    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=stranger, photo=other, liked=True)

    assert like_notifications(photo) == 1
    assert like_notifications(other) == 1


def test_check_integrity_finds_lost_side_effects_and_repairs_them(fan, photo):
    lost = like_then_die(fan, photo)
    EngagementEvent.objects.filter(pk=lost.pk).update(created=timezone.now() - timedelta(hours=1))

    found = StringIO()
    with pytest.raises(CommandError, match="1 integrity problem"):
        call_command("check_integrity", stdout=found)
    out = StringIO()
    call_command("check_integrity", "--repair", stdout=out)

    assert f"FOUND: like event {lost.pk} never ran its side effects" in found.getvalue()
    assert f"repaired: like event {lost.pk} never ran its side effects" in out.getvalue()
    assert like_notifications(photo) == 1
    assert "All good (0 repaired)" in run_check()  # its rollup came with its dispatch


def test_rebuilding_rollups_leaves_events_still_in_the_outbox_to_their_dispatch(fan, photo):
    """Rebuilt from dispatched events only: a pending one adds its rollup when dispatched,
    so a rebuild meanwhile cannot count it twice."""
    like_then_die(fan, photo)
    call_command("rebuild_insights", stdout=StringIO())

    assert events_dispatch_stale(older_than=timedelta(0)) == 1

    day = PhotoDay.objects.get(photo=photo)
    assert day.likes_gained == 1
    assert "All good" in run_check()


def test_with_a_database_queue_the_event_row_is_the_outbox_a_worker_drains(
    settings, fan, photo, django_capture_on_commit_callbacks
):
    settings.TASKS = DB_QUEUE

    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=True)

    # Nothing but the event is written, and nothing runs in the request's process.
    assert not DBTaskResult.objects.exists()
    assert like_notifications(photo) == 0
    assert worker.Command().dispatch_pending({}) == 1  # what `make worker` does
    assert like_notifications(photo) == 1
    assert EngagementEvent.objects.get(actor=fan, photo=photo).dispatched_at is not None


def test_a_worker_retries_a_failing_dispatch_later_and_goes_on_with_the_others(
    settings, fan, stranger, owner, photo, monkeypatch
):
    settings.TASKS = DB_QUEUE
    other = PhotoFactory(owner=owner)
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=stranger, photo=other, liked=True)
    poisoned = EngagementEvent.objects.get(actor=fan).pk
    real_dispatch = worker.event_dispatch

    def failing_once(*, event_id: int) -> bool:
        if event_id == poisoned and not failures:
            failures.append(event_id)
            raise RuntimeError("the database went away")
        return real_dispatch(event_id=event_id)

    failures: list[int] = []
    monkeypatch.setattr(worker, "event_dispatch", failing_once)
    command = worker.Command()
    attempts: dict[int, tuple[int, float]] = {}

    assert command.dispatch_pending(attempts) == 1  # the other event still ran
    assert like_notifications(other) == 1 and like_notifications(photo) == 0
    assert command.dispatch_pending(attempts) == 0  # waiting out its retry delay
    attempts[poisoned] = (1, 0.0)  # the delay has passed
    assert command.dispatch_pending(attempts) == 1
    assert like_notifications(photo) == 1


def test_a_like_that_rolls_back_leaves_neither_event_nor_task(settings, fan, photo):
    settings.TASKS = DB_QUEUE

    with pytest.raises(RuntimeError), transaction.atomic():
        like_set(user=fan, photo=photo, liked=True)
        raise RuntimeError("the request failed before commit")

    assert not EngagementEvent.objects.exists()
    assert not DBTaskResult.objects.exists()
    photo.refresh_from_db()
    assert photo.like_count == 0


@pytest.mark.parametrize("liked", ["1", "0"])
def test_a_like_or_unlike_request_costs_a_fixed_handful_of_statements(
    settings, fan_client, fan, photo, liked, htmx_headers
):
    """The user, then the change: on PostgreSQL one statement that checks the photo,
    writes the like row, its event and the count, and returns the photo; on SQLite the
    photo's read and three statements, after the session (Redis holds it in the
    scale-out profile). The notification work is left to the workers."""
    settings.TASKS = DB_QUEUE
    if liked == "0":
        like_set(user=fan, photo=photo, liked=True)

    with CaptureQueriesContext(transaction.get_connection()) as queries:
        response = fan_client.post(
            reverse("like", args=[photo.pk]), {"liked": liked}, headers=htmx_headers
        )

    assert response.status_code == 200
    statements = [q["sql"] for q in queries.captured_queries if "SAVEPOINT" not in q["sql"]]
    expected = 2 if connection.vendor == "postgresql" else 6
    assert len(statements) == expected, "\n".join(statements)
    pressed = "true" if liked == "1" else "false"
    assert f'aria-pressed="{pressed}"' in response.content.decode()


def test_a_likes_dispatch_runs_a_bounded_number_of_statements(photo, fan, settings):
    """Workers pay for every statement of a dispatch, so its receivers write without
    savepoints of their own: the dispatch commits or rolls back as one."""
    settings.TASKS = DB_QUEUE
    like_set(user=fan, photo=photo, liked=True)
    event = EngagementEvent.objects.get(actor=fan, photo=photo)

    with CaptureQueriesContext(connection) as dispatch:
        assert event_dispatch(event_id=event.pk)

    savepoints = [q for q in dispatch.captured_queries if q["sql"].startswith("SAVEPOINT")]
    # The dispatch's own, and the race guards of creating the notification and its line.
    assert len(savepoints) <= 3
    # The person's first event since detection last ran also notes them due and queues it.
    assert len(dispatch.captured_queries) <= 27
    assert like_notifications(photo) == 1
    assert PhotoDay.objects.get(photo=photo).likes_gained == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's commit setting")
@pytest.mark.django_db(transaction=True)
def test_a_dispatch_commits_without_waiting_for_the_disk_and_the_connection_then_waits_again(
    photo, fan, settings
):
    """A dispatch lost in a crash is lost whole and runs again, so its commit need not
    wait for the flush that each like's own commit waits on."""
    settings.TASKS = DB_QUEUE
    like_set(user=fan, photo=photo, liked=True)
    event = EngagementEvent.objects.get(actor=fan, photo=photo)
    seen = []

    def commit_setting(**kwargs) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])

    photo_liked.connect(commit_setting, dispatch_uid="test_commit_setting")
    try:
        assert event_dispatch(event_id=event.pk)
    finally:
        photo_liked.disconnect(dispatch_uid="test_commit_setting")
    commit_setting()

    assert seen == ["off", "on"]


class Saturated:
    """A CPU that requests keep busy (or, with ``busy=False``, one they leave idle)."""

    def __init__(self, busy: bool = True) -> None:
        self.busy = busy

    def saturated(self) -> bool:
        return self.busy


def test_while_requests_saturate_the_cpu_a_worker_leaves_young_events_for_later(
    settings, fan, stranger, owner, photo
):
    settings.TASKS, settings.WORKER_DEFER_SECONDS = DB_QUEUE, 30
    other = PhotoFactory(owner=owner)
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=stranger, photo=other, liked=True)
    EngagementEvent.objects.filter(photo=photo).update(
        created=timezone.now() - timedelta(seconds=31)
    )
    command, busy = worker.Command(), Saturated()

    # Under load, only what has waited the whole deferral already: no side effect waits longer.
    assert command.dispatch_pending({}, older_than=worker.deferral(busy)) == 1
    assert like_notifications(photo) == 1 and like_notifications(other) == 0
    assert command.dispatch_pending({}, older_than=worker.deferral(busy)) == 0

    # Once requests leave the CPU idle, the rest at once.
    assert command.dispatch_pending({}, older_than=worker.deferral(Saturated(busy=False))) == 1
    assert like_notifications(other) == 1


def test_a_worker_told_not_to_defer_dispatches_everything_even_under_load(settings, fan, photo):
    settings.TASKS, settings.WORKER_DEFER_SECONDS = DB_QUEUE, 0
    like_set(user=fan, photo=photo, liked=True)

    assert worker.Command().dispatch_pending({}, older_than=worker.deferral(Saturated())) == 1
    assert like_notifications(photo) == 1


def test_cpu_pressure_is_the_share_of_time_something_waited_for_a_cpu(tmp_path, monkeypatch):
    psi = tmp_path / "cpu"
    clock = [100.0]
    monkeypatch.setattr(worker.time, "monotonic", lambda: clock[0])
    monkeypatch.setattr(worker.CpuPressure, "PATH", psi)

    def stalled(total_us: int) -> None:
        psi.write_text(
            f"some avg10=1.00 avg60=1.00 avg300=1.00 total={total_us}\n"
            "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
        )

    stalled(5_000_000)
    pressure = worker.CpuPressure()
    clock[0] = 102.0
    stalled(5_100_000)  # 0.1 s of waiting in 2 s: a machine keeping up
    assert pressure.share() == pytest.approx(0.05)
    clock[0] = 104.0
    stalled(6_700_000)  # 1.6 s in the next 2 s: requests queue for the CPU
    assert pressure.saturated()
    clock[0] = 106.0
    stalled(6_750_000)
    assert not pressure.saturated()

    psi.unlink()  # a kernel without pressure information: never saturated
    clock[0] = 108.0
    assert pressure.share() is None and not pressure.saturated()


def test_a_repeat_like_dispatches_with_fewer_statements_than_a_first(photo, fan, settings):
    """Most engagement is with photos and people engaged with before: its rollup day and
    affinity rows exist, and each is changed with a statement or two, none created."""
    settings.TASKS = DB_QUEUE
    for liked in (True, False):
        like_set(user=fan, photo=photo, liked=liked)
        event_dispatch(event_id=EngagementEvent.objects.latest("pk").pk)
    like_set(user=fan, photo=photo, liked=True)
    event = EngagementEvent.objects.latest("pk")

    with CaptureQueriesContext(connection) as dispatch:
        assert event_dispatch(event_id=event.pk)

    # One statement for the day's rollup, two for the affinity (lock, change), on
    # PostgreSQL one more to commit without waiting for the disk.
    assert len(dispatch.captured_queries) <= 17
    assert like_notifications(photo) == 1
    day = PhotoDay.objects.get(photo=photo)
    assert (day.likes_gained, day.likes_withdrawn) == (2, 1)
