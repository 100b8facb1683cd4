"""Detectors: scripted histories at frozen times raise flags, normal use raises none."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from engagement.models import EngagementEvent, RateLimitHit
from engagement.moderation import detection, tasks
from engagement.moderation.models import DetectionDue, Flag, Severity, Status
from engagement.services import event_dispatch, events_undispatched, like_set
from tests.factories import PhotoFactory, UserFactory
from tests.moderation_history import T0, at, churn, frozen, like_at

TASK = "engagement.moderation.tasks.detect_due"


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def photos(owner):
    return [PhotoFactory(owner=owner) for _ in range(4)]


@pytest.fixture
def veteran(db):
    """An account far older than the new-account window."""
    return UserFactory(username="vera", date_joined=T0 - timedelta(days=400))


def test_three_like_unlike_cycles_in_ten_minutes_raise_a_churn_flag(veteran, photo):
    last = churn(user=veteran, photo=photo, cycles=3)

    flag = detection.detect_churn(user=veteran, photo=photo, at=last)

    assert flag.kind == Flag.Kind.CHURN
    assert (flag.subject, flag.photo, flag.status) == (veteran, photo, Status.OPEN)
    assert flag.severity == Severity.MEDIUM
    assert sorted(flag.events.values_list("kind", flat=True)) == ["like"] * 3 + ["unlike"] * 3


def test_two_cycles_are_not_churn(veteran, photo):
    last = churn(user=veteran, photo=photo, cycles=2)

    assert detection.detect_churn(user=veteran, photo=photo, at=last) is None
    assert not Flag.objects.exists()


def test_cycles_spread_over_more_than_ten_minutes_are_not_churn(veteran, photo):
    last = churn(user=veteran, photo=photo, cycles=3, step=3)  # 15 minutes end to end

    assert detection.detect_churn(user=veteran, photo=photo, at=last) is None


def test_liking_twenty_photos_of_a_friend_over_an_hour_raises_nothing(owner):
    friend_photos = [PhotoFactory(owner=owner) for _ in range(20)]
    newcomer = UserFactory(username="nina", date_joined=T0 - timedelta(days=1))
    for minute, photo in zip(range(0, 60, 3), friend_photos, strict=True):
        like_at(at(minute), user=newcomer, photo=photo)
        flags = detection.detect_after_event(user=newcomer, photo=photo, at=at(minute))
        assert flags == []
    assert not Flag.objects.exists()


def test_repeated_churn_updates_the_open_flag_instead_of_adding_one(veteran, photo):
    first = churn(user=veteran, photo=photo, cycles=3)
    detection.detect_churn(user=veteran, photo=photo, at=first)
    later = churn(user=veteran, photo=photo, cycles=3, start=5)

    flag = detection.detect_churn(user=veteran, photo=photo, at=later)

    assert Flag.objects.count() == 1
    assert flag.events.count() == 12
    assert flag.last_seen == later
    assert flag.severity == Severity.HIGH  # six cycles in ten minutes: twice the threshold


def test_running_a_detector_twice_changes_nothing(veteran, photo):
    last = churn(user=veteran, photo=photo, cycles=3)
    detection.detect_churn(user=veteran, photo=photo, at=last)
    detection.detect_churn(user=veteran, photo=photo, at=last)

    assert Flag.objects.count() == 1
    assert Flag.objects.get().events.count() == 6


def test_dismissed_evidence_does_not_come_back_on_a_rerun(veteran, photo):
    last = churn(user=veteran, photo=photo, cycles=3)
    flag = detection.detect_churn(user=veteran, photo=photo, at=last)
    Flag.objects.filter(pk=flag.pk).update(status=Status.DISMISSED)

    assert detection.detect_churn(user=veteran, photo=photo, at=last) is None
    assert Flag.objects.count() == 1


def test_a_burst_of_likes_across_photos_is_flagged(settings, veteran, owner):
    settings.MODERATION_BURST_LIKES_PER_MINUTE = 4
    burst = [PhotoFactory(owner=owner) for _ in range(4)]
    for second, photo in enumerate(burst):
        like_at(T0 + timedelta(seconds=10 * second), user=veteran, photo=photo)

    flag = detection.detect_burst(user=veteran, at=T0 + timedelta(seconds=30))

    assert flag.kind == Flag.Kind.BURST
    assert flag.photo is None
    assert flag.events.count() == 4


def test_the_same_likes_over_several_minutes_are_no_burst(settings, veteran, owner):
    settings.MODERATION_BURST_LIKES_PER_MINUTE = 4
    for minute in range(4):
        like_at(at(minute), user=veteran, photo=PhotoFactory(owner=owner))

    assert detection.detect_burst(user=veteran, at=at(3)) is None


def test_withdrawing_many_likes_at_once_is_a_sweep(settings, veteran, photos):
    settings.MODERATION_SWEEP_WITHDRAWALS = 4
    for photo in photos:
        like_at(at(0), user=veteran, photo=photo)
    for second, photo in enumerate(photos):
        like_at(at(30) + timedelta(seconds=second), user=veteran, photo=photo, liked=False)

    flag = detection.detect_sweep(user=veteran, at=at(30) + timedelta(seconds=3))

    assert flag.kind == Flag.Kind.SWEEP
    assert set(flag.events.values_list("kind", flat=True)) == {"unlike"}
    assert flag.events.count() == 4


def test_withdrawals_spread_over_the_day_are_no_sweep(settings, veteran, photos):
    settings.MODERATION_SWEEP_WITHDRAWALS = 4
    for photo in photos:
        like_at(at(0), user=veteran, photo=photo)
    for hour, photo in enumerate(photos, start=1):
        like_at(at(60 * hour), user=veteran, photo=photo, liked=False)

    assert detection.detect_sweep(user=veteran, at=at(240)) is None


def test_repeated_rate_limit_hits_are_flagged(veteran):
    for hour in range(3):
        RateLimitHit.objects.create(user=veteran, scope="minute", created=at(60 * hour))

    flag = detection.detect_rate_limit_hits(user=veteran, at=at(120))

    assert flag.kind == Flag.Kind.RATE_LIMIT
    assert flag.rate_limit_hits.count() == 3


def test_hits_a_day_apart_are_not_repeated(veteran):
    for day in range(3):
        RateLimitHit.objects.create(user=veteran, scope="minute", created=at(60 * 25 * day))

    assert detection.detect_rate_limit_hits(user=veteran, at=at(60 * 50)) is None


def test_a_new_account_with_abnormal_activity_is_flagged(settings, owner, photos):
    settings.MODERATION_NEW_ACCOUNT_EVENTS_PER_HOUR = 6
    newcomer = UserFactory(username="newt", date_joined=T0 - timedelta(days=1))
    for minute, photo in enumerate(photos * 2):
        like_at(at(minute), user=newcomer, photo=photo, liked=minute < 4)

    flag = detection.detect_new_account(user=newcomer, at=at(7))

    assert flag.kind == Flag.Kind.NEW_ACCOUNT
    assert flag.events.count() == 8


def test_the_same_activity_from_an_old_account_is_not_new_account_abuse(settings, veteran, photos):
    settings.MODERATION_NEW_ACCOUNT_EVENTS_PER_HOUR = 6
    for minute, photo in enumerate(photos * 2):
        like_at(at(minute), user=veteran, photo=photo, liked=minute < 4)

    assert detection.detect_new_account(user=veteran, at=at(7)) is None


def test_churn_raises_a_flag_as_soon_as_the_unlike_commits(
    veteran, photo, django_capture_on_commit_callbacks
):
    """The receiver enqueues detection; the immediate backend runs it at once."""
    with django_capture_on_commit_callbacks(execute=True):
        churn(user=veteran, photo=photo, cycles=2)
    assert not Flag.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        like_at(at(4), user=veteran, photo=photo)
        like_at(at(5), user=veteran, photo=photo, liked=False)

    flag = Flag.objects.get()
    assert (flag.kind, flag.subject, flag.photo) == (Flag.Kind.CHURN, veteran, photo)


def test_a_rate_limit_hit_runs_detection_once_committed(
    settings, veteran, django_capture_on_commit_callbacks
):
    settings.MODERATION_RATE_LIMIT_HITS = 1
    with django_capture_on_commit_callbacks(execute=True):
        RateLimitHit.objects.create(user=veteran, scope="day")

    assert Flag.objects.get().kind == Flag.Kind.RATE_LIMIT
    assert Flag.objects.get().severity == Severity.HIGH  # the daily cap


def test_detect_abuse_command_finds_churn_in_a_past_range(veteran, photo, capsys):
    churn(user=veteran, photo=photo, cycles=3)

    call_command("detect_abuse", since=at(-1).isoformat(), until=at(30).isoformat())

    flag = Flag.objects.get()
    assert flag.kind == Flag.Kind.CHURN
    assert "1 flags raised or updated" in capsys.readouterr().out


def test_detect_abuse_outside_the_range_finds_nothing(veteran, photo):
    churn(user=veteran, photo=photo, cycles=3)

    call_command("detect_abuse", since=at(60).isoformat(), until=at(120).isoformat())

    assert not Flag.objects.exists()


def test_voided_likes_are_never_evidence_of_churn(veteran, photo):
    with frozen(at(0)):
        like_set(user=veteran, photo=photo, liked=True)
    EngagementEvent.objects.create(
        actor=veteran, photo=photo, kind=EngagementEvent.Kind.VOID, created=at(1)
    )

    assert detection.detect_churn(user=veteran, photo=photo, at=at(2)) is None


@pytest.mark.parametrize("joined_days_ago", [1, 400])
def test_the_detectors_after_an_event_share_one_read_of_the_persons_events(
    photo, django_assert_num_queries, joined_days_ago
):
    """Workers run them after every like and unlike: one query when nothing is found."""
    person = UserFactory(date_joined=T0 - timedelta(days=joined_days_ago))
    last = churn(user=person, photo=photo, cycles=2)

    with django_assert_num_queries(1):
        assert detection.detect_after_event(user=person, photo=photo, at=last) == []


def test_a_persons_events_waiting_for_a_worker_queue_one_detection_that_sees_them_all(
    veteran, photo, settings
):
    """With a database queue the detectors run in a worker: however many of a person's
    likes and unlikes are dispatched before it gets there, they queue one task, which
    flags what detection after each of them would have, and a later event queues anew."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    last = churn(user=veteran, photo=photo, cycles=3)
    for event_id in events_undispatched():
        event_dispatch(event_id=event_id)

    queued = DBTaskResult.objects.filter(task_path=TASK)
    assert queued.count() == 1
    assert queued.get().args_kwargs["kwargs"] == {"person_id": veteran.pk}
    # Held back a little, so that the rest of a burst joins it before a worker takes it.
    held_back = queued.get().run_after - queued.get().enqueued_at
    assert held_back.total_seconds() == pytest.approx(
        settings.MODERATION_DETECTION_DELAY_SECONDS, abs=1
    )
    assert not Flag.objects.exists()

    tasks.detect_due.func(**queued.get().args_kwargs["kwargs"])

    flag = Flag.objects.get()
    assert (flag.kind, flag.subject, flag.photo) == (Flag.Kind.CHURN, veteran, photo)
    assert flag.events.count() == 6 and flag.last_seen == last
    assert not DetectionDue.objects.exists()
    # Run again (a worker died after it, say): nothing is due, nothing changes.
    assert detection.detect_due(person_id=veteran.pk) == []

    like_at(at(30), user=veteran, photo=photo)
    (event_id,) = events_undispatched()
    event_dispatch(event_id=event_id)
    assert queued.count() == 2
    assert DetectionDue.objects.get().since == at(30)


