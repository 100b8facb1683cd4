"""Counting reach without costing the page a database statement.

A viewer is ``u<id>`` when logged in and ``s<session key>`` for an anonymous visitor who
already has a session. Anonymous visitors without one (most crawlers, first-time readers)
are not counted: creating a session row for every crawler hit would cost more than the
figure is worth. The owner's own views never count.

The cache drops repeats (one per viewer, photo, UTC day and place), then each new sighting
is buffered in a numbered cache slot. Every ``BATCH`` slots, a task writes the batch before
(whose writers have all finished) to the view log in bulk; an owner opening insights writes
whatever is still waiting first. Writing is idempotent (the view log's unique constraint),
so batches that overlap are harmless; sightings still buffered when the cache is lost are
not counted.
"""

from collections.abc import Iterable
from datetime import date, datetime

from django.core.cache import cache

from engagement.insights import services
from engagement.insights.days import utc_day
from photos.models import Photo

BATCH = 100
SEEN_FOR_SECONDS = 26 * 60 * 60  # a little over a day, so a key outlives its day
SLOT_SECONDS = 7 * 24 * 60 * 60
COUNTER = "insights:reach:slots"


def viewer_key(viewer, session_key: str | None) -> str | None:
    if viewer.is_authenticated:
        return f"u{viewer.pk}"
    return f"s{session_key}" if session_key else None


def _slot(number: int) -> str:
    return f"insights:reach:slot:{number}"


def reach_record(
    *, viewer, photos: Iterable[Photo], session_key: str | None, at: datetime, source: str
) -> None:
    key = viewer_key(viewer, session_key)
    if key is None:
        return
    day = utc_day(at)
    viewer_id = viewer.pk if viewer.is_authenticated else None
    cache_keys = {
        f"insights:seen:{day}:{source}:{key}:{photo.pk}": photo.pk
        for photo in photos
        if photo.owner_id != viewer_id
    }
    if not cache_keys:
        return
    seen = cache.get_many(list(cache_keys))
    fresh = {cache_key: pk for cache_key, pk in cache_keys.items() if cache_key not in seen}
    if not fresh:
        return
    cache.set_many(dict.fromkeys(fresh, 1), timeout=SEEN_FOR_SECONDS)
    cache.add(COUNTER, 0, timeout=None)
    try:
        number = cache.incr(COUNTER)
    except ValueError:  # the counter was evicted in between: this sighting is lost
        return
    sighting = [sorted(fresh.values()), key, day.isoformat(), source]
    cache.set(_slot(number), sighting, timeout=SLOT_SECONDS)
    if number % BATCH == 0 and number > BATCH:
        from engagement.insights.tasks import reach_flush

        reach_flush.enqueue(first=number - 2 * BATCH + 1, last=number - BATCH)


def reach_flush(*, first: int, last: int) -> None:
    """Write the sightings buffered in slots ``first``..``last`` to the view log."""
    slots = [_slot(number) for number in range(max(first, 1), last + 1)]
    if not slots:
        return
    sightings = cache.get_many(slots)
    services.photo_views_record(
        views=[
            (photo_id, key, date.fromisoformat(day), source)
            for photo_ids, key, day, source in sightings.values()
            for photo_id in photo_ids
        ]
    )
    cache.delete_many(list(sightings))


def reach_flush_waiting() -> None:
    """Write every sighting not yet covered by a batch task (before insights are read)."""
    last = cache.get(COUNTER) or 0
    reach_flush(first=(last // BATCH - 1) * BATCH + 1, last=last)
