"""Integrity checks for engagement: the denormalised like count equals the Like rows of
active people (a suspended account's likes stop counting until it is restored), the
shield's pending withdrawals equal the event log's, and every event's side effects have
run."""

from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from config.integrity import Finding, Scope
from engagement.models import EngagementEvent
from engagement.policy import get_policy
from engagement.services import (
    counted_likes,
    counted_withdrawals,
    event_dispatch,
    like_counts_recount,
    withdrawals_recount,
)
from engagement.shield import window_start
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


def pending_withdrawals(*, repair: bool, scope: Scope) -> list[Finding]:
    """Under the shield, a photo's pending withdrawals this window (displayed until it
    ends) must equal the people whose latest engagement with it this window is a
    withdrawal; --repair recounts them from the event log."""
    if not get_policy().unlike_shield:
        return []
    window = window_start(timezone.now())
    drifted = list(
        scope.photos(Photo.objects.filter(shield_window=window))
        .annotate(true_count=counted_withdrawals(window))
        .exclude(shield_withdrawals=F("true_count"))
        .values_list("pk", "shield_withdrawals", "true_count")
    )
    if repair and drifted:
        withdrawals_recount(photo_ids=[photo_id for photo_id, *_counts in drifted], window=window)
    return [
        Finding(
            "pending_withdrawals",
            f"photo {photo_id} shows {shown} pending withdrawals, the log has {actual}",
            repair,
        )
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
