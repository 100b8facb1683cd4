"""The admin has no login of its own: allauth's login, with two-factor and rate limits."""

import time

import pytest
from allauth.mfa import app_settings as mfa_settings
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.urls import reverse

from tests.factories import PASSWORD

ADMIN = "/admin/"


def current_code(secret: str) -> str:
    counter = int(time.time()) // mfa_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))


@pytest.fixture
def admin_secret(admin_user) -> str:
    secret = generate_totp_secret()
    TOTP.activate(admin_user, secret)
    return secret


def log_in(client, login: str, password: str):
    return client.post(
        f"{reverse('account_login')}?next={ADMIN}", {"login": login, "password": password}
    )


def test_admin_login_page_sends_people_to_the_site_login(client, db):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response.url == f"{reverse('account_login')}?next=%2Fadmin%2F"


def test_posting_a_password_to_the_admin_login_does_not_log_in(client, admin_user):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": admin_user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))
    assert "_auth_user_id" not in client.session


def test_staff_with_two_factor_needs_the_code_before_the_admin_opens(
    client, admin_user, admin_secret
):
    response = log_in(client, admin_user.username, PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("mfa_authenticate")
    # The password alone has not logged anyone in.
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN).status_code == 302

    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert wrong.status_code == 200
    assert "Incorrect code" in wrong.content.decode()

    response = client.post(reverse("mfa_authenticate"), {"code": current_code(admin_secret)})
    assert response.status_code == 302
    assert response.url == ADMIN
    page = client.get(ADMIN)
    assert page.status_code == 200
    assert "Site administration" in page.content.decode()


def test_staff_without_two_factor_reaches_the_admin_through_the_site_login(client, admin_user):
    response = log_in(client, admin_user.username, PASSWORD)
    assert response.url == ADMIN
    assert client.get(ADMIN).status_code == 200


def test_member_who_is_not_staff_is_refused_by_the_admin(client, owner):
    log_in(client, owner.username, PASSWORD)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_repeated_wrong_passwords_lock_out_even_the_right_one(client, admin_user):
    for _attempt in range(5):
        response = log_in(client, admin_user.username, "not-the-password")
        assert response.status_code == 200
    response = log_in(client, admin_user.username, PASSWORD)
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get(ADMIN).status_code == 302


def test_a_flood_of_login_attempts_is_answered_429(client, admin_user):
    statuses = [log_in(client, f"guess{n}", "guess").status_code for n in range(40)]
    assert statuses[0] == 200
    assert statuses[-1] == 429
    response = log_in(client, admin_user.username, PASSWORD)
    assert response.status_code == 429
    assert "Slow down" in response.content.decode()
    assert client.get(ADMIN).status_code == 302
