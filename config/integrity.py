"""The shape of `manage.py check_integrity` checks; each app contributes its own.

A check is a function ``check(*, repair: bool, scope: Scope) -> list[Finding]`` listed in
the INTEGRITY_CHECKS setting. It reports every drift it finds within ``scope`` and, with
``repair``, fixes what it can, saying so in the finding. ``scope`` narrows a run to the
photos (and the rows that hang off them) posted since a time or within an id range, so a
large site can check what just changed quickly; a full run reads in batches and shows
progress.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from config.scale import Progress


@dataclass(frozen=True)
class Finding:
    check: str
    message: str
    repaired: bool = False


def _no_progress(label: str, total: int) -> Progress | None:
    return None


@dataclass(frozen=True)
class Scope:
    """What a run covers: everything, photos posted ``since``, or photo ids in a range."""

    since: datetime | None = None
    photo_ids: tuple[int, int] | None = None  # inclusive
    progress: Callable[[str, int], Progress | None] = field(default=_no_progress)

    @property
    def everything(self) -> bool:
        return self.since is None and self.photo_ids is None

    def photos(self, photos: QuerySet, prefix: str = "") -> QuerySet:
        """``photos`` (or rows whose photo is at ``prefix``, e.g. "photo__") in scope."""
        if self.since is not None:
            photos = photos.filter(**{f"{prefix}created__gte": self.since})
        if self.photo_ids is not None:
            photos = photos.filter(**{f"{prefix}pk__range": self.photo_ids})
        return photos


EVERYTHING = Scope()
Check = Callable[..., list[Finding]]


def registered_checks() -> list[Check]:
    return [import_string(path) for path in settings.INTEGRITY_CHECKS]


def batched(rows: QuerySet, *, label: str, scope: Scope, size: int = 2_000):
    """Iterate ``rows`` in chunks, advancing a progress bar when the run shows one."""
    progress = scope.progress(label, rows.count())
    for row in rows.iterator(chunk_size=size):
        yield row
        if progress:
            progress.advance()
    if progress:
        progress.finish()
