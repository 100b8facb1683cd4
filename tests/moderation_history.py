"""Scripted engagement histories for the moderation tests, at frozen times."""

from datetime import UTC, datetime, timedelta
from unittest import mock

from engagement.services import like_set

T0 = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    """``minutes`` after T0."""
    return T0 + timedelta(minutes=minutes)


def frozen(moment: datetime):
    return mock.patch("django.utils.timezone.now", return_value=moment)


def like_at(moment: datetime, *, user, photo, liked: bool = True) -> None:
    with frozen(moment):
        like_set(user=user, photo=photo, liked=liked)


def churn(*, user, photo, cycles: int, start: float = 0, step: float = 1) -> datetime:
    """Like and unlike ``photo`` ``cycles`` times, one action every ``step`` minutes from
    ``start``; returns the time of the last action."""
    moment = at(start)
    for cycle in range(cycles):
        for liked in (True, False):
            moment = at(start + (2 * cycle + (not liked)) * step)
            like_at(moment, user=user, photo=photo, liked=liked)
    return moment
