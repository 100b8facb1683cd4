"""The home page (the ranked or chronological feed; explore for first visitors), the
explore page, and the feed-order toggle."""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts import selectors as account_selectors
from config.views import error_response, render_page_or_next
from engagement import selectors as engagement_selectors
from engagement.models import ReadLimitHit
from engagement.policy import get_policy
from engagement.ranking import selectors, services
from engagement.views import _photos_page, _shown, limit_reads
from photos import selectors as photo_selectors

EXPLORE_ON_HOME = 12


@vary_on_headers("HX-Request")
@limit_reads(ReadLimitHit.Reading.COUNTS)
def home(request: HttpRequest) -> HttpResponse:
    """Members: their feed (ranked, or newest first if they chose so) and people to
    follow. First visitors: what makes the site different and the explore grid."""
    if not request.user.is_authenticated:
        explore = selectors.explore(None, limit=EXPLORE_ON_HOME)
        _shown(request, explore)
        return render(request, "home.html", {"policy": get_policy(), "explore": explore})
    context = {"chronological": selectors.is_chronological(request.user)}
    if context["chronological"]:
        page = _photos_page(
            request, photo_selectors.home_feed(request.user), settings.FEED_CARDS_PER_PAGE
        )
        context |= {"page": page} | _people_at_the_end(request, more=bool(page.next_cursor))
        return render_page_or_next(request, "home.html", "feed_page", context)
    return _ranked_page(request, context)


def _people_at_the_end(request: HttpRequest, *, more: bool) -> dict:
    """People to follow, shown where the feed ends (infinite scroll pushes anything
    below it out of reach until then), so a page with more to come does not read them."""
    if more:
        return {}
    # Suggestions are people the viewer does not follow: none is shown as followed.
    people = list(account_selectors.people_to_discover(request.user, limit=6))
    return {"people": people, "followed_ids": set()}


@dataclass
class SnapshotPage:
    """A page of a ranking kept for paging: its rows, where the page starts, its token."""

    rows: list
    token: str
    start: int
    changed: bool  # the snapshot asked for had expired: this is a fresh one, from the top


class BadOffset(Exception):
    pass


def _snapshot_page(
    request: HttpRequest, *, kind: str, fresh: Callable[[], tuple[list, str]]
) -> SnapshotPage | None:
    """The page of the snapshot ``?snapshot=<token>&offset=<n>`` names, or the top of a
    fresh one (``fresh`` gives its rows and token). None when htmx asked for the next
    page of a snapshot that expired: appending the top of a fresh ranking would repeat
    photos, so the caller says the ranking changed instead. A bad offset: BadOffset."""
    token, offset = request.GET.get("snapshot"), request.GET.get("offset", "0")
    if not offset.isdigit():
        raise BadOffset
    rows = selectors.snapshot_load(request.user, token, kind=kind) if token else None
    if rows is not None:
        return SnapshotPage(rows, token, int(offset), changed=False)
    if token and request.htmx:
        return None
    rows, fresh_token = fresh()
    return SnapshotPage(rows, fresh_token, 0, changed=bool(token))


def _next_offset(page: SnapshotPage, size: int) -> int | None:
    return page.start + size if page.start + size < len(page.rows) else None


def _ranked_page(request: HttpRequest, context: dict) -> HttpResponse:
    """A page of the ranked feed's snapshot; a reload shows the viewer's current one."""
    now = timezone.now()

    def fresh() -> tuple[list, str]:
        current = None if "snapshot" in request.GET else selectors.current_feed(request.user, now)
        if current is not None:
            token, rows = current
            return rows, token
        rows = selectors.snapshot_rows(selectors.feed_rank(request.user, now))
        return rows, selectors.snapshot_save(request.user, rows, now)

    try:
        page = _snapshot_page(request, kind="feed", fresh=fresh)
    except BadOffset:
        return error_response(request, 400, _("That page of your feed doesn't exist."))
    if page is None:
        return render(request, "home.html#feed_changed", context)
    size = settings.FEED_CARDS_PER_PAGE
    items = selectors.ranked_items(page.rows[page.start : page.start + size])
    photos = selectors.feed_photos(request.user, items)
    engagement_selectors.with_like_states(request.user, photos)
    _shown(request, photos)
    next_offset = _next_offset(page, size)
    context |= {
        "feed": photos,
        "snapshot": page.token,
        "next_offset": next_offset,
        "ranked": True,
        "feed_changed": page.changed,
    } | _people_at_the_end(request, more=next_offset is not None)
    template = (
        "home.html#ranked_page" if request.htmx and "snapshot" in request.GET else "home.html"
    )
    return render(request, template, context)


@vary_on_headers("HX-Request")
@limit_reads(ReadLimitHit.Reading.COUNTS)
def explore(request: HttpRequest) -> HttpResponse:
    """Public photos from people the viewer does not follow, most engaging first, a page
    at a time from a snapshot of the ranking (so pages neither repeat nor skip)."""
    now = timezone.now()

    def fresh() -> tuple[list, str]:
        rows = selectors.explore_rank(request.user, now)
        return rows, selectors.snapshot_save(request.user, rows, now, kind="explore")

    try:
        page = _snapshot_page(request, kind="explore", fresh=fresh)
    except BadOffset:
        return error_response(request, 400, _("That page of explore doesn't exist."))
    if page is None:
        return render(request, "ranking/explore.html#explore_changed_row")
    rows = page.rows[page.start : page.start + settings.PHOTOS_PER_PAGE]
    photos = selectors.explore_photos(request.user, rows, now)
    _shown(request, photos)
    context = {
        "photos": photos,
        "snapshot": page.token,
        "next_offset": _next_offset(page, settings.PHOTOS_PER_PAGE),
        "explore_changed": page.changed,
    }
    template = (
        "ranking/_explore_grid.html#explore_items"
        if request.htmx and "snapshot" in request.GET
        else "ranking/explore.html"
    )
    return render(request, template, context)


@require_POST
@login_required
def feed_order(request: HttpRequest) -> HttpResponse:
    """Ranked or newest first, remembered for the person."""
    order = request.POST.get("order")
    if order not in ("ranked", "chronological"):
        return error_response(request, 400, _("Choose a ranked or a chronological feed."))
    services.feed_order_set(user=request.user, chronological=order == "chronological")
    return redirect("home")
