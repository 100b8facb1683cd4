from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.models import Follow, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = [
        "avatar_preview",
        "username",
        "display_name",
        "email",
        "follower_total",
        "is_active",
        "is_staff",
        "date_joined",
    ]
    list_display_links = ["avatar_preview", "username"]
    list_filter = [
        "is_active",
        "is_staff",
        "is_superuser",
        "groups",
        "date_joined",
        "deletion_requested_at",
    ]
    search_fields = ["username", "display_name", "email"]
    ordering = ["-date_joined"]
    fieldsets = [
        *DjangoUserAdmin.fieldsets,
        (_("Profile"), {"fields": ["display_name", "bio", "avatar", "timezone"]}),
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        return (
            super()
            .get_queryset(request)
            .annotate(follower_total=Count("follower_links", distinct=True))
        )

    @admin.display(description=_("avatar"))
    def avatar_preview(self, user: User) -> str:
        if not user.avatar:
            return "—"
        return format_html(
            '<img src="{}" width="32" height="32" alt="">',
            user.avatar.url,
        )

    @admin.display(description=_("followers"), ordering="follower_total")
    def follower_total(self, user: User) -> int:
        return user.follower_total


@admin.register(Follow)
class FollowAdmin(admin.ModelAdmin):
    list_display = ["follower", "followed", "created"]
    list_select_related = ["follower", "followed"]
    list_filter = ["created"]
    search_fields = ["follower__username", "followed__username"]
    raw_id_fields = ["follower", "followed"]
    date_hierarchy = "created"
