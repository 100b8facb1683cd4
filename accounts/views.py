import time

from allauth.account.views import PasswordResetView
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from accounts import selectors, services
from accounts.adapters import MailNotSent
from accounts.forms import AccountDeleteForm, ProfileForm
from accounts.models import DataExport, User
from config.ratelimit import consume_attempt, limit_image_uploads
from config.views import error_response, safe_next_url


@login_required
@limit_image_uploads
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    initial = {
        "display_name": user.display_name,
        "bio": user.bio,
        "timezone": user.timezone,
        "hide_like_counts": user.hide_like_counts,
    }
    form = ProfileForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(user=user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Your profile is saved."))
            return redirect(user)
    return render(request, "accounts/profile_edit.html", {"form": form})


@vary_on_headers("HX-Request")
@require_POST
@login_required
def follow(request: HttpRequest, username: str) -> HttpResponse:
    """Set the follow state the form asks for: ``following=1`` follows, ``0`` unfollows."""
    person = selectors.active_user(username)
    desired = request.POST.get("following")
    if desired not in ("0", "1"):
        return _follow_problem(request, person, _("Choose to follow or to unfollow."))
    try:
        services.follow_set(follower=request.user, followed=person, following=desired == "1")
    except ValidationError as error:
        return _follow_problem(request, person, " ".join(error.messages))
    if request.htmx:
        person = selectors.user_with_counts(person.username)
        return render(
            request,
            "accounts/profile.html#follow_control",
            {
                "person": person,
                "followed_ids": selectors.followed_ids(request.user, [person]),
                "update_counts": True,
                "next_url": safe_next_url(request, person.get_absolute_url()),
            },
        )
    return redirect(safe_next_url(request, person.get_absolute_url()))


def _follow_problem(request: HttpRequest, person: User, message: str) -> HttpResponse:
    if request.htmx:
        return error_response(request, 400, message)
    messages.error(request, message)
    return redirect(safe_next_url(request, person.get_absolute_url()))


def _people_page(
    request: HttpRequest, person: User, people: QuerySet[User], title: str
) -> HttpResponse:
    page = Paginator(people, settings.PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/people.html",
        {
            "person": person,
            "page": page,
            "title": title,
            "followed_ids": selectors.followed_ids(request.user, page.object_list),
        },
    )


def followers(request: HttpRequest, username: str) -> HttpResponse:
    person = selectors.active_user(username)
    title = _("People following %(name)s") % {"name": person.name}
    return _people_page(request, person, selectors.followers_of(person), title)


def following(request: HttpRequest, username: str) -> HttpResponse:
    person = selectors.active_user(username)
    title = _("People %(name)s follows") % {"name": person.name}
    return _people_page(request, person, selectors.followed_by(person), title)


class MailSafePasswordResetView(PasswordResetView):
    """allauth's password reset, with a clear message when the mail server is down.

    Known and unknown addresses both get a mail, so both fail alike: the message still
    says nothing about whether there is an account.
    """

    def form_valid(self, form) -> HttpResponse:
        try:
            return super().form_valid(form)
        except MailNotSent:
            form.add_error(
                None,
                _(
                    "We couldn't send the email just now. Nothing has changed; please try again "
                    "in a few minutes."
                ),
            )
            return self.form_invalid(form)


password_reset = MailSafePasswordResetView.as_view()


@vary_on_headers("HX-Request")
@require_http_methods(["GET", "POST"])
@login_required
def data_export(request: HttpRequest) -> HttpResponse:
    """Download my data: the latest archive's state (htmx polls it while it is built),
    and a form asking for a new one."""
    if request.method == "POST":
        exceeded, retry_after = consume_attempt(
            f"data-export:{request.user.pk}",
            [("day", settings.DATA_EXPORTS_PER_DAY, 86_400)],
            now=int(time.time()),
        )
        if exceeded:
            return error_response(
                request,
                429,
                _("You've asked for %(limit)d downloads today. Please try again tomorrow.")
                % {"limit": settings.DATA_EXPORTS_PER_DAY},
                retry_after=retry_after,
            )
        services.data_export_request(user=request.user)
        return redirect("data_export")
    services.data_exports_expire(exports=DataExport.objects.filter(owner=request.user))
    context = {
        "export": selectors.latest_data_export(request.user),
        "export_hours": settings.DATA_EXPORT_HOURS,
    }
    template = "accounts/data_export.html"
    if request.htmx:
        template += "#export_status"
    return render(request, template, context)


@require_GET
@login_required
def data_export_download(request: HttpRequest, export_id: int) -> HttpResponse:
    """The archive itself: only for its owner, only until its link expires."""
    export = selectors.downloadable_export(request.user, export_id)
    if export is None:
        return error_response(
            request,
            404,
            _("This download has expired or isn't yours. You can ask for a new one."),
        )
    filename = f"likewise-{request.user.username}-{export.created:%Y-%m-%d}.zip"
    response = FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=filename,
        content_type="application/zip",
    )
    add_never_cache_headers(response)
    return response


@require_http_methods(["GET", "POST"])
@login_required
def account_delete(request: HttpRequest) -> HttpResponse:
    """Ask to delete the account: password (and two-factor code) first, then every session
    ends; logging in again within the grace period keeps the account."""
    form = AccountDeleteForm(data=request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        deletes_at = services.account_deletion_request(
            user=request.user, password=form.cleaned_data["password"]
        )
        logout(request)
        when = date_format(timezone.localtime(deletes_at), "DATE_FORMAT")
        messages.success(
            request,
            _(
                "You're logged out everywhere. Your account will be deleted on %(date)s; "
                "log in before then if you change your mind."
            )
            % {"date": when},
        )
        return redirect("home")
    context = {"form": form, "grace_days": settings.ACCOUNT_DELETION_GRACE_DAYS}
    return render(request, "accounts/delete_account.html", context)
