from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from config.views import error_response


class FriendlyMethodNotAllowedMiddleware:
    """Django answers a wrong HTTP method with an empty 405; give people a page instead."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if isinstance(response, HttpResponseNotAllowed) and not response.content:
            friendly = error_response(request, 405)
            friendly["Allow"] = response["Allow"]
            return friendly
        return response


class RequestSizeLimitMiddleware:
    """Refuse oversized uploads with a friendly 413 before reading their body."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.MAX_REQUEST_BYTES:
            limit = filesizeformat(settings.MAX_REQUEST_BYTES)
            return error_response(
                request, 413, _("Uploads are limited to %(limit)s.") % {"limit": limit}
            )
        return self.get_response(request)


class PermissionsPolicyMiddleware:
    """Turn off browser features the site never uses, for this site and anything it embeds."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.policy = ", ".join(f"{feature}=()" for feature in settings.PERMISSIONS_POLICY_DENY)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Permissions-Policy", self.policy)
        return response
