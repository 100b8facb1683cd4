"""The site's URLs plus one view that always fails, for testing the 500 page."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500
from config.urls import urlpatterns as site_urlpatterns


def broken_view(request):
    raise RuntimeError("this view is broken on purpose")


urlpatterns = [path("broken/", broken_view), *site_urlpatterns]

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]
