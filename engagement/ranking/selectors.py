"""Reads for the ranked home feed and explore, with their fixed query counts.

The home feed is ranked once into a snapshot (the ordered ids with the parts of each
score) kept in the cache for SNAPSHOT_SECONDS; its pages are slices of it, so likes that
change while someone scrolls never repeat or skip a photo, and every "Why am I seeing
this?" is built from the numbers that ranked it. Building a snapshot costs three queries
(follows, candidates with their rollups, affinities), a page two or three more (photos,
the viewer's likes of liked authors, like states), whatever the page size. A reload
within FEED_REUSE shows the viewer's current snapshot (current_feed).
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.models import Follow, User
from engagement.insights.models import PhotoDay
from engagement.models import Like
from engagement.policy import get_policy
from engagement.ranking.models import Affinity, FeedPreference
from engagement.ranking.scoring import (
    EXPLORE_WINDOW,
    FEED_WINDOW,
    Parts,
    decayed,
    velocity,
)
from engagement.shield import Counted, displayed_like_count, pending_withdrawals
from photos import selectors as photo_selectors
from photos.models import Photo

FEED_CANDIDATES = 300  # the newest photos of the last FEED_WINDOW that are ranked
SNAPSHOT_SECONDS = 30 * 60
FEED_REUSE = timedelta(minutes=5)  # how long a reload shows the same ranking (current_feed)
EXPLORE_CANDIDATES = 200
EXPLORE_DEPTH = 240  # photos one explore snapshot reaches down to
EXPLORE_CACHE_SECONDS = 60
LIKED_AUTHOR = 0.05  # learnt affinity worth a line in "Why am I seeing this?"
WELL_LIKED = 2.0  # a quality (scoring.Parts) said in words: "many who saw it liked it"


def is_chronological(user: User) -> bool:
    return FeedPreference.objects.filter(user=user, chronological=True).exists()


@dataclass(frozen=True)
class Ranked:
    photo_id: int
    parts: Parts


def _summed_days(column: str) -> Coalesce:
    """A photo's ``column`` summed over its insight days (0 without any), per candidate."""
    days = PhotoDay.objects.filter(photo=OuterRef("pk")).values("photo")
    return Coalesce(Subquery(days.annotate(total=Sum(column)).values("total")), Value(0))


def _released(withdrawn: int, photo: Counted, at: datetime) -> int:
    """Withdrawals the shield has let show: not the ones still pending in its window."""
    return max(withdrawn - pending_withdrawals(photo, at), 0)


class Candidate(NamedTuple):
    """A photo as the ranking reads it: tuples, not 300 model instances."""

    id: int
    owner_id: int
    created: datetime
    like_count: int
    shield_window: datetime | None
    shield_withdrawals: int


def feed_rank(viewer: User, at: datetime) -> list[Ranked]:
    """The viewer's home feed, best first (engagement.ranking.scoring)."""
    followed = set(Follow.objects.filter(follower=viewer).values_list("followed_id", flat=True))
    # Each candidate with its reach and withdrawals, summed per photo by its index in the
    # same query (no list of 300 ids sent back and forth).
    rows = (
        photo_selectors.home_feed(viewer)
        .select_related(None)  # the owners of the page's photos only, read with the page
        .filter(created__gte=at - FEED_WINDOW)
        .order_by("-created", "-id")
        .annotate(reach=_summed_days("views"), withdrawn=_summed_days("likes_withdrawn"))
        .values_list(*Candidate._fields, "reach", "withdrawn")[:FEED_CANDIDATES]
    )
    candidates = [(Candidate(*row[:-2]), *row[-2:]) for row in rows]
    learnt = {
        author: decayed(score, updated, at)
        for author, score, updated in Affinity.objects.filter(
            viewer=viewer, author_id__in={photo.owner_id for photo, _, _ in candidates}
        ).values_list("author_id", "score", "updated")
    }
    ranked = []
    for photo, reach, withdrawn in candidates:
        parts = Parts(
            age_hours=(at - photo.created).total_seconds() / 3600,
            followed=photo.owner_id in followed,
            own=photo.owner_id == viewer.pk,
            learnt=learnt.get(photo.owner_id, 0.0),
            likes=displayed_like_count(photo, at),
            reach=reach,
            withdrawals=_released(withdrawn, photo, at),
        )
        ranked.append(Ranked(photo.id, parts))
    ranked.sort(key=lambda item: (-item.parts.score, -item.photo_id))
    return ranked


def snapshot_rows(items: list[Ranked]) -> list[tuple[int, tuple]]:
    """What a snapshot keeps of each item: plain tuples, quick to store and read back."""
    return [(item.photo_id, item.parts.as_tuple()) for item in items]


def snapshot_save(
    viewer: User | AnonymousUser, rows: list, at: datetime, *, kind: str = "feed"
) -> str:
    """Keep a ranking for paging (``kind``: the home feed, or explore); the home feed's
    is also the viewer's current feed (see current_feed)."""
    token = secrets.token_urlsafe(8)
    kept = {_snapshot_key(kind, viewer, token): rows}
    if kind == "feed":
        kept[current_feed_key(viewer.pk)] = (token, at)
    cache.set_many(kept, timeout=SNAPSHOT_SECONDS)
    return token


