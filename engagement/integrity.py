"""Integrity checks for engagement: the denormalised like count equals the Like rows of
active people (a suspended account's likes stop counting until it is restored), and every
event's side effects have run."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from config.integrity import Finding, Scope
from engagement.models import EngagementEvent
from engagement.services import counted_likes, event_dispatch, like_counts_recount
from photos.models import Photo


def like_counts(*, repair: bool, scope: Scope) -> list[Finding]:
    """Photo.like_count must equal the number of Like rows by active people; --repair
    recounts from them."""
    drifted = list(
        scope.photos(Photo.objects.all())
        .annotate(true_count=counted_likes())
        .exclude(like_count=F("true_count"))
        .values_list("pk", "like_count", "true_count")
    )
    if repair and drifted:
        like_counts_recount(photo_ids=[photo_id for photo_id, _shown, _actual in drifted])
    return [
        Finding("like_counts", f"photo {photo_id} like_count {shown} != {actual} likes", repair)
        for photo_id, shown, actual in drifted
    ]


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
