from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

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
