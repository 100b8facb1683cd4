"""Integrity checks for engagement: the denormalised like count equals the Like rows, and
every event's side effects have run."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from config.integrity import Finding, Scope
from engagement.models import EngagementEvent, Like
from engagement.services import event_dispatch
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


def events_dispatched(*, repair: bool, scope: Scope) -> list[Finding]:
    """Every engagement event's side effects ran (notifications, rollups, detection).

    An event still undispatched TASK_STALE_SECONDS after it happened lost its task (the
    process died between commit and running it); --repair dispatches it now, once.
    """
    cutoff = timezone.now() - timedelta(seconds=settings.TASK_STALE_SECONDS)
    stale = scope.photos(
        EngagementEvent.objects.filter(dispatched_at__isnull=True, created__lt=cutoff),
        prefix="photo__",
    )
    findings = []
    for event_id, kind in stale.order_by("created").values_list("pk", "kind"):
        dispatched = repair and event_dispatch(event_id=event_id)
        message = f"{kind} event {event_id} never ran its side effects"
        findings.append(Finding("events_dispatched", message, repaired=dispatched))
    return findings
