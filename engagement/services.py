"""Every write to engagement data goes through here."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from config.queries import count_of
from config.tasks import stores_tasks_in_database
from engagement import statements
from engagement.models import EngagementEvent, Like, RateLimitHit, ReadLimitHit
from engagement.policy import get_policy
from engagement.ratelimit import (
    consume_like_attempt,
    first_hit_in_window,
    first_read_hit_in_window,
)
from engagement.shield import window_start
from engagement.signals import photo_liked, photo_unliked
from engagement.tasks import engagement_event_dispatch
from photos.models import Photo
from photos.selectors import photo_for_action


@dataclass(frozen=True)
class LikeRefused:
    """A like or unlike refused for going over a rate limit: nothing changed."""

    scope: str
    retry_after: int  # seconds until that limit's window resets


@dataclass(frozen=True)
class LikeSubmitted:
    """What became of a like or unlike: the photo with the counts it left (or refused)."""

    photo: Photo
    refused: LikeRefused | None = None


def like_submit(*, user: User, photo_id: int, liked: bool) -> LikeSubmitted:
    """A person asks to like (or unlike) photo ``photo_id``: count the attempt against
    their rate limits; over a limit, record it for moderators (once per window) and change
    nothing; otherwise set the state (like_set). Raises Http404 if the photo is gone or
    hidden from them.

    The common case (a photo anyone may see, and a real change) is one statement that
    checks the photo, changes it and returns it; anything else reads the photo first.
    """
    exceeded, retry_after = consume_like_attempt(user)
    if exceeded:
        photo = photo_for_action(photo_id, user)
        rate_limit_hit_record(user=user, photo=photo, scope=exceeded)
        return LikeSubmitted(photo, LikeRefused(exceeded, retry_after))
    change, _window = _like_change(
        user_id=user.pk, photo_id=photo_id, liked=liked, plainly_visible=True
    )
    if change is not None and change.photo is not None:
        return LikeSubmitted(change.photo)
    photo = photo_for_action(photo_id, user)
    like_set(user=user, photo=photo, liked=liked)
    return LikeSubmitted(photo)


def like_set(*, user: User, photo: Photo, liked: bool) -> bool:
    """Make ``user`` like (or not like) ``photo``; returns whether anything changed.

    The request carries the desired state, so a double click or a retried request cannot
    flip it twice. A no-op writes nothing and sends nothing. The Like row (unique per
    user and photo) is the truth; Photo.like_count moves with it in the same transaction,
    added to in the database, so concurrent requests can neither lose nor double a like.
    A real change is logged as an EngagementEvent, which is also the outbox of its side
    effects (see event_dispatch). ``photo``'s counts are set to what the change left
    (everyone's likes included), so the caller can show them without reading again.

    Under the shield, a withdrawal stays displayed until its window ends
    (engagement.shield), counted in the photo's shield_withdrawals for that window; a
    like that takes one back within the window removes it from the pending ones instead.

    The writes are engagement.statements.like_change: on PostgreSQL one statement, its
    own transaction (no BEGIN or COMMIT round trips), holding the photo's row, the one
    thing every like of a viral photo shares, only until it commits.
    """
    change, window = _like_change(user_id=user.pk, photo_id=photo.pk, liked=liked)
    if change is None:
        return False
    photo.like_count, photo.shield_withdrawals = change.like_count, change.shield_withdrawals
    if change.in_window:
        photo.shield_window = window
    return True


def _like_change(
    *, user_id: int, photo_id: int, liked: bool, plainly_visible: bool = False
) -> tuple[statements.LikeChange | None, datetime | None]:
    """The change (None if none) and the shield window it was made in (None without
    the shield); its side effects will run once it commits."""
    now = timezone.now()
    window = window_start(now) if get_policy().unlike_shield else None
    change = statements.like_change(
        user_id=user_id,
        photo_id=photo_id,
        liked=liked,
        at=now,
        window=window,
        plainly_visible=plainly_visible,
    )
    if change is not None:
        _event_dispatch_soon(change.event_id)
    return change, window


def _event_dispatch_soon(event_id: int) -> None:
    """Have the event's side effects run once it commits.

    With the database queue, the event row itself is the outbox: `make worker` drains
    undispatched events, so nothing more is written here. Otherwise (the immediate
    backend) its dispatch task runs after commit, in-process.
    """
    if not stores_tasks_in_database(engagement_event_dispatch):
        transaction.on_commit(lambda: engagement_event_dispatch.enqueue(event_id=event_id))


@transaction.atomic
def event_dispatch(*, event_id: int) -> bool:
    """Run an engagement event's side effects once: send its signal (notifications,
    insights, moderation and ranking listen) and mark it dispatched, in one transaction.

    Receivers write in this transaction, so if the process dies midway nothing is kept
    and the event is dispatched again later; a second call finds it dispatched and does
    nothing. Returns whether it dispatched the event now.

    On PostgreSQL the commit does not wait for the disk (synchronous_commit off for this
    transaction): if the server crashes before it is flushed, the dispatch is lost whole,
    its side effects and mark with it, and the event is dispatched again. Every like's
    own commit waits on that flush; the worker's no longer queue in front of them.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
    event = (
        # The event, and its actor with a lock that FK checks do not wait for (NO KEY
        # UPDATE): one person's events are dispatched one at a time, so a like's receivers
        # and its unlike's never miss each other's uncommitted rows, while the person's
        # new likes and the photo go on unhindered.
        EngagementEvent.objects.select_for_update(of=("self", "actor"), no_key=True)
        .select_related("actor", "photo__owner")
        .filter(pk=event_id)
        .order_by()  # one row by its key: the model's ordering cost 0.5 ms to compile
        .first()
    )
    # Dispatched or not is checked here, not in the query: asked for both, PostgreSQL
    # may walk the index of undispatched events (dead entries of ones dispatched since
    # it was last vacuumed included) instead of looking the event up by its key.
    if event is None or event.dispatched_at is not None:
        return False
    signal = photo_liked if event.kind == EngagementEvent.Kind.LIKE else photo_unliked
    extra = {"voided": True} if event.kind == EngagementEvent.Kind.VOID else {}
    signal.send(sender=Like, user=event.actor, photo=event.photo, at=event.created, **extra)
    EngagementEvent.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())
    return True


