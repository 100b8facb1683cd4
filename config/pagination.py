"""Keyset (cursor) pagination: "the next N after this one", served by an index.

An offset page makes the database count and skip every row before it, and a total count
scans them all; a cursor names the last row shown (its time and id), so each page costs
the same however deep it is and however much data there is, and rows added meanwhile
never shift a page (nothing is repeated or skipped).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.exceptions import SuspiciousOperation
from django.db.models import Q, QuerySet

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(SuspiciousOperation):
    """A cursor from the address bar that this site did not make: answered with 400."""


@dataclass(frozen=True, order=True)
class Cursor:
    """A position in a newest-first list: the time a row is ordered by, then its id."""

    at: datetime
    pk: int

    def encode(self) -> str:
        return f"{(self.at - EPOCH) // timedelta(microseconds=1)}_{self.pk}"

    @classmethod
    def decode(cls, text: str) -> "Cursor":
        micros, _sep, pk = text.partition("_")
        try:
            return cls(EPOCH + timedelta(microseconds=int(micros)), int(pk))
        except (ValueError, OverflowError):
            raise BadCursor(text) from None


@dataclass(frozen=True)
class KeysetPage:
    """One page of a newest-first list and where the next page starts (None at the end)."""

    object_list: list
    next_cursor: str | None


def cursor_in(query: dict, name: str = "before") -> Cursor | None:
    """The cursor a request's query string carries (None on the first page).

    Raises BadCursor when the parameter is there but is not one of ours.
    """
    return Cursor.decode(query[name]) if name in query else None


def keyset_page(
    rows: QuerySet, *, before: Cursor | None, limit: int, time_field: str = "created"
) -> KeysetPage:
    """The ``limit`` newest rows of ``rows`` older than ``before``, by (time, id).

    Serve it with an index on (time desc, id desc) so the database reads just these rows.
    """
    if before is not None:
        rows = rows.filter(
            Q(**{f"{time_field}__lt": before.at})
            | Q(**{time_field: before.at, "pk__lt": before.pk})
        )
    found = list(rows.order_by(f"-{time_field}", "-pk")[: limit + 1])
    shown = found[:limit]
    more = len(found) > limit
    last = shown[-1] if more else None
    return KeysetPage(shown, Cursor(getattr(last, time_field), last.pk).encode() if last else None)
