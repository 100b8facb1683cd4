from django.contrib import admin

from engagement.admin import ReadOnlyAdmin
from engagement.insights.models import FollowerDay, PhotoDay


@admin.register(PhotoDay)
class PhotoDayAdmin(ReadOnlyAdmin):
    """Rollups change only through the insights services and `rebuild_insights`."""

    list_display = ["day", "photo", "likes_gained", "likes_withdrawn", "likes_voided", "views"]
    list_filter = ["day"]
    date_hierarchy = "day"


@admin.register(FollowerDay)
class FollowerDayAdmin(ReadOnlyAdmin):
    list_display = ["day", "user", "gained", "lost"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    date_hierarchy = "day"
