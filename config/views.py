"""Friendly error pages. HTMX requests get just the message fragment, shown as a toast."""

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _

ERRORS = {
    400: (_("Something was wrong with that request"), _("Please go back and try again.")),
    403: (_("You can't do that"), _("You don't have permission to see or change this.")),
    404: (_("Not found"), _("The page or photo you were looking for isn't here.")),
    405: (_("That didn't work"), _("This address can't be used that way.")),
    413: (_("Too large"), _("What you sent is larger than we accept.")),
    429: (_("Slow down"), _("You're doing that too often. Wait a moment and try again.")),
    500: (_("Something went wrong on our side"), _("We've been told. Please try again soon.")),
    503: (_("Back in a moment"), _("We couldn't reach our database. Please try again soon.")),
}


def error_response(
    request: HttpRequest,
    status: int,
    message: str | None = None,
    *,
    with_request_context: bool = True,
    retry_after: int | None = None,
) -> HttpResponse:
    """The friendly error page (or its fragment for htmx); ``retry_after`` seconds go in
    the Retry-After header of a 429 or 503."""
    title, default_message = ERRORS[status]
    template_name = "error.html"
    # Read the header itself: this also runs before django-htmx's middleware has.
    if request.headers.get("HX-Request") == "true":
        template_name += "#message"
    context = {"status": status, "title": title, "message": message or default_message}
    html = render_to_string(template_name, context, request if with_request_context else None)
    response = HttpResponse(html, status=status)
    patch_vary_headers(response, ["HX-Request"])
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


def render_page_or_next(
    request: HttpRequest, template: str, partial: str, context: dict
) -> HttpResponse:
    """The full page, or just its ``partial`` when htmx asks for the next ``?before=``."""
    if request.htmx and "before" in request.GET:
        template = f"{template}#{partial}"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 400)


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 403)


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return error_response(request, 429)


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 404)


DATABASE_RETRY_AFTER_SECONDS = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 with Retry-After when the database failed under the request (it
    restarted, the network dropped): nothing was wrong with the request, and a client or
    a load balancer may try it again shortly. (Django calls this while handling the
    exception, so it is at hand.)"""
    # No request context: whatever failed may fail again while rendering it.
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return error_response(
            request, 503, with_request_context=False, retry_after=DATABASE_RETRY_AFTER_SECONDS
        )
    return error_response(request, 500, with_request_context=False)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return error_response(
        request,
        403,
        _("Your session expired or the form was stale. Reload the page and try again."),
    )


def safe_next_url(request: HttpRequest, fallback: str) -> str:
    """The form's ``next`` field if it points back into this site, else ``fallback``."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback
