from allauth.account.decorators import secure_admin_login
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path, re_path
from django.views.static import serve

from accounts import views as accounts_views
from config import health
from engagement.ranking import views as ranking_views

# Admin logins go through allauth's own login: two-factor codes and its rate limits apply.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", ranking_views.home, name="home"),
    path("admin/", admin.site.urls),
    # Before allauth's own: the same page, with a message if the mail server is down.
    path("accounts/password/reset/", accounts_views.password_reset),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("photos.urls")),
    path("", include("engagement.urls")),
    path("", include("engagement.insights.urls")),
    path("", include("engagement.moderation.urls")),
    path("", include("engagement.ranking.urls")),
    path("", include("notifications.urls")),
]


def serve_media(request: HttpRequest, path: str) -> HttpResponse:
    """Django's static file view, reading MEDIA_ROOT when asked (not at import)."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    # Only public renditions and avatars; photo masters are never served. Stored names are
    # short ASCII; anything longer is a 404 here rather than an OSError from the file system.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(
            rf"^{media_prefix}(?P<path>(?:avatars|photos/r)/[A-Za-z0-9_.-]{{1,200}})$",
            serve_media,
        )
    )

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
# allauth answers its rate limits through this too.
handler429 = "config.views.too_many_requests"
handler500 = "config.views.server_error"

if settings.BENCH_BARE_VIEW:
    # After the handlers: config.bench reads them from this module.
    from config.bench import BARE_URL, bare_view

    urlpatterns.insert(0, path(BARE_URL.lstrip("/"), bare_view))
