"""Thin receivers: engagement in, affinities out. Sent while an event is dispatched (the
durable outbox), so each like or unlike teaches the ranking exactly once, never in the
like request itself."""

from accounts.signals import user_followed, user_unfollowed
from engagement.ranking import services
from engagement.ranking.scoring import LIKE_RAISES, UNLIKE_LOWERS
from engagement.signals import photo_liked, photo_unliked


def on_photo_liked(sender, *, user, photo, at, **kwargs) -> None:
    if user.pk != photo.owner_id:
        services.affinity_learn(
            viewer_id=user.pk, author_id=photo.owner_id, delta=LIKE_RAISES, at=at
        )


def on_photo_unliked(sender, *, user, photo, at, voided: bool = False, **kwargs) -> None:
    if user.pk == photo.owner_id:
        return
    # A moderator's void takes back what the like taught, nothing more: not their doing.
    delta = -LIKE_RAISES if voided else -UNLIKE_LOWERS
    services.affinity_learn(viewer_id=user.pk, author_id=photo.owner_id, delta=delta, at=at)


def on_follow_changed(sender, *, follower, **kwargs) -> None:
    services.feed_forget(viewer_id=follower.pk)


def connect() -> None:
    photo_liked.connect(on_photo_liked, dispatch_uid="ranking_photo_liked")
    photo_unliked.connect(on_photo_unliked, dispatch_uid="ranking_photo_unliked")
    user_followed.connect(on_follow_changed, dispatch_uid="ranking_followed")
    user_unfollowed.connect(on_follow_changed, dispatch_uid="ranking_unfollowed")
