"""Detectors: each reads one person's recent history and raises (or updates) a Flag.

They look back from ``at`` over the event log, so they give the same answer whether they
run right after the event (the task) or later over a time range (``detect_abuse``), and
running one twice changes nothing (flag_raise adds evidence it already has as a no-op).
Thresholds live in settings (MODERATION_*).
"""

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from engagement.models import EngagementEvent, RateLimitHit
from engagement.moderation.models import DetectionDue, Flag, Severity
from engagement.moderation.services import flag_raise
from photos.models import Photo

Kind = EngagementEvent.Kind
# What a detector raises its flag with: flag_raise, or a collector of flags to raise later.
Raising = Callable[..., Flag | None]


def _severity(found: int, threshold: int) -> int:
    return Severity.HIGH if found >= 2 * threshold else Severity.MEDIUM


def _events(
    user: User, since: datetime, at: datetime, recent: list[EngagementEvent] | None
) -> list[EngagementEvent]:
    """``user``'s events in (since, at]: picked from ``recent`` when the caller read them
    already (detect_after_event reads once for every detector), else read now."""
    if recent is not None:
        return [event for event in recent if since < event.created <= at]
    return list(_read(user, since, at))


def _read(user: User, since: datetime, at: datetime) -> QuerySet[EngagementEvent]:
    """What the detectors need of the events (evidence is kept by id)."""
    return EngagementEvent.objects.filter(actor=user, created__gt=since, created__lte=at).only(
        "id", "photo_id", "kind", "created"
    )


def _is_new(user: User, at: datetime) -> bool:
    return user.date_joined >= at - timedelta(days=settings.MODERATION_NEW_ACCOUNT_DAYS)


def detect_churn(
    *,
    user: User,
    photo: Photo,
    at: datetime,
    recent: list[EngagementEvent] | None = None,
    raising: Raising = flag_raise,
) -> Flag | None:
    """The same person liking and unliking the same photo over and over."""
    threshold = settings.MODERATION_CHURN_CYCLES
    since = at - timedelta(minutes=settings.MODERATION_CHURN_MINUTES)
    events = [
        event
        for event in _events(user, since, at, recent)
        if event.photo_id == photo.pk and event.kind in (Kind.LIKE, Kind.UNLIKE)
    ]
    cycles = sum(1 for event in events if event.kind == Kind.UNLIKE)
    if cycles < threshold:
        return None
    return raising(
        kind=Flag.Kind.CHURN,
        subject=user,
        photo=photo,
        severity=_severity(cycles, threshold),
        events=events,
        at=at,
    )


def detect_burst(
    *,
    user: User,
    at: datetime,
    recent: list[EngagementEvent] | None = None,
    raising: Raising = flag_raise,
) -> Flag | None:
    """Many likes in one minute across photos."""
    threshold = settings.MODERATION_BURST_LIKES_PER_MINUTE
    since = at - timedelta(minutes=1)
    events = [event for event in _events(user, since, at, recent) if event.kind == Kind.LIKE]
    if len(events) < threshold or len({event.photo_id for event in events}) < 2:
        return None
    return raising(
        kind=Flag.Kind.BURST,
        subject=user,
        severity=_severity(len(events), threshold),
        events=events,
        at=at,
    )


def detect_sweep(
    *,
    user: User,
    at: datetime,
    recent: list[EngagementEvent] | None = None,
    raising: Raising = flag_raise,
) -> Flag | None:
    """One person withdrawing many likes, on different photos, at once."""
    threshold = settings.MODERATION_SWEEP_WITHDRAWALS
    since = at - timedelta(minutes=settings.MODERATION_SWEEP_MINUTES)
    events = [event for event in _events(user, since, at, recent) if event.kind == Kind.UNLIKE]
    photos = len({event.photo_id for event in events})
    if photos < threshold:
        return None
    return raising(
        kind=Flag.Kind.SWEEP,
        subject=user,
        severity=_severity(photos, threshold),
        events=events,
        at=at,
    )


def detect_new_account(
    *,
    user: User,
    at: datetime,
    recent: list[EngagementEvent] | None = None,
    raising: Raising = flag_raise,
) -> Flag | None:
    """An account a few days old liking and unliking far more than people do."""
    if not _is_new(user, at):
        return None
    threshold = settings.MODERATION_NEW_ACCOUNT_EVENTS_PER_HOUR
    since = at - timedelta(hours=1)
    events = [
        event
        for event in _events(user, since, at, recent)
        if event.kind in (Kind.LIKE, Kind.UNLIKE)
    ]
    if len(events) < threshold:
        return None
    return raising(
        kind=Flag.Kind.NEW_ACCOUNT,
        subject=user,
        severity=_severity(len(events), threshold),
        events=events,
        at=at,
    )