def test_detection_whose_task_was_lost_is_queued_again_by_the_workers(veteran, photo, settings):
    """While a person's detection is due, their new events only widen it: if its task
    gave up (or was lost), the workers' minute sweep queues another."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    churn(user=veteran, photo=photo, cycles=3)
    for event_id in events_undispatched():
        event_dispatch(event_id=event_id)
    DBTaskResult.objects.all().delete()  # the task failed for good
    fresh = UserFactory()
    DetectionDue.objects.create(person=fresh, since=at(0), until=at(0))
    DetectionDue.objects.filter(person=veteran).update(
        queued_at=timezone.now() - timedelta(minutes=6)
    )

    assert tasks.detect_due_requeue_stale(older_than=timedelta(minutes=5)) == 1
    assert tasks.detect_due_requeue_stale(older_than=timedelta(minutes=5)) == 0

    (queued,) = DBTaskResult.objects.filter(task_path=TASK)
    assert queued.args_kwargs["kwargs"] == {"person_id": veteran.pk}
    tasks.detect_due.func(**queued.args_kwargs["kwargs"])
    assert Flag.objects.get().subject == veteran


def test_a_backlog_raises_its_flag_once_as_detection_after_each_event_would_have(
    veteran, photo, settings, django_assert_max_num_queries
):
    """A churning person's detection fires the same flag after every due event: it is
    written once, with what running the detectors after each event in turn leaves."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    one_by_one = UserFactory(date_joined=veteran.date_joined)
    for person in (veteran, one_by_one):
        churn(user=person, photo=photo, cycles=9)
    for event_id in events_undispatched():
        event_dispatch(event_id=event_id)
    for event in EngagementEvent.objects.filter(actor=one_by_one).order_by("created"):
        detection.detect_after_event(user=one_by_one, photo=photo, at=event.created)

    with django_assert_max_num_queries(16):  # 18 due events: not one write per firing
        (flag,) = detection.detect_due(person_id=veteran.pk)

    expected = Flag.objects.get(subject=one_by_one)
    assert (flag.kind, flag.photo, flag.severity) == (expected.kind, photo, expected.severity)
    assert (flag.created, flag.last_seen) == (expected.created, expected.last_seen)
    assert flag.events.count() == expected.events.count() == 18
