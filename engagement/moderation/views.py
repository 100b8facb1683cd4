"""The review queue for moderators, its items and actions, and members' reports."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import selectors as account_selectors
from accounts.models import User
from config.views import error_response
from engagement.moderation import selectors, services
from engagement.moderation.forms import ActionForm, QueueFilterForm, ReportForm
from engagement.moderation.models import Flag, Report, Status
from photos import selectors as photo_selectors
from photos.models import Photo

REVIEW_FLAGS = "accounts.review_engagement"
REVIEW_REPORTS = "accounts.review_reports"
ACT = "accounts.act_on_content"


def _may_review(user) -> bool:
    return user.has_perm(REVIEW_FLAGS) or user.has_perm(REVIEW_REPORTS)


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    """Open flags or reports, most severe and newest first, filtered and paginated."""
    if not _may_review(request.user):
        raise PermissionDenied
    form = QueueFilterForm(request.GET)
    filters = form.cleaned_data if form.is_valid() else {}
    status = filters.get("status") or Status.OPEN
    show = filters.get("show") or ("flags" if request.user.has_perm(REVIEW_FLAGS) else "reports")
    if show == "flags":
        if not request.user.has_perm(REVIEW_FLAGS):
            raise PermissionDenied
        items = selectors.queue_flags(status=status, kind=filters.get("kind", ""))
    else:
        if not request.user.has_perm(REVIEW_REPORTS):
            raise PermissionDenied
        items = selectors.queue_reports(status=status, reason=filters.get("reason", ""))
    page = Paginator(items, settings.MODERATION_ITEMS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "show": show, "page": page, "query": query.urlencode()}
    return render(request, "moderation/queue.html", context)


def _item_page(
    request: HttpRequest, item: Flag | Report, form: ActionForm, status: int = 200
) -> HttpResponse:
    """Show one item with its evidence; every showing is written to the audit log."""
    services.evidence_view_record(moderator=request.user, item=item)
    context = {"item": item, "form": form, "actions": selectors.item_actions(item)}
    if isinstance(item, Flag):
        context |= {
            "events": selectors.flag_events(item),
            "hits": selectors.flag_rate_limit_hits(item),
            "act_url": reverse("moderation_flag_act", args=[item.pk]),
        }
    else:
        context |= {
            "entries": selectors.report_entries(item),
            "act_url": reverse("moderation_report_act", args=[item.pk]),
        }
    return render(request, "moderation/item.html", context, status=status)


@login_required
@permission_required(REVIEW_FLAGS, raise_exception=True)
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = selectors.flag_for_review(flag_id)
    return _item_page(request, flag, ActionForm(item=flag))


@login_required
@permission_required(REVIEW_REPORTS, raise_exception=True)
def report_detail(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_for_review(report_id)
    return _item_page(request, report, ActionForm(item=report))


def _act(request: HttpRequest, item: Flag | Report, detail_url: str) -> HttpResponse:
    form = ActionForm(request.POST, item=item)
    if not form.is_valid():
        return _item_page(request, item, form, status=400)
    action, reason = form.cleaned_data["action"], form.cleaned_data["reason"]
    who = {"moderator": request.user, "reason": reason, "item": item}
    person, photo = item.subject, item.photo
    if action == "dismiss":
        services.item_dismiss(**who)
    elif action in ("void_photo", "void_all"):
        services.engagement_void(
            **who, person=person, photo=photo if action == "void_photo" else None
        )
    elif action == "warn":
        services.member_warn(**who, person=person)
    elif action == "restrict":
        services.member_restrict(**who, person=person, days=form.cleaned_data["days"])
    elif action in ("suspend", "restore"):
        services.account_suspended_set(**who, person=person, suspended=action == "suspend")
    else:
        services.photo_hidden_set(**who, photo=photo, hidden=action == "hide")
    messages.success(request, _("Done, and written to the audit log."))
    return redirect(detail_url)


@require_POST
@login_required
@permission_required([REVIEW_FLAGS, ACT], raise_exception=True)
def flag_act(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = selectors.flag_for_review(flag_id)
    return _act(request, flag, reverse("moderation_flag", args=[flag.pk]))


@require_POST
@login_required
@permission_required([REVIEW_REPORTS, ACT], raise_exception=True)
def report_act(request: HttpRequest, report_id: int) -> HttpResponse:
    report = selectors.report_for_review(report_id)
    return _act(request, report, reverse("moderation_report", args=[report.pk]))


def _report(request: HttpRequest, *, subject: User, photo: Photo | None = None) -> HttpResponse:
    back = photo.get_absolute_url() if photo else subject.get_absolute_url()
    if subject.pk == request.user.pk:
        return error_response(request, 403, _("You can't report yourself or your own photos."))
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_submit(
            reporter=request.user, subject=subject, photo=photo, **form.cleaned_data
        )
        messages.success(
            request, _("Thanks: your report was received. Moderators will look at it.")
        )
        return redirect(back)
    context = {"form": form, "subject": subject, "photo": photo, "back": back}
    return render(request, "moderation/report_form.html", context)


@login_required
def report_photo(request: HttpRequest, photo_id: int) -> HttpResponse:
    photo = photo_selectors.photo_for_page(photo_id, request.user)
    return _report(request, subject=photo.owner, photo=photo)


@login_required
def report_account(request: HttpRequest, username: str) -> HttpResponse:
    return _report(request, subject=account_selectors.active_user(username))
