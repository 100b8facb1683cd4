"""Integrity checks for notifications: no like notification outlives its like, and the
list's lines count what they show."""

from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from config.integrity import Finding, Scope
from engagement.models import Like
from notifications.models import Notification, NotificationGroup
from notifications.services import notification_groups_recount, shown_in_line


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


def notification_lines(*, repair: bool, scope: Scope) -> list[Finding]:
    """Each line of a notification list counts exactly the notifications it shows;
    --repair recounts them. (On a full run only: lines belong to people, not photos.)"""
    if not scope.everything:
        return []
    drifted = list(
        NotificationGroup.objects.annotate(true_total=shown_in_line())
        .exclude(total=F("true_total"))
        .values_list("pk", "total", "true_total")
    )
    if repair and drifted:
        notification_groups_recount(group_ids={pk for pk, _total, _true in drifted})
    return [
        Finding("notification_lines", f"line {pk} counts {total}, shows {true}", repair)
        for pk, total, true in drifted
    ]
