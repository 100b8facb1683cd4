"""A like and its unlike committed close together: their after-commit receivers can run
in either order, even at once, and no like notification may outlive its like.

PostgreSQL only: SQLite serialises writers, so nothing really overlaps there. Each thread
uses its own database connection; tests.postgres.run_together releases the threads together,
with a little jitter from a seeded generator, so both orders occur, the same way each run.
"""

import random
import time
from collections.abc import Callable
from functools import partial
from unittest import mock

import pytest
from django.utils import timezone

from engagement.models import Like
from engagement.services import like_set
from notifications import services
from notifications.models import Notification
from tests.factories import PhotoFactory, UserFactory
from tests.postgres import POSTGRES_ONLY, run_together

ROUNDS = 30

pytestmark = POSTGRES_ONLY


@pytest.fixture
def photo():
    return PhotoFactory(owner=UserFactory(username="olivia"))


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
    rng = random.Random(1)
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
        rng.shuffle(jobs)
        run_together(jobs, rng=rng)

        liked = assert_notification_matches_the_like(liker, photo, f"round {round_number}")
        assert not liked


def test_a_like_and_an_unlike_committed_together_leave_the_truth(photo):
    """Both through like_set: whichever commits last decides, and the notification follows."""
    rng = random.Random(3)
    outcomes = set()
    for round_number in range(ROUNDS):
        liker = UserFactory()
        # The unlike late enough, often, to find the like committed and its receiver running.
        unlike_delay = rng.uniform(0, 0.03)
        run_together(
            [
                partial(like_set, user=liker, photo=photo, liked=True),
                partial(later, unlike_delay, like_set, user=liker, photo=photo, liked=False),
            ],
            rng=rng,
        )

        outcomes.add(assert_notification_matches_the_like(liker, photo, f"round {round_number}"))
    assert outcomes == {True, False}, "both orders should have happened in some round"


def test_a_repeated_like_receiver_racing_the_unlike_leaves_no_notification(photo):
    """The like was notified; a duplicate like callback races the unlike."""
    rng = random.Random(2)
    for round_number in range(ROUNDS):
        liker = UserFactory()
        like_set(user=liker, photo=photo, liked=True)
        assert_notification_matches_the_like(liker, photo, f"round {round_number} before")
        at = timezone.now()

        jobs = [
            partial(services.like_notify, liker=liker, photo=photo, at=at),
            partial(like_set, user=liker, photo=photo, liked=False),
        ]
        rng.shuffle(jobs)
        run_together(jobs, rng=rng)

        liked = assert_notification_matches_the_like(liker, photo, f"round {round_number}")
        assert not liked