def snapshot_load(viewer: User | AnonymousUser, token: str, *, kind: str = "feed") -> list | None:
    """The snapshot's rows: for the feed (photo id, parts of its score), see
    ranked_items(); for explore (photo id, velocity), see explore_photos()."""
    return cache.get(_snapshot_key(kind, viewer, token))


def current_feed(viewer: User, at: datetime) -> tuple[str, list[tuple[int, tuple]]] | None:
    """The viewer's snapshot of the last FEED_REUSE, while it still stands.

    Opening the home page again shortly after (a reload, coming back from a photo) shows
    the same order rather than ranking 300 photos again. It stands until the viewer
    likes, unlikes, follows or unfollows (services.feed_forget, from the receivers) or someone in
    the feed posts: one query on the newest-photos index checks for that.
    """
    pointer = cache.get(current_feed_key(viewer.pk))
    if pointer is None:
        return None
    token, built = pointer
    if (
        at - built > FEED_REUSE
        or photo_selectors.home_feed(viewer).filter(created__gt=built).exists()
    ):
        return None
    rows = snapshot_load(viewer, token)
    return None if rows is None else (token, rows)


def ranked_items(rows: list[tuple[int, tuple]]) -> list[Ranked]:
    """Snapshot rows as ranked items: built for the page shown only, not all 300."""
    return [Ranked(photo_id, Parts(*parts)) for photo_id, parts in rows]


SNAPSHOT_FORMAT = 2  # raised whenever the rows change shape: older snapshots go unread


def _snapshot_key(kind: str, viewer: User | AnonymousUser, token: str) -> str:
    return f"{kind}-snapshot:v{SNAPSHOT_FORMAT}:{viewer.pk or 0}:{token}"


def current_feed_key(viewer_id: int) -> str:
    return f"feed-current:{viewer_id}"


def feed_photos(viewer: User, page: list[Ranked]) -> list[Photo]:
    """The photos of a page of the snapshot, in its order, each with ``why``: the lines
    of "Why am I seeing this?". Photos gone since (deleted, hidden) are left out."""
    ids = [item.photo_id for item in page]
    photos = {photo.pk: photo for photo in photo_selectors.home_feed(viewer).filter(pk__in=ids)}
    # "You liked 4 of Ana's photos this month" is said only of authors the viewer likes.
    liked_authors = {
        photos[item.photo_id].owner_id
        for item in page
        if item.parts.learnt > LIKED_AUTHOR and item.photo_id in photos
    }
    liked_this_month = {}
    if liked_authors:
        liked_this_month = dict(
            Like.objects.filter(
                user=viewer,
                photo__owner__in=liked_authors,
                created__gte=timezone.now() - FEED_WINDOW,
            )
            .values("photo__owner")
            .annotate(n=Count("id"))
            .values_list("photo__owner", "n")
        )
    policy = get_policy()
    shown = []
    for item in page:
        photo = photos.get(item.photo_id)
        if photo is None:
            continue
        photo.why = feed_reasons(
            item.parts,
            photo.owner,
            liked_this_month.get(photo.owner_id, 0),
            likes_shown=policy.shows_like_count(
                viewer=viewer, owner_id=photo.owner_id, hidden_by_owner=photo.hide_like_count
            ),
        )
        shown.append(photo)
    return shown


