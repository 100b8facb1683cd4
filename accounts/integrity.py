"""`check_integrity`: no "download my data" archive outlives its link. (Archive files no
export refers to are found with the other orphan media: photos.integrity.orphan_media.)"""

from django.utils import timezone

from accounts import services
from accounts.models import DataExport
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
