from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photos.models import Photo


class NotificationGroup(models.Model):
    """One line of the notification list: a verb, a photo (or none) and the recipient's
    local day, e.g. "Ana, Ben and 12 others liked your photo".

    Kept by notifications.services as notifications are shown and withdrawn (``total`` is
    how many it shows), so the list reads a page of groups from an index instead of
    grouping every notification ever received. Names and the unread state are read from
    the group's newest notifications (an index per group, see selectors).
    """

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    verb = models.CharField(max_length=10)
    photo = models.ForeignKey(
        Photo, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    day = models.DateField()
    latest = models.DateTimeField()
    total = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("notification group")
        verbose_name_plural = _("notification groups")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "verb", "photo", "day"],
                condition=Q(photo__isnull=False),
                name="notification_group_per_photo",
            ),
            models.UniqueConstraint(
                fields=["recipient", "verb", "day"],
                condition=Q(photo__isnull=True),
                name="notification_group_without_photo",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-latest", "-id"],
                condition=Q(total__gt=0),
                name="notification_group_recent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.total} {self.verb} for {self.recipient_id} on {self.day}"


class Notification(models.Model):
    """One actor's action for one recipient; grouped into "Ana and 12 others…" at read time.

    At most one row per (recipient, actor, verb, photo): the unique constraints make
    creation race-free. A withdrawn like hides its row from ``withdrawn_at`` on rather than
    deleting it, so a quick re-like within the cooldown can be recognised and not sent
    again. With the unlike shield, ``withdrawn_at`` is the end of the release window: the
    notification leaves together with the count, so it cannot date the unlike either.
    """

    class Verb(models.TextChoices):
        LIKE = "like", _("liked your photo")
        UNLIKE = "unlike", _("unliked your photo")
        FOLLOW = "follow", _("followed you")
        WARNING = "warning", _("moderators warned you")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    verb = models.CharField(max_length=10, choices=Verb.choices)
    photo = models.ForeignKey(
        Photo, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    # Its line in the list, and whether it is counted there now (see NotificationGroup).
    group = models.ForeignKey(
        NotificationGroup, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    shown = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "actor", "verb", "photo"],
                condition=Q(photo__isnull=False),
                name="notification_once_per_photo",
            ),
            models.UniqueConstraint(
                fields=["recipient", "actor", "verb"],
                condition=Q(photo__isnull=True),
                name="notification_once_without_photo",
            ),
        ]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            models.Index(fields=["recipient", "-created"], name="notification_recent"),
            # A group's newest shown notifications (its names, its unread state).
            models.Index(
                fields=["group", "-created", "-id"],
                condition=Q(shown=True),
                name="notification_shown_in_group",
            ),
            # Whether a line has anything unread, and what to mark read when it is shown.
            models.Index(
                fields=["group"],
                condition=Q(shown=True, read_at__isnull=True),
                name="notification_unread_in_group",
            ),
            # Shown notifications whose withdrawal has come due (settled at read time).
            models.Index(
                fields=["recipient", "withdrawn_at"],
                condition=Q(shown=True, withdrawn_at__isnull=False),
                name="notification_withdrawing",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.verb} → {self.recipient_id}"

    @staticmethod
    def visible_at(at: datetime) -> Q:
        """Rows not withdrawn, or whose withdrawal only takes effect after ``at``."""
        return Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gt=at)


class PhotoMute(models.Model):
    """The owner muted like notifications for one photo (for photos that go viral)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="+")
    created = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("muted photo")
        verbose_name_plural = _("muted photos")
        constraints = [models.UniqueConstraint(fields=["user", "photo"], name="mute_once")]

    def __str__(self) -> str:
        return f"{self.user_id} muted {self.photo_id}"
