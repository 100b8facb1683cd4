from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts import selectors, services
from accounts.forms import ProfileForm
from accounts.models import User
from config.views import error_response, safe_next_url

PEOPLE_PER_PAGE = 30


@login_required
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
    page = Paginator(people, PEOPLE_PER_PAGE).get_page(request.GET.get("page"))
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
