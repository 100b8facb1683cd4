"""The unlike inference shield: when withdrawn likes become visible.

The truth (Like rows, Photo.like_count) changes at once. What is displayed lags for
withdrawals only: a like withdrawn during a release window keeps counting, for everyone,
until the window ends, and then all of that window's withdrawals leave together, so an
owner watching minute by minute cannot date an unlike. Photo.shield_window and
Photo.shield_withdrawals hold the current window's pending withdrawals, so the displayed
count is read without a query.
"""

from datetime import UTC, datetime, timedelta
from typing import Protocol

from django.conf import settings
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from engagement.models import EngagementEvent
from engagement.policy import get_policy
from photos.models import Photo


def window_length() -> timedelta:
    return timedelta(minutes=settings.UNLIKE_SHIELD_WINDOW_MINUTES)


def window_start(at: datetime) -> datetime:
    """The start of the release window that contains ``at`` (windows align to the epoch)."""
    seconds = int(window_length().total_seconds())
    stamp = int(at.timestamp())
    return datetime.fromtimestamp(stamp - stamp % seconds, tz=UTC)


def next_release(at: datetime) -> datetime:
    return window_start(at) + window_length()


class Counted(Protocol):
    """What the shield reads of a photo: a Photo, or a row read without building one."""

    like_count: int
    shield_window: datetime | None
    shield_withdrawals: int


def pending_withdrawals(photo: Counted, at: datetime | None = None) -> int:
    """Withdrawn likes still displayed because their window has not ended."""
    if not get_policy().unlike_shield or photo.shield_window is None:
        return 0
    if photo.shield_window != window_start(at or timezone.now()):
        return 0
    return photo.shield_withdrawals


def displayed_like_count(photo: Counted, at: datetime | None = None) -> int:
    return photo.like_count + pending_withdrawals(photo, at)


def withdrawal_shown_at(withdrawn: datetime) -> datetime:
    """When a like withdrawn at ``withdrawn`` may visibly leave (count, list, notification).

    At once without the shield; at the end of its release window with it.
    """
    return next_release(withdrawn) if get_policy().unlike_shield else withdrawn


def liked_before_withdrawal(*, photo: Photo, actor, at: datetime) -> QuerySet:
    """When the like that ``actor`` withdrew in ``at``'s window was made (a subquery).

    That is the time it is still displayed with: their last like before their first
    withdrawal in the window. ``actor`` is a user or an ``OuterRef`` to one.
    """
    inner_actor = OuterRef(actor) if isinstance(actor, OuterRef) else actor
    first_withdrawal = (
        EngagementEvent.objects.filter(
            photo=photo,
            actor=inner_actor,
            kind=EngagementEvent.Kind.UNLIKE,
            created__gte=window_start(at),
        )
        .order_by("created")
        .values("created")[:1]
    )
    return (
        EngagementEvent.objects.filter(
            photo=photo,
            actor=actor,
            kind=EngagementEvent.Kind.LIKE,
            created__lt=Subquery(first_withdrawal),
        )
        .order_by("-created")
        .values("created")[:1]
    )
