"""Detection runs off the request: the immediate backend runs it at once (embedded
profile), a real backend on a worker. Detectors are idempotent, so a task that is re-run
(a worker died mid-way) raises nothing twice."""

from datetime import datetime, timedelta

from django.db import transaction
from django.tasks import task
from django.utils import timezone

from accounts.models import User
from config.tasks import enqueue_with_change, retried
from engagement.moderation import detection
from engagement.moderation.models import DetectionDue
from photos.models import Photo


@task
@retried
def detect_due(*, person_id: int) -> None:
    detection.detect_due(person_id=person_id)


def detect_due_requeue_stale(*, older_than: timedelta, limit: int = 500) -> int:
    """Queue detection again for people whose due detection was queued more than
    ``older_than`` ago and has not run (its task gave up or was lost): while a row is
    due, their new events only widen it. Returns how many were queued."""
    cutoff = timezone.now() - older_than
    stale = DetectionDue.objects.filter(queued_at__lte=cutoff)
    queued = 0
    for person_id in stale.values_list("person_id", flat=True)[:limit]:
        with transaction.atomic():
            if stale.filter(person_id=person_id).update(queued_at=timezone.now()):
                enqueue_with_change(detect_due, person_id=person_id)
                queued += 1
    return queued


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
