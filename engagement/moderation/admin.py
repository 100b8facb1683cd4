"""Admin for moderation, and the moderation actions on people and photos.

Moderators use admin only if their account is also made staff; what they may see comes
from the Moderators group's permissions (review_engagement, review_reports), never
superuser rights. Flags show no evidence here: who did what is read on the in-site item
page, where each view is audited. The audit log is read-only for everyone, superusers
included. The extra actions on users and photos ask for a reason, then call the same
services as the queue.
"""

from collections.abc import Callable

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin import UserAdmin
from accounts.models import User
from engagement.models import EngagementEvent
from engagement.moderation import services
from engagement.moderation.forms import ReasonForm
from engagement.moderation.models import Flag, ModerationAction, Report, ReportEntry
from photos.admin import PhotoAdmin
from photos.models import Photo


class ReviewAdmin(admin.ModelAdmin):
    """Read-only; visible to whoever holds ``review_permission``."""

    review_permission = ""

    def _may_review(self, request: HttpRequest) -> bool:
        return (
            request.user.is_active
            and request.user.is_staff
            and (request.user.has_perm(self.review_permission))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._may_review(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._may_review(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(EngagementEvent)
class EngagementEventAdmin(ReviewAdmin):
    """The like/unlike log shows who withdrew which like: evidence, so only for those who
    review engagement, and every page of it they open is written to the audit log."""

    review_permission = "accounts.review_engagement"
    list_display = ["created", "actor", "kind", "photo"]
    list_select_related = ["actor"]
    list_filter = ["kind", "created"]
    search_fields = ["actor__username"]
    date_hierarchy = "created"

    def changelist_view(self, request: HttpRequest, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if response.status_code == 200 and self._may_review(request):
            looked_at = request.GET.urlencode() or str(_("the whole log"))
            services.event_log_view_record(moderator=request.user, looked_at=looked_at)
        return response

    def change_view(self, request: HttpRequest, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        if response.status_code == 200 and self._may_review(request):
            services.event_log_view_record(moderator=request.user, looked_at=f"event {object_id}")
        return response


class ReviewItemAdmin(ReviewAdmin):
    list_select_related = ["subject"]
    search_fields = ["subject__username"]
    date_hierarchy = "last_seen"


@admin.register(Flag)
class FlagAdmin(ReviewItemAdmin):
    review_permission = "accounts.review_engagement"
    list_display = ["kind", "subject", "photo", "severity", "status", "created", "last_seen"]
    list_filter = ["status", "kind", "severity", "last_seen"]
    fields = ["review_link", "kind", "subject", "photo", "severity", "status", "created"]
    readonly_fields = fields

    @admin.display(description=_("evidence"))
    def review_link(self, flag: Flag) -> str:
        url = reverse("moderation_flag", args=[flag.pk])
        return format_html('<a href="{}">{}</a>', url, _("Review in the site"))


class ReportEntryInline(admin.TabularInline):
    model = ReportEntry
    fields = ["reporter", "reason", "note", "created"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return request.user.has_perm("accounts.review_reports")

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False


@admin.register(Report)
class ReportAdmin(ReviewItemAdmin):
    review_permission = "accounts.review_reports"
    list_display = ["reason", "subject", "photo", "report_count", "severity", "status", "last_seen"]
    list_filter = ["status", "reason", "severity", "last_seen"]
    fields = ["subject", "photo", "reason", "report_count", "severity", "status", "created"]
    readonly_fields = fields
    inlines = [ReportEntryInline]


@admin.register(ModerationAction)
class ModerationActionAdmin(ReviewAdmin):
    review_permission = "accounts.review_engagement"
    list_display = ["created", "moderator_name", "kind", "target", "detail", "reason"]
    list_filter = ["kind", "created"]
    search_fields = ["moderator_name", "target", "reason"]
    date_hierarchy = "created"
    fields = ["created", "moderator_name", "kind", "target", "flag", "report", "detail", "reason"]
    readonly_fields = fields


class ReasonFirst:
    """Admin actions that ask for the audit log's reason on a page of their own first."""

    def with_reason(
        self, request: HttpRequest, chosen: QuerySet, title: str, apply: Callable[[str], str]
    ) -> TemplateResponse | None:
        form = ReasonForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            self.message_user(request, apply(form.cleaned_data["reason"]), messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "form": form,
            "chosen": chosen,
            "action": request.POST["action"],
            "opts": self.model._meta,
            "checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "moderation/admin_reason.html", context)

    def has_act_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.act_on_content")


admin.site.unregister(User)


@admin.register(User)
class ModeratedUserAdmin(ReasonFirst, UserAdmin):
    actions = ["void_likes", "suspend"]

    @admin.action(description=_("Void all likes by the selected people"), permissions=["act"])
    def void_likes(self, request: HttpRequest, people: QuerySet[User]):
        def apply(reason: str) -> str:
            for person in people:
                services.engagement_void(moderator=request.user, person=person, reason=reason)
            return _("Likes voided and audited.")

        return self.with_reason(request, people, _("Void all likes"), apply)

    @admin.action(description=_("Suspend the selected people"), permissions=["act"])
    def suspend(self, request: HttpRequest, people: QuerySet[User]):
        def apply(reason: str) -> str:
            for person in people:
                services.account_suspended_set(
                    moderator=request.user, person=person, suspended=True, reason=reason
                )
            return _("Accounts suspended and audited.")

        return self.with_reason(request, people, _("Suspend accounts"), apply)


admin.site.unregister(Photo)


@admin.register(Photo)
class ModeratedPhotoAdmin(ReasonFirst, PhotoAdmin):
    actions = ["recount_likes"]

    @admin.action(description=_("Recount likes from the Like rows"), permissions=["act"])
    def recount_likes(self, request: HttpRequest, photos: QuerySet[Photo]):
        def apply(reason: str) -> str:
            services.likes_recount(
                moderator=request.user, photos=list(photos.select_related("owner")), reason=reason
            )
            return _("Likes recounted and audited.")

        return self.with_reason(request, photos, _("Recount likes"), apply)
