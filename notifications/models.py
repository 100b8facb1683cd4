from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photos.models import Photo


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
