"""Thin receivers: engagement in, detection tasks out (enqueued once the change committed);
and, at login, whether the header shows the review queue link."""

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save

from config.tasks import deferred, enqueue_with_change
from engagement.models import RateLimitHit
from engagement.moderation import services, tasks
from engagement.signals import photo_liked, photo_unliked


def on_engagement(sender, *, user, photo, at, voided: bool = False, **kwargs) -> None:
    """Sent while the event is dispatched: the person's engagement is noted as due for
    detection, and the first note queues the task with the dispatch (run once it
    commits, without holding the dispatch's locks); later events join that task, which
    a database queue holds back MODERATION_DETECTION_DELAY_SECONDS so that a burst of
    them does."""
    if voided:  # a moderator's doing, not the person's
        return
    if services.detection_due(person=user, at=at):
        delay = settings.MODERATION_DETECTION_DELAY_SECONDS
        enqueue_with_change(deferred(tasks.detect_due, seconds=delay), person_id=user.pk)


def on_rate_limit_hit(sender, *, instance, created, **kwargs) -> None:
    if created:
        enqueue_with_change(
            tasks.detect_rate_limit_hits, user_id=instance.user_id, at=instance.created.isoformat()
        )


# Read by templates/base.html. Set once per login, so no page pays the permission queries
# for the link; the queue's views check the permissions themselves on every request.
REVIEWER_SESSION_KEY = "moderation_reviewer"


def on_logged_in(sender, *, request, user, **kwargs) -> None:
    if request is not None and hasattr(request, "session"):
        reviewer = user.has_perm("accounts.review_engagement") or user.has_perm(
            "accounts.review_reports"
        )
        request.session[REVIEWER_SESSION_KEY] = reviewer


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="moderation_logged_in")
    photo_liked.connect(on_engagement, dispatch_uid="moderation_photo_liked")
    photo_unliked.connect(on_engagement, dispatch_uid="moderation_photo_unliked")
    post_save.connect(on_rate_limit_hit, sender=RateLimitHit, dispatch_uid="moderation_hits")
