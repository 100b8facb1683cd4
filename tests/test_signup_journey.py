"""The first minutes of a new member, as a spec: sign up, confirm, log in, set up, follow."""

import re

from django.core import mail
from django.urls import reverse
from PIL import Image

from accounts.models import Follow, User
from tests.images import image_bytes, upload


def confirmation_link(message) -> str:
    return re.search(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)", message.body).group(1)


def test_new_member_signs_up_confirms_logs_in_edits_profile_and_follows(client, owner):
    # Sign up: nothing is usable until the address is confirmed.
    response = client.post(
        reverse("account_signup"),
        {
            "email": "nina@example.com",
            "username": "Nina",
            "password1": "a-long-enough-secret",
            "password2": "a-long-enough-secret",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    nina = User.objects.get(email="nina@example.com")
    assert nina.username == "nina", "usernames are stored lower-case"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["nina@example.com"]

    # Confirm the address from the emailed link, then log out to log in for real.
    link = confirmation_link(mail.outbox[0])
    assert client.get(link).status_code == 200
    response = client.post(link)
    assert response.status_code == 302
    assert nina.emailaddress_set.get().verified
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session

    response = client.post(
        reverse("account_login"), {"login": "nina", "password": "a-long-enough-secret"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(nina.pk)

    # Edit the profile with an avatar.
    response = client.post(
        reverse("profile_edit"),
        {
            "display_name": "Nina Novak",
            "bio": "Hello!",
            "timezone": "Europe/Ljubljana",
            "avatar": upload(image_bytes("PNG", size=(500, 300))),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/@nina/"
    nina.refresh_from_db()
    assert nina.display_name == "Nina Novak"
    assert nina.timezone == "Europe/Ljubljana"
    with nina.avatar.open() as stored, Image.open(stored) as avatar:
        assert avatar.format == "WEBP"
        assert avatar.size == (320, 320)
    page = client.get("/@nina/").content.decode()
    assert "Nina Novak" in page
    assert nina.avatar.url in page

    # Follow someone, then unfollow.
    follow_url = reverse("follow", args=[owner.username])
    response = client.post(follow_url, {"following": "1"})
    assert response.status_code == 302
    assert Follow.objects.filter(follower=nina, followed=owner).exists()
    profile = client.get(owner.get_absolute_url()).content.decode()
    assert re.search(r">1</strong> <span[^>]*>follower</span>", profile)

    client.post(follow_url, {"following": "0"})
    assert not Follow.objects.filter(follower=nina, followed=owner).exists()
    profile = client.get(owner.get_absolute_url()).content.decode()
    assert re.search(r">0</strong> <span[^>]*>followers</span>", profile)


def test_unconfirmed_member_cannot_log_in(client, db):
    client.post(
        reverse("account_signup"),
        {
            "email": "zed@example.com",
            "username": "zed",
            "password1": "a-long-enough-secret",
            "password2": "a-long-enough-secret",
        },
    )
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": "zed", "password": "a-long-enough-secret"}
    )
    assert "_auth_user_id" not in client.session
    assert response["Location"] == reverse("account_email_verification_sent")
