"""The like/unlike action (plain form and HTMX) and the like control on every photo list."""

import html
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement.models import EngagementEvent, Like
from engagement.selectors import like_state
from engagement.services import like_set
from photos.models import Photo
from tests.factories import FollowFactory, PhotoFactory, UserFactory
from tests.like_pages import like_controls, pressed
from tests.pages import LOGIN, page_text


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner, alt_text="Fishing boats moored at dawn")


@pytest.fixture
def instagram(settings):
    """Counts move at once in both directions (no unlike shield)."""
    settings.ENGAGEMENT_POLICY = "instagram"


def like_url(photo) -> str:
    return reverse("like", args=[photo.pk])


def like_count(photo) -> int:
    return Photo.objects.values_list("like_count", flat=True).get(pk=photo.pk)


def assert_untouched(photo):
    assert not Like.objects.exists()
    assert not EngagementEvent.objects.exists()
    assert like_count(photo) == 0


def count_text(control: str) -> str:
    return re.search(r'class="like-count"[^>]*>([^<]*)<', control).group(1).strip()


# --- Plain form posts -----------------------------------------------------------------------


def test_plain_like_redirects_to_next_and_likes(fan_client, fan, photo):
    response = fan_client.post(like_url(photo), {"liked": "1", "next": "/@olivia/?page=1"})

    assert response.status_code == 302
    assert response["Location"] == "/@olivia/?page=1"
    assert Like.objects.filter(user=fan, photo=photo).exists()
    assert like_count(photo) == 1


def test_plain_unlike_without_next_returns_to_the_photo_page(fan_client, fan, photo):
    like_set(user=fan, photo=photo, liked=True)

    response = fan_client.post(like_url(photo), {"liked": "0"})

    assert response.status_code == 302
    assert response["Location"] == photo.get_absolute_url()
    assert not Like.objects.filter(user=fan, photo=photo).exists()
    assert like_count(photo) == 0


def test_repeated_plain_like_is_idempotent(fan_client, fan, photo):
    for _attempt in range(3):
        assert fan_client.post(like_url(photo), {"liked": "1"}).status_code == 302

    assert Like.objects.filter(user=fan, photo=photo).count() == 1
    assert like_count(photo) == 1
    assert EngagementEvent.objects.count() == 1


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://evil.example/p/1/"]
)
def test_next_pointing_to_another_site_is_ignored(fan_client, fan, photo, htmx_headers, target):
    response = fan_client.post(like_url(photo), {"liked": "1", "next": target})

    assert response.status_code == 302
    assert response["Location"] == photo.get_absolute_url()
    assert Like.objects.filter(user=fan, photo=photo).exists()

    response = fan_client.post(
        like_url(photo), {"liked": "0", "next": target}, headers=htmx_headers
    )
    page = response.content.decode()
    assert "evil.example" not in page
    assert f'name="next" value="{photo.get_absolute_url()}"' in page


def test_plain_like_response_also_varies_on_hx_request(fan_client, photo):
    response = fan_client.post(like_url(photo), {"liked": "1"})

    assert "HX-Request" in response["Vary"]


# --- HTMX posts -------------------------------------------------------------------------------


def test_htmx_like_returns_only_the_pressed_control_with_the_new_count(
    fan_client, fan, photo, htmx_headers
):
    response = fan_client.post(
        like_url(photo), {"liked": "1", "next": "/@olivia/"}, headers=htmx_headers
    )

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    page = page_text(response)
    assert "<html" not in page
    assert page.count("<form") == 1
    assert list(like_controls(page)) == [photo.pk]
    control = like_controls(page)[photo.pk]
    assert pressed(control) == "true"
    assert count_text(control) == "1 like"
    assert 'name="liked" value="0"' in page, "the button now offers to unlike"
    assert 'name="next" value="/@olivia/"' in page
    assert Like.objects.filter(user=fan, photo=photo).exists()
    assert like_count(photo) == 1


def test_htmx_unlike_returns_the_unpressed_control_with_the_new_count(
    fan_client, fan, stranger, photo, htmx_headers, instagram
):
    like_set(user=stranger, photo=photo, liked=True)
    like_set(user=fan, photo=photo, liked=True)

    response = fan_client.post(like_url(photo), {"liked": "0"}, headers=htmx_headers)

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    page = page_text(response)
    assert "<html" not in page
    control = like_controls(page)[photo.pk]
    assert pressed(control) == "false"
    assert count_text(control) == "1 like"
    assert 'name="liked" value="1"' in page, "the button now offers to like again"
    assert not Like.objects.filter(user=fan, photo=photo).exists()

    response = fan_client.post(like_url(photo), {"liked": "1"}, headers=htmx_headers)
    assert count_text(like_controls(page_text(response))[photo.pk]) == "2 likes"