def detect_rate_limit_hits(*, user: User, at: datetime) -> Flag | None:
    """Someone who keeps running into the like rate limits."""
    threshold = settings.MODERATION_RATE_LIMIT_HITS
    since = at - timedelta(hours=settings.MODERATION_RATE_LIMIT_HOURS)
    hits = list(RateLimitHit.objects.filter(user=user, created__gt=since, created__lte=at))
    if len(hits) < threshold:
        return None
    daily_cap = any(hit.scope == RateLimitHit.Scope.DAY for hit in hits)
    return flag_raise(
        kind=Flag.Kind.RATE_LIMIT,
        subject=user,
        severity=Severity.HIGH if daily_cap else _severity(len(hits), threshold),
        rate_limit_hits=hits,
        at=at,
    )


def _lookback(user: User, at: datetime) -> timedelta:
    """The longest window any detector looks back over from ``at``."""
    minutes = [settings.MODERATION_CHURN_MINUTES, 1, settings.MODERATION_SWEEP_MINUTES]
    if _is_new(user, at):
        minutes.append(60)
    return timedelta(minutes=max(minutes))


def detect_after_event(
    *,
    user: User,
    photo: Photo,
    at: datetime,
    recent: list[EngagementEvent] | None = None,
    raising: Raising = flag_raise,
) -> list[Flag]:
    """Every engagement detector, for one like or unlike by ``user`` on ``photo``: the
    person's events are read once (or taken from ``recent``, which must reach back the
    longest window from ``at``)."""
    if recent is None:
        recent = list(_read(user, at - _lookback(user, at), at))
    found = [
        detect_churn(user=user, photo=photo, at=at, recent=recent, raising=raising),
        detect_burst(user=user, at=at, recent=recent, raising=raising),
        detect_sweep(user=user, at=at, recent=recent, raising=raising),
        detect_new_account(user=user, at=at, recent=recent, raising=raising),
    ]
    return [flag for flag in found if flag is not None]


class _Firings:
    """Flags the detectors would raise, collected over their runs after each of a
    person's due events and raised once each: a backlog of churn fires the same flag
    after every event, and one write covers them all, as the runs in turn would have
    left it (the highest severity, first and last seen, all the evidence)."""

    def __init__(self) -> None:
        self.found: dict[tuple[str, int | None], dict] = {}

    def __call__(self, *, at: datetime, events: Iterable[EngagementEvent] = (), **flag) -> None:
        """Take what a detector would pass to flag_raise (its kind, subject, photo and
        severity in ``flag``)."""
        photo = flag.get("photo")
        found = self.found.setdefault(
            (flag["kind"], photo.pk if photo else None),
            {**flag, "first_seen": at, "at": at, "events": {}},
        )
        found["severity"] = max(found["severity"], flag["severity"])
        found["first_seen"], found["at"] = min(found["first_seen"], at), max(found["at"], at)
        found["events"].update((event.pk, event) for event in events)

    def raise_each(self) -> list[Flag]:
        raised = (
            flag_raise(**{**found, "events": found["events"].values()})
            for found in self.found.values()
        )
        return [flag for flag in raised if flag is not None]


@transaction.atomic
def detect_due(*, person_id: int) -> list[Flag]:
    """Run the detectors after each of a person's likes and unlikes that are due
    (DetectionDue), as detect_after_event would have one by one, and clear them. Their
    events are read once. The person's row is locked as their events' dispatch locks it:
    an event dispatched meanwhile waits, then notes itself due again (a new task)."""
    person = User.objects.select_for_update(no_key=True).filter(pk=person_id).first()
    due = DetectionDue.objects.filter(person_id=person_id).first()
    if person is None or due is None:
        return []
    due.delete()
    recent = list(_read(person, due.since - _lookback(person, due.since), due.until))
    engaged = sorted(
        (event.created, event.photo_id)
        for event in recent
        if event.created >= due.since and event.kind in (Kind.LIKE, Kind.UNLIKE)
    )
    photos = Photo.objects.in_bulk({photo_id for _at, photo_id in engaged})
    firings = _Firings()
    for at, photo_id in dict.fromkeys(engaged):
        if photo_id in photos:  # a photo deleted since has nothing left to flag
            detect_after_event(
                user=person, photo=photos[photo_id], at=at, recent=recent, raising=firings
            )
    return firings.raise_each()
