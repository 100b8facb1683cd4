"""Every write to engagement data goes through here."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import (
    Case,
    F,
    OuterRef,
    PositiveIntegerField,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.db.models.lookups import Exact
from django.utils import timezone

from accounts.models import User
from config.queries import count_of
from config.tasks import enqueue_with_change
from engagement.models import EngagementEvent, Like, RateLimitHit, ReadLimitHit
from engagement.policy import get_policy
from engagement.ratelimit import (
    consume_like_attempt,
    first_hit_in_window,
    first_read_hit_in_window,
)
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
    exceeded, retry_after = consume_like_attempt(user)
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
    _like_count_move(
        photo=photo, user=user, liked=liked, at=now, event_id=event.pk, restored=changed
    )
    return True


def _like_insert(*, user: User, photo: Photo, at: datetime) -> bool | None:
    """Insert the Like unless it exists, in one statement (None: it existed).

    Returns whether the like takes back a withdrawal of this release window under the
    shield (their latest engagement here this window was that withdrawal): then it keeps
    the time it is still displayed with (the like withdrawn), so nothing visible moves.
    (The ORM has no INSERT ... ON CONFLICT DO NOTHING RETURNING.)
    """
    created = Like._meta.get_field("created").get_db_prep_value(at, connection)
    value_sql, value_params = "%s", [created]
    if get_policy().unlike_shield:
        latest = _latest_kind_this_window(user=user, photo=photo, at=at).query
        latest_sql, latest_params = latest.sql_with_params()
        earlier = liked_before_withdrawal(photo=photo, actor=user, at=at).query
        earlier_sql, earlier_params = earlier.sql_with_params()
        value_sql = f"COALESCE(CASE WHEN ({latest_sql}) = %s THEN ({earlier_sql}) END, %s)"
        value_params = [*latest_params, EngagementEvent.Kind.UNLIKE, *earlier_params, created]
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


def _latest_kind_this_window(
    *, user: User, photo: Photo, at: datetime, before: int | None = None
) -> QuerySet:
    """The kind of ``user``'s latest event on ``photo`` in ``at``'s release window (a
    one-row subquery), leaving out event ``before`` and later ones when given."""
    events = EngagementEvent.objects.filter(actor=user, photo=photo, created__gte=window_start(at))
    if before is not None:
        events = events.filter(pk__lt=before)
    return events.order_by("-created", "-id").values("kind")[:1]


def _like_count_move(
    *, photo: Photo, user: User, liked: bool, at: datetime, event_id: int, restored: bool
) -> None:
    """Move like_count by one, and keep the shield's pending withdrawals of this window.

    A withdrawal stays displayed until its window ends (engagement.shield); a like that
    takes one back within the window removes it from the pending ones instead.
    """
    window = window_start(at)
    if liked:
        # Their latest engagement this window was a withdrawal still displayed: this like
        # takes it back. (Not after a moderator voided the like: that left at once.)
        latest = _latest_kind_this_window(user=user, photo=photo, at=at, before=event_id)
        took_back = Exact(Subquery(latest), EngagementEvent.Kind.UNLIKE)
        updates = {
            "like_count": F("like_count") + 1,
            "shield_withdrawals": Case(
                When(
                    Q(shield_window=window, shield_withdrawals__gt=0) & took_back,
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
        # The event, and its actor with a lock that FK checks do not wait for (NO KEY
        # UPDATE): one person's events are dispatched one at a time, so a like's receivers
        # and its unlike's never miss each other's uncommitted rows, while the person's
        # new likes and the photo go on unhindered.
        EngagementEvent.objects.select_for_update(of=("self", "actor"), no_key=True)
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
def likes_void(*, user: User, photo: Photo | None = None) -> int:
    """Remove ``user``'s likes on ``photo`` (or everywhere) as abusive; returns how many.

    Not the person's withdrawal: each like leaves the displayed count at once (the shield
    does not hold it) and is logged as a VOID event, whose dispatch (like any event's,
    see event_dispatch) sends ``photo_unliked`` with ``voided=True``, so receivers correct
    rollups and withdraw the owner's notification without telling anyone. A suspended
    person's likes no longer count, so voiding them leaves like_count alone (see
    likes_counted_set).
    """
    now = timezone.now()
    counted = User.objects.filter(pk=user.pk, is_active=True).exists()
    likes = Like.objects.filter(user=user)
    if photo is not None:
        likes = likes.filter(photo=photo)
    photo_ids = list(likes.values_list("photo_id", flat=True))
    voided = []
    for photo_id in photo_ids:
        # One photo at a time, so a concurrent unlike of the same like is counted once.
        deleted, _counts = Like.objects.filter(user=user, photo_id=photo_id).delete()
        if not deleted:
            continue
        if counted:
            Photo.objects.filter(pk=photo_id).update(like_count=F("like_count") - 1)
        voided.append(photo_id)
    events = EngagementEvent.objects.bulk_create(
        EngagementEvent(actor=user, photo_id=photo_id, kind=EngagementEvent.Kind.VOID, created=now)
        for photo_id in voided
    )
    for event in events:
        enqueue_with_change(engagement_event_dispatch, event_id=event.pk)
    return len(voided)


def counted_likes() -> Coalesce:
    """The true like_count of the outer photo: its Like rows by active people."""
    return count_of(Like.objects.filter(photo=OuterRef("pk"), user__is_active=True), per="photo")


@transaction.atomic
def like_counts_recount(*, photo_ids: list[int]) -> int:
    """Set like_count from the Like rows (check_integrity --repair and the admin action)."""
    return Photo.objects.filter(pk__in=photo_ids).update(like_count=counted_likes())


@transaction.atomic
def likes_erase(*, user: User) -> int:
    """Remove every like ``user`` made, with their like/unlike history and rate-limit
    record, because their account is being deleted; returns how many likes went.

    Nothing is announced (no receiver runs): nobody is notified and no rollup counts a
    withdrawal. The liked photos are locked, then recounted from the remaining Like rows,
    so a like arriving meanwhile waits and is added on top: the counts stay exact.
    """
    photo_ids = list(Like.objects.filter(user=user).values_list("photo_id", flat=True))
    list(Photo.objects.select_for_update().filter(pk__in=photo_ids).order_by("pk").values("pk"))
    erased, _counts = Like.objects.filter(user=user).delete()
    like_counts_recount(photo_ids=photo_ids)
    EngagementEvent.objects.filter(actor=user).delete()
    RateLimitHit.objects.filter(user=user).delete()
    return erased


@transaction.atomic
def likes_counted_set(*, user: User, counted: bool) -> int:
    """Take a person's likes out of (or back into) every like_count; returns how many.

    Called when an account is suspended (``counted=False``, after is_active is cleared)
    or restored (``counted=True``, after it is set again): like_count counts the likes of
    active people only, which engagement.integrity.like_counts checks. The Like rows stay,
    so restoring puts every like back exactly.
    """
    liked = Like.objects.filter(user=user).values("photo_id")
    change = F("like_count") + 1 if counted else F("like_count") - 1
    return Photo.objects.filter(pk__in=liked).update(like_count=change)


@transaction.atomic
def rate_limit_hit_record(*, user: User, photo: Photo | None, scope: str) -> None:
    """Keep the first time a person goes over a limit in each window, for moderators."""
    if first_hit_in_window(user.pk, scope):
        RateLimitHit.objects.create(user=user, photo=photo, scope=scope)


@transaction.atomic
def read_limit_hit_record(*, reading: str, user: User, address: str, path: str, scope: str) -> None:
    """Keep the first time a reader (a person, or an address when logged out) goes over
    a read limit in each window, for moderators."""
    person = user if user.is_authenticated else None
    reader = f"user:{person.pk}" if person else f"address:{address}"
    if first_read_hit_in_window(reading, reader, scope):
        ReadLimitHit.objects.create(
            user=person, address=address or None, reading=reading, path=path[:200], scope=scope
        )
