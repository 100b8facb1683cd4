"""Who may open which page. One test per view, healthchecks-style."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from tests.pages import LOGIN, assert_redirects_to_login, heading, page_text

# --- Public pages --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("home", "Share photos. Like honestly."),
        ("explore", "Explore"),
        ("account_login", "Log in"),
        ("account_signup", "Sign up"),
    ],
)
def test_public_pages_open_to_everyone(client, db, name, title):
    response = client.get(reverse(name))

    assert response.status_code == 200
    assert heading(response) == title


def test_home_opens_for_members_on_their_feed(owner_client):
    response = owner_client.get(reverse("home"))

    assert response.status_code == 200
    assert heading(response) == "Your feed"


def test_explore_opens_for_members(owner_client):
    response = owner_client.get(reverse("explore"))

    assert response.status_code == 200
    assert heading(response) == "Explore"


def test_choosing_the_feed_order_needs_a_login_and_a_post(owner_client):
    assert_redirects_to_login(Client().post(reverse("feed_order"), {"order": "ranked"}))
    assert owner_client.get(reverse("feed_order")).status_code == 405
    assert owner_client.post(reverse("feed_order"), {"order": "ranked"}).status_code == 302


@pytest.mark.parametrize("name", ["account_login", "account_signup"])
def test_logging_in_or_signing_up_again_goes_home(owner_client, name):
    response = owner_client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


# name -> the heading a visitor reads on Olivia's page
PROFILE_PAGES = {
    "profile": "Olivia Owner",
    "followers": "People following Olivia Owner",
    "following": "People Olivia Owner follows",
}


@pytest.mark.parametrize("name", list(PROFILE_PAGES))
def test_profile_pages_are_public_and_read_only(client, owner, name):
    response = client.get(reverse(name, args=[owner.username]))

    assert response.status_code == 200
    page = page_text(response)
    assert re.search(r"<h1[^>]*>\s*(.*?)\s*</h1>", page, re.DOTALL).group(1) == PROFILE_PAGES[name]
    assert 'name="following"' not in page, "no follow button for a visitor"


def test_a_visitor_is_asked_to_log_in_to_follow(client, owner):
    page = page_text(client.get(owner.get_absolute_url()))

    assert "Log in to follow" in page


@pytest.mark.parametrize("name", ["profile", "followers", "following"])
def test_profile_pages_404_for_unknown_and_deactivated_people(client, db, name):
    assert client.get(reverse(name, args=["nobody"])).status_code == 404
    gone = UserFactory(username="gone", is_active=False)
    assert client.get(reverse(name, args=[gone.username])).status_code == 404


def test_profile_url_is_case_insensitive(client, owner):
    response = client.get("/@OLIVIA/")

    assert response.status_code == 200
    assert heading(response) == "Olivia Owner"


# --- Pages that need a login --------------------------------------------------------------


def test_profile_edit_needs_login(client, owner):
    assert_redirects_to_login(client.get(reverse("profile_edit")))
    client.force_login(owner)
    response = client.get(reverse("profile_edit"))
    assert response.status_code == 200
    assert heading(response) == "Edit profile"
    assert 'value="Olivia Owner"' in page_text(response), "the form holds their own profile"


def test_profile_edit_only_ever_edits_your_own_profile(client, owner, stranger):
    client.force_login(stranger)
    client.post(
        reverse("profile_edit"),
        {"display_name": "Hacked", "bio": "", "timezone": "UTC", "username": owner.username},
    )
    owner.refresh_from_db()
    stranger.refresh_from_db()
    assert owner.display_name == "Olivia Owner"
    assert stranger.display_name == "Hacked"


def test_owner_sees_edit_link_not_follow_button_on_own_profile(owner_client, owner):
    page = owner_client.get(owner.get_absolute_url()).content.decode()
    assert reverse("profile_edit") in page
    assert reverse("follow", args=[owner.username]) not in page


def test_follow_needs_login_and_post(client, owner, fan):
    url = reverse("follow", args=[owner.username])
    assert_redirects_to_login(client.post(url, {"following": "1"}))
    client.force_login(fan)
    response = client.get(url)
    assert response.status_code == 405
    assert b"be used that way" in response.content


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("account_email", "Email Addresses"),
        ("account_change_password", "Change Password"),
        ("mfa_index", "Two-Factor Authentication"),
        ("mfa_activate_totp", "Activate Authenticator App"),
    ],
)
def test_account_security_pages_need_login(client, owner, name, title):
    assert_redirects_to_login(client.get(reverse(name)))
    # A real login (not force_login) so allauth counts it as a recent authentication.
    client.post(LOGIN, {"login": owner.username, "password": PASSWORD})
    client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert heading(response) == title


# --- Admin --------------------------------------------------------------------------------

ADMIN_PAGES = [
    "admin:index",
    "admin:accounts_user_changelist",
    "admin:accounts_follow_changelist",
    "admin:auth_group_changelist",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_admin_is_staff_only(client, fan, moderator, admin_user, name):
    url = reverse(name)
    assert client.get(url).status_code == 302
    for person in (fan, moderator):
        client.force_login(person)
        assert client.get(url).status_code == 302, f"{person} must not reach {name}"
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_admin_user_list_searches_and_filters(client, admin_user, owner, fan):
    client.force_login(admin_user)
    url = reverse("admin:accounts_user_changelist")
    page = client.get(url, {"q": "olivia"}).content.decode()
    assert "olivia" in page
    assert "fabio" not in page
    assert client.get(url, {"is_staff__exact": "1"}).status_code == 200
    assert client.get(url, {"o": "5"}).status_code == 200  # sort by follower count
