"""Every write to the insight rollups and the view log.

Rollup rows are created with ``bulk_create(ignore_conflicts=True)`` and then changed with
an ``F()`` update or under a row lock, so concurrent writers (on PostgreSQL) neither lose
nor double a change.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from functools import cache

from django.db import connection, transaction
from django.db.models import Count, F

from engagement.insights.days import utc_day
from engagement.insights.models import FollowerDay, PhotoDay, PhotoView
from photos.models import Photo

LIKE_COLUMNS = {"gained": "likes_gained", "withdrawn": "likes_withdrawn", "voided": "likes_voided"}


def photo_day_count(*, photo: Photo, at: datetime, change: str) -> None:
    """Add one like ``change`` (gained, withdrawn or voided) to the photo's day of ``at``.

    One statement, run inside every event's dispatch: it creates the day with this change
    counted, or adds it to the day's row in place (the row is locked by the upsert, so
    concurrent dispatches neither lose nor double a change). Through the ORM this was an
    insert that ignores conflicts and then an update: two statements to build and send.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            _photo_day_upsert(LIKE_COLUMNS[change]),
            [photo.pk, photo.owner_id, connection.ops.adapt_datefield_value(utc_day(at))],
        )


@cache
def _photo_day_upsert(column: str) -> str:
    """INSERT ... ON CONFLICT DO UPDATE (PostgreSQL, and SQLite since 3.24) raising
    ``column`` by one; every counter of a new day starts at 0, ``column`` at 1."""
    meta, quote = PhotoDay._meta, connection.ops.quote_name
    table = quote(meta.db_table)
    photo, owner, day = (quote(meta.get_field(name).column) for name in ("photo", "owner", "day"))
    counters = [*LIKE_COLUMNS.values(), "views", "unique_viewers"]
    starts = ", ".join("1" if name == column else "0" for name in counters)
    return (
        f"INSERT INTO {table} ({photo}, {owner}, {day}, {', '.join(map(quote, counters))})"
        f" VALUES (%s, %s, %s, {starts}) ON CONFLICT ({photo}, {day})"
        f" DO UPDATE SET {quote(column)} = {table}.{quote(column)} + 1"
    )


@transaction.atomic
def follower_day_count(*, user_id: int, at: datetime, gained: bool) -> None:
    column = "gained" if gained else "lost"
    day = utc_day(at)
    FollowerDay.objects.bulk_create([FollowerDay(user_id=user_id, day=day)], ignore_conflicts=True)
    FollowerDay.objects.filter(user_id=user_id, day=day).update(**{column: F(column) + 1})


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
