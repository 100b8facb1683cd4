"""The hot reads are served by indexes, whatever the size of the data (PostgreSQL plans).

Test tables are tiny, so the planner would happily scan them; with sequential scans (or
sorts) priced out it still scans (or sorts) when no index can serve the query, so finding
the index's name in the plan shows the index really can do the work.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.selectors import _active_named
from config.pagination import keyset_page
from engagement.insights.selectors import account_insights
from engagement.policy import get_policy
from engagement.selectors import displayed_likers
from engagement.services import like_set
from notifications.selectors import grouped_notifications
from notifications.services import notification_add
from photos.selectors import home_feed
from tests.factories import FollowFactory, PhotoFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
    pytest.mark.django_db,
]


def explain(sql: str, params=(), *, avoid: tuple[str, ...] = ("seqscan",)) -> str:
    """The plan, with the named strategies priced out (they remain only if unavoidable)."""
    with connection.cursor() as cursor:
        for strategy in avoid:
            cursor.execute(f"SET LOCAL enable_{strategy} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def plan(queryset) -> str:
    return explain(*queryset.query.sql_with_params())


def test_profile_lookup_in_any_case_uses_the_lower_username_index(owner):
    assert "username_unique_any_case" in plan(_active_named("OLIVIA"))


def test_newest_likers_are_read_in_order_from_the_like_index(owner, fan, stranger):
    """The page of likers reads the (photo, -created) index with a limit: it does not
    compute every liker to show a few."""
    photo = PhotoFactory(owner=owner)
    for person in (fan, stranger):
        like_set(user=person, photo=photo, liked=True)

    with CaptureQueriesContext(connection) as queries:
        page = displayed_likers(photo, limit=50)

    assert [person.username for person in page.object_list] == ["sam", "fabio"]
    (likers_query,) = queries.captured_queries
    assert "LIMIT 51" in likers_query["sql"]
    assert "like_photo_recent" in explain(likers_query["sql"])


def test_our_connections_do_not_compile_queries_with_jit():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_home_feed_walks_the_newest_photos_index_without_counting(owner, fan, stranger):
    FollowFactory(follower=fan, followed=owner)
    for person in (owner, stranger, fan):
        PhotoFactory(owner=person, size=(4, 4))

    with CaptureQueriesContext(connection) as queries:
        page = keyset_page(home_feed(fan), before=None, limit=24)

    assert len(page.object_list) == 2
    (feed_query,) = queries.captured_queries
    assert "COUNT(" not in feed_query["sql"]
    # Sorting priced out: the order must come from an index, read newest first.
    assert "photo_recent" in explain(feed_query["sql"], avoid=("seqscan", "sort"))


def test_the_notification_list_reads_its_lines_from_their_index(owner, fan):
    photo = PhotoFactory(owner=owner, size=(4, 4))
    like_set(user=fan, photo=photo, liked=True)
    notification_add(recipient=owner, actor=fan, verb="like", photo=photo, at=timezone.now())

    with CaptureQueriesContext(connection) as queries:
        page = grouped_notifications(owner)

    assert [line.text for line in page.object_list] == ["Fabio Fan liked your photo"]
    lines_query = queries.captured_queries[0]["sql"]
    plan = explain(lines_query, avoid=("seqscan", "sort"))
    assert "notification_group_recent" in plan
    assert "notification_shown_in_group" in plan
    # Whether a line is unread is a LIMIT 1 probe of its own: as EXISTS, PostgreSQL
    # hashed every unread notification of every line at scale (24 ms with 60k unread).
    assert "EXISTS" not in lines_query
    assert "hashed SubPlan" not in plan


def test_account_insights_sum_their_days_from_the_index_alone(owner, fan):
    """An account's insights add up every day of every photo it has: the covering index
    serves the sums without visiting the table (an index-only scan)."""
    photo = PhotoFactory(owner=owner, size=(4, 4))
    like_set(user=fan, photo=photo, liked=True)

    with CaptureQueriesContext(connection) as queries:
        account_insights(owner, period=30, now=timezone.now(), policy=get_policy())

    # The first of the account's two reads of its days: the daily totals.
    daily_sums = next(q["sql"] for q in queries.captured_queries if "photoday" in q["sql"])
    plan = explain(daily_sums, avoid=("seqscan", "bitmapscan"))
    assert "Index Only Scan using photo_day_owner_day" in plan
