"""The hot reads are served by indexes, whatever the size of the data (PostgreSQL plans).

With sequential scans disabled the planner still picks a scan when no index can serve the
query, so asserting on the plan's index name shows the index really does the work.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.selectors import _active_named
from engagement.selectors import displayed_likers
from engagement.services import like_set
from tests.factories import PhotoFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
    pytest.mark.django_db,
]


def explain(sql: str, params=()) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
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
