"""Keyset (cursor) pagination: "the next N after this one", served by an index.

An offset page makes the database count and skip every row before it, and a total count
scans them all; a cursor names the last row shown (its time and id), so each page costs
the same however deep it is and however much data there is, and rows added meanwhile
never shift a page (nothing is repeated or skipped).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class BadCursor(ValueError):
    """A cursor from the address bar that this site did not make."""


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
