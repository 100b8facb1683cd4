"""The engagement policy matrix (DESIGN.md, "Engagement policy (the core)") as a spec.

First the presets themselves, field by field against the matrix; then, for every preset,
what the owner, a liker, a third party and an anonymous visitor actually see on the photo
page and the who-liked page. The matrix's "private (our default)" column is the preset
named ``likewise``.
"""

import os

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from engagement.policy import PRESETS, Audience, WithdrawnInInsights, get_policy
from engagement.services import like_set
from photos.services import photo_update
from tests.factories import PhotoFactory, UserFactory
from tests.like_pages import (
    PRESET_NAMES,
    like_control,
    likers_count_line,
    likers_summary,
    listed_usernames,
    page_text,
    shown_count,
)
from tests.pages import LOGIN

PERSONAS = ["owner", "fan", "stranger", "anonymous"]

# The matrix, one row per capability, one column per preset.
MATRIX = {
    "notify_owner_of_like": dict(instagram=True, facebook=True, twitter=True, likewise=True),
    "notify_owner_of_unlike": dict(instagram=False, facebook=False, twitter=False, likewise=False),
    "withdraw_like_notification_on_unlike": dict(
        instagram=True, facebook=True, twitter=True, likewise=True
    ),
    "renotify_repeat_like_within_cooldown": dict(
        instagram=False, facebook=False, twitter=False, likewise=False
    ),
    "show_like_count": dict(instagram=True, facebook=True, twitter=True, likewise=True),
    "owner_may_hide_like_count": dict(instagram=True, facebook=False, twitter=False, likewise=True),
    "likers_visible_to": dict(
        instagram=Audience.EVERYONE,
        facebook=Audience.EVERYONE,
        twitter=Audience.OWNER,
        likewise=Audience.OWNER,
    ),
    "owner_sees_withdrawals": dict(instagram=False, facebook=False, twitter=True, likewise=False),
    "withdrawn_in_insights": dict(
        instagram=WithdrawnInInsights.AGGREGATE,
        facebook=WithdrawnInInsights.AGGREGATE,
        twitter=WithdrawnInInsights.PER_PERSON,
        likewise=WithdrawnInInsights.AGGREGATE_THRESHOLDED,
    ),
    "unlike_shield": dict(instagram=False, facebook=False, twitter=False, likewise=True),
}

LIKERS_PUBLIC = {"instagram", "facebook"}  # who-liked visible to everyone
OWNER_MAY_HIDE = {"instagram", "likewise"}


@pytest.fixture(params=PRESET_NAMES)
def preset(request, settings) -> str:
    settings.ENGAGEMENT_POLICY = request.param
    return request.param


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def liked_photo(photo, fan):
    """Three likes, the fan's first: "3 likes", "Liked by Leo Liker, Lia Liker and 1 other"."""
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=UserFactory(username="lia", display_name="Lia Liker"), photo=photo, liked=True)
    like_set(user=UserFactory(username="leo", display_name="Leo Liker"), photo=photo, liked=True)
    return photo


def hide_count(photo):
    """The owner ticks "hide like count" (the edit form's service, not a stale save())."""
    photo.refresh_from_db()
    photo_update(photo=photo, caption=photo.caption, alt_text=photo.alt_text, hide_like_count=True)


def viewer_client(client, persona: str, request):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def may_see_likers(preset: str, persona: str) -> bool:
    return preset in LIKERS_PUBLIC or persona == "owner"


# --- The presets, field by field -----------------------------------------------------------


@pytest.mark.parametrize("field", list(MATRIX))
@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_matches_the_design_matrix(name, field):
    assert getattr(PRESETS[name], field) == MATRIX[field][name]


def test_there_are_exactly_the_four_presets_of_the_matrix():
    assert sorted(PRESETS) == sorted(PRESET_NAMES)
    assert all(PRESETS[name].name == name for name in PRESETS)


def test_thresholded_insights_use_groups_of_at_least_three():
    assert PRESETS["likewise"].insights_min_group >= 3


def test_get_policy_follows_the_setting(preset):
    assert get_policy() is PRESETS[preset]


@pytest.mark.skipif("ENGAGEMENT_POLICY" in os.environ, reason="a preset is chosen by env")
def test_the_default_policy_is_likewise():
    assert django_settings.ENGAGEMENT_POLICY == "likewise"
    assert get_policy().name == "likewise"


def test_unknown_policy_is_a_configuration_error_naming_the_presets(settings):
    settings.ENGAGEMENT_POLICY = "myspace"

    with pytest.raises(ImproperlyConfigured) as error:
        get_policy()

    message = str(error.value)
    assert "'myspace'" in message
    for name in PRESET_NAMES:
        assert name in message


def test_unknown_policy_stops_start_up(settings):
    settings.ENGAGEMENT_POLICY = "Instagram"  # names are exact

    with pytest.raises(ImproperlyConfigured, match="instagram"):
        apps.get_app_config("engagement").ready()


# --- The like count on the photo page ------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_like_count_is_shown_to_every_viewer(client, preset, liked_photo, persona, request):
    page = page_text(viewer_client(client, persona, request).get(liked_photo.get_absolute_url()))

    assert shown_count(like_control(page, liked_photo)) == 3


