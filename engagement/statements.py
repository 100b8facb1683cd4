"""The like path's write, written out in SQL once.

A like or an unlike is three writes: the Like row, its event, the photo's counts.
Built through the ORM on every request, their expressions cost more Python time than
the database takes to run them (measured with `manage.py bench`), and the ORM has no
INSERT ... ON CONFLICT DO NOTHING RETURNING. On PostgreSQL the three are one statement
(data-modifying CTEs), which is its own transaction: one round trip, commit included,
and the photo's row is locked only for that statement's commit. SQLite, which has no
such CTEs, runs the same three in a transaction. The tests of the shield, counts and
events (tests/test_like_set.py, tests/test_unlike_shield.py, the concurrency tests) hold
both to the rules they state.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from django.db import connection, transaction

from accounts.models import User
from config.queries import prepared_cursor, quoted_names
from engagement.models import EngagementEvent, Like
from photos.models import Photo
from photos.selectors import GRID_FIELDS


@dataclass(frozen=True)
class LikeChange:
    """What a like or an unlike changed: its event, and the photo's counts after it."""

    event_id: int
    like_count: int
    shield_withdrawals: int
    in_window: bool  # the photo's shield window is the one the change was made in
    # The photo's grid fields as the change left them (``plainly_visible`` changes only).
    photo: Photo | None = None


@cache
def _photo_fields() -> list[str]:
    """The photo columns a plainly visible change returns: what a grid shows, in the
    model's field order (Model.from_db takes them so)."""
    grid = set(GRID_FIELDS)
    return [field.attname for field in Photo._meta.concrete_fields if field.attname in grid]


@cache
def _sql(
    *, liked: bool, shielded: bool, combined: bool, plainly_visible: bool = False
) -> tuple[str, ...]:
    """The statements of a like (``liked``) or an unlike, with or without the shield:
    one combined statement, or the change, the event and the count in turn. With
    ``plainly_visible`` (combined only), the change happens only if the photo's owner is
    active and the photo not hidden, and the photo's grid fields come back with it."""
    like, event, photo, owner = (
        quoted_names(model) for model in (Like, EngagementEvent, Photo, User)
    )
    gate = ""
    if plainly_visible:
        gate = (
            f"EXISTS (SELECT 1 FROM {photo['table']} p JOIN {owner['table']} o"
            f" ON o.{owner['id']} = p.{photo['owner']} WHERE p.{photo['id']} = %(photo)s"
            f" AND o.{owner['is_active']} AND p.{photo['hidden_at']} IS NULL)"
        )
    if not liked:
        change = (
            f"DELETE FROM {like['table']} WHERE {like['user']} = %(user)s"
            f" AND {like['photo']} = %(photo)s"
            + (f" AND {gate}" if gate else "")
            + " RETURNING 0 AS took_back"
        )
    else:
        created = "%(now)s"
        if shielded:
            # The kind of the person's latest event on the photo this window, and when the
            # like they withdrew in it was made (engagement.shield.liked_before_withdrawal):
            # their last like before their first withdrawal here.
            mine = f"{event['actor']} = %(user)s AND {event['photo']} = %(photo)s"
            latest_kind = (
                f"SELECT {event['kind']} FROM {event['table']} WHERE {mine}"
                f" AND {event['created']} >= %(window)s"
                f" ORDER BY {event['created']} DESC, {event['id']} DESC LIMIT 1"
            )
            first_withdrawal = (
                f"SELECT {event['created']} FROM {event['table']} WHERE {mine}"
                f" AND {event['kind']} = %(unlike)s AND {event['created']} >= %(window)s"
                f" ORDER BY {event['created']} LIMIT 1"
            )
            liked_before = (
                f"SELECT {event['created']} FROM {event['table']} WHERE {mine}"
                f" AND {event['kind']} = %(like)s AND {event['created']} < ({first_withdrawal})"
                f" ORDER BY {event['created']} DESC LIMIT 1"
            )
            created = (
                f"CASE WHEN ({latest_kind}) = %(unlike)s"
                f" THEN COALESCE(({liked_before}), %(before_window)s) ELSE %(now)s END"
            )
        change = (
            f"INSERT INTO {like['table']} ({like['user']}, {like['photo']}, {like['created']})"
            f" SELECT %(user)s, %(photo)s, {created}"
            + (f" WHERE {gate}" if gate else "")
            + " ON CONFLICT DO NOTHING"
            f" RETURNING CASE WHEN {like['created']} < %(now)s THEN 1 ELSE 0 END AS took_back"
        )
    values = "%(user)s, %(photo)s, %(kind)s, %(now)s"
    log = (
        f"INSERT INTO {event['table']}"
        f" ({event['actor']}, {event['photo']}, {event['kind']}, {event['created']})"
        + (f" SELECT {values} FROM changed" if combined else f" VALUES ({values})")
        + f" RETURNING {event['id']} AS id"
    )
    returned = [Photo._meta.get_field(name).name for name in _photo_fields()] if gate else []
    count, withdrawals, window = (
        photo["like_count"],
        photo["shield_withdrawals"],
        photo["shield_window"],
    )
    shield = ""
    if shielded and not liked:
        shield = (
            f", {withdrawals} = CASE WHEN {window} = %(window)s THEN {withdrawals} + 1 ELSE 1 END,"
            f" {window} = %(window)s"
        )
    elif shielded:
        took_back = "(SELECT took_back FROM changed)" if combined else "%(took_back)s"
        shield = (
            f", {withdrawals} = CASE WHEN {took_back} = 1 AND {window} = %(window)s"
            f" AND {withdrawals} > 0 THEN {withdrawals} - 1 ELSE {withdrawals} END"
        )
    move = (
        f"UPDATE {photo['table']} SET {count} = {count} + %(delta)s{shield}"
        f" WHERE {photo['id']} = %(photo)s"
        + (" AND EXISTS (SELECT 1 FROM changed)" if combined else "")
        + f" RETURNING {count} AS like_count, {withdrawals} AS withdrawals,"
        f" CASE WHEN {window} = %(window)s THEN 1 ELSE 0 END AS in_window"
        + "".join(f", {photo['table']}.{photo[name]}" for name in returned)
    )
    if combined:
        return (
            f"WITH changed AS ({change}), logged AS ({log}), counted AS ({move})"
            " SELECT logged.id, counted.* FROM logged, counted",
        )
    return change, log, move