def events_undispatched(*, older_than: timedelta = timedelta(0), limit: int = 500) -> list[int]:
    """Ids of events whose side effects have not run, oldest first, that happened at least
    ``older_than`` ago (an index on undispatched events serves it)."""
    cutoff = timezone.now() - older_than
    pending = EngagementEvent.objects.filter(dispatched_at__isnull=True, created__lte=cutoff)
    return list(pending.order_by("created").values_list("pk", flat=True)[:limit])


def events_dispatch_stale(*, older_than: timedelta, limit: int = 500) -> int:
    """Dispatch events whose side effects have not run after ``older_than`` (their task
    was lost: the process died between commit and running it). Returns how many."""
    ids = events_undispatched(older_than=older_than, limit=limit)
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
        _event_dispatch_soon(event.pk)
    return len(voided)


def counted_likes() -> Coalesce:
    """The true like_count of the outer photo: its Like rows by active people."""
    return count_of(Like.objects.filter(photo=OuterRef("pk"), user__is_active=True), per="photo")


@transaction.atomic
def like_counts_recount(*, photo_ids: list[int]) -> int:
    """Set like_count from the Like rows (check_integrity --repair and the admin action)."""
    return Photo.objects.filter(pk__in=photo_ids).update(like_count=counted_likes())


def counted_withdrawals(window: datetime) -> Coalesce:
    """The true shield_withdrawals of the outer photo in release window ``window``: the
    people whose latest engagement with it this window is a withdrawal (one taken back by
    a like, or followed by a moderator's void, is no longer pending)."""
    later = EngagementEvent.objects.filter(
        Q(created__gt=OuterRef("created")) | Q(created=OuterRef("created"), pk__gt=OuterRef("pk")),
        photo=OuterRef("photo"),
        actor=OuterRef("actor"),
    )
    latest_withdrawals = EngagementEvent.objects.filter(
        photo=OuterRef("pk"), kind=EngagementEvent.Kind.UNLIKE, created__gte=window
    ).exclude(Exists(later))
    return count_of(latest_withdrawals, per="photo")


@transaction.atomic
def withdrawals_recount(*, photo_ids: list[int], window: datetime) -> int:
    """Set the pending withdrawals of photos whose shield window is ``window`` from the
    event log (check_integrity --repair)."""
    photos = Photo.objects.filter(pk__in=photo_ids, shield_window=window)
    return photos.update(shield_withdrawals=counted_withdrawals(window))


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
