"""The home page (the ranked or chronological feed; explore for first visitors), the
explore page, and the feed-order toggle."""

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
EXPLORE_PAGE = 48


@vary_on_headers("HX-Request")
@limit_reads(ReadLimitHit.Reading.COUNTS)
def home(request: HttpRequest) -> HttpResponse:
    """Members: their feed (ranked, or newest first if they chose so) and people to
    follow. First visitors: what makes the site different and the explore grid."""
    if not request.user.is_authenticated:
        explore = selectors.explore(None, limit=EXPLORE_ON_HOME)
        _shown(request, explore)
        return render(request, "home.html", {"policy": get_policy(), "explore": explore})
    context = {
        # Suggestions are people the viewer does not follow: none is shown as followed.
        "people": list(account_selectors.people_to_discover(request.user, limit=6)),
        "followed_ids": set(),
        "chronological": selectors.is_chronological(request.user),
    }
    if context["chronological"]:
        context["page"] = _photos_page(
            request, photo_selectors.home_feed(request.user), settings.FEED_CARDS_PER_PAGE
        )
        return render_page_or_next(request, "home.html", "feed_page", context)
    return _ranked_page(request, context)


def _ranked_page(request: HttpRequest, context: dict) -> HttpResponse:
    """A page of the ranked snapshot: ``?snapshot=<token>&offset=<n>`` asks for the next.

    A snapshot that expired while someone scrolled is not silently re-ranked into the
    page they asked for (that would repeat photos above it): they are told, and offered
    the feed afresh from the top.
    """
    token, offset = request.GET.get("snapshot"), request.GET.get("offset", "0")
    if not offset.isdigit():
        return error_response(request, 400, _("That page of your feed doesn't exist."))
    now = timezone.now()
    if token:
        rows = selectors.snapshot_load(request.user, token)
        if rows is None and request.htmx:
            return render(request, "home.html#feed_changed", context)
        context["feed_changed"] = rows is None
    else:
        token, rows = selectors.current_feed(request.user, now) or (None, None)
    if rows is None:  # a first visit, a changed feed, or a snapshot that expired
        rows = selectors.snapshot_rows(selectors.feed_rank(request.user, now))
        token, offset = selectors.snapshot_save(request.user, rows, now), "0"
    start, size = int(offset), settings.FEED_CARDS_PER_PAGE
    page = selectors.ranked_items(rows[start : start + size])
    photos = selectors.feed_photos(request.user, page)
    engagement_selectors.with_like_states(request.user, photos)
    _shown(request, photos)
    more = start + size < len(rows)
    context |= {
        "feed": photos,
        "snapshot": token,
        "next_offset": start + size if more else None,
        "ranked": True,
    }
    template = (
        "home.html#ranked_page" if request.htmx and "snapshot" in request.GET else "home.html"
    )
    return render(request, template, context)


@vary_on_headers("HX-Request")
@limit_reads(ReadLimitHit.Reading.COUNTS)
def explore(request: HttpRequest) -> HttpResponse:
    """Public photos from people the viewer does not follow, most engaging first."""
    photos = selectors.explore(request.user, limit=EXPLORE_PAGE)
    _shown(request, photos)
    return render(request, "ranking/explore.html", {"photos": photos})


@require_POST
@login_required
def feed_order(request: HttpRequest) -> HttpResponse:
    """Ranked or newest first, remembered for the person."""
    order = request.POST.get("order")
    if order not in ("ranked", "chronological"):
        return error_response(request, 400, _("Choose a ranked or a chronological feed."))
    services.feed_order_set(user=request.user, chronological=order == "chronological")
    return redirect("home")
