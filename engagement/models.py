from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from photos.models import Photo


class Like(models.Model):
    """The truth: one row per person who likes a photo right now."""

    # Each is served by an index that leads with it (like_once, like_photo_recent): a
    # like writes two indexes fewer without their own.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="likes", db_index=False
    )
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="likes", db_index=False)
    created = models.DateTimeField(_("liked at"), default=timezone.now)

    class Meta:
        verbose_name = _("like")
        verbose_name_plural = _("likes")
        constraints = [models.UniqueConstraint(fields=["user", "photo"], name="like_once")]
        indexes = [models.Index(fields=["photo", "-created"], name="like_photo_recent")]

    def __str__(self) -> str:
        return f"{self.user_id} ♥ {self.photo_id}"


class EngagementEvent(models.Model):
    """Append-only log of every real like/unlike (never the no-ops), and of likes that a
    moderator voided (removed as abusive: not the person's own withdrawal)."""

    class Kind(models.TextChoices):
        LIKE = "like", _("like")
        UNLIKE = "unlike", _("unlike")
        VOID = "void", _("like voided by a moderator")

    # Indexed by the composite indexes below (each leads with it), not on its own. No
    # database constraint either: an event is written only with the Like row it logs
    # (engagement.statements), whose own constraints already checked both, and deleting
    # a person or a photo deletes their events (CASCADE, done by Django). A constraint
    # here would check them again on every like and share-lock the viral photo's row.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="engagement_events",
        db_index=False,
        db_constraint=False,
    )
    photo = models.ForeignKey(
        Photo,
        on_delete=models.CASCADE,
        related_name="engagement_events",
        db_index=False,
        db_constraint=False,
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    created = models.DateTimeField(default=timezone.now)
    # The event is also the outbox of its side effects (notifications, rollups, detection):
    # set once they have run, in the same transaction (engagement.services.event_dispatch).
    dispatched_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("engagement event")
        verbose_name_plural = _("engagement events")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["photo", "kind", "created"], name="event_photo_kind_time"),
            models.Index(fields=["actor", "created"], name="event_actor_time"),
            # One person's history on one photo: what the like path reads under the shield.
            models.Index(fields=["actor", "photo", "created", "id"], name="event_actor_photo_time"),
            models.Index(
                fields=["created"],
                condition=models.Q(dispatched_at__isnull=True),
                name="event_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.actor_id} {self.kind} {self.photo_id} at {self.created:%Y-%m-%d %H:%M}"


class RateLimitHit(models.Model):
    """Someone went over the like/unlike rate limit (one row per person and window)."""

    class Scope(models.TextChoices):
        MINUTE = "minute", _("per-minute burst limit")
        DAY = "day", _("daily cap")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rate_limit_hits"
    )
    photo = models.ForeignKey(Photo, on_delete=models.SET_NULL, null=True, blank=True)
    scope = models.CharField(max_length=8, choices=Scope.choices)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("rate limit hit")
        verbose_name_plural = _("rate limit hits")
        ordering = ["-created"]

    def __str__(self) -> str:
        return f"{self.user_id} over {self.scope} limit at {self.created:%Y-%m-%d %H:%M}"


class ReadLimitHit(models.Model):
    """Someone read likers lists, or pages of like counts, faster than people browse them
    (the LIKERS_READS_* and LIKE_COUNT_READS_* limits): the first refusal per reader,
    reading and window, for moderators. Polling these and diffing them is how "who
    unliked me" tools work."""

    class Reading(models.TextChoices):
        LIKERS = "likers", _("likers lists")
        COUNTS = "counts", _("pages of like counts")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    reading = models.CharField(max_length=8, choices=Reading.choices)
    path = models.CharField(_("page"), max_length=200)
    scope = models.CharField(max_length=8, choices=RateLimitHit.Scope.choices)
    created = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("read limit hit")
        verbose_name_plural = _("read limit hits")
        ordering = ["-created"]

    def __str__(self) -> str:
        reader = self.user_id or self.address
        return (
            f"{reader} over the {self.reading} {self.scope} limit at {self.created:%Y-%m-%d %H:%M}"
        )
