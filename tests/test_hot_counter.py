"""The viral photo's counter: one row, moved by one statement that commits at once, exact
under the shield (the 200-person race is in test_like_concurrency.py); check_integrity
verifies and repairs both numbers it holds (like_count and the window's pending
withdrawals)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from engagement.services import counted_withdrawals, like_set
from engagement.shield import displayed_like_count, window_start
from photos.models import Photo
from tests.factories import PhotoFactory


@pytest.fixture(autouse=True)
def _shielded(settings):
    settings.ENGAGEMENT_POLICY = "likewise"  # the preset with the unlike shield
    settings.LIKE_RATE_PER_MINUTE = 10_000


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


def true_withdrawals(photo) -> int:
    window = window_start(timezone.now())
    return (
        Photo.objects.annotate(n=counted_withdrawals(window))
        .values_list("n", flat=True)
        .get(pk=photo.pk)
    )


def check(*args: str) -> str:
    out = StringIO()
    call_command("check_integrity", *args, stdout=out)
    return out.getvalue()


def test_an_unlike_stays_counted_until_its_window_ends_and_a_like_takes_it_back(
    photo, fan, stranger
):
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=stranger, photo=photo, liked=True)
    like_set(user=fan, photo=photo, liked=False)
    photo.refresh_from_db()
    assert (photo.like_count, photo.shield_withdrawals, displayed_like_count(photo)) == (1, 1, 2)

    like_set(user=fan, photo=photo, liked=True)  # takes the withdrawal back
    photo.refresh_from_db()
    assert (photo.like_count, photo.shield_withdrawals, displayed_like_count(photo)) == (2, 0, 2)
    assert true_withdrawals(photo) == 0


def test_like_set_leaves_the_photo_object_with_everyones_counts(photo, fan, stranger):
    """The response shows the counts the update left, other people's changes included."""
    stale = Photo.objects.get(pk=photo.pk)
    like_set(user=stranger, photo=photo, liked=True)

    like_set(user=fan, photo=stale, liked=True)

    assert stale.like_count == 2


def test_check_integrity_finds_and_repairs_drifted_pending_withdrawals(
    photo, fan, stranger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=True)
        like_set(user=fan, photo=photo, liked=False)
        like_set(user=stranger, photo=photo, liked=True)
    Photo.objects.filter(pk=photo.pk).update(shield_withdrawals=3)

    with pytest.raises(CommandError, match="1 integrity problem"):
        check()
    repaired = check("--repair")

    assert f"photo {photo.pk} shows 3 pending withdrawals, the log has 1" in repaired
    photo.refresh_from_db()
    assert photo.shield_withdrawals == 1
    assert "All good" in check()
