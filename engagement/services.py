"""Every write to engagement data goes through here."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Case, Exists, F, PositiveIntegerField, Q, Value, When
from django.utils import timezone

from accounts.models import User
from config.tasks import enqueue_with_change
from engagement.models import EngagementEvent, Like, RateLimitHit
from engagement.policy import get_policy
from engagement.ratelimit import consume_like_attempt, first_hit_in_window
from engagement.shield import liked_before_withdrawal, window_start
from engagement.signals import photo_liked, photo_unliked
from engagement.tasks import engagement_event_dispatch
from photos.models import Photo


@dataclass(frozen=True)
class LikeRefused:
    """A like or unlike refused for going over a rate limit: nothing changed."""

    scope: str
    retry_after: int  # seconds until that limit's window resets


def like_submit(*, user: User, photo: Photo, liked: bool) -> LikeRefused | None:
    """A person asks to like (or unlike) a photo: count the attempt against their rate
    limits; over a limit, record it for moderators (once per window) and change nothing;
    otherwise set the state (like_set). Returns the refusal, or None."""
    exceeded, retry_after = consume_like_attempt(user.pk)
    if exceeded:
        rate_limit_hit_record(user=user, photo=photo, scope=exceeded)
        return LikeRefused(exceeded, retry_after)
    like_set(user=user, photo=photo, liked=liked)
    return None


@transaction.atomic
def like_set(*, user: User, photo: Photo, liked: bool) -> bool:
    """Make ``user`` like (or not like) ``photo``; returns whether anything changed.

    The request carries the desired state, so a double click or a retried request cannot
    flip it twice. A no-op writes nothing and sends nothing. The Like row (unique per
    user and photo) is the truth; Photo.like_count moves with it in the same transaction
    through an F() update, so concurrent requests can neither lose nor double a like.
    A real change is logged as an EngagementEvent, which is also the outbox of its side
    effects (see event_dispatch). ``photo``'s counts are updated in memory too, so the
    caller can show the new state without reading the photo again.

    Four statements in all, the photo's row last so its lock is held the shortest.
    """
    now = timezone.now()
    changed = (
        _like_insert(user=user, photo=photo, at=now)
        if liked
        else _like_delete(user=user, photo=photo)
    )
    if changed is None:
        return False
    kind = EngagementEvent.Kind.LIKE if liked else EngagementEvent.Kind.UNLIKE
    event = EngagementEvent.objects.create(actor=user, photo=photo, kind=kind, created=now)
    enqueue_with_change(engagement_event_dispatch, event_id=event.pk)
    _like_count_move(photo=photo, user=user, liked=liked, at=now, restored=changed)
    return True


def _like_insert(*, user: User, photo: Photo, at: datetime) -> bool | None:
    """Insert the Like unless it exists, in one statement (None: it existed).

    Returns whether the like takes back a withdrawal of this release window under the
    shield: then it keeps the time it is still displayed with (the like withdrawn), so
    nothing visible moves. (The ORM has no INSERT ... ON CONFLICT DO NOTHING RETURNING.)
    """
    created = Like._meta.get_field("created").get_db_prep_value(at, connection)
    value_sql, value_params = "%s", [created]
    if get_policy().unlike_shield:
        earlier_sql, earlier_params = liked_before_withdrawal(
            photo=photo, actor=user, at=at
        ).query.sql_with_params()
        value_sql, value_params = f"COALESCE(({earlier_sql}), %s)", [*earlier_params, created]
    table, quote = Like._meta.db_table, connection.ops.quote_name
    columns = ", ".join(quote(name) for name in ("user_id", "photo_id", "created"))
    sql = (
        f"INSERT INTO {quote(table)} ({columns}) VALUES (%s, %s, {value_sql}) "
        f"ON CONFLICT DO NOTHING RETURNING CASE WHEN {quote('created')} < %s THEN 1 ELSE 0 END"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, photo.pk, *value_params, created])
        row = cursor.fetchone()
    return None if row is None else bool(row[0])


def _like_delete(*, user: User, photo: Photo) -> bool | None:
    """Delete the Like if there is one (None: there was none)."""
    deleted, _counts = Like.objects.filter(user=user, photo=photo).delete()
    return False if deleted else None


def _like_count_move(*, photo: Photo, user: User, liked: bool, at: datetime, restored: bool):
    """Move like_count by one, and keep the shield's pending withdrawals of this window.

    A withdrawal stays displayed until its window ends (engagement.shield); a like that
    takes one back within the window removes it from the pending ones instead.
    """
    window = window_start(at)
    if liked:
        withdrew_this_window = Exists(
            EngagementEvent.objects.filter(
                actor=user, photo=photo, kind=EngagementEvent.Kind.UNLIKE, created__gte=window
            )
        )
        updates = {
            "like_count": F("like_count") + 1,
            "shield_withdrawals": Case(
                When(
                    Q(shield_window=window, shield_withdrawals__gt=0) & withdrew_this_window,
                    then=F("shield_withdrawals") - 1,
                ),
                default=F("shield_withdrawals"),
                output_field=PositiveIntegerField(),
            ),
        }
    else:
        updates = {
            "like_count": F("like_count") - 1,
            "shield_withdrawals": Case(
                When(shield_window=window, then=F("shield_withdrawals") + 1), default=Value(1)
            ),
            "shield_window": Value(window),
        }
    Photo.objects.filter(pk=photo.pk).update(**updates)
    # The same change in memory, for the response (other requests may have moved it too).
    photo.like_count += 1 if liked else -1
    if not liked:
        same_window = photo.shield_window == window
        photo.shield_withdrawals = photo.shield_withdrawals + 1 if same_window else 1
        photo.shield_window = window
    elif restored and photo.shield_window == window and photo.shield_withdrawals:
        photo.shield_withdrawals -= 1


@transaction.atomic
def event_dispatch(*, event_id: int) -> bool:
    """Run an engagement event's side effects once: send its signal (notifications,
    insights, moderation and ranking listen) and mark it dispatched, in one transaction.

    Receivers write in this transaction, so if the process dies midway nothing is kept
    and the event is dispatched again later; a second call finds it dispatched and does
    nothing. Returns whether it dispatched the event now.
    """
    event = (
        # Lock the event row only: locking the person's and photo's rows too would make
        # every like of theirs wait here (and deadlock with it).
        EngagementEvent.objects.select_for_update(of=("self",))
        .select_related("actor", "photo")
        .filter(pk=event_id, dispatched_at__isnull=True)
        .first()
    )
    if event is None:
        return False
    signal = photo_liked if event.kind == EngagementEvent.Kind.LIKE else photo_unliked
    extra = {"voided": True} if event.kind == EngagementEvent.Kind.VOID else {}
    signal.send(sender=Like, user=event.actor, photo=event.photo, at=event.created, **extra)
    EngagementEvent.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())
    return True


def events_dispatch_stale(*, older_than: timedelta, limit: int = 500) -> int:
    """Dispatch events whose side effects have not run after ``older_than`` (their task
    was lost: the process died between commit and running it). Returns how many."""
    cutoff = timezone.now() - older_than
    stale = EngagementEvent.objects.filter(dispatched_at__isnull=True, created__lt=cutoff)
    ids = list(stale.order_by("created").values_list("pk", flat=True)[:limit])
    return sum(event_dispatch(event_id=event_id) for event_id in ids)


@transaction.atomic
def rate_limit_hit_record(*, user: User, photo: Photo | None, scope: str) -> None:
    """Keep the first time a person goes over a limit in each window, for moderators."""
    if first_hit_in_window(user.pk, scope):
        RateLimitHit.objects.create(user=user, photo=photo, scope=scope)
