"""The hot reads are served by indexes, whatever the size of the data (PostgreSQL plans).

With sequential scans disabled the planner still picks a scan when no index can serve the
query, so asserting on the plan's index name shows the index really does the work.
"""

import pytest
from django.db import connection

from accounts.selectors import _active_named

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="plans are PostgreSQL's"),
    pytest.mark.django_db,
]


def plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_profile_lookup_in_any_case_uses_the_lower_username_index(owner):
    assert "username_unique_any_case" in plan(_active_named("OLIVIA"))
