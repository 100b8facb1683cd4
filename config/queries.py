"""Query expressions and cursors every app uses."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, QuerySet, Subquery
from django.db.models.functions import Coalesce


def count_of(rows: QuerySet, *, per: str) -> Coalesce:
    """How many of ``rows`` (filtered on an ``OuterRef``) belong to each outer row: a
    correlated COUNT, grouped by the ``per`` field, and 0 where there are none. The
    denormalised counters (likes, follows, notification lines) are checked and
    recounted with it."""
    counted = rows.order_by().values(per).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted), 0)


@contextmanager
def prepared_cursor() -> Iterator[CursorWrapper]:
    """A PostgreSQL cursor whose statements are prepared: parsed and planned once per
    connection (pooled connections keep them), then only bound and run. For a hot
    statement whose parsing and planning cost more than running it (the like's write:
    1.0 ms a like through the usual cursor, 0.5 ms prepared). Django's own cursors bind
    parameters on the client and never prepare. Statements run through it are logged
    and wrapped like any other; with DATABASE_PREPARED=0 (a pooler in transaction mode,
    which cannot keep them) they run unprepared.
    """
    connection.ensure_connection()
    connection.validate_thread_sharing()
    raw = _preparing_cursor_class()(connection.connection)
    if connection.queries_logged:
        cursor = connection.make_debug_cursor(raw)
    else:
        cursor = connection.make_cursor(raw)
    with cursor:
        yield cursor


@cache
def _preparing_cursor_class() -> type:
    """Django's server-binding cursor, asking psycopg to prepare every statement (made
    on first use: the PostgreSQL backend's module needs psycopg)."""
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):
        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparingCursor
