"""What a person sees (issue 14): no screen offers or promises what the policy forbids,
the unlike hint under the shield, the first visit, and the copy.

Hiding a photo's like count is checked under every preset, on every screen that could
offer or promise it: the photo page, the edit and upload pages, and the settings pages.
"""

import os
import re
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.services import follow_set
from engagement.policy import PRESETS
from engagement.services import like_set
from engagement.signals import photos_shown
from photos.models import Photo
from tests.factories import PhotoFactory, UserFactory
from tests.like_pages import PRESET_NAMES, like_control, shown_count
from tests.pages import LOGIN, assert_redirects_to_login, page_text
from tests.signals import signals_heard
from tests.test_unlike_shield import Clock, at

HIDE_OFFER = "Hide the like count"
HIDDEN_PROMISE = "The like count is hidden from others on this photo."
MAY_HIDE = [name for name in PRESET_NAMES if PRESETS[name].owner_may_hide_like_count]
MAY_NOT_HIDE = [name for name in PRESET_NAMES if not PRESETS[name].owner_may_hide_like_count]


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner, alt_text="Fishing boats moored at dawn")


def visibility_url(photo) -> str:
    return reverse("like_count_visibility", args=[photo.pk])


def count_seen_by_visitors(photo) -> int | None:
    """The count an anonymous visitor sees on the photo page (None: hidden)."""
    return shown_count(like_control(page_text(Client().get(photo.get_absolute_url())), photo))


def test_the_presets_split_on_hiding_counts():
    # The tests below need both kinds of preset to mean anything.
    assert MAY_HIDE == ["instagram", "likewise"]
    assert MAY_NOT_HIDE == ["facebook", "twitter"]


# --- Hiding the like count: offered and promised only where the policy allows -----------


def test_photo_page_offers_hiding_the_count_exactly_where_the_policy_allows(
    owner_client, preset, photo
):
    page = page_text(owner_client.get(photo.get_absolute_url()))

    assert (HIDE_OFFER in page) == (preset in MAY_HIDE)
    assert HIDDEN_PROMISE not in page


@pytest.mark.parametrize("url_name", ["photo_upload", "profile_edit", "notification_preferences"])
def test_no_other_screen_offers_to_hide_this_photos_count(owner_client, preset, url_name):
    page = page_text(owner_client.get(reverse(url_name)))

    assert HIDE_OFFER not in page
    assert HIDDEN_PROMISE not in page


def test_edit_page_never_offers_it(owner_client, preset, photo):
    page = page_text(owner_client.get(reverse("photo_edit", args=[photo.pk])))

    assert "like count" not in page.lower()


@pytest.mark.parametrize("preset", MAY_HIDE, indirect=True)
def test_owner_hides_then_shows_the_count_where_allowed(owner_client, preset, photo, fan):
    like_set(user=fan, photo=photo, liked=True)

    response = owner_client.post(visibility_url(photo), {"hidden": "1"})

    assert response.status_code == 302
    assert response["Location"] == photo.get_absolute_url()
    page = page_text(owner_client.get(photo.get_absolute_url()))
    assert "The like count is now hidden from others." in page
    assert HIDDEN_PROMISE in page
    assert "Show the like count" in page
    assert shown_count(like_control(page, photo)) == 1
    assert count_seen_by_visitors(photo) is None

    owner_client.post(visibility_url(photo), {"hidden": "0"})

    page = page_text(owner_client.get(photo.get_absolute_url()))
    assert HIDDEN_PROMISE not in page
    assert HIDE_OFFER in page
    assert count_seen_by_visitors(photo) == 1


@pytest.mark.parametrize("preset", MAY_NOT_HIDE, indirect=True)
def test_where_forbidden_hiding_is_refused_and_an_old_choice_promises_nothing(
    owner_client, preset, owner, fan
):
    # Hidden under an earlier preset: this one shows every count, so nothing may say hidden.
    photo = PhotoFactory(owner=owner, hide_like_count=True)
    like_set(user=fan, photo=photo, liked=True)

    page = page_text(owner_client.get(photo.get_absolute_url()))
    assert HIDDEN_PROMISE not in page
    assert HIDE_OFFER not in page
    assert "Show the like count" not in page
    assert count_seen_by_visitors(photo) == 1

    fresh = PhotoFactory(owner=owner)
    response = owner_client.post(visibility_url(fresh), {"hidden": "1"})
    assert response.status_code == 404
    assert "Like counts can't be hidden on this site." in page_text(response)
    fresh.refresh_from_db()
    assert fresh.hide_like_count is False


@pytest.mark.parametrize("persona", ["fan", "moderator", "admin_user"])
def test_only_the_owner_may_hide_the_count(client, photo, persona, request, settings):
    settings.ENGAGEMENT_POLICY = "likewise"
    client.force_login(request.getfixturevalue(persona))

    assert client.post(visibility_url(photo), {"hidden": "1"}).status_code == 403
    photo.refresh_from_db()
    assert photo.hide_like_count is False


def test_hiding_the_count_needs_an_account_and_a_post(owner_client, photo, settings):
    settings.ENGAGEMENT_POLICY = "likewise"
    assert_redirects_to_login(Client().post(visibility_url(photo), {"hidden": "1"}))
    assert owner_client.get(visibility_url(photo)).status_code == 405
    photo.refresh_from_db()
    assert photo.hide_like_count is False


# --- Unliking under the shield ---------------------------------------------------------


@pytest.fixture
def clock(monkeypatch) -> Clock:
    frozen = Clock(at("10:20"))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def like_by_htmx(client, photo, liked: str, htmx_headers) -> str:
    response = client.post(reverse("like", args=[photo.pk]), {"liked": liked}, headers=htmx_headers)
    assert response.status_code == 200
    return page_text(response)


def test_unlike_under_the_shield_says_when_the_count_drops_in_the_viewers_time(
    client, clock, settings, photo, fan, htmx_headers
):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60
    fan.timezone = "Asia/Tokyo"  # UTC+9: the 11:00 UTC release is 20:00 there
    fan.save(update_fields=["timezone"])
    client.force_login(fan)
    like_set(user=UserFactory(), photo=photo, liked=True)

    liked = like_by_htmx(client, photo, "1", htmx_headers)
    assert "The count drops" not in liked

    unliked = like_by_htmx(client, photo, "0", htmx_headers)

    line = "The count drops at 20:00, when this window's unlikes are counted."
    assert re.search(r'<p class="like-hint">' + re.escape(line), unliked)
    assert f'data-announce="Not liked. {line}"' in unliked
    assert reverse("unlike_explainer") + "#on-unlike" in unliked
    assert shown_count(like_control(unliked, photo)) == 2


def test_unlike_without_javascript_is_told_the_same_on_the_page_it_returns_to(
    client, clock, settings, photo, fan
):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60
    client.force_login(fan)
    like_set(user=fan, photo=photo, liked=True)

    response = client.post(reverse("like", args=[photo.pk]), {"liked": "0"}, follow=True)

    page = page_text(response)
    assert "The count drops at 11:00, when this window's unlikes are counted." in page
    assert shown_count(like_control(page, photo)) == 1


@pytest.mark.parametrize("preset", ["instagram", "facebook", "twitter"], indirect=True)
def test_without_the_shield_the_count_drops_at_once_and_nothing_is_explained(
    fan_client, preset, photo, htmx_headers
):
    like_by_htmx(fan_client, photo, "1", htmx_headers)

    unliked = like_by_htmx(fan_client, photo, "0", htmx_headers)

    assert "The count drops" not in unliked
    assert 'data-announce="Not liked"' in unliked
    assert shown_count(like_control(unliked, photo)) == 0


# --- First visit -----------------------------------------------------------------------


def test_first_visit_shows_popular_public_photos_and_what_makes_the_site_different(
    client,
    preset,
    owner,
    fan,
    stranger,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    UserFactory(username="root", is_staff=True, is_superuser=True)
    quiet = PhotoFactory(owner=owner, alt_text="A quiet pond")
    popular = PhotoFactory(owner=fan, alt_text="A crowded market")
    hidden = PhotoFactory(owner=owner, alt_text="A hidden photo")
    Photo.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    old = PhotoFactory(
        owner=owner, alt_text="An old photo", created=timezone.now() - timedelta(days=40)
    )
    gone = UserFactory(username="gone")
    PhotoFactory(owner=gone, alt_text="A departed member's photo")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    with django_capture_on_commit_callbacks(execute=True):  # the rollups explore ranks by
        for person in (owner, stranger):
            like_set(user=person, photo=popular, liked=True)
        like_set(user=stranger, photo=old, liked=True)

    # The week's popular list, the ones a visitor may see, the newest after them, the page.
    with django_assert_max_num_queries(4):
        page = page_text(client.get(reverse("home")))

    shown = re.findall(r'<img src="[^"]+" width="480" height="480" alt="([^"]+)"', page)
    assert shown == [popular.alt_text, quiet.alt_text]
    assert "Log in to follow" not in page
    assert "@root" not in page
    assert "Nobody is ever told you unliked their photo." in page
    only_owner = PRESETS[preset].likers_visible_to == "owner"
    assert ("Only the owner sees who liked a photo." in page) == only_owner
    assert ("Counts drop in batches" in page) == PRESETS[preset].unlike_shield
    assert reverse("unlike_explainer") in page


def test_explore_grid_counts_as_a_listing_for_reach(client, owner):
    photos = [PhotoFactory(owner=owner) for _ in range(2)]

    with signals_heard(shown=photos_shown) as heard:
        client.get(reverse("home"))

    [(_name, _sender, arguments)] = heard
    assert {photo.pk for photo in arguments["photos"]} == {photo.pk for photo in photos}
    assert not arguments["viewer"].is_authenticated


def test_explore_grid_costs_the_same_however_many_photos(
    client, owner, django_assert_num_queries, django_assert_max_num_queries
):
    for _ in range(3):
        PhotoFactory(owner=owner)
    with django_assert_max_num_queries(3) as few:  # the week's rollups, their photos, newest
        client.get(reverse("home"))
    for _ in range(5):
        PhotoFactory(owner=UserFactory())
    cache.clear()  # the week's popular photos are kept for a minute
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(reverse("home"))


# --- Copy ------------------------------------------------------------------------------


def test_feed_says_just_now_then_minutes_ago(owner_client, owner):
    PhotoFactory(owner=owner)
    PhotoFactory(owner=owner, created=timezone.now() - timedelta(minutes=5))

    page = page_text(owner_client.get(reverse("home")))

    assert "just now" in page
    assert "5\xa0minutes ago" in page
    assert "0 minutes" not in page


def test_profile_counts_agree_with_their_number(client, owner, fan):
    PhotoFactory(owner=owner)
    follow_set(follower=fan, followed=owner, following=True)

    page = " ".join(
        re.sub(r"<[^>]+>", " ", page_text(client.get(owner.get_absolute_url()))).split()
    )

    assert "1 photo " in page
    assert "1 follower " in page
    assert "1 photos" not in page and "1 followers" not in page


def test_login_and_signup_say_log_in_like_the_header_and_labels_have_no_colons(client, db):
    login = page_text(client.get(LOGIN))
    signup = page_text(client.get(reverse("account_signup")))

    for page in (login, signup):
        assert "Sign In" not in page and "sign in" not in page
        assert not re.search(r"<label[^>]*>[^<]*:</label>", page)
    assert re.search(r"<button[^>]*>\s*Log in\s*</button>", login)
    assert re.search(r'<label for="id_password">Password</label>', login)


def test_checkbox_labels_have_no_colons(owner_client):
    page = page_text(owner_client.get(reverse("profile_edit")))

    labels = re.findall(r"<label[^>]*>([^<]*)</label>", page)
    assert labels
    assert not [label for label in labels if label.endswith(":")]


def test_photo_page_has_a_heading(client, photo):
    page = page_text(client.get(photo.get_absolute_url()))

    assert re.search(r"<h1[^>]*>Photo by Olivia Owner</h1>", page)


# --- make run --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("allowed_hosts", "debug"), [("127.0.0.1,localhost", "True"), ("likewise.lan", "False")]
)
def test_debug_pages_only_while_the_site_answers_to_this_machine(allowed_hosts, debug):
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_DEBUG"} | {
        "DJANGO_SETTINGS_MODULE": "config.settings.dev",
        "DJANGO_ALLOWED_HOSTS": allowed_hosts,
    }
    result = subprocess.run(
        [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == debug
