"""Following: idempotent writes, after-commit signals, the HTMX control and the people lists."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Follow, User
from accounts.selectors import people_to_discover
from accounts.services import follow_set
from accounts.signals import user_followed, user_unfollowed
from tests.factories import FollowFactory, UserFactory
from tests.pages import page_text
from tests.signals import signals_heard


@pytest.fixture
def heard():
    """Every follow signal received, as (event, sender, kwargs)."""
    with signals_heard(followed=user_followed, unfollowed=user_unfollowed) as events:
        yield events


def follows(heard) -> list[tuple[str, User, User]]:
    return [(event, kwargs["follower"], kwargs["followed"]) for event, _sender, kwargs in heard]


# --- The service ---------------------------------------------------------------------------


def test_following_twice_makes_one_follow_row(fan, owner):
    assert follow_set(follower=fan, followed=owner, following=True) is True
    assert follow_set(follower=fan, followed=owner, following=True) is False
    assert Follow.objects.filter(follower=fan, followed=owner).count() == 1


def test_unfollowing_twice_is_harmless(fan, owner):
    assert follow_set(follower=fan, followed=owner, following=False) is False
    follow_set(follower=fan, followed=owner, following=True)
    assert follow_set(follower=fan, followed=owner, following=False) is True
    assert follow_set(follower=fan, followed=owner, following=False) is False
    assert not Follow.objects.exists()


def test_following_yourself_is_refused_by_the_service(owner):
    with pytest.raises(ValidationError) as error:
        follow_set(follower=owner, followed=owner, following=True)
    assert error.value.code == "follow_self"
    assert not Follow.objects.exists()


def test_unfollowing_one_person_leaves_other_follows_alone(fan, owner, stranger):
    follow_set(follower=fan, followed=owner, following=True)
    follow_set(follower=fan, followed=stranger, following=True)
    follow_set(follower=stranger, followed=owner, following=True)

    follow_set(follower=fan, followed=owner, following=False)

    assert set(Follow.objects.values_list("follower__username", "followed__username")) == {
        ("fabio", "sam"),
        ("sam", "olivia"),
    }


# --- Signals ----------------------------------------------------------------------------


def test_follow_signal_is_sent_after_commit_once_per_real_change(
    fan, owner, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        follow_set(follower=fan, followed=owner, following=True)
        follow_set(follower=fan, followed=owner, following=True)
        assert heard == [], "nothing is announced before the commit"

    assert len(callbacks) == 1
    for callback in callbacks:
        callback()
    assert follows(heard) == [("followed", fan, owner)]


def test_unfollow_signal_is_sent_once_and_in_order(
    fan, owner, heard, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        follow_set(follower=fan, followed=owner, following=True)
        follow_set(follower=fan, followed=owner, following=False)
        follow_set(follower=fan, followed=owner, following=False)

    assert follows(heard) == [("followed", fan, owner), ("unfollowed", fan, owner)]


def test_no_signal_for_a_change_that_changes_nothing(
    fan, owner, heard, django_capture_on_commit_callbacks
):
    FollowFactory(follower=fan, followed=owner)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        follow_set(follower=fan, followed=owner, following=True)
        follow_set(follower=owner, followed=fan, following=False)

    assert callbacks == []
    assert heard == []


def test_no_signal_when_the_transaction_rolls_back(
    fan, owner, heard, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        follow_set(follower=fan, followed=owner, following=True)
        raise RuntimeError("something later in the same request failed")

    assert callbacks == []
    assert heard == []
    assert not Follow.objects.exists()


def test_follow_view_sends_one_signal_for_two_identical_requests(
    fan_client, fan, owner, heard, django_capture_on_commit_callbacks
):
    url = reverse("follow", args=[owner.username])
    with django_capture_on_commit_callbacks(execute=True):
        fan_client.post(url, {"following": "1"})
        fan_client.post(url, {"following": "1"})

    assert follows(heard) == [("followed", fan, owner)]


# --- The follow view --------------------------------------------------------------------


def test_following_yourself_with_a_plain_form_redirects_with_a_message(owner_client, owner):
    response = owner_client.post(
        reverse("follow", args=[owner.username]), {"following": "1"}, follow=True
    )

    assert response.redirect_chain == [(owner.get_absolute_url(), 302)]
    assert response.status_code == 200
    assert "You can't follow yourself." in page_text(response)
    assert not Follow.objects.exists()


def test_following_yourself_with_htmx_gets_a_400_fragment(owner_client, owner, htmx_headers):
    response = owner_client.post(
        reverse("follow", args=[owner.username]), {"following": "1"}, headers=htmx_headers
    )

    assert response.status_code == 400
    page = page_text(response)
    assert "error-message" in page
    assert "You can't follow yourself." in page
    assert "<html" not in page
    assert not Follow.objects.exists()


@pytest.mark.parametrize("value", ["", "yes", "2", "true"])
def test_unclear_follow_request_is_a_400_for_htmx(fan_client, owner, htmx_headers, value):
    response = fan_client.post(
        reverse("follow", args=[owner.username]), {"following": value}, headers=htmx_headers
    )

    assert response.status_code == 400
    page = page_text(response)
    assert "error-message" in page
    assert "Choose to follow or to unfollow." in page
    assert not Follow.objects.exists()


def test_unclear_follow_request_without_htmx_redirects_with_a_message(fan_client, owner):
    response = fan_client.post(reverse("follow", args=[owner.username]), {}, follow=True)

    assert response.redirect_chain == [(owner.get_absolute_url(), 302)]
    assert "Choose to follow or to unfollow." in page_text(response)
    assert not Follow.objects.exists()


def test_htmx_follow_returns_just_the_control_and_the_new_count(
    fan_client, fan, owner, htmx_headers
):
    FollowFactory(follower=UserFactory(), followed=owner)

    response = fan_client.post(
        reverse("follow", args=[owner.username]), {"following": "1"}, headers=htmx_headers
    )

    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    page = response.content.decode()
    assert "<html" not in page
    assert page.count("<form") == 1
    assert 'class="follow-control"' in page
    assert 'name="following" value="0"' in page, "the button now offers to unfollow"
    assert f'<strong id="follower-count-{owner.pk}" hx-swap-oob="true">2</strong>' in page
    assert Follow.objects.filter(follower=fan, followed=owner).exists()


def test_htmx_unfollow_offers_to_follow_again(fan_client, fan, owner, htmx_headers):
    FollowFactory(follower=fan, followed=owner)

    response = fan_client.post(
        reverse("follow", args=[owner.username]), {"following": "0"}, headers=htmx_headers
    )

    page = response.content.decode()
    assert 'name="following" value="1"' in page
    assert f'<strong id="follower-count-{owner.pk}" hx-swap-oob="true">0</strong>' in page


def test_plain_follow_response_also_varies_on_hx_request(fan_client, owner):
    response = fan_client.post(reverse("follow", args=[owner.username]), {"following": "1"})

    assert response.status_code == 302
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http://evil.example/@olivia/"]
)
def test_next_pointing_to_another_site_is_ignored(fan_client, owner, htmx_headers, target):
    url = reverse("follow", args=[owner.username])

    response = fan_client.post(url, {"following": "1", "next": target})
    assert response.status_code == 302
    assert response["Location"] == owner.get_absolute_url()

    response = fan_client.post(url, {"following": "0", "next": target}, headers=htmx_headers)
    assert "evil.example" not in response.content.decode()
    assert f'name="next" value="{owner.get_absolute_url()}"' in response.content.decode()


def test_next_on_this_site_is_followed(fan_client, owner):
    response = fan_client.post(
        reverse("follow", args=[owner.username]), {"following": "1", "next": "/?from=list"}
    )

    assert response["Location"] == "/?from=list"


# --- Followers and following pages -------------------------------------------------------

# session, viewer, person, count, the page of people, which of them the viewer follows
PEOPLE_PAGE_MAX_QUERIES = 6


def add_followers(person, count: int) -> list:
    """``count`` followers of ``person``, newest first, each a minute apart."""
    now = timezone.now()
    followers = []
    for index in range(count):
        follow = FollowFactory(followed=person)
        Follow.objects.filter(pk=follow.pk).update(created=now - timedelta(minutes=index))
        followers.append(follow.follower)
    return followers


def add_followed(person, count: int) -> None:
    for follow in FollowFactory.create_batch(count, follower=person):
        follow.followed.avatar = f"avatars/{follow.followed.username}.webp"
        follow.followed.save(update_fields=["avatar"])


@pytest.mark.parametrize("size", [5, 25])
def test_followers_page_query_count_does_not_grow_with_page_size(
    fan_client, fan, owner, django_assert_max_num_queries, size
):
    followers = add_followers(owner, size)
    FollowFactory(follower=fan, followed=followers[0])
    url = reverse("followers", args=[owner.username])

    with django_assert_max_num_queries(PEOPLE_PAGE_MAX_QUERIES):
        response = fan_client.get(url)

    assert response.status_code == 200
    page = response.content.decode()
    assert all(f"@{person.username}<" in page for person in followers)


@pytest.mark.parametrize("size", [5, 25])
def test_following_page_query_count_does_not_grow_with_page_size(
    client, fan, owner, django_assert_max_num_queries, size
):
    add_followed(owner, size)
    client.force_login(fan)
    url = reverse("following", args=[owner.username])

    with django_assert_max_num_queries(PEOPLE_PAGE_MAX_QUERIES):
        response = client.get(url)

    assert response.status_code == 200
    assert response.content.decode().count('class="person"') == size


def test_followers_list_marks_the_people_you_already_follow(fan_client, fan, owner):
    followed, other = add_followers(owner, 2)
    FollowFactory(follower=fan, followed=followed)

    page = fan_client.get(reverse("followers", args=[owner.username])).content.decode()

    assert f'action="/@{followed.username}/follow/"' in page
    followed_row = page.split(f"@{followed.username}<")[1].split("</li>")[0]
    other_row = page.split(f"@{other.username}<")[1].split("</li>")[0]
    assert 'aria-pressed="true"' in followed_row
    assert 'aria-pressed="false"' in other_row


def test_followers_beyond_thirty_are_on_page_two(client, owner):
    followers = add_followers(owner, 31)
    url = reverse("followers", args=[owner.username])

    first = client.get(url).content.decode()
    assert first.count('class="person"') == 30
    assert 'href="?page=2"' in first
    assert "Page 1 of 2" in first
    assert f"@{followers[-1].username}<" not in first

    second = client.get(url, {"page": 2}).content.decode()
    assert second.count('class="person"') == 1
    assert f"@{followers[-1].username}<" in second, "the oldest follower comes last"
    assert "Page 2 of 2" in second
    assert 'href="?page=1"' in second


# Not a number: the first page; a number out of range: the last page (Paginator.get_page).
@pytest.mark.parametrize(
    ("value", "shown", "people"),
    [("abc", 1, 30), ("1.5", 1, 30), ("", 1, 30), ("0", 2, 1), ("-1", 2, 1), ("999", 2, 1)],
)
def test_odd_page_numbers_still_show_a_page(client, owner, value, shown, people):
    add_followers(owner, 31)

    response = client.get(reverse("followers", args=[owner.username]), {"page": value})

    assert response.status_code == 200
    page = response.content.decode()
    assert f"Page {shown} of 2" in page
    assert page.count('class="person"') == people


def test_home_suggests_newest_members_not_followed_yet_and_never_staff(
    fan_client, fan, owner, stranger, admin_user
):
    newest = UserFactory(username="newbie")
    gone = UserFactory(username="gone", is_active=False)
    FollowFactory(follower=fan, followed=owner)
    now = timezone.now()
    for age, person in enumerate([gone, newest, admin_user, stranger, owner]):
        User.objects.filter(pk=person.pk).update(date_joined=now - timedelta(days=age))

    suggested = [person.username for person in people_to_discover(fan)]
    page = fan_client.get(reverse("home")).content.decode()

    assert suggested == ["newbie", "sam"]
    assert "@newbie" in page and "@sam" in page
    assert "@ada" not in page


def test_follow_counts_move_with_follows_and_check_integrity_recounts_them(owner, fan, stranger):
    follow_set(follower=fan, followed=owner, following=True)
    follow_set(follower=stranger, followed=owner, following=True)
    follow_set(follower=stranger, followed=owner, following=True)  # a repeat changes nothing
    follow_set(follower=fan, followed=owner, following=False)
    owner.refresh_from_db()
    stranger.refresh_from_db()
    assert (owner.follower_count, stranger.following_count) == (1, 1)

    User.objects.filter(pk=owner.pk).update(follower_count=40)
    out = StringIO()
    call_command("check_integrity", "--repair", stdout=out)

    assert "[follow_counts] repaired: @olivia shows 40 followers of 1" in out.getvalue()
    owner.refresh_from_db()
    assert owner.follower_count == 1
