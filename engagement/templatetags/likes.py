"""The like control, drawn in Python.

Every like and unlike answers with one, and a page of photo cards draws one per card:
through the template language it took 0.35 ms, as long as the rest of a like's Python
work (`manage.py bench`); here about a third of that. photos/detail.html keeps it as the
``like_control`` partial, so a page and the like view's htmx answer draw the same markup.
Values are escaped as the template language escapes them (``conditional_escape``).
"""

from functools import lru_cache
from urllib.parse import quote

from django import template
from django.template.context import Context
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext

register = template.Library()

HEART = (
    '<svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true"><path d="M12 21s-7.5'
    "-4.6-9.6-9.2C.9 8.4 3 4.5 6.8 4.5c2.1 0 3.6 1.2 4.4 2.5h1.6c.8-1.3 2.3-2.5 4.4-2.5 3.8 0"
    ' 5.9 3.9 4.4 7.3C19.5 16.4 12 21 12 21z"/></svg>'
)


@lru_cache(maxsize=16)
def _labels(language: str | None) -> dict[str, str]:
    """The control's words in ``language`` (the active one), escaped, looked up once."""
    words = {
        "liked": gettext("Liked"),
        "not_liked": gettext("Not liked"),
        "like": gettext("Like"),
        "unlike": gettext("Unlike"),
        "log_in": gettext("Log in to like"),
        "see_who": gettext("See who liked"),
        "explain": gettext("What happens when I unlike?"),
        "why": gettext("Why?"),
    }
    return {key: conditional_escape(word) for key, word in words.items()}


@register.simple_tag(takes_context=True)
def like_control(context: Context) -> SafeString:
    """The heart and the count line for ``photo`` (with its ``like_state``), as the
    viewer may see them; ``counted_line`` says when a shielded unlike leaves the count,
    ``next_url`` where a like made without JavaScript returns (this page by default)."""
    photo, labels = context["photo"], _labels(get_language())
    state, counted_line = photo.like_state, context.get("counted_line") or ""
    explainer_url = conditional_escape(reverse("unlike_explainer"))
    announce = labels["liked"] if state.liked else labels["not_liked"]
    hint = ""
    if counted_line:
        announce = f"{announce}. {conditional_escape(counted_line)}"
        hint = (
            f'<p class="like-hint">{conditional_escape(counted_line)} '
            f'<a href="{explainer_url}#on-unlike">{labels["why"]}</a></p>\n'
        )
    return mark_safe(
        f'<div class="like-control" id="like-control-{photo.pk}" data-announce="{announce}">\n'
        f"{_heart(context, photo, state.liked, labels)}\n{_count(photo, state, labels)}"
        f'<a class="like-help" href="{explainer_url}" title="{labels["explain"]}"'
        f' aria-label="{labels["explain"]}">?</a>\n{hint}</div>'
    )


def _heart(context: Context, photo, liked: bool, labels: dict[str, str]) -> str:
    """The like button in its form, or, logged out, a link to log in."""
    user = context.get("user")
    if user is None or not user.is_authenticated:
        login = reverse("account_login") + "?next=" + quote(photo.get_absolute_url(), safe="/")
        return (
            f'<a class="like-button" href="{conditional_escape(login)}"'
            f' aria-label="{labels["log_in"]}">{HEART}</a>'
        )
    request = context["request"]
    # The page's token, one per page. A control htmx swaps in needs none (htmx sends the
    # page's in a header, see base.html), so a like masks none afresh and sets no cookie.
    token = ""
    if not request.htmx:
        token = (
            '<input type="hidden" name="csrfmiddlewaretoken"'
            f' value="{conditional_escape(context.get("csrf_token"))}">\n'
        )
    like_url = conditional_escape(reverse("like", args=[photo.pk]))
    next_url = conditional_escape(context.get("next_url") or request.get_full_path())
    return (
        f'<form method="post" action="{like_url}" hx-post="{like_url}"\n'
        ' hx-target="closest .like-control" hx-swap="outerHTML" hx-disabled-elt="find button">\n'
        f'{token}<input type="hidden" name="next" value="{next_url}">\n'
        f'<input type="hidden" name="liked" value="{0 if liked else 1}">\n'
        f'<button type="submit" id="like-button-{photo.pk}" class="like-button"'
        f' aria-pressed="{"true" if liked else "false"}" aria-label="{labels["like"]}"'
        f' title="{labels["unlike"] if liked else labels["like"]}">\n{HEART}\n</button>\n</form>'
    )


def _count(photo, state, labels: dict[str, str]) -> str:
    """The count (a link to who liked, where the viewer may see them), or the link alone."""
    likers_url = (
        conditional_escape(reverse("likers", args=[photo.pk])) if state.likers_visible else ""
    )
    if state.count is not None:
        text = conditional_escape(
            ngettext("%(counter)s like", "%(counter)s likes", state.count)
            % {"counter": localize(state.count)}
        )
    elif likers_url:
        text = labels["see_who"]
    else:
        return ""
    if likers_url:
        return f'<a class="like-count" href="{likers_url}">{text}</a>\n'
    return f'<span class="like-count">{text}</span>\n'
