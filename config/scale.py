"""Bulk loading for `seed_scale` and the measurements of `bench`.

Rows go in through PostgreSQL's COPY when the database is PostgreSQL and through batched
INSERTs elsewhere (SQLite), without model save() or signals: the seeder writes every
denormalised value (like counts, notifications, events) itself so that the result is as
consistent as real use would leave it, and `check_integrity` passes afterwards.
"""

import io
import sys
from collections.abc import Iterable
from typing import TextIO

from django.db import connection, models
from PIL import Image

BATCH = 5_000


class Progress:
    """A one-line progress bar on a terminal (plain lines when not a terminal)."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label, self.total, self.done = label, max(total, 1), 0
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self._last_percent = -1

    def advance(self, amount: int = 1) -> None:
        self.done += amount
        percent = min(100, self.done * 100 // self.total)
        if percent == self._last_percent or (not self.tty and percent % 25):
            return
        self._last_percent = percent
        bar = "#" * (percent // 4)
        line = f"{self.label:<14} [{bar:<25}] {percent:3d}% ({self.done:,}/{self.total:,})"
        self.stream.write(f"\r{line}" if self.tty else f"{line}\n")
        self.stream.flush()

    def finish(self) -> None:
        if self._last_percent < 100:
            self.advance(self.total - self.done)
        if self.tty:
            self.stream.write("\n")


def bulk_insert(
    model: type[models.Model],
    rows: Iterable[dict],
    *,
    progress: Progress | None = None,
) -> int:
    """Insert ``rows`` into ``model``; each row names some fields (by attname), and every
    other column takes the field's default, so fields added later need no change here."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    defaults = [f.get_default() for f in fields]
    names = [f.attname for f in fields]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    postgres = connection.vendor == "postgresql"
    count = 0
    with connection.cursor() as cursor:
        if postgres:
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row([row.get(n, d) for n, d in zip(names, defaults, strict=True)])
                    count += 1
                    if progress and count % BATCH == 0:
                        progress.advance(BATCH)
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
            batch: list[list] = []
            for row in rows:
                batch.append(
                    [
                        f.get_db_prep_save(row.get(f.attname, default), connection)
                        for f, default in zip(fields, defaults, strict=True)
                    ]
                )
                if len(batch) == BATCH:
                    cursor.executemany(sql, batch)
                    count += len(batch)
                    batch.clear()
                    if progress:
                        progress.advance(BATCH)
            if batch:
                cursor.executemany(sql, batch)
                count += len(batch)
    if progress:
        progress.finish()
    return count


def tiny_webp(seed: int) -> bytes:
    """An 8x6 WebP of one colour (from ``seed``): a photo's files, cheaply."""
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (seed % 256, seed * 7 % 256, seed * 13 % 256)).save(
        buffer, "WEBP", quality=50
    )
    return buffer.getvalue()