def _row(sql: str, params: dict, *, prepared: bool = False) -> tuple | None:
    with prepared_cursor() if prepared else connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def like_change(
    *,
    user_id: int,
    photo_id: int,
    liked: bool,
    at: datetime,
    window: datetime | None,
    plainly_visible: bool = False,
) -> LikeChange | None:
    """Like (or unlike) unless it is so already (then None): the Like row, its event and
    the photo's counts, all or nothing. ``window`` is the shield's release window of
    ``at`` (None without the shield): an unlike in it stays displayed until it ends, and
    a like taking it back keeps the time it is displayed with (the like withdrawn; just
    before the window if that like predates the event log), so nothing visible moves.

    ``plainly_visible`` changes nothing (None) unless the photo's owner is active and the
    photo not hidden, and returns the photo, read in the same statement. SQLite cannot
    return it with its change, so there it always answers None: the caller reads the
    photo and changes it as usual.
    """
    adapt = connection.ops.adapt_datetimefield_value
    params = {
        "user": user_id,
        "photo": photo_id,
        "now": adapt(at),
        "window": adapt(window) if window is not None else None,
        "before_window": adapt(window - timedelta(microseconds=1)) if window else None,
        "like": EngagementEvent.Kind.LIKE,
        "unlike": EngagementEvent.Kind.UNLIKE,
        "kind": EngagementEvent.Kind.LIKE if liked else EngagementEvent.Kind.UNLIKE,
        "delta": 1 if liked else -1,
    }
    shielded = window is not None
    if connection.vendor == "postgresql":
        (combined,) = _sql(
            liked=liked, shielded=shielded, combined=True, plainly_visible=plainly_visible
        )
        row = _row(combined, params, prepared=True)
    elif plainly_visible:
        return None
    else:
        change, log, move = _sql(liked=liked, shielded=shielded, combined=False)
        with transaction.atomic():
            changed = _row(change, params)
            if changed is None:
                return None
            params["took_back"] = changed[0]
            (event_id,) = _row(log, params)
            row = (event_id, *_row(move, params))
    if row is None:
        return None
    event_id, like_count, withdrawals, in_window, *photo_values = row
    photo = Photo.from_db(connection.alias, _photo_fields(), photo_values) if photo_values else None
    return LikeChange(event_id, like_count, withdrawals, bool(in_window), photo)
