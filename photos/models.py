from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

CAPTION_MAX_LENGTH = 2200
ALT_TEXT_MAX_LENGTH = 1000


class Photo(models.Model):
    """A posted photo. Only re-encoded renditions are stored; the uploaded bytes are not."""

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="photos",
        # photo_owner_recent (owner, -created, -id) serves lookups by owner, and the
        # database's checks when a person is deleted: a second index on owner alone
        # would only cost every upload a write.
        db_index=False,
        verbose_name=_("owner"),
    )
    caption = models.TextField(_("caption"), max_length=CAPTION_MAX_LENGTH, blank=True)
    alt_text = models.CharField(_("alt text"), max_length=ALT_TEXT_MAX_LENGTH)
    hide_like_count = models.BooleanField(_("hide like count"), default=False)
    created = models.DateTimeField(_("posted"), default=timezone.now)
    # Kept exact by engagement.services.like_set: always the number of Like rows.
    like_count = models.PositiveIntegerField(_("likes"), default=0)
    # The unlike inference shield: withdrawals inside the current release window still
    # count in what is displayed until the window ends (see engagement/shield.py).
    shield_window = models.DateTimeField(null=True, blank=True, editable=False)
    shield_withdrawals = models.PositiveIntegerField(default=0, editable=False)
    # Hidden by moderators: gone from feeds, grids and its page for everyone but its owner
    # (who sees a notice) and moderators, until a moderator restores it.
    hidden_at = models.DateTimeField(_("hidden by moderators"), null=True, blank=True)

    # Clean working copy (metadata stripped, capped size) for renditions made later.
    # It lives outside the served media prefix and is never linked.
    master = models.FileField(_("master"), upload_to="photos/masters/")
    width = models.PositiveIntegerField(_("width"))
    height = models.PositiveIntegerField(_("height"))
    display = models.FileField(_("display rendition"), upload_to="photos/r/")
    display_width = models.PositiveIntegerField()
    display_height = models.PositiveIntegerField()
    thumbnail = models.FileField(_("thumbnail"), upload_to="photos/r/")
    large = models.FileField(_("large rendition"), upload_to="photos/r/", blank=True)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["-created", "-id"]
        indexes = [
            models.Index(fields=["owner", "-created", "-id"], name="photo_owner_recent"),
            # The home feed walks the newest photos and keeps those of people followed.
            models.Index(fields=["-created", "-id"], name="photo_recent"),
        ]

    def __str__(self) -> str:
        return f"Photo {self.pk} by {self.owner_id}"

    def get_absolute_url(self) -> str:
        return reverse("photo_detail", kwargs={"photo_id": self.pk})

    @property
    def stored_files(self) -> list[str]:
        return [f.name for f in (self.master, self.display, self.thumbnail, self.large) if f]
