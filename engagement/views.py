"""Pages that show photos with their likes, and the like/unlike action itself."""

from collections.abc import Callable
from datetime import datetime
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError, connection
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts import selectors as account_selectors
from accounts.models import User
from config.pagination import KeysetPage, cursor_in, keyset_page
from config.views import error_response, render_page_or_next, safe_next_url
from engagement import selectors, services
from engagement.models import ReadLimitHit
from engagement.policy import get_policy
from engagement.ratelimit import consume_read
from engagement.shield import next_release, window_length
from engagement.signals import photo_viewed, photos_shown
from photos import selectors as photo_selectors
from photos import services as photo_services
from photos.models import Photo

READ_LIMIT_MESSAGES = {
    ReadLimitHit.Reading.LIKERS: gettext_lazy(
        "You're opening lists of likes faster than anyone browses them, so we've paused "
        "them for you. Try again in a little while."
    ),
    ReadLimitHit.Reading.COUNTS: gettext_lazy(
        "You're loading pages of photos faster than anyone browses them, so we've paused "
        "them for you. Try again in a little while."
    ),
}


def limit_reads(reading: str) -> Callable[[Callable[..., HttpResponse]], Callable]:
    """Refuse with 429 a reader over the read limits for ``reading`` (likers lists, or
    pages of like counts), and keep the first refusal per window for moderators."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def limited(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            address = request.META.get("REMOTE_ADDR", "")
            exceeded, retry_after = consume_read(
                reading=reading, user=request.user, address=address
            )
            if not exceeded:
                return view(request, *args, **kwargs)
            services.read_limit_hit_record(
                reading=reading,
                user=request.user,
                address=address,
                path=request.path,
                scope=exceeded,
            )
            message = str(READ_LIMIT_MESSAGES[reading])
            return error_response(request, 429, message, retry_after=retry_after)

        return limited

    return decorator


def _photos_page(
    request: HttpRequest, photos: QuerySet[Photo], per_page: int | None = None
) -> KeysetPage:
    """A page of a newest-first photo list; ``?before=`` (a cursor) asks for the next."""
    limit = per_page or settings.PHOTOS_PER_PAGE
    page = keyset_page(photos, before=cursor_in(request.GET), limit=limit)
    selectors.with_like_states(request.user, page.object_list)
    _shown(request, page.object_list)
    return page


def _shown(request: HttpRequest, photos: list[Photo]) -> None:
    """Tell listeners (reach in insights) which photos a listing showed to this viewer."""
    photos_shown.send(
        sender=Photo,
        viewer=request.user,
        photos=photos,
        session_key=request.session.session_key,
        at=timezone.now(),
    )


@vary_on_headers("HX-Request")
@limit_reads(ReadLimitHit.Reading.COUNTS)
def profile(request: HttpRequest, username: str) -> HttpResponse:
    person = account_selectors.user_with_counts(username)
    context = {
        "person": person,
        "photo_count": photo_selectors.photo_count(person),
        "followed_ids": account_selectors.followed_ids(request.user, [person]),
        "page": _photos_page(request, photo_selectors.photos_by(person, request.user)),
    }
    return render_page_or_next(request, "accounts/profile.html", "grid_page", context)


def photo_detail(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = photo_selectors.photo_for_page(photo_id, request.user)
    selectors.with_like_states(request.user, [photo])
    context = {
        "photo": photo,
        "likers_summary": selectors.likers_summary(photo),
        "owner_may_hide_like_count": get_policy().owner_may_hide_like_count,
    }
    photo_viewed.send(
        sender=Photo,
        viewer=request.user,
        photo=photo,
        session_key=request.session.session_key,
        at=timezone.now(),
    )
    return render(request, "photos/detail.html", context)


@require_POST
@login_required
def like_count_visibility(request: HttpRequest, photo_id: int) -> HttpResponse:
    """The owner hides their photo's like count from others, or shows it again.

    It lives here, not on the photo edit form, because only the policy knows whether
    owners may hide counts: where it does not, nothing offers it and this answers 404.
    """
    photo = photo_selectors.photo_for_page(photo_id, request.user)
    if photo.owner_id != request.user.pk:
        raise PermissionDenied
    if not get_policy().owner_may_hide_like_count:
        return error_response(request, 404, _("Like counts can't be hidden on this site."))
    hidden = request.POST.get("hidden") == "1"
    photo_services.photo_like_count_hide(photo=photo, hidden=hidden)
    if hidden:
        messages.success(request, _("The like count is now hidden from others."))
    else:
        messages.success(request, _("The like count is now shown to others."))
    return redirect(photo)


@vary_on_headers("HX-Request")
@require_POST
@login_required
def like(request: HttpRequest, photo_id: int) -> HttpResponse:
    """Set the like state the form asks for: ``liked=1`` likes, ``liked=0`` unlikes."""
    desired = request.POST.get("liked")
    if desired not in ("0", "1"):
        return error_response(request, 400, _("Choose to like or to unlike."))
    liked = desired == "1"
    try:
        submitted = services.like_submit(user=request.user, photo_id=photo_id, liked=liked)
    except (OperationalError, InterfaceError):
        photo = _holding_after_losing_the_database(request.user, photo_id, liked=liked)
        if photo is None:
            raise
        submitted = services.LikeSubmitted(photo)
    photo = submitted.photo
    if submitted.refused:
        return error_response(
            request,
            429,
            _("You're liking and unliking very fast. Nothing changed; try again later."),
            retry_after=submitted.refused.retry_after,
        )
    now = timezone.now()
    # The heart empties at once but, under the shield, the count waits: say so, and when.
    counted_line = _unlike_counted_line(now) if not liked and get_policy().unlike_shield else ""
    if not request.htmx:
        if counted_line:
            messages.info(request, counted_line)
        return redirect(safe_next_url(request, photo.get_absolute_url()))
    # like_submit has the counts the change left: the control is drawn without reading.
    photo.like_state = selectors.like_state(request.user, photo, liked=liked, at=now)
    context = {
        "photo": photo,
        "next_url": safe_next_url(request, photo.get_absolute_url()),
        "counted_line": counted_line,
    }
    return render(request, "photos/detail.html#like_control", context)


def _holding_after_losing_the_database(user: User, photo_id: int, *, liked: bool) -> Photo | None:
    """The photo, if the state a like or unlike asked for holds after the database
    connection failed under it (a restart, a network cut): the change may have committed
    before the answer was lost. The request states the desired state, so the truth
    answers it; then the person is told it worked rather than that it failed (their retry
    would change nothing), and its side effects are safe in the outbox. Without a
    database to ask, the failure stands (answered 503, see config.views.server_error)."""
    if connection.errors_occurred and not connection.is_usable():
        connection.close()  # the next query opens a fresh one
    try:
        photo = photo_selectors.photo_for_action(photo_id, user)
        return photo if selectors.is_liked(user, photo) == liked else None
    except (OperationalError, InterfaceError):
        return None


def _unlike_counted_line(at: datetime) -> str:
    """When an unlike made at ``at`` leaves the count, in the viewer's time zone."""
    release = time_format(timezone.localtime(next_release(at)), "H:i")
    return _("The count drops at %(time)s, when this window's unlikes are counted.") % {
        "time": release
    }


