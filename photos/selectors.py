"""Reads for photo pages, grids and the home feed."""

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Follow, User
from photos.models import Photo

GRID_FIELDS = [
    "id",
    "owner_id",
    "created",
    "alt_text",
    "thumbnail",
    "like_count",
    "hide_like_count",
    "shield_window",
    "shield_withdrawals",
]


def photo_for_page(photo_id: int) -> Photo:
    return get_object_or_404(
        Photo.objects.select_related("owner"), pk=photo_id, owner__is_active=True
    )


def photos_by(owner: User) -> QuerySet[Photo]:
    """A person's photos for their grid, newest first."""
    return Photo.objects.filter(owner=owner).only(*GRID_FIELDS)


def photo_count(owner: User) -> int:
    """How many photos a person has posted (an index-only count of theirs alone)."""
    return Photo.objects.filter(owner=owner).count()


def home_feed(viewer: User) -> QuerySet[Photo]:
    """Photos by the people the viewer follows, and their own, newest first."""
    followed = Follow.objects.filter(follower=viewer).values("followed_id")
    return (
        Photo.objects.filter(Q(owner__in=followed) | Q(owner=viewer))
        .filter(owner__is_active=True)
        .select_related("owner")
    )
