"""Thin receivers: engagement and accounts signals in, notifications services out."""

from django.utils import timezone

from accounts.signals import user_followed, user_unfollowed
from engagement.moderation.signals import member_warned
from engagement.signals import photo_liked, photo_unliked
from notifications import services


def on_photo_liked(sender, *, user, photo, at, **kwargs) -> None:
    services.like_notify(liker=user, photo=photo, at=at)


def on_photo_unliked(sender, *, user, photo, at, voided: bool = False, **kwargs) -> None:
    services.unlike_notify(liker=user, photo=photo, at=at, voided=voided)


def on_member_warned(sender, *, member, at, **kwargs) -> None:
    services.warning_notify(member=member, at=at)


def on_user_followed(sender, *, follower, followed, **kwargs) -> None:
    services.follow_notify(follower=follower, followed=followed, at=timezone.now())


def on_user_unfollowed(sender, *, follower, followed, **kwargs) -> None:
    services.unfollow_notify(follower=follower, followed=followed)


def connect() -> None:
    photo_liked.connect(on_photo_liked, dispatch_uid="notifications_photo_liked")
    photo_unliked.connect(on_photo_unliked, dispatch_uid="notifications_photo_unliked")
    user_followed.connect(on_user_followed, dispatch_uid="notifications_user_followed")
    user_unfollowed.connect(on_user_unfollowed, dispatch_uid="notifications_user_unfollowed")
    member_warned.connect(on_member_warned, dispatch_uid="notifications_member_warned")
