import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.validators import username_validators

TIMEZONE_CHOICES = sorted((name, name) for name in zoneinfo.available_timezones())


class LikeNotifications(models.TextChoices):
    EVERYONE = "everyone", _("From everyone")
    FOLLOWING = "following", _("Only from people I follow")
    OFF = "off", _("Off")


class User(AbstractUser):
    """A person on Likewise. Custom from the first migration so it can grow freely."""

    username = models.CharField(
        _("username"),
        max_length=30,
        unique=True,
        validators=username_validators,
        help_text=_("Up to 30 letters, digits, underscores or dots. Shown as @username."),
        error_messages={"unique": _("That username is taken.")},
    )
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    bio = models.TextField(_("bio"), max_length=300, blank=True)
    avatar = models.ImageField(_("avatar"), upload_to="avatars/", blank=True)
    hide_like_counts = models.BooleanField(
        _("hide like counts on other people's photos"), default=False
    )
    notify_likes = models.CharField(
        _("like notifications"),
        max_length=10,
        choices=LikeNotifications.choices,
        default=LikeNotifications.EVERYONE,
    )
    notify_follows = models.BooleanField(_("follow notifications"), default=True)
    # Kept by accounts.services.follow_set with the Follow rows (check_integrity verifies),
    # so a profile shows its counts without counting a popular person's followers.
    follower_count = models.PositiveIntegerField(_("followers"), default=0, editable=False)
    following_count = models.PositiveIntegerField(_("following"), default=0, editable=False)
    timezone = models.CharField(
        _("time zone"), max_length=64, choices=TIMEZONE_CHOICES, default="UTC"
    )
    # Set by a moderator's "restrict": lower like/unlike rate limits until then
    # (engagement/ratelimit.py reads it).
    likes_restricted_until = models.DateTimeField(
        _("likes restricted until"), null=True, blank=True, editable=False
    )
    # Set when the person asks to delete their account; logging in again before
    # ACCOUNT_DELETION_GRACE_DAYS have passed clears it, after that purge_deleted_accounts
    # removes the account (accounts.services.account_purge).
    deletion_requested_at = models.DateTimeField(
        _("deletion requested"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Usernames are unique whatever their case; this index also serves the
            # case-insensitive profile lookup (accounts.selectors._active_named).
            models.UniqueConstraint(
                Lower("username"),
                name="username_unique_any_case",
                violation_error_message=_("That username is taken."),
            ),
        ]
        indexes = [
            # "People to discover" reads the newest members first.
            models.Index(fields=["-date_joined"], name="user_newest"),
        ]
        permissions = [
            ("review_engagement", _("Can review suspicious engagement")),
            ("review_reports", _("Can review user reports")),
            ("act_on_content", _("Can hide content and restrict users")),
        ]

    def __str__(self) -> str:
        return self.username

    @property
    def name(self) -> str:
        """What to call this person on screen."""
        return self.display_name or self.username

    @property
    def initial(self) -> str:
        return self.name[:1].upper()

    def get_absolute_url(self) -> str:
        return reverse("profile", kwargs={"username": self.username})


class Follow(models.Model):
    follower = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="following_links", verbose_name=_("follower")
    )
    followed = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="follower_links", verbose_name=_("followed")
    )
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followed"], name="follow_once"),
            models.CheckConstraint(condition=~Q(follower=F("followed")), name="follow_not_self"),
        ]
        indexes = [models.Index(fields=["followed", "-created"], name="follow_followed_recent")]

    def __str__(self) -> str:
        return f"{self.follower} → {self.followed}"


class DataExport(models.Model):
    """One "download my data" archive, built by a background task.

    The ZIP is stored under ``exports/``, outside the served media prefixes, and is only
    handed out by ``accounts.views.data_export_download`` to its owner until ``expires_at``.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        BUILDING = "building", _("being built")
        READY = "ready", _("ready")
        FAILED = "failed", _("failed")
        EXPIRED = "expired", _("expired")

    owner = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="data_exports", verbose_name=_("owner")
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    file = models.FileField(_("archive"), upload_to="exports/", blank=True)
    created = models.DateTimeField(_("requested"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["owner", "-created"], name="data_export_recent")]

    def __str__(self) -> str:
        return f"export {self.pk} of {self.owner_id} ({self.status})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.BUILDING)
