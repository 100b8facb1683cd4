"""Reads for the insight pages and CSV files.

Only rollups are read (plus, under the unlike shield, the events of the current release
window, which are held back), so each page costs a fixed number of queries whatever the
history. Withdrawn likes pass through ``_withheld``: under a thresholded policy, any count
below ``insights_min_group`` (zero included, so a change from 0 cannot date one unlike)
becomes None, shown as "fewer than k".
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Cast, TruncDate

from accounts.models import Follow, User
from engagement.insights.days import utc_day
from engagement.insights.models import COUNT_FIELDS, EVENT_FIELDS, FollowerDay, PhotoDay
from engagement.models import EngagementEvent
from engagement.policy import EngagementPolicy, WithdrawnInInsights
from engagement.shield import displayed_like_count, window_start
from photos.models import Photo

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30
HISTORY_DAYS = max(PERIODS)
TOP_PHOTOS = 5


@dataclass(frozen=True)
class Figures:
    """Counts for one day or one period, withdrawals already withheld where the policy says."""

    gained: int
    withdrawn: int | None  # None: fewer than the policy's minimum group
    voided: int
    views: int
    unique_viewers: int

    @property
    def net(self) -> int | None:
        """Likes gained minus withdrawn and voided (None when withdrawals are withheld)."""
        if self.withdrawn is None:
            return None
        return self.gained - self.withdrawn - self.voided

    @property
    def engagement_rate(self) -> float | None:
        return self.gained / self.unique_viewers if self.unique_viewers else None

    @property
    def withdrawal_rate(self) -> float | None:
        """Withdrawn per like gained; voided likes are not withdrawals."""
        if self.withdrawn is None or not self.gained:
            return None
        return self.withdrawn / self.gained


@dataclass(frozen=True)
class Day:
    day: date
    figures: Figures


@dataclass(frozen=True)
class Period:
    days: int
    figures: Figures


@dataclass(frozen=True)
class Week:
    first: date
    last: date
    figures: Figures

    @property
    def day(self) -> date:
        """A week is labelled with its last day."""
        return self.last


@dataclass(frozen=True)
class Insights:
    """What a photo's or an account's insight page shows for the chosen period.

    ``extra`` holds what only one kind of page has: ``current_likes`` (photo), and
    ``followers``, ``follower_changes``, ``top_photos``, ``photo_count`` (account).
    """

    period: int
    periods: list[Period]
    series: list[Day]  # one per UTC day of the chosen period, oldest first
    weeks: list[Week]  # the same days in 7-day buckets ending today (the first may be short)
    released_until: datetime | None  # under the shield: figures stop at this release
    min_group: int
    extra: dict = field(default_factory=dict)

    @property
    def selected(self) -> Figures:
        return next(p.figures for p in self.periods if p.days == self.period)


def _withheld(count: int, policy: EngagementPolicy) -> int | None:
    if policy.withdrawn_in_insights == WithdrawnInInsights.AGGREGATE_THRESHOLDED:
        return count if count >= policy.insights_min_group else None
    return count


def _figures(raw: dict[str, int], policy: EngagementPolicy) -> Figures:
    return Figures(
        gained=raw["likes_gained"],
        withdrawn=_withheld(raw["likes_withdrawn"], policy),
        voided=raw["likes_voided"],
        views=raw["views"],
        unique_viewers=raw["unique_viewers"],
    )


def _total(days: list[tuple[date, dict[str, int]]]) -> dict[str, int]:
    return {column: sum(counts[column] for _day, counts in days) for column in COUNT_FIELDS}


def _insights(
    *,
    days: dict[date, dict[str, int]],
    period: int,
    last_day: date,
    released_until: datetime | None,
    policy: EngagementPolicy,
) -> Insights:
    dense = [
        (day, days.get(day, dict.fromkeys(COUNT_FIELDS, 0)))
        for day in (last_day - timedelta(days=back) for back in range(HISTORY_DAYS - 1, -1, -1))
    ]
    periods = [Period(n, _figures(_total(dense[-n:]), policy)) for n in PERIODS]
    chosen = dense[-period:]
    weeks = []
    for end in range(len(chosen), 0, -7):
        week = chosen[max(end - 7, 0) : end]
        weeks.append(Week(week[0][0], week[-1][0], _figures(_total(week), policy)))
    return Insights(
        period=period,
        periods=periods,
        series=[Day(day, _figures(raw, policy)) for day, raw in chosen],
        weeks=weeks[::-1],
        released_until=released_until,
        min_group=policy.insights_min_group,
    )


def _daily_rollups(rollups, *, last_day: date) -> dict[date, dict[str, int]]:
    start = last_day - timedelta(days=HISTORY_DAYS - 1)
    return {
        row.pop("day"): row
        for row in rollups.filter(day__gte=start, day__lte=last_day)
        .values("day")
        .annotate(**{c: Sum(c) for c in COUNT_FIELDS})
        .order_by()
    }


def _hold_back_current_window(
    days: dict[date, dict[str, int]], events, *, now: datetime, policy: EngagementPolicy
) -> None:
    """Under the shield, leave out like changes of the release window still running, so no
    figure moves before the displayed like count does."""
    if not policy.unlike_shield:
        return
    pending = (
        events.filter(created__gte=window_start(now), kind__in=list(EVENT_FIELDS))
        .annotate(day=TruncDate("created", tzinfo=UTC))
        .values_list("day", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for day, kind, n in pending:
        if day in days:
            column = EVENT_FIELDS[kind]
            days[day][column] = max(days[day][column] - n, 0)


def photo_insights(
    photo: Photo, *, period: int, now: datetime, policy: EngagementPolicy
) -> Insights:
    """One photo's figures: 1 query for the rollups, 1 more (the running window's events,
    on the photo's index) under the shield."""
    today = utc_day(now)
    days = _daily_rollups(PhotoDay.objects.filter(photo=photo), last_day=today)
    events = EngagementEvent.objects.filter(photo=photo)
    _hold_back_current_window(days, events, now=now, policy=policy)
    released_until = window_start(now) if policy.unlike_shield else None
    insights = _insights(
        days=days, period=period, last_day=today, released_until=released_until, policy=policy
    )
    insights.extra["current_likes"] = displayed_like_count(photo, now)
    return insights


