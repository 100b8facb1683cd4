"""`check_integrity`: the insight rollups equal what the event log, view log and follows say."""

from config.integrity import Finding, Scope
from engagement.insights.rebuild import follower_days_rebuild, photo_days_rebuild
from photos.models import Photo


def rollups_match_log(*, repair: bool, scope: Scope) -> list[Finding]:
    """Photo days of the photos in scope; follower days on a full run only."""
    if scope.everything:
        drifts = photo_days_rebuild(repair=repair) + follower_days_rebuild(repair=repair)
    else:
        drifts = photo_days_rebuild(repair=repair, photos=scope.photos(Photo.objects.all()))
    return [
        Finding("insight_rollups", drift.message, repaired=repair and drift.repairable)
        for drift in drifts
    ]
