"""Reads for like controls, who-liked lists and the interaction history."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import DateTimeField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from engagement.models import EngagementEvent, Like
from engagement.policy import get_policy
from engagement.shield import (
    displayed_like_count,
    liked_before_withdrawal,
    pending_withdrawals,
    window_start,
)
from photos.models import Photo


@dataclass(frozen=True)
class LikeState:
    """What one viewer is shown about likes on one photo."""

    liked: bool
    count: int | None  # None: the count is hidden from this viewer
    likers_visible: bool


def like_state(viewer: User, photo: Photo, *, liked: bool, at: datetime) -> LikeState:
    policy = get_policy()
    shows_count = policy.shows_like_count(
        viewer=viewer, owner_id=photo.owner_id, hidden_by_owner=photo.hide_like_count
    )
    return LikeState(
        liked=liked,
        count=displayed_like_count(photo, at) if shows_count else None,
        likers_visible=policy.may_see_likers(viewer=viewer, owner_id=photo.owner_id),
    )


def with_like_states(viewer: User, photos: Iterable[Photo]) -> list[Photo]:
    """Attach ``photo.like_state`` for ``viewer`` to each photo, in one query."""
    photos = list(photos)
    liked_ids: set[int] = set()
    if viewer.is_authenticated and photos:
        liked_ids = set(
            Like.objects.filter(user=viewer, photo__in=[p.pk for p in photos]).values_list(
                "photo_id", flat=True
            )
        )
    at = timezone.now()
    for photo in photos:
        photo.like_state = like_state(viewer, photo, liked=photo.pk in liked_ids, at=at)
    return photos


def displayed_likers(photo: Photo, at: datetime | None = None) -> QuerySet[User]:
    """The people shown as liking ``photo``, most recent like first.

    With the shield on, people who withdrew their like during the current release window
    are still listed until it ends, so the list cannot date an unlike either.
    """
    at = at or timezone.now()
    shown = Q(pk__in=Like.objects.filter(photo=photo).values("user_id"))
    if pending_withdrawals(photo, at):
        withdrawn_now = EngagementEvent.objects.filter(
            photo=photo, kind=EngagementEvent.Kind.UNLIKE, created__gte=window_start(at)
        ).values("actor_id")
        shown |= Q(pk__in=withdrawn_now)
    like_time = Like.objects.filter(photo=photo, user=OuterRef("pk")).values("created")[:1]
    # Someone still listed after withdrawing keeps the time of the like they withdrew.
    last_like_event = liked_before_withdrawal(photo=photo, actor=OuterRef("pk"), at=at)
    return (
        User.objects.filter(shown, is_active=True)
        .annotate(
            liked_at=Coalesce(
                Subquery(like_time), Subquery(last_like_event), output_field=DateTimeField()
            )
        )
        .order_by("-liked_at", "-pk")
    )


def interaction_history(photo: Photo) -> QuerySet[EngagementEvent]:
    """Every like and withdrawn like on ``photo``, newest first (owner-only, by policy)."""
    return EngagementEvent.objects.filter(photo=photo, actor__is_active=True).select_related(
        "actor"
    )
