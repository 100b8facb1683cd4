"""The "Liked by …" line names people only where allowed, and never overstates."""

import pytest

from engagement.services import like_set
from tests.factories import PhotoFactory, UserFactory
from tests.like_pages import likers_summary
from tests.pages import page_text


@pytest.fixture
def hidden_count_photo(owner, settings):
    settings.ENGAGEMENT_POLICY = "instagram"  # likers public, owner may hide the count
    return PhotoFactory(owner=owner, hide_like_count=True)


@pytest.mark.parametrize(
    ("likers", "expected"),
    [
        (["amy"], "Liked by Amy"),
        (["amy", "bob"], "Liked by Bob and Amy"),
        (["amy", "bob", "cat"], "Liked by Cat, Bob and others"),
    ],
)
def test_hidden_count_summary_says_and_others_only_when_there_are_others(
    client, stranger, hidden_count_photo, likers, expected
):
    for username in likers:
        person = UserFactory(username=username, display_name=username.title())
        like_set(user=person, photo=hidden_count_photo, liked=True)
    client.force_login(stranger)
    page = page_text(client.get(hidden_count_photo.get_absolute_url()))
    assert likers_summary(page) == expected


def test_visible_count_summary_counts_the_others(client, stranger, owner, settings):
    settings.ENGAGEMENT_POLICY = "instagram"
    photo = PhotoFactory(owner=owner)
    for username in ["amy", "bob", "cat", "dan"]:
        person = UserFactory(username=username, display_name=username.title())
        like_set(user=person, photo=photo, liked=True)
    client.force_login(stranger)
    assert likers_summary(page_text(client.get(photo.get_absolute_url()))) == (
        "Liked by Dan, Cat and 2 others"
    )