@pytest.mark.parametrize("persona", PERSONAS)
def test_owner_hidden_count_only_where_the_policy_lets_owners_hide(
    client, preset, liked_photo, persona, request
):
    hide_count(liked_photo)
    client = viewer_client(client, persona, request)

    pages = {
        "photo page": page_text(client.get(liked_photo.get_absolute_url())),
        "profile grid": page_text(client.get(liked_photo.owner.get_absolute_url())),
    }

    hidden = preset in OWNER_MAY_HIDE and persona != "owner"
    for where, page in pages.items():
        expected = None if hidden else 3
        assert shown_count(like_control(page, liked_photo)) == expected, where
    summary = likers_summary(pages["photo page"])
    if not may_see_likers(preset, persona):
        assert summary is None
    elif hidden:  # the summary must not give the number away either
        assert summary == "Liked by Leo Liker, Lia Liker and others"
    else:
        assert summary == "Liked by Leo Liker, Lia Liker and 1 other"


def test_likers_page_keeps_an_owner_hidden_count_hidden(client, settings, liked_photo, stranger):
    settings.ENGAGEMENT_POLICY = "instagram"
    hide_count(liked_photo)
    client.force_login(stranger)

    page = page_text(client.get(reverse("likers", args=[liked_photo.pk])))

    assert likers_count_line(page) is None
    assert listed_usernames(page) == ["leo", "lia", "fabio"]


def test_owner_is_told_their_count_is_hidden_from_others(owner_client, settings, liked_photo):
    settings.ENGAGEMENT_POLICY = "likewise"
    hide_count(liked_photo)

    page = page_text(owner_client.get(liked_photo.get_absolute_url()))

    assert "The like count is hidden from others on this photo." in page
    assert shown_count(like_control(page, liked_photo)) == 3


@pytest.mark.parametrize("persona", ["fan", "stranger"])
def test_viewer_who_hides_counts_sees_none_on_other_peoples_photos(
    client, preset, liked_photo, persona, request
):
    viewer = request.getfixturevalue(persona)
    viewer.hide_like_counts = True
    viewer.save()
    client.force_login(viewer)

    page = page_text(client.get(liked_photo.get_absolute_url()))

    assert shown_count(like_control(page, liked_photo)) is None
    assert "3 likes" not in page


def test_viewer_who_hides_counts_still_sees_their_own(client, preset, liked_photo, owner):
    owner.hide_like_counts = True
    owner.save()
    client.force_login(owner)

    page = page_text(client.get(liked_photo.get_absolute_url()))

    assert shown_count(like_control(page, liked_photo)) == 3


def test_a_viewers_preference_does_not_hide_counts_from_others(
    client, preset, liked_photo, fan, stranger
):
    fan.hide_like_counts = True
    fan.save()
    client.force_login(stranger)

    page = page_text(client.get(liked_photo.get_absolute_url()))

    assert shown_count(like_control(page, liked_photo)) == 3


# --- Who liked: the summary, the link and the list -----------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_liked_summary_and_link_follow_the_policy(
    client, preset, liked_photo, persona, request
):
    page = page_text(viewer_client(client, persona, request).get(liked_photo.get_absolute_url()))

    likers_url = reverse("likers", args=[liked_photo.pk])
    if may_see_likers(preset, persona):
        assert likers_summary(page) == "Liked by Leo Liker, Lia Liker and 1 other"
        assert f'href="{likers_url}"' in like_control(page, liked_photo)
    else:
        assert likers_summary(page) is None
        assert likers_url not in page
        for name in ["Fabio Fan", "Lia Liker", "Leo Liker"]:
            assert name not in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_liked_page_follows_the_policy(client, preset, liked_photo, persona, request):
    url = reverse("likers", args=[liked_photo.pk])

    response = viewer_client(client, persona, request).get(url)

    if may_see_likers(preset, persona):
        assert response.status_code == 200
        page = page_text(response)
        assert listed_usernames(page) == ["leo", "lia", "fabio"]
        assert likers_count_line(page) == 3
    elif persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert "next=" in response["Location"]
    else:
        assert response.status_code == 403
        page = page_text(response)
        assert "Leo Liker" not in page
        assert "Fabio Fan" not in page


@pytest.mark.parametrize("persona", ["moderator", "admin_user"])
def test_staff_get_no_special_view_of_owner_only_likers(
    client, settings, liked_photo, persona, request
):
    settings.ENGAGEMENT_POLICY = "likewise"
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("likers", args=[liked_photo.pk])).status_code == 403


def test_who_liked_page_says_who_can_see_it(owner_client, preset, liked_photo):
    page = page_text(owner_client.get(reverse("likers", args=[liked_photo.pk])))

    if preset in LIKERS_PUBLIC:
        assert "Everyone can see this list." in page
    else:
        assert "Only the photo's owner can see this list." in page


# --- Interaction history (who withdrew a like) ---------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "fan", "stranger"])
def test_interaction_history_only_for_the_owner_under_twitter(
    client, preset, liked_photo, persona, request
):
    wes = UserFactory(username="wes", display_name="Wes Withdrawn")
    like_set(user=wes, photo=liked_photo, liked=True)
    like_set(user=wes, photo=liked_photo, liked=False)

    response = viewer_client(client, persona, request).get(reverse("likers", args=[liked_photo.pk]))

    page = page_text(response)
    if preset == "twitter" and persona == "owner":
        assert "Interaction history" in page
        history = page[page.index("Interaction history") :]
        assert "Wes Withdrawn" in history
        assert "withdrew their like" in history
        assert history.count("liked this photo") == 4  # three likes and Wes's first
    else:
        assert "Interaction history" not in page
        assert "withdrew their like" not in page
