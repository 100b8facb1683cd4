from django.contrib import admin

from notifications.models import Notification, PhotoMute


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Notifications are made by the site; admins read them, they don't write them."""

    list_display = [
        "id",
        "recipient",
        "actor",
        "verb",
        "photo",
        "created",
        "read_at",
        "withdrawn_at",
    ]
    list_select_related = ["recipient", "actor"]
    list_filter = ["verb", "created", ("read_at", admin.EmptyFieldListFilter),
                   ("withdrawn_at", admin.EmptyFieldListFilter)]  # fmt: skip
    search_fields = ["recipient__username", "actor__username"]
    date_hierarchy = "created"
    raw_id_fields = ["recipient", "actor", "photo"]
    readonly_fields = ["recipient", "actor", "verb", "photo", "created", "read_at", "withdrawn_at"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(PhotoMute)
class PhotoMuteAdmin(admin.ModelAdmin):
    list_display = ["user", "photo", "created"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    raw_id_fields = ["user", "photo"]
