"""The who-liked list: order, pages, query count, a deleted photo, follow controls.

Under the instagram preset, where everyone may see the list.
"""

import re
from dataclasses import replace
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from engagement.models import Like
from engagement.policy import PRESETS, TWITTER, Audience
from engagement.services import like_set
from photos.services import photo_delete
from tests.factories import FollowFactory, PhotoFactory, UserFactory
from tests.like_pages import likers_count_line, listed_usernames
from tests.pages import page_text


@pytest.fixture(autouse=True)
def instagram(settings):
    settings.ENGAGEMENT_POLICY = "instagram"


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


def likers_url(photo) -> str:
    return reverse("likers", args=[photo.pk])


def add_likers(photo, count: int, prefix: str = "liker") -> list[User]:
    """``count`` people like ``photo``, one minute apart, the first one oldest."""
    people = [UserFactory(username=f"{prefix}{n:02d}") for n in range(count)]
    start = timezone.now() - timedelta(days=1)
    for n, person in enumerate(people):
        like_set(user=person, photo=photo, liked=True)
        Like.objects.filter(user=person, photo=photo).update(created=start + timedelta(minutes=n))
    return people


def follow_forms(page: str) -> list[str]:
    """Usernames whose follow button is on the page."""
    return re.findall(
        r'<form class="follow-control" method="post" action="/@([^/]+)/follow/"', page
    )


# --- Order and pages ------------------------------------------------------------------------


def test_most_recent_like_comes_first(client, photo):
    ann, bob, cat = (UserFactory(username=name) for name in ["ann", "bob", "cat"])
    base = timezone.now() - timedelta(hours=1)
    for minutes, person in [(0, bob), (5, cat), (10, ann)]:  # not the order they signed up
        like_set(user=person, photo=photo, liked=True)
        Like.objects.filter(user=person).update(created=base + timedelta(minutes=minutes))

    page = page_text(client.get(likers_url(photo)))

    assert listed_usernames(page) == ["ann", "cat", "bob"]


def test_liking_again_moves_a_person_to_the_top(client, photo):
    people = add_likers(photo, 3)
    like_set(user=people[0], photo=photo, liked=False)
    like_set(user=people[0], photo=photo, liked=True)

    page = page_text(client.get(likers_url(photo)))

    assert listed_usernames(page) == ["liker00", "liker02", "liker01"]


def test_a_withdrawn_like_leaves_the_list(client, photo):
    people = add_likers(photo, 3)
    like_set(user=people[1], photo=photo, liked=False)

    page = page_text(client.get(likers_url(photo)))

    assert listed_usernames(page) == ["liker02", "liker00"]
    assert likers_count_line(page) == 2


def test_deactivated_people_are_not_listed(client, photo):
    people = add_likers(photo, 3)
    User.objects.filter(pk=people[2].pk).update(is_active=False)

    page = page_text(client.get(likers_url(photo)))

    assert listed_usernames(page) == ["liker01", "liker00"]


def next_link(page: str) -> str:
    return re.search(r'<a class="load-more" href="([^"]+)"', page).group(1)


def test_likers_come_thirty_at_a_time_with_a_link_to_the_next(client, photo):
    add_likers(photo, 35)

    first = page_text(client.get(likers_url(photo)))
    second = page_text(client.get(likers_url(photo) + next_link(first)))

    assert listed_usernames(first) == [f"liker{n:02d}" for n in range(34, 4, -1)]
    assert listed_usernames(second) == ["liker04", "liker03", "liker02", "liker01", "liker00"]
    assert 'class="load-more"' not in second
    assert likers_count_line(second) == 35


def test_new_likes_between_pages_neither_repeat_nor_skip_anyone(client, photo):
    """A cursor names the last person shown, so likes arriving meanwhile shift nothing."""
    add_likers(photo, 35)
    first = page_text(client.get(likers_url(photo)))
    for n in range(3):
        like_set(user=UserFactory(username=f"late{n}"), photo=photo, liked=True)

    second = page_text(client.get(likers_url(photo) + next_link(first)))

    assert listed_usernames(second) == ["liker04", "liker03", "liker02", "liker01", "liker00"]


def test_htmx_asks_for_just_the_next_rows(client, photo, htmx_headers):
    add_likers(photo, 32)
    first = page_text(client.get(likers_url(photo)))

    response = client.get(likers_url(photo) + next_link(first), headers=htmx_headers)

    assert "<h1>" not in page_text(response)
    assert listed_usernames(page_text(response)) == ["liker01", "liker00"]
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("cursor", ["nonsense", "12_x", "_", "9" * 40 + "_1"])
def test_a_broken_next_link_gets_a_clear_400(client, photo, cursor):
    response = client.get(likers_url(photo) + f"?before={cursor}")

    assert response.status_code == 400
    assert "Something was wrong with that request" in page_text(response)


def test_no_likes_yet(client, photo):
    page = page_text(client.get(likers_url(photo)))

    assert listed_usernames(page) == []
    assert "No likes yet." in page


