"""Detection runs off the request: the immediate backend runs it at once (embedded
profile), a real backend on a worker. Detectors are idempotent, so a task that is re-run
(a worker died mid-way) raises nothing twice."""

from datetime import datetime

from django.tasks import task

from accounts.models import User
from engagement.moderation import detection
from photos.models import Photo


@task
def detect_due(*, person_id: int) -> None:
    detection.detect_due(person_id=person_id)


@task
def detect_after_event(*, user_id: int, photo_id: int, at: str) -> None:
    """One event's detection, as queued before detect_due: kept so that tasks already
    in a database queue when this release starts still run."""
    user = User.objects.filter(pk=user_id).first()
    photo = Photo.objects.filter(pk=photo_id).first()
    if user is not None and photo is not None:
        detection.detect_after_event(user=user, photo=photo, at=datetime.fromisoformat(at))


@task
def detect_rate_limit_hits(*, user_id: int, at: str) -> None:
    user = User.objects.filter(pk=user_id).first()
    if user is not None:
        detection.detect_rate_limit_hits(user=user, at=datetime.fromisoformat(at))
