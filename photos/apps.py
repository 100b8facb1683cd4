from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PhotosConfig(AppConfig):
    name = "photos"
    verbose_name = _("Photos")

    def ready(self) -> None:
        from photos import receivers  # noqa: F401  (connects file cleanup on delete)
