"""engagement.services.like_set: idempotent, counted exactly, announced only after commit."""

import random
from datetime import datetime

import pytest
from django.db import IntegrityError, transaction

from engagement.models import EngagementEvent, Like
from engagement.services import like_set
from engagement.signals import photo_liked, photo_unliked
from photos.models import Photo
from tests.factories import PhotoFactory, UserFactory
from tests.signals import signals_heard


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner, alt_text="Fishing boats moored at dawn")


@pytest.fixture
def heard():
    """Every like signal received, as (event, sender, kwargs)."""
    with signals_heard(liked=photo_liked, unliked=photo_unliked) as events:
        yield events


def like_count(photo) -> int:
    return Photo.objects.values_list("like_count", flat=True).get(pk=photo.pk)


def like_rows(photo) -> int:
    return Like.objects.filter(photo=photo).count()


def event_kinds(photo, user=None) -> list[str]:
    events = EngagementEvent.objects.filter(photo=photo)
    if user is not None:
        events = events.filter(actor=user)
    return list(events.order_by("created", "id").values_list("kind", flat=True))


def names(heard) -> list[tuple[str, str]]:
    return [(event, kwargs["user"].username) for event, _sender, kwargs in heard]


# --- Idempotent writes ----------------------------------------------------------------------


def test_liking_twice_makes_one_like_one_event_and_a_count_of_one(fan, photo):
    assert like_set(user=fan, photo=photo, liked=True) is True
    assert like_set(user=fan, photo=photo, liked=True) is False

    assert Like.objects.filter(user=fan, photo=photo).count() == 1
    assert like_count(photo) == 1
    assert event_kinds(photo) == ["like"]


def test_unliking_twice_leaves_no_like_and_one_unlike_event(fan, photo):
    like_set(user=fan, photo=photo, liked=True)

    assert like_set(user=fan, photo=photo, liked=False) is True
    assert like_set(user=fan, photo=photo, liked=False) is False

    assert not Like.objects.filter(photo=photo).exists()
    assert like_count(photo) == 0
    assert event_kinds(photo) == ["like", "unlike"]


def test_unliking_a_photo_never_liked_writes_nothing(fan, photo):
    assert like_set(user=fan, photo=photo, liked=False) is False

    assert like_count(photo) == 0
    assert not EngagementEvent.objects.exists()


def test_like_unlike_like_ends_liked_with_three_events_in_order(fan, photo):
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=fan, photo=photo, liked=False)
    like_set(user=fan, photo=photo, liked=True)

    assert Like.objects.filter(user=fan, photo=photo).count() == 1
    assert like_count(photo) == 1
    assert event_kinds(photo) == ["like", "unlike", "like"]


def test_one_persons_unlike_leaves_other_likes_and_photos_alone(fan, stranger, owner, photo):
    other_photo = PhotoFactory(owner=owner)
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=stranger, photo=photo, liked=True)
    like_set(user=fan, photo=other_photo, liked=True)

    like_set(user=fan, photo=photo, liked=False)

    assert set(Like.objects.values_list("user__username", "photo_id")) == {
        ("sam", photo.pk),
        ("fabio", other_photo.pk),
    }
    assert like_count(photo) == 1
    assert like_count(other_photo) == 1


def test_like_count_always_equals_the_like_rows_through_a_random_sequence(owner, photo):
    people = UserFactory.create_batch(5)
    other_photo = PhotoFactory(owner=owner)
    rng = random.Random(20240601)
    expected: dict[tuple[int, int], bool] = {}
    real_changes = 0

    for _step in range(80):
        person = rng.choice(people)
        target = rng.choice([photo, other_photo])
        liked = rng.random() < 0.6
        changed = like_set(user=person, photo=target, liked=liked)

        was_liked = expected.get((person.pk, target.pk), False)
        assert changed is (was_liked != liked)
        expected[(person.pk, target.pk)] = liked
        real_changes += changed
        for each in (photo, other_photo):
            assert like_count(each) == like_rows(each)

    assert like_rows(photo) == sum(liked for (_u, p), liked in expected.items() if p == photo.pk)
    assert EngagementEvent.objects.count() == real_changes


