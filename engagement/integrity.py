"""Integrity checks for engagement: the denormalised like count equals the Like rows."""

from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

from config.integrity import Finding, Scope
from engagement.models import Like
from photos.models import Photo


def like_counts(*, repair: bool, scope: Scope) -> list[Finding]:
    """Photo.like_count must equal the number of Like rows; --repair recounts from them."""
    true_count = (
        Like.objects.filter(photo=OuterRef("pk"))
        .order_by()
        .values("photo")
        .annotate(n=Count("pk"))
        .values("n")
    )
    drifted = (
        scope.photos(Photo.objects.all())
        .annotate(true_count=Coalesce(Subquery(true_count), 0))
        .exclude(like_count=F("true_count"))
        .values_list("pk", "like_count", "true_count")
    )
    findings = []
    for photo_id, shown, actual in drifted:
        if repair:
            Photo.objects.filter(pk=photo_id).update(like_count=actual)
        message = f"photo {photo_id} like_count {shown} != {actual} likes"
        findings.append(Finding("like_counts", message, repaired=repair))
    return findings