# --- Query count ----------------------------------------------------------------------------

# Session, user, photo, the viewer's like, the list's count and rows, who they follow.
MAX_QUERIES = 7


@pytest.mark.parametrize("count", [5, 30])
@pytest.mark.parametrize("viewer", ["stranger", "owner", "anonymous"])
def test_query_count_does_not_grow_with_the_likers(
    client, photo, count, viewer, request, django_assert_max_num_queries
):
    people = add_likers(photo, count)
    if viewer != "anonymous":
        person = request.getfixturevalue(viewer)
        for liker in people[::2]:
            FollowFactory(follower=person, followed=liker)
        client.force_login(person)

    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(likers_url(photo))

    assert len(listed_usernames(page_text(response))) == count


def test_query_count_is_the_same_for_a_few_and_many_likers(
    client, owner, stranger, django_assert_num_queries
):
    client.force_login(stranger)
    few, many = PhotoFactory(owner=owner), PhotoFactory(owner=owner)
    add_likers(few, 3, prefix="few")
    add_likers(many, 45, prefix="many")
    client.get(likers_url(few))  # warm the session and any per-process caches

    with CaptureQueriesContext(connection) as few_queries:
        client.get(likers_url(few))
    with django_assert_num_queries(len(few_queries)):
        client.get(likers_url(many))


def test_owner_history_query_count_does_not_grow(
    settings, owner_client, photo, django_assert_max_num_queries
):
    """Under twitter the owner's page adds the interaction history: two more queries."""
    settings.ENGAGEMENT_POLICY = "twitter"
    people = add_likers(photo, 40)
    for person in people[:20]:
        like_set(user=person, photo=photo, liked=False)

    with django_assert_max_num_queries(MAX_QUERIES + 2):
        response = owner_client.get(likers_url(photo))

    page = page_text(response)
    assert len(listed_usernames(page)) == 20
    assert page.count("withdrew their like") == 20


# --- A deleted photo ------------------------------------------------------------------------


@pytest.mark.parametrize("viewer", ["owner", "fan", "anonymous"])
def test_likers_of_a_deleted_photo_are_not_found(client, photo, fan, viewer, request):
    like_set(user=fan, photo=photo, liked=True)
    url = likers_url(photo)
    photo_delete(photo=photo)
    if viewer != "anonymous":
        client.force_login(request.getfixturevalue(viewer))

    assert client.get(url).status_code == 404


def test_likers_of_an_unknown_photo_are_not_found(client, db):
    assert client.get(reverse("likers", args=[999_999])).status_code == 404


def test_likers_of_a_deactivated_owners_photo_are_not_found(client, photo, owner, fan):
    like_set(user=fan, photo=photo, liked=True)
    owner.is_active = False
    owner.save()

    assert client.get(likers_url(photo)).status_code == 404


# --- Follow controls ------------------------------------------------------------------------


def test_each_liker_has_a_follow_button_for_a_logged_in_viewer(client, photo, stranger):
    people = add_likers(photo, 3)
    FollowFactory(follower=stranger, followed=people[1])
    client.force_login(stranger)

    page = page_text(client.get(likers_url(photo)))

    assert follow_forms(page) == ["liker02", "liker01", "liker00"]
    rows = page.split('<li class="person">')[1:]
    followed = {
        name: 'aria-pressed="true"' in row
        for name, row in zip(listed_usernames(page), rows, strict=True)
    }
    assert followed == {"liker02": False, "liker01": True, "liker00": False}


def test_no_follow_button_on_your_own_row(client, photo, fan):
    add_likers(photo, 2)
    like_set(user=fan, photo=photo, liked=True)
    client.force_login(fan)

    page = page_text(client.get(likers_url(photo)))

    assert listed_usernames(page) == ["fabio", "liker01", "liker00"]
    assert follow_forms(page) == ["liker01", "liker00"]


def test_anonymous_viewers_are_asked_to_log_in_to_follow(client, photo):
    add_likers(photo, 2)

    page = page_text(client.get(likers_url(photo)))

    assert follow_forms(page) == []
    assert page.count("Log in to follow") == 2


def test_with_public_likers_only_the_owner_reads_who_withdrew(
    client, settings, monkeypatch, photo, owner, fan, stranger
):
    """A preset where everyone sees the likers and owners see withdrawals: the list is
    public, the interaction history is still the owner's alone."""
    monkeypatch.setitem(
        PRESETS,
        "open_likers",
        replace(TWITTER, name="open_likers", likers_visible_to=Audience.EVERYONE),
    )
    settings.ENGAGEMENT_POLICY = "open_likers"
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=fan, photo=photo, liked=False)

    client.force_login(stranger)
    theirs = page_text(client.get(likers_url(photo)))
    client.force_login(owner)
    owners = page_text(client.get(likers_url(photo)))

    assert "Interaction history" not in theirs
    assert "withdrew their like" not in theirs
    assert "Interaction history" in owners
    assert "withdrew their like" in owners