# --- Signals, after commit only ---------------------------------------------------------


def test_like_signal_waits_for_the_commit_and_is_sent_once(
    fan, photo, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        like_set(user=fan, photo=photo, liked=True)
        like_set(user=fan, photo=photo, liked=True)
        assert heard == [], "nothing is announced before the commit"

    assert heard == [], "nothing is announced until the commit callbacks run"
    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert names(heard) == [("liked", "fabio")]


def test_like_signal_carries_the_sender_user_photo_and_time(
    fan, photo, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=True)

    [(event, sender, kwargs)] = heard
    assert event == "liked"
    assert sender is Like
    assert kwargs["user"] == fan
    assert kwargs["photo"] == photo
    assert isinstance(kwargs["at"], datetime)
    assert kwargs["at"] == EngagementEvent.objects.get().created
    assert kwargs["at"] == Like.objects.get().created


def test_unlike_signal_waits_for_the_commit_and_carries_user_photo_and_time(
    fan, photo, heard, django_capture_on_commit_callbacks
):
    like_set(user=fan, photo=photo, liked=True)

    with django_capture_on_commit_callbacks() as callbacks:
        like_set(user=fan, photo=photo, liked=False)
        like_set(user=fan, photo=photo, liked=False)
    assert heard == []

    assert len(callbacks) == 1
    callbacks[0]()
    [(event, sender, kwargs)] = heard
    assert event == "unliked"
    assert sender is Like
    assert (kwargs["user"], kwargs["photo"]) == (fan, photo)
    assert kwargs["at"] == EngagementEvent.objects.get(kind="unlike").created


def test_like_unlike_like_sends_three_signals_in_order(
    fan, photo, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=True)
        like_set(user=fan, photo=photo, liked=True)
        like_set(user=fan, photo=photo, liked=False)
        like_set(user=fan, photo=photo, liked=False)
        like_set(user=fan, photo=photo, liked=True)

    assert names(heard) == [("liked", "fabio"), ("unliked", "fabio"), ("liked", "fabio")]
    events = EngagementEvent.objects.filter(actor=fan, photo=photo)
    assert events.count() == 3
    assert not events.filter(dispatched_at__isnull=True).exists(), "each dispatched once"


def test_no_signal_for_requests_that_change_nothing(
    fan, stranger, photo, heard, django_capture_on_commit_callbacks
):
    like_set(user=fan, photo=photo, liked=True)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        like_set(user=fan, photo=photo, liked=True)
        like_set(user=stranger, photo=photo, liked=False)

    assert callbacks == []
    assert heard == []


def test_a_rolled_back_like_is_not_announced_and_changes_nothing(
    fan, photo, heard, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert like_set(user=fan, photo=photo, liked=True) is True
        raise RuntimeError("something later in the same request failed")

    assert callbacks == []
    assert heard == []
    assert not Like.objects.exists()
    assert not EngagementEvent.objects.exists()
    assert like_count(photo) == 0


def test_a_rolled_back_unlike_is_not_announced_and_changes_nothing(
    fan, photo, heard, django_capture_on_commit_callbacks
):
    like_set(user=fan, photo=photo, liked=True)
    before = Photo.objects.values("like_count", "shield_window", "shield_withdrawals").get(
        pk=photo.pk
    )

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        assert like_set(user=fan, photo=photo, liked=False) is True
        raise RuntimeError("something later in the same request failed")

    assert callbacks == []
    assert heard == []
    assert Like.objects.filter(user=fan, photo=photo).exists()
    assert event_kinds(photo) == ["like"]
    after = Photo.objects.values("like_count", "shield_window", "shield_withdrawals").get(
        pk=photo.pk
    )
    assert after == before
    assert after["like_count"] == 1


def test_the_database_itself_refuses_a_second_like_by_the_same_person(fan, photo):
    """The unique constraint is what keeps racing requests honest (on every database)."""
    Like.objects.create(user=fan, photo=photo)

    with pytest.raises(IntegrityError), transaction.atomic():
        Like.objects.create(user=fan, photo=photo)