def feed_reasons(
    parts: Parts, author: User, liked_this_month: int, *, likes_shown: bool = True
) -> list[str]:
    """ "Why am I seeing this?" in plain words, from the parts of the score.

    Only what the viewer may know is said: their own likes and unlikes, whom they follow,
    the photo's age, and whether it is well liked in words, never a number (and not even
    that where its like count is hidden from the viewer). Reach is the
    owner's insight and other people's withdrawn likes are nobody's business (the
    product's promise), so neither is named, though both weigh in the score.
    """
    name = author.name
    lines = []
    if parts.own:
        lines.append(gettext("This is your photo."))
    elif parts.followed:
        lines.append(gettext("You follow %(name)s.") % {"name": name})
    if parts.learnt > LIKED_AUTHOR and liked_this_month:
        lines.append(
            ngettext(
                "You liked %(count)d of %(name)s's photos this month, so theirs rank higher.",
                "You liked %(count)d of %(name)s's photos this month, so theirs rank higher.",
                liked_this_month,
            )
            % {"count": liked_this_month, "name": name}
        )
    elif parts.learnt > LIKED_AUTHOR:
        lines.append(
            gettext("You've liked %(name)s's photos, so theirs rank higher.") % {"name": name}
        )
    elif parts.learnt < -LIKED_AUTHOR:
        lines.append(
            gettext("You unliked some of %(name)s's photos, so theirs rank lower.") % {"name": name}
        )
    if likes_shown and parts.quality >= WELL_LIKED:
        lines.append(gettext("Many of the people who saw it liked it."))
    if parts.age_hours < 24:
        lines.append(gettext("Posted today: newer photos come first."))
    else:
        lines.append(
            ngettext(
                "Posted %(days)d day ago: older photos sink.",
                "Posted %(days)d days ago: older photos sink.",
                int(parts.age_hours // 24),
            )
            % {"days": int(parts.age_hours // 24)}
        )
    return lines


# --- Explore -------------------------------------------------------------------------------


def _popular_this_week(at: datetime) -> list[tuple[int, int, int, int]]:
    """(photo id, gained, voided, withdrawn) of the week's most engaging photos, site-wide,
    kept for a minute: one aggregate over the rollups serves every visitor meanwhile."""
    key = f"explore-popular:{at:%Y%m%d%H%M}"
    popular = cache.get(key)
    if popular is None:
        since = (at - EXPLORE_WINDOW).date()
        rows = (
            PhotoDay.objects.filter(day__gte=since)
            .values("photo_id")
            .annotate(
                gained=Sum("likes_gained"),
                voided=Sum("likes_voided"),
                withdrawn=Sum("likes_withdrawn"),
            )
            .annotate(velocity=F("gained") - F("voided") - 2 * F("withdrawn"))
            .order_by("-velocity", "-photo_id")
            .values_list("photo_id", "gained", "voided", "withdrawn")[:EXPLORE_CANDIDATES]
        )
        popular = list(rows)
        cache.set(key, popular, timeout=EXPLORE_CACHE_SECONDS)
    return popular


def _public_to(viewer: User | None, at: datetime) -> QuerySet[Photo]:
    """Explore's photos: public ones of the last 30 days by people the viewer does not
    follow (and not theirs); hidden photos and suspended accounts left out."""
    public = Photo.objects.filter(
        created__gte=at - FEED_WINDOW, hidden_at__isnull=True, owner__is_active=True
    )
    if viewer is not None and viewer.is_authenticated:
        followed = Follow.objects.filter(follower=viewer).values("followed_id")
        public = public.exclude(Q(owner__in=followed) | Q(owner=viewer))
    return public


def explore_rank(
    viewer: User | None, at: datetime, *, depth: int = EXPLORE_DEPTH
) -> list[tuple[int, int]]:
    """(photo id, velocity) for explore, best first, ``depth`` deep: the week's popular
    photos by engagement velocity (engagement.ranking.scoring), newer first among equals,
    then the newest (velocity 0)."""
    popular = _popular_this_week(at)
    public = _public_to(viewer, at)
    shown = public.filter(pk__in=[row[0] for row in popular])
    found = {values[0]: Candidate(*values) for values in shown.values_list(*Candidate._fields)}
    scored = []
    for photo_id, gained, voided, withdrawn in popular:
        photo = found.get(photo_id)
        if photo is None:
            continue
        released = _released(withdrawn, photo, at)
        # Likes by accounts suspended since are not shown, so they do not count either (the
        # shown count has already lost the voided likes that velocity takes off).
        gained = min(gained, displayed_like_count(photo, at) + voided)
        speed = velocity(gained=gained, voided=voided, released_withdrawals=released)
        if speed > 0:
            scored.append((speed, photo.created, photo_id))
    scored.sort(reverse=True)
    rows = [(photo_id, speed) for speed, _, photo_id in scored[:depth]]
    if len(rows) < depth:  # a quiet week: the newest follow
        newest = (
            public.exclude(pk__in=[photo_id for photo_id, _ in rows])
            .order_by("-created", "-id")
            .values_list("id", flat=True)[: depth - len(rows)]
        )
        rows += [(photo_id, 0) for photo_id in newest]
    return rows


def explore_photos(
    viewer: User | None, rows: list[tuple[int, int]], at: datetime | None = None
) -> list[Photo]:
    """The photos of a slice of explore_rank, in its order, each with ``velocity`` and
    ``why``; those hidden or gone since are left out."""
    at = at or timezone.now()
    speeds = dict(rows)
    found = (
        _public_to(viewer, at)
        .filter(pk__in=speeds)
        .select_related("owner")
        .only(*photo_selectors.GRID_FIELDS, "owner__username", "owner__display_name")
        .in_bulk()
    )
    member = viewer is not None and viewer.is_authenticated
    photos = []
    for photo_id, speed in rows:
        if (photo := found.get(photo_id)) is not None:
            photo.velocity = speed
            photo.why = explore_reasons(photo, member=member)
            photos.append(photo)
    return photos


def explore(viewer: User | None, *, limit: int, at: datetime | None = None) -> list[Photo]:
    """The first ``limit`` photos of explore (the home page's grid for visitors)."""
    at = at or timezone.now()
    return explore_photos(viewer, explore_rank(viewer, at, depth=limit), at)


def explore_reasons(photo: Photo, *, member: bool) -> list[str]:
    """Why a photo is on explore, in words: its velocity mixes in withdrawn likes, which
    nobody may read back out of a number."""
    if photo.velocity > 0:
        lines = [gettext("Popular this week: it has been getting new likes.")]
    else:
        lines = [gettext("One of the newest photos on Likewise.")]
    if member:
        lines.append(gettext("You don't follow %(name)s yet.") % {"name": photo.owner.name})
    return lines
