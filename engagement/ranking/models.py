from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Affinity(models.Model):
    """How much ``viewer`` cares for ``author``'s photos, learnt from their likes and
    unlikes (engagement.ranking.scoring): ``score`` as of ``updated``, decaying from then
    on, so a read needs no write."""

    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(default=0.0)
    updated = models.DateTimeField()

    class Meta:
        verbose_name = _("affinity")
        verbose_name_plural = _("affinities")
        constraints = [models.UniqueConstraint(fields=["viewer", "author"], name="affinity_once")]

    def __str__(self) -> str:
        return f"{self.viewer_id} → {self.author_id}: {self.score:.2f}"


class FeedPreference(models.Model):
    """A person's choice of feed order; without a row, the feed is ranked."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    chronological = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("feed preference")
        verbose_name_plural = _("feed preferences")

    def __str__(self) -> str:
        return f"{self.user_id}: {'chronological' if self.chronological else 'ranked'}"
