"""Recomputing the rollups from the truth: ``EngagementEvent``, the view log and follows.

Used by ``manage.py rebuild_insights`` and ``check_integrity``. Photo days are rebuilt
exactly from the dispatched events (LIKE -> gained, UNLIKE -> withdrawn, VOID -> voided;
reach from ``PhotoView``); events still in the outbox add theirs when dispatched.
Follower days cannot be: Follow rows are deleted on unfollow, so past losses live only in
the rollup. What can be verified is that each day has gained at least the follows still
standing that began that day (repaired by raising it: follows older than insights), and
that gained minus lost equals the current followers (reported, not repairable).
"""

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date

from django.db import transaction
from django.db.models import Count, QuerySet, Sum
from django.db.models.functions import TruncDate

from accounts.models import Follow
from engagement.insights.models import (
    COUNT_FIELDS,
    EVENT_FIELDS,
    FollowerDay,
    PhotoDay,
    PhotoView,
)
from engagement.models import EngagementEvent
from photos.models import Photo


@dataclass(frozen=True)
class Drift:
    message: str
    repairable: bool = True


def _photo_days_from_log(photos: QuerySet | None) -> dict[tuple[int, date], dict[str, int]]:
    expected: dict[tuple[int, date], dict[str, int]] = {}

    def row(photo_id: int, day: date) -> dict[str, int]:
        return expected.setdefault((photo_id, day), dict.fromkeys(COUNT_FIELDS, 0))

    # Only dispatched events: an event's rollup is applied when it is dispatched, so one
    # still waiting in the outbox would otherwise be counted twice once it is.
    events = (
        _of(EngagementEvent.objects.filter(dispatched_at__isnull=False), photos)
        .annotate(day=TruncDate("created", tzinfo=UTC))
        .values_list("photo_id", "day", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for photo_id, day, kind, n in events:
        row(photo_id, day)[EVENT_FIELDS[kind]] = n
    reach = (
        _of(PhotoView.objects.all(), photos)
        .values_list("photo_id", "day")
        .annotate(views=Count("pk"), unique_viewers=Count("viewer_key", distinct=True))
        .order_by()
    )
    for photo_id, day, views, unique_viewers in reach:
        row(photo_id, day).update(views=views, unique_viewers=unique_viewers)
    return expected


def _describe(values: dict[str, int]) -> str:
    return ", ".join(f"{field} {values[field]}" for field in COUNT_FIELDS)


def _of(rows: QuerySet, photos: QuerySet | None) -> QuerySet:
    """``rows`` of the given photos only (all of them without a selection)."""
    return rows if photos is None else rows.filter(photo__in=photos.values("pk"))


@transaction.atomic
def photo_days_rebuild(*, repair: bool, photos: QuerySet | None = None) -> list[Drift]:
    """Every photo day whose rollup differs from the log (of ``photos``, or of all); with
    ``repair``, rewritten."""
    expected = _photo_days_from_log(photos)
    stored = {
        (row["photo_id"], row["day"]): {field: row[field] for field in COUNT_FIELDS}
        for row in _of(PhotoDay.objects.all(), photos).values("photo_id", "day", *COUNT_FIELDS)
    }
    zero = dict.fromkeys(COUNT_FIELDS, 0)
    drifted = []
    fixes = []
    for key in sorted(expected.keys() | stored.keys()):
        want, have = expected.get(key, zero), stored.get(key, zero)
        if want == have:
            continue
        photo_id, day = key
        drifted.append(
            Drift(
                f"photo {photo_id} on {day}: rollup has {_describe(have)};"
                f" log has {_describe(want)}"
            )
        )
        fixes.append(PhotoDay(photo_id=photo_id, day=day, **want))
    if repair and fixes:
        owners = dict(
            Photo.objects.filter(pk__in={fix.photo_id for fix in fixes}).values_list(
                "pk", "owner_id"
            )
        )
        for fix in fixes:
            fix.owner_id = owners[fix.photo_id]
        PhotoDay.objects.bulk_create(
            fixes,
            update_conflicts=True,
            unique_fields=["photo", "day"],
            batch_size=1000,
            update_fields=COUNT_FIELDS,
        )
    return drifted


@transaction.atomic
def follower_days_rebuild(*, repair: bool) -> list[Drift]:
    standing = Counter(
        {
            (user_id, day): n
            for user_id, day, n in Follow.objects.annotate(day=TruncDate("created", tzinfo=UTC))
            .values_list("followed_id", "day")
            .annotate(n=Count("pk"))
            .order_by()
        }
    )
    stored = {
        (row.user_id, row.day): row
        for row in FollowerDay.objects.filter(
            user_id__in={user_id for user_id, _day in standing}
        ).only("user_id", "day", "gained")
    }
    drifted = []
    raised = []
    for (user_id, day), n in sorted(standing.items()):
        row = stored.get((user_id, day))
        gained = row.gained if row else 0
        if gained < n:
            drifted.append(
                Drift(f"user {user_id} on {day}: {gained} followers gained, {n} follows began")
            )
            raised.append(FollowerDay(user_id=user_id, day=day, gained=n))
    if repair and raised:
        FollowerDay.objects.bulk_create(
            raised,
            update_conflicts=True,
            unique_fields=["user", "day"],
            update_fields=["gained"],
            batch_size=1000,
        )
    followers = Counter(
        dict(Follow.objects.values_list("followed_id").annotate(n=Count("pk")).order_by())
    )
    nets = dict(
        FollowerDay.objects.values_list("user_id")
        .annotate(net=Sum("gained") - Sum("lost"))
        .order_by()
    )
    for user_id in sorted(followers.keys() | nets.keys()):
        net, now = nets.get(user_id, 0), followers[user_id]
        if net != now:
            drifted.append(
                Drift(
                    f"user {user_id}: rollup nets {net} followers, {now} follow them",
                    repairable=False,
                )
            )
    return drifted
