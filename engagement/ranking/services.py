"""Writes of the ranking app: affinities learnt from engagement, and the feed order."""

from datetime import datetime

from django.core.cache import cache
from django.db import transaction

from accounts.models import User
from engagement.ranking.models import Affinity, FeedPreference
from engagement.ranking.scoring import affinity_after
from engagement.ranking.selectors import current_feed_key


# Called inside an event's dispatch, which commits or rolls back as one: a savepoint of
# its own would only add two statements per event.
@transaction.atomic(savepoint=False)
def affinity_learn(*, viewer_id: int, author_id: int, delta: float, at: datetime) -> None:
    """Add ``delta`` to what ``viewer`` is known to think of ``author`` at ``at``.

    Runs inside the event's dispatch (exactly once per like or unlike, see
    engagement.services.event_dispatch); the row is locked, so two events of the same
    pair cannot lose each other's change.
    """
    # Most engagement is with an author engaged with before: lock their row. The first
    # time, create it (ignored if another dispatch just did) and lock it then.
    locked = Affinity.objects.select_for_update()
    try:
        row = locked.get(viewer_id=viewer_id, author_id=author_id)
    except Affinity.DoesNotExist:
        Affinity.objects.bulk_create(
            [Affinity(viewer_id=viewer_id, author_id=author_id, score=0.0, updated=at)],
            ignore_conflicts=True,
        )
        row = locked.get(viewer_id=viewer_id, author_id=author_id)
    row.score = affinity_after(row.score, row.updated, delta, at)
    row.updated = max(row.updated, at)
    row.save(update_fields=["score", "updated"])
    transaction.on_commit(lambda: feed_forget(viewer_id=viewer_id))


def feed_forget(*, viewer_id: int) -> None:
    """The viewer's next home page ranks afresh: what their ranking rests on changed."""
    cache.delete(current_feed_key(viewer_id))


@transaction.atomic
def feed_order_set(*, user: User, chronological: bool) -> None:
    FeedPreference.objects.update_or_create(user=user, defaults={"chronological": chronological})


@transaction.atomic
def ranking_erase(*, user: User) -> None:
    """Forget what was learnt about the person and by them (their account is deleted)."""
    Affinity.objects.filter(viewer=user).delete()
    Affinity.objects.filter(author=user).delete()
    FeedPreference.objects.filter(user=user).delete()
