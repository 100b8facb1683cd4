"""A like and its unlike committed close together: their after-commit receivers can run
in either order, even at once, and no like notification may outlive its like.

PostgreSQL only: SQLite serialises writers, so nothing really overlaps there. Each thread
uses its own database connection and returns it with connection.close() when done; a
Barrier releases the threads together (with a little random jitter, so both orders occur).
"""

import random
import threading
import time
from collections.abc import Callable
from functools import partial
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from engagement.models import Like
from engagement.services import like_set
from notifications import services
from notifications.models import Notification
from tests.factories import PhotoFactory, UserFactory
from tests.postgres import POSTGRES_ONLY

ROUNDS = 30

pytestmark = POSTGRES_ONLY


@pytest.fixture
def photo():
    return PhotoFactory(owner=UserFactory(username="olivia"))


def run_together(*work: Callable[[], object]) -> None:
    """Run each callable in its own thread, released at once, each after a random jitter."""
    barrier = threading.Barrier(len(work))
    errors: list[BaseException] = []

    def run(job: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            time.sleep(random.uniform(0, 0.004))
            job()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, f"a thread failed: {errors[0]!r}"


def later(delay: float, job: Callable[..., object], **kwargs) -> object:
    time.sleep(delay)
    return job(**kwargs)


def assert_notification_matches_the_like(liker, photo, label: str) -> bool:
    """No visible like notification without the like; exactly one with it."""
    liked = Like.objects.filter(user=liker, photo=photo).exists()
    shown = Notification.objects.filter(
        recipient_id=photo.owner_id,
        actor=liker,
        verb=Notification.Verb.LIKE,
        photo=photo,
        withdrawn_at__isnull=True,
    ).count()
    assert shown == (1 if liked else 0), f"{label}: liked={liked}, visible notifications={shown}"
    return liked


def test_a_late_like_receiver_racing_the_unlike_leaves_no_notification(photo):
    """The like commits but its receiver runs late, at the same time as the unlike."""
    for round_number in range(ROUNDS):
        liker = UserFactory()
        with mock.patch.object(services, "like_notify"):  # the like's receiver is late
            like_set(user=liker, photo=photo, liked=True)
        assert not Notification.objects.filter(actor=liker).exists()
        at = timezone.now()

        jobs = [
            partial(services.like_notify, liker=liker, photo=photo, at=at),
            partial(like_set, user=liker, photo=photo, liked=False),
        ]
        random.shuffle(jobs)
        run_together(*jobs)

        liked = assert_notification_matches_the_like(liker, photo, f"round {round_number}")
        assert not liked


def test_a_like_and_an_unlike_committed_together_leave_the_truth(photo):
    """Both through like_set: whichever commits last decides, and the notification follows."""
    outcomes = set()
    for round_number in range(ROUNDS):
        liker = UserFactory()
        run_together(
            partial(like_set, user=liker, photo=photo, liked=True),
            # Late enough, often, to find the like committed and its receiver running.
            partial(later, random.uniform(0, 0.03), like_set, user=liker, photo=photo, liked=False),
        )

        outcomes.add(assert_notification_matches_the_like(liker, photo, f"round {round_number}"))
    assert outcomes == {True, False}, "both orders should have happened in some round"


def test_a_repeated_like_receiver_racing_the_unlike_leaves_no_notification(photo):
    """The like was notified; a duplicate like callback races the unlike."""
    for round_number in range(ROUNDS):
        liker = UserFactory()
        like_set(user=liker, photo=photo, liked=True)
        assert_notification_matches_the_like(liker, photo, f"round {round_number} before")
        at = timezone.now()

        jobs = [
            partial(services.like_notify, liker=liker, photo=photo, at=at),
            partial(like_set, user=liker, photo=photo, liked=False),
        ]
        random.shuffle(jobs)
        run_together(*jobs)

        liked = assert_notification_matches_the_like(liker, photo, f"round {round_number}")
        assert not liked
