"""Every write to notifications goes through here.

Like and unlike receivers reconcile with the truth instead of trusting the order in which
after-commit callbacks run: a like and its unlike can commit close together and their
callbacks can run in either order, even at once in two processes. So each side writes
first and checks the truth after, with no wrapping transaction: every statement commits
on its own and the other side sees it. Whichever of the two runs last then sees the final
state of the Like and leaves the notification matching it, so no notification outlives
its like.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from accounts.models import Follow, LikeNotifications, User
from engagement.models import Like
from engagement.policy import get_policy
from engagement.shield import withdrawal_shown_at
from notifications.models import Notification, PhotoMute
from photos.models import Photo


def _cooldown() -> timedelta:
    return timedelta(hours=settings.LIKE_RENOTIFY_COOLDOWN_HOURS)


def notification_add(
    *, recipient: User, actor: User, verb: str, photo: Photo | None, at: datetime
) -> Notification:
    """Create the (recipient, actor, verb, photo) notification, or bring a withdrawn one back.

    A withdrawal still pending (the shield's window has not ended) is simply cancelled:
    nothing visible changed. A withdrawn one comes back as new (unread) only once the
    cooldown since it was first sent has passed; within it a repeat stays silent unless
    the policy says otherwise.
    """
    notification, created = Notification.objects.get_or_create(
        recipient=recipient, actor=actor, verb=verb, photo=photo, defaults={"created": at}
    )
    if created or notification.withdrawn_at is None:
        return notification
    rows = Notification.objects.filter(pk=notification.pk, withdrawn_at__isnull=False)
    if notification.withdrawn_at > at:
        rows.update(withdrawn_at=None)
    elif (
        get_policy().renotify_repeat_like_within_cooldown
        or at - notification.created >= _cooldown()
    ):
        rows.update(created=at, read_at=None, withdrawn_at=None)
    return notification


def notification_withdraw(
    *, recipient: User, actor: User, verb: str, photo: Photo | None, at_once: bool = False
) -> int:
    """Take the notification out of the recipient's list and badge (at the shield's time,
    or ``at_once`` for a like a moderator voided: that is no one's withdrawal to hide)."""
    now = timezone.now()
    return Notification.objects.filter(
        recipient=recipient, actor=actor, verb=verb, photo=photo, withdrawn_at__isnull=True
    ).update(withdrawn_at=now if at_once else withdrawal_shown_at(now))


def _wants_like_notification(recipient: User, actor: User, photo: Photo) -> bool:
    if recipient.pk == actor.pk or recipient.notify_likes == LikeNotifications.OFF:
        return False
    if PhotoMute.objects.filter(user=recipient, photo=photo).exists():
        return False
    if recipient.notify_likes == LikeNotifications.FOLLOWING:
        return Follow.objects.filter(follower=recipient, followed=actor).exists()
    return True


def _still_liked(user: User, photo: Photo) -> bool:
    return Like.objects.filter(user=user, photo=photo).exists()


def like_notify(*, liker: User, photo: Photo, at: datetime) -> None:
    """React to a committed like: notify the owner if the like still stands."""
    policy = get_policy()
    owner = User.objects.get(pk=photo.owner_id)
    if not policy.notify_owner_of_like or not _wants_like_notification(owner, liker, photo):
        return
    if not _still_liked(liker, photo):
        return
    notification_add(recipient=owner, actor=liker, verb=Notification.Verb.LIKE, photo=photo, at=at)
    if not _still_liked(liker, photo) and policy.withdraw_like_notification_on_unlike:
        # The unlike committed while we wrote; its receiver may have run before our row
        # existed, so take the row back ourselves.
        notification_withdraw(
            recipient=owner, actor=liker, verb=Notification.Verb.LIKE, photo=photo
        )


def unlike_notify(*, liker: User, photo: Photo, at: datetime, voided: bool = False) -> None:
    """React to a committed unlike: withdraw the like notification if the like is gone.

    A like a moderator voided leaves at once and never notifies anyone.
    """
    policy = get_policy()
    owner = User.objects.get(pk=photo.owner_id)
    if (voided or policy.withdraw_like_notification_on_unlike) and not _still_liked(liker, photo):
        notification_withdraw(
            recipient=owner,
            actor=liker,
            verb=Notification.Verb.LIKE,
            photo=photo,
            at_once=voided,
        )
    if voided:
        return
    if policy.notify_owner_of_unlike and _wants_like_notification(owner, liker, photo):
        notification_add(
            recipient=owner, actor=liker, verb=Notification.Verb.UNLIKE, photo=photo, at=at
        )


def follow_notify(*, follower: User, followed: User, at: datetime) -> None:
    if not User.objects.filter(pk=followed.pk, notify_follows=True).exists():
        return
    if not Follow.objects.filter(follower=follower, followed=followed).exists():
        return
    notification_add(
        recipient=followed, actor=follower, verb=Notification.Verb.FOLLOW, photo=None, at=at
    )
    if not Follow.objects.filter(follower=follower, followed=followed).exists():
        notification_withdraw(
            recipient=followed, actor=follower, verb=Notification.Verb.FOLLOW, photo=None
        )


def unfollow_notify(*, follower: User, followed: User) -> None:
    if not Follow.objects.filter(follower=follower, followed=followed).exists():
        notification_withdraw(
            recipient=followed, actor=follower, verb=Notification.Verb.FOLLOW, photo=None
        )


def warning_notify(*, member: User, at: datetime) -> None:
    """A moderator warned ``member``: a new, unread notification each time. It names no
    moderator, so the member is its own actor."""
    Notification.objects.update_or_create(
        recipient=member,
        actor=member,
        verb=Notification.Verb.WARNING,
        photo=None,
        defaults={"created": at, "read_at": None, "withdrawn_at": None},
    )


def notifications_mark_read(*, recipient: User, ids: list[int] | None = None) -> int:
    """Mark the given notifications (or all of them) read; returns how many changed."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def photo_mute_set(*, user: User, photo: Photo, muted: bool) -> None:
    """Mute (or unmute) like notifications for one of the user's own photos."""
    if muted:
        PhotoMute.objects.get_or_create(user=user, photo=photo)
    else:
        PhotoMute.objects.filter(user=user, photo=photo).delete()


def notification_preferences_update(*, user: User, notify_likes: str, notify_follows: bool) -> None:
    user.notify_likes = notify_likes
    user.notify_follows = notify_follows
    user.full_clean(exclude=["password"])
    user.save(update_fields=["notify_likes", "notify_follows"])


def notifications_erase(*, user: User) -> int:
    """Delete every notification to or from ``user`` and their muted photos (their account
    is being deleted); returns how many notifications went."""
    PhotoMute.objects.filter(user=user).delete()
    deleted, _counts = Notification.objects.filter(Q(recipient=user) | Q(actor=user)).delete()
    return deleted