def test_htmx_unlike_of_the_last_like_shows_zero_likes(
    fan_client, fan, photo, htmx_headers, instagram
):
    like_set(user=fan, photo=photo, liked=True)

    response = fan_client.post(like_url(photo), {"liked": "0"}, headers=htmx_headers)

    control = like_controls(page_text(response))[photo.pk]
    assert pressed(control) == "false"
    assert count_text(control) == "0 likes"


# --- Refusals ---------------------------------------------------------------------------------


def test_anonymous_like_goes_to_login_and_changes_nothing(client, photo):
    response = client.post(like_url(photo), {"liked": "1"})

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert_untouched(photo)


def test_get_is_a_friendly_405(fan_client, photo):
    response = fan_client.get(like_url(photo), {"liked": "1"})

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    page = page_text(response)
    assert "<html" in page
    assert "That didn't work" in page
    assert_untouched(photo)


@pytest.mark.parametrize("data", [{}, {"liked": ""}, {"liked": "yes"}, {"liked": "2"}])
def test_missing_or_unclear_like_value_is_a_400_and_changes_nothing(fan_client, photo, data):
    response = fan_client.post(like_url(photo), data)

    assert response.status_code == 400
    page = page_text(response)
    assert "<html" in page
    assert "Choose to like or to unlike." in page
    assert_untouched(photo)


@pytest.mark.parametrize("value", ["true", "-1"])
def test_unclear_like_value_with_htmx_is_a_400_toast(fan_client, photo, htmx_headers, value):
    response = fan_client.post(like_url(photo), {"liked": value}, headers=htmx_headers)

    assert response.status_code == 400
    page = page_text(response)
    assert "<html" not in page
    assert "error-message" in page
    assert "Choose to like or to unlike." in page
    assert_untouched(photo)


def test_an_unclear_unlike_keeps_the_existing_like(fan_client, fan, photo):
    like_set(user=fan, photo=photo, liked=True)

    assert fan_client.post(like_url(photo), {"liked": "off"}).status_code == 400

    assert Like.objects.filter(user=fan, photo=photo).exists()
    assert like_count(photo) == 1


def test_liking_a_deleted_photo_is_a_404(fan_client, photo):
    url = like_url(photo)
    photo.delete()

    response = fan_client.post(url, {"liked": "1"})

    assert response.status_code == 404
    assert "The page or photo you were looking for isn't here." in page_text(response)
    assert not Like.objects.exists()


def test_liking_a_photo_that_never_existed_is_a_404_toast_for_htmx(fan_client, htmx_headers):
    response = fan_client.post(
        reverse("like", args=[999_999]), {"liked": "1"}, headers=htmx_headers
    )

    assert response.status_code == 404
    assert "<html" not in page_text(response)
    assert not Like.objects.exists()


def test_liking_a_photo_of_a_suspended_person_is_a_404_and_changes_nothing(
    fan_client, owner, photo, htmx_headers
):
    owner.is_active = False
    owner.save(update_fields=["is_active"])

    response = fan_client.post(like_url(photo), {"liked": "1"}, headers=htmx_headers)

    assert response.status_code == 404
    assert_untouched(photo)


def test_the_owner_and_moderators_may_still_like_a_photo_moderators_hid(
    owner_client, moderator, photo, htmx_headers
):
    Photo.objects.filter(pk=photo.pk).update(hidden_at=timezone.now())
    moderator_client = Client()
    moderator_client.force_login(moderator)

    for client in (owner_client, moderator_client):
        response = client.post(like_url(photo), {"liked": "1"}, headers=htmx_headers)
        assert response.status_code == 200
        assert pressed(page_text(response)) == "true"

    assert like_count(photo) == 2


def test_liking_what_is_already_liked_answers_with_the_state_and_writes_nothing(
    fan_client, fan, photo, htmx_headers
):
    like_set(user=fan, photo=photo, liked=True)

    response = fan_client.post(like_url(photo), {"liked": "1"}, headers=htmx_headers)

    assert response.status_code == 200
    assert pressed(page_text(response)) == "true"
    assert "1 like" in page_text(response)
    assert EngagementEvent.objects.count() == 1
    assert like_count(photo) == 1


