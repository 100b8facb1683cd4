"""Reads for accounts pages, with their query shapes fixed here."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.db.models.functions import Lower
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import DataExport, Follow, User


def _active_named(username: str) -> QuerySet[User]:
    """The active user named ``username`` in any case, found through the lower(username)
    unique index (``username__iexact`` would compare upper() and scan every user)."""
    return User.objects.alias(username_lower=Lower("username")).filter(
        username_lower=username.lower(), is_active=True
    )


def user_with_counts(username: str) -> User:
    """The active user named ``username`` (any case); follow counts are on the row."""
    return get_object_or_404(_active_named(username))


def active_user(username: str) -> User:
    return get_object_or_404(_active_named(username))


def followers_of(user: User) -> QuerySet[User]:
    """People who follow ``user``, most recent first."""
    return User.objects.filter(is_active=True, following_links__followed=user).order_by(
        "-following_links__created", "-following_links__pk"
    )


def followed_by(user: User) -> QuerySet[User]:
    """People ``user`` follows, most recent first."""
    return User.objects.filter(is_active=True, follower_links__follower=user).order_by(
        "-follower_links__created", "-follower_links__pk"
    )


def followed_ids(viewer: User, people: Iterable[User]) -> set[int]:
    """Which of ``people`` the viewer follows, in one query."""
    if not viewer.is_authenticated:
        return set()
    ids = [person.pk for person in people]
    return set(
        Follow.objects.filter(follower=viewer, followed_id__in=ids).values_list(
            "followed_id", flat=True
        )
    )


def people_to_discover(viewer: User, limit: int = 12) -> QuerySet[User]:
    """Active members the viewer does not follow yet, newest first (read from the
    date_joined index). Staff accounts run the site; they are not suggested."""
    people = (
        User.objects.filter(is_active=True, is_staff=False)
        .order_by("-date_joined")
        .only("id", "username", "display_name", "avatar", "date_joined")
    )
    if viewer.is_authenticated:
        people = people.exclude(pk=viewer.pk).exclude(follower_links__follower=viewer)
    return people[:limit]


def latest_data_export(user: User) -> DataExport | None:
    return DataExport.objects.filter(owner=user).first()


def downloadable_export(user: User, export_id: int) -> DataExport | None:
    """The person's own archive if it is ready and its link has not expired."""
    return DataExport.objects.filter(
        pk=export_id,
        owner=user,
        status=DataExport.Status.READY,
        expires_at__gt=timezone.now(),
    ).first()


def deletion_grace() -> timedelta:
    """How long an account asked to be deleted waits (logging in cancels meanwhile)."""
    return timedelta(days=settings.ACCOUNT_DELETION_GRACE_DAYS)


def accounts_due_for_deletion(*, now: datetime) -> QuerySet[User]:
    """Accounts whose deletion grace period has ended, oldest request first."""
    cutoff = now - deletion_grace()
    return User.objects.filter(deletion_requested_at__lte=cutoff).order_by(
        "deletion_requested_at", "pk"
    )
