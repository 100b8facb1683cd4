from django.contrib import admin

from engagement.models import Like, RateLimitHit, ReadLimitHit


class ReadOnlyAdmin(admin.ModelAdmin):
    """Engagement rows change only through engagement.services, so the counts stay exact.

    (The event log, which shows who withdrew which like, is listed by the moderation app:
    to moderators only, and every look is audited.)"""

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Like)
class LikeAdmin(ReadOnlyAdmin):
    list_display = ["user", "photo", "created"]
    list_select_related = ["user"]
    search_fields = ["user__username", "photo__owner__username"]
    date_hierarchy = "created"


@admin.register(RateLimitHit)
class RateLimitHitAdmin(ReadOnlyAdmin):
    list_display = ["created", "user", "scope", "photo"]
    list_select_related = ["user"]
    list_filter = ["scope", "created"]
    search_fields = ["user__username"]
    date_hierarchy = "created"


@admin.register(ReadLimitHit)
class ReadLimitHitAdmin(ReadOnlyAdmin):
    list_display = ["created", "user", "address", "reading", "scope", "path"]
    list_select_related = ["user"]
    list_filter = ["reading", "scope", "created"]
    search_fields = ["user__username", "address"]
