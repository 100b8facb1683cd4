from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from config.pagination import cursor_in
from config.views import error_response, render_page_or_next
from notifications import selectors, services
from notifications.forms import PreferencesForm
from photos import selectors as photo_selectors


@login_required
@vary_on_headers("HX-Request")
def notification_list(request: HttpRequest) -> HttpResponse:
    """Grouped notifications, newest first. Reading the page changes nothing: the lines
    shown are marked read by a POST once they are on screen (htmx), or with the form."""
    services.notifications_settle(recipient=request.user)
    page = selectors.grouped_notifications(request.user, before=cursor_in(request.GET))
    context = {
        "page": page,
        "unread_lines": [line.group_id for line in page.object_list if line.unread],
    }
    return render_page_or_next(request, "notifications/list.html", "list_page", context)


@login_required
def badge(request: HttpRequest) -> HttpResponse:
    """The unread count for the navigation bell; htmx polls this."""
    context = {
        "unread": selectors.unread_count(request.user),
        "poll_seconds": settings.NOTIFICATION_POLL_SECONDS,
    }
    response = render(request, "notifications/list.html#badge", context)
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    """Mark read the lines the page showed (``lines``: ids, sent by htmx once they are on
    screen), or everything (the form). htmx gets an empty answer and the bell updates."""
    lines = request.POST.get("lines")
    if lines is not None:
        try:
            line_ids = {int(line) for line in lines.split(",") if line}
        except ValueError:
            return error_response(request, 400, _("Those notifications can't be marked read."))
        ids = selectors.unread_ids_in_lines(request.user, line_ids)
        services.notifications_mark_read(recipient=request.user, ids=ids)
    else:
        services.notifications_mark_read(recipient=request.user)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Trigger"] = "notifications-read"
        return response
    if lines is None:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {"notify_likes": user.notify_likes, "notify_follows": user.notify_follows}
    form = PreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.notification_preferences_update(user=user, **form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification_preferences")
    context = {"form": form, "muted": selectors.muted_photos(user)}
    return render(request, "notifications/preferences.html", context)


@login_required
def photo_mute(request: HttpRequest, photo_id: int) -> HttpResponse:
    """Mute or unmute like notifications for one of your photos."""
    photo = photo_selectors.photo_for_page(photo_id, request.user)
    if photo.owner_id != request.user.pk:
        raise PermissionDenied
    if request.method == "POST":
        muted = request.POST.get("muted") == "1"
        services.photo_mute_set(user=request.user, photo=photo, muted=muted)
        if muted:
            messages.success(request, _("You won't be notified of new likes on this photo."))
        else:
            messages.success(request, _("You'll be notified of likes on this photo again."))
        if request.POST.get("return") == "settings":
            return redirect("notification_preferences")
        return redirect(photo)
    context = {"photo": photo, "muted": selectors.is_muted(request.user, photo)}
    return render(request, "notifications/photo_mute.html", context)
