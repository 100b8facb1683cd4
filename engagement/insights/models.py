"""Reach and daily rollups for owner insights.

Days are UTC dates (the page labels them as dates). ``PhotoDay`` is the only thing the
insight pages read; it is kept incrementally from the engagement signals and the view log,
and ``manage.py rebuild_insights`` recomputes it from ``EngagementEvent`` and ``PhotoView``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from engagement.models import EngagementEvent
from photos.models import Photo

# The counts a PhotoDay keeps, and the column each kind of engagement event adds to.
COUNT_FIELDS = ["likes_gained", "likes_withdrawn", "likes_voided", "views", "unique_viewers"]
EVENT_FIELDS = {
    EngagementEvent.Kind.LIKE: "likes_gained",
    EngagementEvent.Kind.UNLIKE: "likes_withdrawn",
    EngagementEvent.Kind.VOID: "likes_voided",
}


class PhotoView(models.Model):
    """The view log: at most one row per viewer, photo, day and place it was seen.

    ``viewer_key`` is ``u<user id>`` for members and ``s<session key>`` for anonymous
    visitors who have a session; it is never shown to anyone.
    """

    class Source(models.TextChoices):
        PAGE = "page", _("photo page")
        FEED = "feed", _("feed or grid")

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="+")
    viewer_key = models.CharField(max_length=48)
    day = models.DateField()
    source = models.CharField(max_length=4, choices=Source.choices)

    class Meta:
        verbose_name = _("photo view")
        verbose_name_plural = _("photo views")
        constraints = [
            models.UniqueConstraint(
                fields=["photo", "day", "source", "viewer_key"], name="photo_view_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.photo_id} seen on {self.day} ({self.source})"


class PhotoDay(models.Model):
    """One photo's engagement on one UTC day.

    ``views`` counts view-log rows (page views plus feed impressions, each at most once a
    day per viewer); ``unique_viewers`` counts distinct viewers that day. Voided likes
    (removed by a moderator) are kept apart from withdrawals.
    """

    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="insight_days")
    # The photo's owner, copied so an account's days are read by index, not by a join.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    day = models.DateField()
    likes_gained = models.PositiveIntegerField(default=0)
    likes_withdrawn = models.PositiveIntegerField(default=0)
    likes_voided = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)
    unique_viewers = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("photo day")
        verbose_name_plural = _("photo days")
        constraints = [models.UniqueConstraint(fields=["photo", "day"], name="photo_day_once")]
        indexes = [
            # An account's insights sum thousands of days of its photos: the index holds
            # every column they read, so the sums come from it alone (an index-only scan
            # on PostgreSQL, a covering index on SQLite).
            models.Index(
                fields=[
                    "owner",
                    "day",
                    "photo",
                    "likes_gained",
                    "likes_withdrawn",
                    "likes_voided",
                    "views",
                    "unique_viewers",
                ],
                name="photo_day_owner_day",
            ),
            # The week's engagement across the site, for explore (engagement.ranking).
            models.Index(fields=["day"], name="photo_day_day"),
        ]

    def __str__(self) -> str:
        return f"{self.photo_id} on {self.day}"


class FollowerDay(models.Model):
    """Followers one person gained and lost on one UTC day (Follow rows are deleted on
    unfollow, so this rollup is the only record of losses)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follower_days"
    )
    day = models.DateField()
    gained = models.PositiveIntegerField(default=0)
    lost = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("follower day")
        verbose_name_plural = _("follower days")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="follower_day_once")]

    def __str__(self) -> str:
        return f"{self.user_id} on {self.day}"
