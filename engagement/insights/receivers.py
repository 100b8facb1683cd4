"""Thin receivers: engagement and follow signals in, rollup services and reach out."""

from django.utils import timezone

from accounts.signals import user_followed, user_unfollowed
from engagement.insights import services
from engagement.insights.models import PhotoView
from engagement.insights.reach import reach_record
from engagement.signals import photo_liked, photo_unliked, photo_viewed, photos_shown


def on_photo_liked(sender, *, photo, at, **kwargs) -> None:
    services.photo_day_count(photo=photo, at=at, change="gained")


def on_photo_unliked(sender, *, photo, at, voided: bool = False, **kwargs) -> None:
    change = "voided" if voided else "withdrawn"
    services.photo_day_count(photo=photo, at=at, change=change)


def on_photo_viewed(sender, *, viewer, photo, session_key, at, **kwargs) -> None:
    reach_record(
        viewer=viewer,
        photos=[photo],
        session_key=session_key,
        at=at,
        source=PhotoView.Source.PAGE,
    )


def on_photos_shown(sender, *, viewer, photos, session_key, at, **kwargs) -> None:
    reach_record(
        viewer=viewer, photos=photos, session_key=session_key, at=at, source=PhotoView.Source.FEED
    )


def on_user_followed(sender, *, followed, **kwargs) -> None:
    services.follower_day_count(user_id=followed.pk, at=timezone.now(), gained=True)


def on_user_unfollowed(sender, *, followed, **kwargs) -> None:
    services.follower_day_count(user_id=followed.pk, at=timezone.now(), gained=False)


def connect() -> None:
    photo_liked.connect(on_photo_liked, dispatch_uid="insights_photo_liked")
    photo_unliked.connect(on_photo_unliked, dispatch_uid="insights_photo_unliked")
    photo_viewed.connect(on_photo_viewed, dispatch_uid="insights_photo_viewed")
    photos_shown.connect(on_photos_shown, dispatch_uid="insights_photos_shown")
    user_followed.connect(on_user_followed, dispatch_uid="insights_user_followed")
    user_unfollowed.connect(on_user_unfollowed, dispatch_uid="insights_user_unfollowed")
