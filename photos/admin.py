from django.contrib import admin
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from photos.models import Photo


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    """Photos arrive only through the upload pipeline; admins review, edit text, delete.

    Deleting (one or with the bulk action) removes the stored files too, after commit.
    """

    list_display = [
        "preview",
        "id",
        "owner",
        "short_caption",
        "like_count",
        "hide_like_count",
        "hidden_at",
        "created",
    ]
    list_display_links = ["preview", "id"]
    list_select_related = ["owner"]
    list_filter = ["hide_like_count", ("hidden_at", admin.EmptyFieldListFilter), "created"]
    search_fields = ["caption", "alt_text", "owner__username", "owner__display_name"]
    date_hierarchy = "created"
    raw_id_fields = ["owner"]
    readonly_fields = [
        "preview",
        "owner",
        "created",
        "width",
        "height",
        "display",
        "thumbnail",
        "large",
        "like_count",
        "hidden_at",
    ]
    fields = [*readonly_fields, "caption", "alt_text", "hide_like_count"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description=_("photo"))
    def preview(self, photo: Photo) -> str:
        return format_html(
            '<img src="{}" width="64" height="64" alt="{}" loading="lazy">',
            photo.thumbnail.url,
            photo.alt_text,
        )

    @admin.display(description=_("caption"), ordering="caption")
    def short_caption(self, photo: Photo) -> str:
        return Truncator(photo.caption).chars(60)
