"""Integrity checks for notifications: no like notification outlives its like."""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from config.integrity import Finding, Scope
from engagement.models import Like
from notifications.models import Notification


def no_orphan_like_notifications(*, repair: bool, scope: Scope) -> list[Finding]:
    """A visible like notification whose Like is gone is withdrawn by --repair."""
    still_liked = Like.objects.filter(user=OuterRef("actor"), photo=OuterRef("photo"))
    orphans = scope.photos(
        Notification.objects.filter(verb=Notification.Verb.LIKE, withdrawn_at__isnull=True),
        prefix="photo__",
    ).exclude(Exists(still_liked))
    findings = [
        Finding(
            "like_notifications",
            f"notification {pk} for a like that no longer exists",
            repaired=repair,
        )
        for pk in orphans.values_list("pk", flat=True)
    ]
    if repair and findings:
        orphans.update(withdrawn_at=timezone.now())
    return findings
