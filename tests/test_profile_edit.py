"""Editing your profile: hostile avatar files are refused, good ones are cleaned and stored."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from PIL import Image

from accounts import services
from accounts.imaging import avatar_limits, square_avatar
from tests.images import (
    animated_gif,
    blank_png,
    decompression_bomb,
    image_bytes,
    jpeg_halves_with_gps_and_rotation,
    jpeg_with_gps_and_rotation,
    renamed_executable,
    truncated_jpeg,
    upload,
)
from tests.pages import page_text

URL = reverse("profile_edit")


def stored_avatars() -> set[str]:
    folder = Path(settings.MEDIA_ROOT) / "avatars"
    return {path.name for path in folder.iterdir()} if folder.exists() else set()


def profile_data(**overrides) -> dict:
    return {"display_name": "Olivia Owner", "bio": "", "timezone": "UTC", **overrides}


def give_avatar(user, colour="red"):
    avatar = square_avatar(
        upload(image_bytes(colour=colour)), avatar_limits(), side=settings.AVATAR_SIZE
    )
    return services.profile_update(
        user=user, display_name=user.display_name, bio=user.bio, timezone="UTC", avatar=avatar
    )


@pytest.fixture
def owner_with_avatar(owner):
    give_avatar(owner)
    assert owner.avatar
    return owner


# --- Files we refuse ------------------------------------------------------------------------

NOT_AN_IMAGE = "This file is not a JPEG, PNG, WebP or GIF image."

# Each file is made when its test runs (the bomb takes a moment to build).
BAD_AVATARS = [
    pytest.param(lambda: b"hello, I am a text file\n", "notes.png", NOT_AN_IMAGE, id="text"),
    pytest.param(renamed_executable, "holiday.jpg", NOT_AN_IMAGE, id="renamed-executable"),
    pytest.param(lambda: image_bytes("BMP"), "old.bmp", NOT_AN_IMAGE, id="format-not-allowed"),
    pytest.param(lambda: b"", "empty.png", "The submitted file is empty.", id="empty"),
    pytest.param(truncated_jpeg, "cut.jpg", "The image is damaged or incomplete.", id="truncated"),
    pytest.param(
        decompression_bomb, "bomb.png", "The image is far over the 40-megapixel limit.", id="bomb"
    ),
    pytest.param(
        lambda: blank_png((8000, 6000)),
        "huge.png",
        "The image is 48.0 megapixels; the limit is 40.",
        id="over-pixel-limit",
    ),
    pytest.param(
        lambda: animated_gif(501),
        "long.gif",
        "The animation has more than 500 frames.",
        id="too-many-frames",
    ),
]


@pytest.mark.parametrize(("make_file", "name", "message"), BAD_AVATARS)
def test_bad_avatar_is_rejected_with_a_message(
    owner_client, owner_with_avatar, make_file, name, message
):
    content = make_file()
    before = stored_avatars()
    avatar_before = owner_with_avatar.avatar.name

    response = owner_client.post(
        URL, profile_data(bio="Typed, not lost", avatar=upload(content, name=name))
    )

    assert response.status_code == 200
    page = page_text(response)
    assert message in page
    assert "Typed, not lost" in page, "what the person typed is shown again"
    owner_with_avatar.refresh_from_db()
    assert owner_with_avatar.avatar.name == avatar_before
    assert owner_with_avatar.avatar.storage.exists(avatar_before)
    assert owner_with_avatar.bio == "", "nothing is saved when the avatar is refused"
    assert stored_avatars() == before


def test_avatar_over_the_size_limit_is_rejected_with_a_message(settings, owner_client, owner):
    settings.AVATAR_MAX_BYTES = 100
    content = image_bytes("JPEG", size=(200, 200))
    assert len(content) > 100
    before = stored_avatars()

    response = owner_client.post(URL, profile_data(avatar=upload(content, name="big.jpg")))

    assert response.status_code == 200
    assert f"The file is larger than the {filesizeformat(100)} limit." in page_text(response)
    owner.refresh_from_db()
    assert not owner.avatar
    assert stored_avatars() == before


# --- What we store -----------------------------------------------------------------------


def test_stored_avatar_has_no_exif_or_gps(owner_client, owner):
    original = jpeg_with_gps_and_rotation()
    assert b"Exif" in original

    response = owner_client.post(URL, profile_data(avatar=upload(original, name="me.jpg")))

    assert response.status_code == 302
    owner.refresh_from_db()
    with owner.avatar.open() as stored:
        data = stored.read()
        stored.seek(0)
        with Image.open(stored) as avatar:
            assert avatar.format == "WEBP"
            assert avatar.size == (settings.AVATAR_SIZE, settings.AVATAR_SIZE)
            assert not avatar.getexif()
            assert "exif" not in avatar.info
    assert b"Exif" not in data


def test_avatar_is_turned_upright_from_its_exif_orientation(owner_client, owner):
    # Stored sideways: red on the left. Orientation 6 says "turn clockwise", so red is on top.
    response = owner_client.post(
        URL, profile_data(avatar=upload(jpeg_halves_with_gps_and_rotation(), name="me.jpg"))
    )

    assert response.status_code == 302
    owner.refresh_from_db()
    side = settings.AVATAR_SIZE
    with owner.avatar.open() as stored, Image.open(stored) as avatar:
        rgb = avatar.convert("RGB")
        top = rgb.getpixel((side // 2, side // 4))
        bottom = rgb.getpixel((side // 2, 3 * side // 4))
    assert top[0] > 200 and top[2] < 60, f"top should be red, got {top}"
    assert bottom[2] > 200 and bottom[0] < 60, f"bottom should be blue, got {bottom}"


# --- Replacing and removing --------------------------------------------------------------


def test_replacing_an_avatar_deletes_the_old_file_after_commit(
    owner_client, owner_with_avatar, django_capture_on_commit_callbacks
):
    old = owner_with_avatar.avatar.name
    storage = owner_with_avatar.avatar.storage

    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(URL, profile_data(avatar=upload(image_bytes(colour="blue"))))
    assert response.status_code == 302
    assert storage.exists(old), "the old file stays until the change has committed"

    for callback in callbacks:
        callback()

    owner_with_avatar.refresh_from_db()
    new = owner_with_avatar.avatar.name
    assert new and new != old
    assert storage.exists(new)
    assert not storage.exists(old)


def test_replacing_an_avatar_leaves_one_file(
    owner_client, owner_with_avatar, django_capture_on_commit_callbacks
):
    old = Path(owner_with_avatar.avatar.name).name
    before = stored_avatars()

    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(URL, profile_data(avatar=upload(image_bytes(colour="blue"))))

    owner_with_avatar.refresh_from_db()
    after = stored_avatars()
    assert before - after == {old}
    assert after - before == {Path(owner_with_avatar.avatar.name).name}


def test_remove_avatar_clears_it_and_deletes_the_file(
    owner_client, owner_with_avatar, django_capture_on_commit_callbacks
):
    old = owner_with_avatar.avatar.name
    storage = owner_with_avatar.avatar.storage
    assert "Remove my avatar" in owner_client.get(URL).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(URL, profile_data(remove_avatar="on"))

    assert response.status_code == 302
    owner_with_avatar.refresh_from_db()
    assert not owner_with_avatar.avatar
    assert not storage.exists(old)


def test_failed_profile_update_removes_the_new_file_and_keeps_the_old(owner_with_avatar):
    old = owner_with_avatar.avatar.name
    storage = owner_with_avatar.avatar.storage
    before = stored_avatars()
    avatar = square_avatar(
        upload(image_bytes(colour="blue")), avatar_limits(), side=settings.AVATAR_SIZE
    )

    with pytest.raises(ValidationError):
        services.profile_update(
            user=owner_with_avatar,
            display_name="Olivia",
            bio="",
            timezone="Mars/Olympus_Mons",
            avatar=avatar,
        )

    assert stored_avatars() == before
    assert storage.exists(old)
    owner_with_avatar.refresh_from_db()
    assert owner_with_avatar.avatar.name == old


# --- Other fields ------------------------------------------------------------------------


def test_bio_over_300_characters_is_rejected_with_a_message(owner_client, owner):
    response = owner_client.post(URL, profile_data(bio="x" * 301))

    assert response.status_code == 200
    assert "Ensure this value has at most 300 characters (it has 301)." in page_text(response)
    owner.refresh_from_db()
    assert owner.bio == ""


def test_bio_of_exactly_300_characters_is_saved(owner_client, owner):
    response = owner_client.post(URL, profile_data(bio="x" * 300))

    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.bio == "x" * 300


def test_invalid_time_zone_is_rejected_with_a_message(owner_client, owner):
    response = owner_client.post(URL, profile_data(timezone="Mars/Olympus_Mons"))

    assert response.status_code == 200
    assert "Select a valid choice. Mars/Olympus_Mons is not one of the available choices." in (
        page_text(response)
    )
    owner.refresh_from_db()
    assert owner.timezone == "UTC"
