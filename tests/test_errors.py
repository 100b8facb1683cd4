"""Friendly error pages (toasts for HTMX), CSRF, rate limits and the Content-Security-Policy."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Follow, User
from tests.pages import page_text


def assert_full_page(response, status: int, title: str):
    assert response.status_code == status
    page = page_text(response)
    assert "<html" in page
    assert f"<h1>{title}</h1>" in page
    assert f'data-status="{status}"' in page


def assert_fragment(response, status: int, title: str):
    assert response.status_code == status
    page = page_text(response)
    assert "<html" not in page
    assert "error-message" in page
    assert f"<h1>{title}</h1>" in page


# --- 404 and 405 --------------------------------------------------------------------------


def test_unknown_url_gives_the_friendly_404_page(client, db):
    response = client.get("/no/such/page/")

    assert_full_page(response, 404, "Not found")
    assert "The page or photo you were looking for isn't here." in page_text(response)


def test_unknown_url_with_htmx_gives_only_the_message(client, db, htmx_headers):
    assert_fragment(client.get("/no/such/page/", headers=htmx_headers), 404, "Not found")


def test_following_someone_who_does_not_exist_is_a_404_toast(fan_client, htmx_headers):
    response = fan_client.post(
        reverse("follow", args=["nobody"]), {"following": "1"}, headers=htmx_headers
    )

    assert_fragment(response, 404, "Not found")


def test_wrong_method_gives_the_friendly_405_page_with_allow(fan_client, owner):
    response = fan_client.get(reverse("follow", args=[owner.username]))

    assert_full_page(response, 405, "That didn't work")
    assert response["Allow"] == "POST"


def test_wrong_method_with_htmx_gives_only_the_message(fan_client, owner, htmx_headers):
    response = fan_client.delete(reverse("follow", args=[owner.username]), headers=htmx_headers)

    assert_fragment(response, 405, "That didn't work")
    assert response["Allow"] == "POST"


# --- CSRF ---------------------------------------------------------------------------------


@pytest.fixture
def csrf_client(fan):
    client = Client(enforce_csrf_checks=True)
    client.force_login(fan)
    return client


def test_post_without_csrf_token_is_refused_with_a_friendly_403(csrf_client, owner):
    response = csrf_client.post(reverse("follow", args=[owner.username]), {"following": "1"})

    assert_full_page(response, 403, "You can't do that")
    assert "Your session expired or the form was stale." in page_text(response)
    assert not Follow.objects.exists()


def test_htmx_post_without_csrf_token_gets_a_403_toast(csrf_client, owner, htmx_headers):
    response = csrf_client.post(
        reverse("follow", args=[owner.username]), {"following": "1"}, headers=htmx_headers
    )

    assert_fragment(response, 403, "You can't do that")
    assert not Follow.objects.exists()


def test_post_with_the_pages_csrf_token_is_accepted(csrf_client, owner):
    page = csrf_client.get(owner.get_absolute_url()).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = csrf_client.post(
        reverse("follow", args=[owner.username]),
        {"following": "1", "csrfmiddlewaretoken": token},
    )

    assert response.status_code == 302
    assert Follow.objects.filter(followed=owner).exists()


# --- Content-Security-Policy -------------------------------------------------------------


def script_nonce(response) -> str | None:
    directives = {}
    for part in response["Content-Security-Policy"].split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value
    assert "'unsafe-inline'" not in directives["script-src"]
    match = re.search(r"'nonce-([^']+)'", directives["script-src"])
    return match.group(1) if match else None


PAGES = [
    pytest.param(lambda person: reverse("home"), False, id="home"),
    pytest.param(lambda person: reverse("account_login"), False, id="login"),
    pytest.param(lambda person: reverse("account_signup"), False, id="signup"),
    pytest.param(lambda person: person.get_absolute_url(), False, id="profile"),
    pytest.param(lambda person: reverse("followers", args=[person.username]), False, id="list"),
    pytest.param(lambda person: reverse("profile_edit"), True, id="profile-edit"),
    pytest.param(lambda person: "/no/such/page/", False, id="404"),
    pytest.param(lambda person: reverse("follow", args=[person.username]), True, id="405"),
]


@pytest.mark.parametrize(("url", "logged_in"), PAGES)
def test_every_page_has_a_csp_whose_nonce_matches_its_scripts(client, owner, url, logged_in):
    if logged_in:
        client.force_login(owner)

    response = client.get(url(owner))

    assert response["Content-Type"].startswith("text/html")
    nonce = script_nonce(response)
    assert nonce
    scripts = re.findall(r"<script\b[^>]*>", response.content.decode())
    assert scripts
    for tag in scripts:
        assert re.search(rf'\snonce="{re.escape(nonce)}"', tag), tag


def test_each_response_gets_a_fresh_nonce(client, db):
    assert script_nonce(client.get("/")) != script_nonce(client.get("/"))


def test_htmx_fragments_carry_the_csp_too(fan_client, owner, htmx_headers):
    url = reverse("follow", args=[owner.username])
    for data in ({"following": "1"}, {"following": "maybe"}):
        response = fan_client.post(url, data, headers=htmx_headers)
        assert "script-src 'self'" in response["Content-Security-Policy"]
        assert "<script" not in response.content.decode()


# --- Rate limit ---------------------------------------------------------------------------


def sign_up(client, number: int, ip: str = "127.0.0.1"):
    return client.post(
        reverse("account_signup"),
        {
            "email": f"member{number}@example.com",
            "username": f"member{number}",
            "password1": "a-long-enough-secret",
            "password2": "a-long-enough-secret",
        },
        REMOTE_ADDR=ip,
    )


def test_the_21st_signup_in_a_minute_from_one_address_is_told_to_slow_down(client, db):
    for number in range(20):
        assert sign_up(client, number).status_code == 302

    response = sign_up(client, 20)

    assert_full_page(response, 429, "Slow down")
    assert "You're doing that too often." in page_text(response)
    assert User.objects.count() == 20
    assert sign_up(client, 21, ip="10.0.0.2").status_code == 302, "other addresses still can"


# --- 500 ----------------------------------------------------------------------------------


@pytest.fixture
def broken_site(settings):
    settings.ROOT_URLCONF = "tests.error_urls"
    return Client(raise_request_exception=False)


def test_a_crashing_view_gives_the_friendly_500_page(broken_site, caplog):
    response = broken_site.get("/broken/")

    assert_full_page(response, 500, "Something went wrong on our side")
    assert "RuntimeError" not in page_text(response)
    assert "Content-Security-Policy" in response
    assert any(record.exc_info for record in caplog.records), "the error is logged"


def test_a_crashing_view_gives_htmx_only_the_message(broken_site, htmx_headers):
    response = broken_site.get("/broken/", headers=htmx_headers)

    assert_fragment(response, 500, "Something went wrong on our side")
