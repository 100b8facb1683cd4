"""Reads for photo pages, grids and the home feed."""

from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

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
    "hidden_at",
]


def may_see_hidden(viewer: User | AnonymousUser | None, photo: Photo) -> bool:
    """A photo hidden by moderators stays visible to its owner and to moderators."""
    if viewer is None or not viewer.is_authenticated:
        return False
    return viewer.pk == photo.owner_id or viewer.has_perm("accounts.act_on_content")


def photo_for_page(
    photo_id: int, viewer: User | AnonymousUser | None = None, *, with_owner: bool = True
) -> Photo:
    """The photo, or 404 if its owner is gone or it is hidden from ``viewer``.

    ``with_owner=False`` reads only what a grid shows (GRID_FIELDS), for actions such as
    a like, which answer with the photo's controls and nothing about its owner.
    """
    photos = (
        Photo.objects.select_related("owner") if with_owner else Photo.objects.only(*GRID_FIELDS)
    )
    photo = get_object_or_404(photos, pk=photo_id, owner__is_active=True)
    if photo.hidden_at is not None and not may_see_hidden(viewer, photo):
        raise Http404
    return photo


def _shown_to(viewer: User | AnonymousUser | None) -> Q:
    """Feeds and grids leave out hidden photos, except the viewer's own."""
    if viewer is None or not viewer.is_authenticated:
        return Q(hidden_at__isnull=True)
    return Q(hidden_at__isnull=True) | Q(owner=viewer)


def photos_by(owner: User, viewer: User | AnonymousUser | None = None) -> QuerySet[Photo]:
    """A person's photos for their grid, newest first."""
    return Photo.objects.filter(_shown_to(viewer), owner=owner).only(*GRID_FIELDS)


# How far back the explore grid looks for popular photos.
EXPLORE_WINDOW = timedelta(days=30)


def explore_photos(*, limit: int) -> QuerySet[Photo]:
    """Public photos for a first visit: the most liked of the last 30 days, newer first
    among equals, by active members, none hidden. One query with the owners joined.

    Deliberately one small selector: the ranked feed replaces its ordering later.
    """
    since = timezone.now() - EXPLORE_WINDOW
    return (
        Photo.objects.filter(created__gte=since, hidden_at__isnull=True, owner__is_active=True)
        .select_related("owner")
        .only(*GRID_FIELDS, "owner__username", "owner__display_name")
        .order_by("-like_count", "-created", "-id")[:limit]
    )


def photo_count(owner: User) -> int:
    """How many photos a person has posted (an index-only count of theirs alone)."""
    return Photo.objects.filter(owner=owner).count()


def home_feed(viewer: User) -> QuerySet[Photo]:
    """Photos by the people the viewer follows, and their own, newest first."""
    followed = Follow.objects.filter(follower=viewer).values("followed_id")
    return (
        Photo.objects.filter(Q(owner__in=followed) | Q(owner=viewer))
        .filter(_shown_to(viewer), owner__is_active=True)
        .select_related("owner")
    )
