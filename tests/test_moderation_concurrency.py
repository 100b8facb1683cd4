"""A moderator's void racing the person's own unlike, and other people's likes (PostgreSQL)."""

import pytest

from engagement.models import EngagementEvent, Like
from engagement.services import like_set, likes_void
from tests.factories import PhotoFactory, UserFactory
from tests.postgres import POSTGRES_ONLY, run_together
from tests.test_like_concurrency import like_count

pytestmark = POSTGRES_ONLY


@pytest.fixture
def photo():
    return PhotoFactory(owner=UserFactory(username="olivia"))


def test_void_racing_the_persons_own_unlike_removes_the_like_once(photo):
    fans = UserFactory.create_batch(20)
    for fan in fans:
        like_set(user=fan, photo=photo, liked=True)

    run_together(
        [lambda fan=fan: like_set(user=fan, photo=photo, liked=False) for fan in fans]
        + [lambda fan=fan: likes_void(user=fan, photo=photo) for fan in fans]
    )

    assert like_count(photo) == Like.objects.filter(photo=photo).count() == 0
    removals = EngagementEvent.objects.filter(photo=photo, kind__in=["unlike", "void"])
    assert removals.count() == len(fans)  # each like left exactly once


def test_voids_and_other_peoples_likes_at_once_keep_the_count_exact(photo):
    abusers = UserFactory.create_batch(15)
    for abuser in abusers:
        like_set(user=abuser, photo=photo, liked=True)
    newcomers = UserFactory.create_batch(15)

    run_together(
        [lambda person=person: likes_void(user=person) for person in abusers]
        + [
            lambda person=person: like_set(user=person, photo=photo, liked=True)
            for person in newcomers
        ]
    )

    assert like_count(photo) == Like.objects.filter(photo=photo).count() == len(newcomers)
