"""Each person may upload only so many images (photos and avatars together) per minute and
per day; over that, 429 before anything is decoded, and nothing is saved."""

import html
from pathlib import Path

import pytest
from django.urls import reverse

from photos.models import Photo
from tests.images import image_bytes, upload


@pytest.fixture(autouse=True)
def limits(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMAGE_UPLOADS_PER_MINUTE = 2
    settings.IMAGE_UPLOADS_PER_DAY = 3


def post_photo(client):
    data = {"image": upload(image_bytes("PNG")), "alt_text": "A red square"}
    return client.post(reverse("photo_upload"), data)


def post_profile(client, **extra):
    data = {"display_name": "Olivia", "bio": "Changed", "timezone": "UTC", **extra}
    return client.post(reverse("profile_edit"), data)


def stored_files(root) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def test_uploads_over_the_minute_limit_are_refused_and_nothing_is_saved(owner_client, settings):
    assert post_photo(owner_client).status_code == 302
    assert post_photo(owner_client).status_code == 302
    files_before = stored_files(settings.MEDIA_ROOT)

    response = post_photo(owner_client)

    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    assert "You're uploading images very fast. Nothing was saved" in html.unescape(
        response.content.decode()
    )
    assert Photo.objects.count() == 2
    assert stored_files(settings.MEDIA_ROOT) == files_before


def test_avatars_share_the_limit_with_photos(owner_client, owner):
    post_photo(owner_client)
    post_photo(owner_client)

    response = post_profile(owner_client, avatar=upload(image_bytes("PNG")))

    assert response.status_code == 429
    owner.refresh_from_db()
    assert not owner.avatar
    assert owner.bio == ""


def test_profile_edits_without_an_image_do_not_count(owner_client, owner):
    for _edit in range(5):
        assert post_profile(owner_client).status_code == 302
    assert post_photo(owner_client).status_code == 302


def test_the_daily_limit_says_so(owner_client, settings):
    settings.IMAGE_UPLOADS_PER_MINUTE = 100
    for _upload in range(3):
        assert post_photo(owner_client).status_code == 302

    response = post_photo(owner_client)

    assert response.status_code == 429
    page = html.unescape(response.content.decode())
    assert "You've reached today's limit of 3 image uploads. Nothing was saved." in page
    assert Photo.objects.count() == 3


def test_one_persons_uploads_do_not_limit_another(owner_client, client, fan):
    post_photo(owner_client)
    post_photo(owner_client)
    client.force_login(fan)
    assert post_photo(client).status_code == 302
