"""The person's likes in "download my data", and their erasure with the account.

Their own likes and withdrawals are theirs to see. Nobody else's withdrawals appear,
except where the policy shows owners the interaction history of their photos (the
Twitter-style preset): then that history is included, labelled as such. Like counts are
the displayed ones, so under the unlike shield an export cannot date a withdrawal either.
"""

from collections.abc import Iterator

from django.utils import timezone

from accounts.models import User
from config.personal_data import table_files
from engagement import services
from engagement.models import EngagementEvent, Like
from engagement.policy import get_policy
from engagement.shield import displayed_like_count
from photos.models import Photo

LIKE_FIELDS = ["photo_id", "photo_address", "photo_owner", "liked_at"]
HISTORY_FIELDS = ["photo_id", "photo_address", "event", "at"]
COUNT_FIELDS = ["photo_id", "photo_address", "likes_shown"]
INTERACTION_FIELDS = ["photo_id", "photo_address", "username", "event", "at"]
INTERACTION_NOTE = (
    "interaction_history_of_my_photos: who liked and who withdrew a like on your photos,\n"
    "and when. It is included because this site's like policy ({label}) shows photo\n"
    "owners this history on each photo's likes page.\n"
)


def export_likes(user: User) -> Iterator[tuple[str, bytes]]:
    likes = Like.objects.filter(user=user).select_related("photo__owner").order_by("created")
    yield from table_files(
        "likes",
        LIKE_FIELDS,
        (
            {
                "photo_id": like.photo_id,
                "photo_address": like.photo.get_absolute_url(),
                "photo_owner": like.photo.owner.username,
                "liked_at": like.created,
            }
            for like in likes
        ),
    )
    history = EngagementEvent.objects.filter(actor=user).select_related("photo")
    yield from table_files(
        "like_history",
        HISTORY_FIELDS,
        (_event_row(event) for event in history.order_by("created", "pk")),
    )
    now = timezone.now()
    photos = Photo.objects.filter(owner=user).order_by("created", "pk")
    yield from table_files(
        "like_counts_of_my_photos",
        COUNT_FIELDS,
        (
            {
                "photo_id": photo.pk,
                "photo_address": photo.get_absolute_url(),
                "likes_shown": displayed_like_count(photo, now),
            }
            for photo in photos
        ),
    )
    policy = get_policy()
    if policy.owner_sees_withdrawals:
        interactions = EngagementEvent.objects.filter(
            photo__owner=user, actor__is_active=True
        ).select_related("photo", "actor")
        yield (
            "interaction_history_of_my_photos.txt",
            INTERACTION_NOTE.format(label=policy.label).encode("utf-8"),
        )
        yield from table_files(
            "interaction_history_of_my_photos",
            INTERACTION_FIELDS,
            (
                _event_row(event) | {"username": event.actor.username}
                for event in interactions.order_by("created", "pk")
            ),
        )


def _event_row(event: EngagementEvent) -> dict:
    return {
        "photo_id": event.photo_id,
        "photo_address": event.photo.get_absolute_url(),
        "event": event.kind,
        "at": event.created,
    }


def erase(*, user: User) -> None:
    services.likes_erase(user=user)
