"""Every write to the insight rollups and the view log.

Like and follower counts are added in one upsert each (config.queries.count_up); the view
log's rows are created with ``bulk_create(ignore_conflicts=True)`` and the reach recounted
under a row lock. Either way concurrent writers (on PostgreSQL) neither lose nor double a
change.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count

from config.queries import count_up
from engagement.insights.days import utc_day
from engagement.insights.models import FollowerDay, PhotoDay, PhotoView
from photos.models import Photo

LIKE_COLUMNS = {"gained": "likes_gained", "withdrawn": "likes_withdrawn", "voided": "likes_voided"}


def photo_day_count(*, photo: Photo, at: datetime, change: str) -> None:
    """Add one like ``change`` (gained, withdrawn or voided) to the photo's day of ``at``."""
    count_up(
        PhotoDay,
        row={"photo": photo.pk, "owner": photo.owner_id, "day": utc_day(at)},
        unique=("photo", "day"),
        column=LIKE_COLUMNS[change],
    )


def follower_day_count(*, user_id: int, at: datetime, gained: bool) -> None:
    count_up(
        FollowerDay,
        row={"user": user_id, "day": utc_day(at)},
        unique=("user", "day"),
        column="gained" if gained else "lost",
    )


def photo_views_record(*, views: Iterable[tuple[int, str, date, str]]) -> None:
    """Log views, each (photo id, viewer key, day, source), and recount the reach of the
    photo days they touch. A view already logged is ignored by the unique constraint, so
    recording is idempotent; the recount then makes the rollup equal the log."""
    views = set(views)
    if not views:
        return
    PhotoView.objects.bulk_create(
        [
            PhotoView(photo_id=photo_id, viewer_key=key, day=day, source=source)
            for photo_id, key, day, source in views
        ],
        ignore_conflicts=True,
        batch_size=500,
    )
    photos_by_day: dict[date, set[int]] = defaultdict(set)
    for photo_id, _key, day, _source in views:
        photos_by_day[day].add(photo_id)
    for day, photo_ids in sorted(photos_by_day.items()):
        photo_days_recount_reach(photo_ids=sorted(photo_ids), day=day)


@transaction.atomic
def photo_days_recount_reach(*, photo_ids: list[int], day: date) -> None:
    """Set views and unique viewers of these photos' ``day`` from the view log.

    The rows are locked (in id order, so two recounts cannot deadlock) before counting:
    a recount that waited for another one counts with a fresh snapshot, so the last one to
    write has seen every committed view.
    """
    owners = Photo.objects.filter(pk__in=photo_ids).values_list("pk", "owner_id")
    PhotoDay.objects.bulk_create(
        [PhotoDay(photo_id=pk, owner_id=owner_id, day=day) for pk, owner_id in owners],
        ignore_conflicts=True,
    )
    rows = list(
        PhotoDay.objects.select_for_update()
        .filter(photo_id__in=photo_ids, day=day)
        .order_by("pk")
        .only("pk", "photo_id")
    )
    reach = {
        row["photo_id"]: row
        for row in PhotoView.objects.filter(photo_id__in=photo_ids, day=day)
        .values("photo_id")
        .annotate(views=Count("pk"), unique_viewers=Count("viewer_key", distinct=True))
    }
    for row in rows:
        counted = reach.get(row.photo_id, {})
        row.views = counted.get("views", 0)
        row.unique_viewers = counted.get("unique_viewers", 0)
    PhotoDay.objects.bulk_update(rows, ["views", "unique_viewers"])
