"""`check_integrity`: no "download my data" archive outlives its link. (Archive files no
export refers to are found with the other orphan media: photos.integrity.orphan_media.)"""

from django.db.models import F
from django.utils import timezone

from accounts import services
from accounts.models import DataExport, User
from config.integrity import Finding, Scope


def data_exports_expired(*, repair: bool, scope: Scope) -> list[Finding]:
    """Archives whose link has expired but whose file is still kept (on every run: they
    belong to no photo)."""
    expired = DataExport.objects.filter(
        status=DataExport.Status.READY, expires_at__lte=timezone.now()
    )
    findings = [
        Finding("data_exports", f"export {pk} expired but its file is kept", repaired=repair)
        for pk in expired.values_list("pk", flat=True)
    ]
    if repair:
        services.data_exports_expire(exports=expired)
    return findings


def follow_counts(*, repair: bool, scope: Scope) -> list[Finding]:
    """Each person's follower and following counts equal their Follow rows (full runs);
    --repair recounts them."""
    if not scope.everything:
        return []
    drifted = list(
        User.objects.annotate(
            true_followers=services.follow_count("followed"),
            true_following=services.follow_count("follower"),
        )
        .exclude(follower_count=F("true_followers"), following_count=F("true_following"))
        .values_list("pk", "username", "follower_count", "true_followers")
    )
    if repair and drifted:
        services.follow_counts_recount(user_ids=[pk for pk, *_rest in drifted])
    return [
        Finding("follow_counts", f"@{name} shows {shown} followers of {true}", repaired=repair)
        for _pk, name, shown, true in drifted
    ]