def test_post_without_csrf_token_is_refused_and_changes_nothing(fan, photo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(fan)

    response = client.post(like_url(photo), {"liked": "1"})

    assert response.status_code == 403
    assert "Your session expired or the form was stale." in page_text(response)
    assert_untouched(photo)


def test_post_with_the_pages_csrf_token_is_accepted(fan, photo):
    client = Client(enforce_csrf_checks=True)
    client.force_login(fan)
    control = like_controls(page_text(client.get(photo.get_absolute_url())))[photo.pk]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', control).group(1)

    response = client.post(like_url(photo), {"liked": "1", "csrfmiddlewaretoken": token})

    assert response.status_code == 302
    assert Like.objects.filter(user=fan, photo=photo).exists()


def test_swapped_in_control_likes_again_with_the_pages_header_token(fan, photo, htmx_headers):
    """htmx sends the page's token in a header (base.html's hx-headers), so the control it
    swaps in carries none and no CSRF cookie is set again: its next post still passes."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(fan)
    page = page_text(client.get(photo.get_absolute_url()))
    token = re.search(r'hx-headers=\'\{"X-CSRFToken": "([^"]+)"\}\'', page).group(1)
    headers = {**htmx_headers, "X-CSRFToken": token}

    liked = client.post(like_url(photo), {"liked": "1"}, headers=headers)
    assert liked.status_code == 200
    assert "csrfmiddlewaretoken" not in page_text(liked)
    assert "csrftoken" not in liked.cookies

    unliked = client.post(like_url(photo), {"liked": "0"}, headers=headers)
    assert unliked.status_code == 200
    assert pressed(page_text(unliked)) == "false"
    assert not Like.objects.filter(user=fan, photo=photo).exists()


# --- The control on every page that shows photos ---------------------------------------------


def test_photo_page_shows_the_control_pressed_for_the_viewer_who_liked(
    client, fan, stranger, photo
):
    like_set(user=fan, photo=photo, liked=True)

    client.force_login(fan)
    control = like_controls(page_text(client.get(photo.get_absolute_url())))[photo.pk]
    assert pressed(control) == "true"
    assert f'action="{like_url(photo)}"' in control
    assert f'hx-post="{like_url(photo)}"' in control, "htmx swaps the control in place"
    assert 'name="liked" value="0"' in control
    assert count_text(control) == "1 like"

    client.force_login(stranger)
    control = like_controls(page_text(client.get(photo.get_absolute_url())))[photo.pk]
    assert pressed(control) == "false"
    assert 'name="liked" value="1"' in control
    assert count_text(control) == "1 like"


def test_photo_page_offers_anonymous_visitors_a_login_link_instead(client, photo):
    control = like_controls(page_text(client.get(photo.get_absolute_url())))[photo.pk]

    assert "<form" not in control
    assert "aria-pressed" not in control
    assert f'href="{LOGIN}?next={photo.get_absolute_url()}"' in control
    assert 'aria-label="Log in to like"' in control


def test_the_control_keeps_markup_in_the_return_address_as_text(fan_client, photo, htmx_headers):
    """The control returns a like made without JavaScript to the address it was given,
    and that is whatever the form posted: it must stay an attribute value, never markup."""
    back = photo.get_absolute_url() + '?from="><b id=injected>x</b>'
    response = fan_client.post(like_url(photo), {"liked": "1", "next": back}, headers=htmx_headers)
    control = response.content.decode()

    assert "<b id=injected>" not in control
    next_input = re.search(r'<input type="hidden" name="next" value="([^"]*)">', control)
    assert html.unescape(next_input.group(1)) == back
    assert "&quot;&gt;&lt;b id=injected&gt;" in next_input.group(1)


def test_the_shields_line_in_the_control_is_escaped_too(fan, photo, rf, settings):
    """The counted line is the view's own words, but the control treats it as text."""
    settings.ENGAGEMENT_POLICY = "likewise"
    request = rf.post(like_url(photo), HTTP_HX_REQUEST="true")
    request.user, request.htmx = fan, True
    photo.like_state = like_state(fan, photo, liked=False, at=timezone.now())
    control = render_to_string(
        "photos/detail.html#like_control",
        {"photo": photo, "counted_line": "Drops at <19:00> & later"},
        request=request,
    )

    assert '<p class="like-hint">Drops at &lt;19:00&gt; &amp; later <a href=' in control
    assert 'data-announce="Not liked. Drops at &lt;19:00&gt; &amp; later"' in control
    assert "csrfmiddlewaretoken" not in control, "htmx sends the page's token in a header"


def test_home_feed_shows_each_card_with_the_viewers_like_state(fan_client, fan, owner):
    FollowFactory(follower=fan, followed=owner)
    liked, not_liked = PhotoFactory(owner=owner), PhotoFactory(owner=owner)
    like_set(user=fan, photo=liked, liked=True)
    like_set(user=UserFactory(), photo=not_liked, liked=True)
    like_set(user=UserFactory(), photo=not_liked, liked=True)

    page = page_text(fan_client.get(reverse("home")))

    controls = like_controls(page)
    assert set(controls) == {liked.pk, not_liked.pk}
    assert page.count('class="photo-card"') == 2
    assert pressed(controls[liked.pk]) == "true"
    assert count_text(controls[liked.pk]) == "1 like"
    assert pressed(controls[not_liked.pk]) == "false"
    assert count_text(controls[not_liked.pk]) == "2 likes"
    assert 'name="next" value="/"' in controls[liked.pk], "a like from the feed comes back to it"


def test_profile_grid_shows_each_item_with_the_viewers_like_state(fan_client, fan, owner):
    liked, not_liked = PhotoFactory(owner=owner), PhotoFactory(owner=owner)
    like_set(user=fan, photo=liked, liked=True)

    page = page_text(fan_client.get(owner.get_absolute_url()))

    controls = like_controls(page)
    assert set(controls) == {liked.pk, not_liked.pk}
    assert page.count('class="grid-item"') == 2
    assert pressed(controls[liked.pk]) == "true"
    assert pressed(controls[not_liked.pk]) == "false"
    assert count_text(controls[not_liked.pk]) == "0 likes"


def test_a_like_from_the_profile_grid_returns_to_the_grid(fan_client, fan, owner, photo):
    page = page_text(fan_client.get(owner.get_absolute_url()))
    control = like_controls(page)[photo.pk]
    next_url = re.search(r'name="next" value="([^"]+)"', control).group(1)

    response = fan_client.post(like_url(photo), {"liked": "1", "next": next_url})

    assert response["Location"] == owner.get_absolute_url()
    assert pressed(like_controls(page_text(fan_client.get(next_url)))[photo.pk]) == "true"


# --- Query counts -----------------------------------------------------------------------------

# session, viewer, feed order, people to discover, which of them the viewer follows; the
# ranking (follows, candidates, their rollups, affinities); the page of photos (owners
# joined), how many of each author's photos the viewer liked, which the viewer likes
HOME_MAX_QUERIES = 12
# session, viewer, person with counts, follow state, photo count, the page of photos, which
# of them the viewer likes
PROFILE_MAX_QUERIES = 7


def photos_with_likes(owner, viewer, count: int) -> list[Photo]:
    likers = UserFactory.create_batch(3)
    photos = PhotoFactory.create_batch(count, owner=owner)
    for index, each in enumerate(photos):
        for liker in likers:
            like_set(user=liker, photo=each, liked=True)
        if index % 2:
            like_set(user=viewer, photo=each, liked=True)
    return photos


@pytest.mark.parametrize("size", [2, 20])
def test_home_feed_query_count_does_not_grow_with_photos_or_likes(
    fan_client, fan, owner, django_assert_max_num_queries, size, settings
):
    settings.FEED_CARDS_PER_PAGE = 20
    FollowFactory(follower=fan, followed=owner)
    photos_with_likes(owner, fan, size)

    with django_assert_max_num_queries(HOME_MAX_QUERIES):
        response = fan_client.get(reverse("home"))

    assert response.status_code == 200
    controls = like_controls(page_text(response))
    assert len(controls) == size
    assert [pressed(c) for c in controls.values()].count("true") == size // 2


@pytest.mark.parametrize("size", [2, 20])
def test_profile_grid_query_count_does_not_grow_with_photos_or_likes(
    fan_client, fan, owner, django_assert_max_num_queries, size
):
    photos_with_likes(owner, fan, size)

    with django_assert_max_num_queries(PROFILE_MAX_QUERIES):
        response = fan_client.get(owner.get_absolute_url())

    assert response.status_code == 200
    controls = like_controls(page_text(response))
    assert len(controls) == size
    assert [pressed(c) for c in controls.values()].count("true") == size // 2
