"""Which usernames (and emails) signup accepts. Usernames live in URLs as /@username/."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from accounts.models import User
from tests.pages import page_text

SIGNUP = reverse("account_signup")
RESERVED = "Username can not be used. Please use other username."
BAD_CHARACTERS = "Use letters, digits, underscores and single dots between them."


def sign_up(client, username: str, email: str = "newcomer@example.com"):
    return client.post(
        SIGNUP,
        {
            "email": email,
            "username": username,
            "password1": "a-long-enough-secret",
            "password2": "a-long-enough-secret",
        },
    )


@pytest.mark.parametrize("username", ["admin", "Admin", "ACCOUNTS", "static", "Settings"])
def test_reserved_username_is_rejected_with_a_message(client, db, username):
    response = sign_up(client, username)

    assert response.status_code == 200
    assert RESERVED in page_text(response)
    assert not User.objects.exists()
    assert mail.outbox == []


def test_username_taken_in_another_case_is_rejected(client, owner):
    response = sign_up(client, "OLIVIA")

    assert response.status_code == 200
    assert "A user with that username already exists." in page_text(response)
    assert list(User.objects.values_list("username", flat=True)) == ["olivia"]


@pytest.mark.parametrize("username", ["a b", "x/y", "..dots", "trailing.", "two..dots", "é_accent"])
def test_username_with_invalid_characters_is_rejected(client, db, username):
    response = sign_up(client, username)

    assert response.status_code == 200
    assert BAD_CHARACTERS in page_text(response)
    assert not User.objects.exists()


def test_username_with_single_dots_and_underscores_is_accepted_lower_cased(client, db):
    response = sign_up(client, "Nina.Novak_2")

    assert response.status_code == 302
    assert User.objects.get().username == "nina.novak_2"


@pytest.mark.parametrize("email", ["olivia@example.com", "OLIVIA@Example.com"])
def test_duplicate_email_creates_no_second_account(client, owner, email):
    # allauth prevents account enumeration: the form does not say the address is taken
    # (that would tell a stranger who has an account). The owner of the address is told
    # by email instead, and no second account appears.
    response = sign_up(client, "newcomer", email=email)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert list(User.objects.values_list("username", flat=True)) == ["olivia"]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["olivia@example.com"]
    assert "Account Already Exists" in mail.outbox[0].subject


def test_profile_opens_whatever_the_case_of_the_address(client, owner):
    response = client.get("/@OLIVIA/")

    assert response.status_code == 200
    assert "Olivia Owner" in page_text(response)


def test_a_username_differing_only_in_case_is_refused_everywhere(owner):
    """Admin forms and code that bypass allauth's lower-casing still cannot add "Olivia"."""
    twin = User(username="Olivia", email="twin@example.com")
    twin.set_unusable_password()

    with pytest.raises(ValidationError, match=r"That username is taken\."):
        twin.full_clean()
