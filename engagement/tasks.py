"""Background work for engagement: running each event's side effects after it commits."""

from datetime import timedelta

from django.conf import settings
from django.tasks import task

from config.tasks import retried


@task
@retried
def engagement_event_dispatch(*, event_id: int) -> None:
    """The side effects of one like, unlike or voided like (see services.event_dispatch),
    and of any event whose own task was lost long enough ago (the outbox heals itself
    with the next engagement, in every profile)."""
    from engagement.services import event_dispatch, events_dispatch_stale

    event_dispatch(event_id=event_id)
    events_dispatch_stale(older_than=timedelta(seconds=settings.TASK_STALE_SECONDS), limit=20)
