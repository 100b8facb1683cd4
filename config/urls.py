from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from config import health
from engagement import views as engagement_views

urlpatterns = [
    path("", engagement_views.home, name="home"),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("accounts.urls")),
    path("", include("photos.urls")),
    path("", include("engagement.urls")),
    path("", include("notifications.urls")),
]

if settings.SERVE_MEDIA:
    # Only public renditions and avatars; photo masters are never served.
    media_prefix = settings.MEDIA_URL.lstrip("/")
    urlpatterns.append(
        re_path(
            rf"^{media_prefix}(?P<path>(?:avatars|photos/r)/[\w.-]+)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

handler400 = "config.views.bad_request"
handler403 = "config.views.permission_denied"
handler404 = "config.views.page_not_found"
# allauth answers its rate limits through this too.
handler429 = "config.views.too_many_requests"
handler500 = "config.views.server_error"
