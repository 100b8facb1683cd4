"""The person's insight series in "download my data", and their part of other people's
rollups, taken out when their account is deleted.

The series are the ones the insight pages show, through the same selectors, so withdrawn
likes are withheld exactly as there ("fewer than 3" under the thresholded policy).
"""

from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC

from django.db import transaction
from django.db.models import Count, F, Value
from django.db.models.functions import Greatest, TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from config.personal_data import table_files
from engagement.insights import selectors, services
from engagement.insights.models import EVENT_FIELDS, PhotoDay, PhotoView
from engagement.insights.reach import viewer_key
from engagement.insights.selectors import HISTORY_DAYS, Figures, Insights
from engagement.models import EngagementEvent
from engagement.policy import get_policy
from photos.models import Photo

SERIES_FIELDS = [
    "date",
    "likes_gained",
    "likes_withdrawn",
    "likes_voided",
    "views",
    "unique_viewers",
]


def _row(day, figures: Figures, insights: Insights) -> dict:
    withdrawn = figures.withdrawn
    if withdrawn is None:
        withdrawn = _("fewer than %(k)s") % {"k": insights.min_group}
    return {
        "date": day,
        "likes_gained": figures.gained,
        "likes_withdrawn": withdrawn,
        "likes_voided": figures.voided,
        "views": figures.views,
        "unique_viewers": figures.unique_viewers,
    }


def export_insights(user: User) -> Iterator[tuple[str, bytes]]:
    """The last HISTORY_DAYS days: all photos together with followers, then per photo."""
    now, policy = timezone.now(), get_policy()
    account = selectors.account_insights(user, period=HISTORY_DAYS, now=now, policy=policy)
    yield from table_files(
        "insights_daily",
        [*SERIES_FIELDS, "followers_gained", "followers_lost"],
        (
            _row(d.day, d.figures, account)
            | {"followers_gained": change.gained, "followers_lost": change.lost}
            for d, change in zip(account.series, account.extra["follower_changes"], strict=True)
        ),
    )
    rows = []
    for photo in Photo.objects.filter(owner=user).order_by("created", "pk"):
        insights = selectors.photo_insights(photo, period=HISTORY_DAYS, now=now, policy=policy)
        rows += [{"photo_id": photo.pk} | _row(d.day, d.figures, insights) for d in insights.series]
    yield from table_files("insights_daily_by_photo", ["photo_id", *SERIES_FIELDS], rows)


@transaction.atomic
def erase(*, user: User) -> None:
    """Take the person's likes, withdrawals and views out of other people's rollups, so
    they keep matching the event and view logs once the person's rows are gone. (Rollups
    of their own photos go with the photos.)"""
    events = (
        EngagementEvent.objects.filter(actor=user)
        .exclude(photo__owner=user)
        .annotate(day=TruncDate("created", tzinfo=UTC))
        .values_list("photo_id", "day", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for photo_id, day, kind, n in events:
        column = EVENT_FIELDS[kind]
        PhotoDay.objects.filter(photo_id=photo_id, day=day).update(
            **{column: Greatest(F(column) - n, Value(0))}
        )
    views = PhotoView.objects.filter(viewer_key=viewer_key(user, None))
    seen = defaultdict(set)
    for photo_id, day in views.values_list("photo_id", "day"):
        seen[day].add(photo_id)
    views.delete()
    for day, photo_ids in seen.items():
        services.photo_days_recount_reach(photo_ids=sorted(photo_ids), day=day)
