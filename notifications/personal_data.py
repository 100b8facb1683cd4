"""The person's notifications in "download my data", and their erasure with the account.

Only what the notifications page shows now: a like notification that was withdrawn is
left out, and no row says when anything was withdrawn, so the export cannot reveal an
unlike either.
"""

from collections.abc import Iterator

from django.utils import timezone

from accounts.models import User
from config.personal_data import table_files
from notifications import services
from notifications.models import Notification, PhotoMute

NOTIFICATION_FIELDS = ["what", "from_username", "photo_id", "at", "read_at"]


def export_notifications(user: User) -> Iterator[tuple[str, bytes]]:
    shown = (
        Notification.objects.filter(Notification.visible_at(timezone.now()), recipient=user)
        .select_related("actor")
        .order_by("created", "pk")
    )
    yield from table_files(
        "notifications",
        NOTIFICATION_FIELDS,
        (
            {
                "what": notification.get_verb_display(),
                "from_username": notification.actor.username,
                "photo_id": notification.photo_id,
                "at": notification.created,
                "read_at": notification.read_at,
            }
            for notification in shown
        ),
    )
    muted = PhotoMute.objects.filter(user=user).order_by("created")
    yield from table_files(
        "muted_photos",
        ["photo_id", "since"],
        ({"photo_id": mute.photo_id, "since": mute.created} for mute in muted),
    )


def erase(*, user: User) -> None:
    services.notifications_erase(user=user)
