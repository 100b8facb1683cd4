"""Rollups stay equal to the logs when likes, unlikes and views race (PostgreSQL only)."""

import random
from datetime import UTC, datetime

from engagement.insights import services
from engagement.insights.models import PhotoDay
from engagement.insights.rebuild import photo_days_rebuild
from engagement.models import EngagementEvent
from engagement.services import like_set
from tests.factories import PhotoFactory, UserFactory
from tests.postgres import POSTGRES_ONLY, run_together

pytestmark = POSTGRES_ONLY


def test_rebuild_equals_rollups_after_a_like_unlike_race(settings):
    settings.LIKE_RATE_PER_MINUTE = settings.LIKE_RATE_PER_DAY = 10_000
    photo = PhotoFactory(owner=UserFactory(username="olivia"))
    people = UserFactory.create_batch(30)
    rng = random.Random(13)
    plans = {person.pk: [rng.random() < 0.5 for _ in range(4)] for person in people}

    def toggle(person):
        return lambda: sum(
            like_set(user=person, photo=photo, liked=want) for want in plans[person.pk]
        )

    def view(person):
        seen = (photo.pk, f"u{person.pk}", datetime.now(UTC).date(), "page")
        return lambda: services.photo_views_record(views=[seen])

    run_together([toggle(p) for p in people] + [view(p) for p in people])

    assert photo_days_rebuild(repair=False) == []
    row = PhotoDay.objects.get(photo=photo)
    events = EngagementEvent.objects.filter(photo=photo)
    assert row.likes_gained == events.filter(kind="like").count()
    assert row.likes_withdrawn == events.filter(kind="unlike").count()
    assert (row.views, row.unique_viewers) == (30, 30)
