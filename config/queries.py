"""Query expressions and cursors every app uses."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.db.models import Count, Field, Model, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.db.models.sql import Query
from django.db.models.sql.compiler import SQLCompiler


def quoted_names(model: type[Model]) -> dict[str, str]:
    """``model``'s quoted table name (``table``) and column names (by field name), for
    statements written out in SQL once."""
    quote = connection.ops.quote_name
    names = {"table": quote(model._meta.db_table)}
    names.update({field.name: quote(field.column) for field in model._meta.concrete_fields})
    return names


def models_from_row(models: tuple[type[Model], ...], row: tuple) -> list[Model]:
    """One instance of each of ``models`` from ``row``, which holds every concrete column
    of each in turn (the order ``quoted_names`` and ``concrete_fields`` give), converted
    as the ORM converts what it reads (SQLite's datetimes made aware, for one)."""
    compiler, converters, spans = _row_reading(models)
    (values,) = compiler.apply_converters([row], converters)
    return [
        model.from_db(connection.alias, attnames, values[start:end])
        for model, (attnames, start, end) in zip(models, spans, strict=True)
    ]


@cache
def _row_reading(models: tuple[type[Model], ...]) -> tuple[SQLCompiler, dict, list]:
    """models_from_row's compiler (it applies converters through the connection of the
    moment), its converters by position, and each model's attnames and span."""
    fields = [field for model in models for field in model._meta.concrete_fields]
    compiler = SQLCompiler(Query(None), connection, None)
    converters = compiler.get_converters(
        [field.get_col(field.model._meta.db_table) for field in fields]
    )
    spans, start = [], 0
    for model in models:
        attnames = [field.attname for field in model._meta.concrete_fields]
        spans.append((attnames, start, start + len(attnames)))
        start += len(attnames)
    return compiler, converters, spans


def count_up(
    model: type[Model], *, row: dict[str, Any], unique: tuple[str, ...], column: str
) -> None:
    """Add one to ``column`` of ``model``'s ``row``, found by its ``unique`` fields (a
    unique constraint's), or create the row with ``column`` at 1 and every other field
    at its default. One statement, INSERT ... ON CONFLICT DO UPDATE (PostgreSQL, and SQLite
    since 3.24): the row is locked by it, so concurrent writers neither lose nor double a
    count; the ORM needs two (an insert ignoring conflicts, then an update)."""
    sql, fields = _count_up_statement(model, unique, column)
    values = [
        field.get_db_prep_value(row[field.name], connection)
        if field.name in row
        else (1 if field.name == column else field.get_default())
        for field in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)


@cache
def _count_up_statement(
    model: type[Model], unique: tuple[str, ...], column: str
) -> tuple[str, list[Field]]:
    """count_up's SQL, and the fields whose values it takes, in order."""
    names = quoted_names(model)
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    counted = names[column]
    sql = (
        f"INSERT INTO {names['table']} ({', '.join(names[field.name] for field in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
        f" ON CONFLICT ({', '.join(names[name] for name in unique)})"
        f" DO UPDATE SET {counted} = {names['table']}.{counted} + 1"
    )
    return sql, fields


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