@vary_on_headers("HX-Request")
@limit_reads(ReadLimitHit.Reading.LIKERS)
def likers(request: HttpRequest, photo_id: int) -> HttpResponse:
    """Who liked a photo, to the people the policy allows; the owner's history if allowed."""
    photo = photo_selectors.photo_for_page(photo_id, request.user)
    policy = get_policy()
    if not policy.may_see_likers(viewer=request.user, owner_id=photo.owner_id):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise PermissionDenied
    selectors.with_like_states(request.user, [photo])
    before = cursor_in(request.GET)
    page = selectors.displayed_likers(photo, limit=settings.PEOPLE_PER_PAGE, before=before)
    history = None
    if policy.may_see_withdrawals(viewer=request.user, owner_id=photo.owner_id):
        history = Paginator(
            selectors.interaction_history(photo), settings.PEOPLE_PER_PAGE
        ).get_page(request.GET.get("history"))
    context = {
        "photo": photo,
        "page": page,
        "history": history,
        "policy": policy,
        "followed_ids": account_selectors.followed_ids(request.user, page.object_list),
    }
    template = "engagement/likers.html"
    if request.htmx and before:
        template += "#likers_page"
    response = render(request, template, context)
    response["X-Robots-Tag"] = "noindex"
    return response


def unlike_explainer(request: HttpRequest) -> HttpResponse:
    """'What happens when I unlike?', generated from the policy in force."""
    now = timezone.now()
    context = {
        "policy": get_policy(),
        "window_minutes": int(window_length().total_seconds() // 60),
        "next_release": next_release(now),
        "cooldown_hours": settings.LIKE_RENOTIFY_COOLDOWN_HOURS,
    }
    return render(request, "engagement/unlike_explainer.html", context)