@dataclass(frozen=True)
class FollowerChange:
    day: date
    gained: int
    lost: int


def account_insights(
    owner: User, *, period: int, now: datetime, policy: EngagementPolicy
) -> Insights:
    """Totals across an owner's photos, top photos, followers: a fixed 6 queries.

    Under the shield the account's figures stop at the end of yesterday (UTC): whole days
    are released windows, and reading the running window's events across every photo
    would cost more than the page may.
    """
    last_day = utc_day(now)
    released_until = None
    if policy.unlike_shield:
        last_day -= timedelta(days=1)
        released_until = datetime.combine(utc_day(now), time(), tzinfo=UTC)
    days = _daily_rollups(PhotoDay.objects.filter(owner=owner), last_day=last_day)
    insights = _insights(
        days=days,
        period=period,
        last_day=last_day,
        released_until=released_until,
        policy=policy,
    )
    first_day = insights.series[0].day
    changes = {
        row.day: row
        for row in FollowerDay.objects.filter(user=owner, day__gte=first_day).only(
            "day", "gained", "lost"
        )
    }
    insights.extra.update(
        followers=Follow.objects.filter(followed=owner).count(),
        follower_changes=[
            FollowerChange(
                d.day,
                changes[d.day].gained if d.day in changes else 0,
                changes[d.day].lost if d.day in changes else 0,
            )
            for d in insights.series
        ],
        top_photos=top_photos(owner, since=first_day, until=last_day),
        photo_count=Photo.objects.filter(owner=owner).count(),
    )
    return insights


def top_photos(owner: User, *, since: date, until: date) -> list[Photo]:
    """The owner's photos with the best engagement rate (likes gained per unique viewer),
    each with ``period_gained``, ``period_viewers`` and ``rate``: 2 queries."""
    best = list(
        PhotoDay.objects.filter(owner=owner, day__gte=since, day__lte=until)
        .values("photo_id")
        .annotate(period_gained=Sum("likes_gained"), period_viewers=Sum("unique_viewers"))
        .filter(period_viewers__gt=0)
        .annotate(rate=Cast("period_gained", FloatField()) / F("period_viewers"))
        .order_by("-rate", "-period_gained", "-photo_id")[:TOP_PHOTOS]
    )
    photos = Photo.objects.only("pk", "owner_id", "thumbnail", "alt_text").in_bulk(
        [row["photo_id"] for row in best]
    )
    ranked = []
    for row in best:
        photo = photos[row["photo_id"]]
        photo.period_gained, photo.period_viewers = row["period_gained"], row["period_viewers"]
        photo.rate = row["rate"]
        ranked.append(photo)
    return ranked
