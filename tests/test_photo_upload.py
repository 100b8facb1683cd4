"""Posting a photo: good images become clean WebP renditions; bad ones leave no trace."""

import io
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image

from photos import services
from photos.models import Photo
from photos.renditions import decode_upload
from tests.images import (
    animated_gif,
    blank_png,
    decompression_bomb,
    image_bytes,
    jpeg_halves_with_gps_and_rotation,
    jpeg_with_gps,
    jpeg_with_gps_and_rotation,
    noise_png,
    renamed_executable,
    truncated_jpeg,
    upload,
    webp_chunks,
)
from tests.pages import LOGIN

UPLOAD = reverse("photo_upload")


@pytest.fixture(scope="module")
def big_jpeg() -> bytes:
    """3000x2000 with GPS in its EXIF: large enough for every rendition size."""
    return jpeg_with_gps(size=(3000, 2000), colour="orange")


def stored_files(root: Path) -> list[Path]:
    return sorted(path for path in Path(root).rglob("*") if path.is_file())


def post_photo(
    client, content: bytes, name="picture.png", content_type="image/png", headers=None, **fields
):
    data = {"image": upload(content, name, content_type), "alt_text": "A red square", **fields}
    return client.post(UPLOAD, data, headers=headers or {})


def open_stored(field) -> Image.Image:
    with field.open("rb") as stored:
        data = stored.read()
    image = Image.open(io.BytesIO(data))
    image.load()
    image.raw_bytes = data
    return image


def jpeg_segments(data: bytes) -> set[bytes]:
    """The markers of a JPEG's segments before its image data (APP1 holds EXIF and XMP,
    APP2 an ICC profile)."""
    markers, at = set(), 2
    while at + 4 <= len(data) and data[at] == 0xFF and data[at + 1] != 0xDA:
        markers.add(data[at : at + 2])
        at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")
    return markers


def assert_clean_master(field) -> Image.Image:
    """The master: a JPEG (WebP where the photo has transparency), with no metadata."""
    if field.name.endswith(".webp"):
        return assert_clean_webp(field)
    image = open_stored(field)
    assert image.format == "JPEG" and field.name.endswith(".jpg")
    assert not image.getexif(), f"{field.name} kept EXIF"
    assert not {"exif", "xmp", "icc_profile"} & set(image.info)
    segments = jpeg_segments(image.raw_bytes)
    assert b"\xff\xe1" not in segments and b"\xff\xe2" not in segments, segments
    return image


def assert_clean_webp(field) -> Image.Image:
    image = open_stored(field)
    assert image.format == "WEBP"
    assert field.name.endswith(".webp")
    assert not image.getexif(), f"{field.name} kept EXIF"
    assert "exif" not in image.info
    assert "xmp" not in image.info
    assert "icc_profile" not in image.info
    chunks = webp_chunks(image.raw_bytes)
    assert b"EXIF" not in chunks and b"XMP " not in chunks, chunks
    return image


def assert_rejected(response, message: str, media: Path):
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page, page
    assert 'class="errorlist' in page
    assert not Photo.objects.exists()
    assert stored_files(media) == []


# --- Good uploads ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"),
    [
        ("PNG", "square.png", "image/png"),
        ("JPEG", "square.jpg", "image/jpeg"),
        ("WEBP", "square.webp", "image/webp"),
        ("GIF", "square.gif", "image/gif"),
    ],
)
def test_good_image_is_posted_and_stored_as_webp_renditions(
    owner_client, owner, media, fmt, name, content_type
):
    response = post_photo(
        owner_client,
        image_bytes(fmt, size=(64, 48)),
        name,
        content_type,
        caption="  Sunset over the river  ",
        alt_text="An orange sky over a river",
    )

    photo = Photo.objects.get()
    assert response.status_code == 302
    assert response["Location"] == photo.get_absolute_url()
    assert photo.owner == owner
    assert photo.caption == "Sunset over the river"
    assert photo.alt_text == "An orange sky over a river"
    assert (photo.width, photo.height) == (64, 48)
    assert_clean_master(photo.master)
    for field in (photo.master, photo.display, photo.thumbnail):
        assert field.storage.exists(field.name)
    assert_clean_webp(photo.display)
    assert_clean_webp(photo.thumbnail)
    assert {path.name for path in stored_files(media)} == {
        Path(name).name for name in photo.stored_files
    }


def test_uploaded_bytes_are_not_kept(owner_client, media):
    post_photo(owner_client, image_bytes("PNG"), "mine.png")
    names = [path.name for path in stored_files(media)]
    assert len(names) == 3
    assert not any(name.endswith(".png") or "mine" in name for name in names)


def test_thumbnail_is_square_and_display_fits(owner_client, media):
    post_photo(owner_client, image_bytes("PNG", size=(90, 40)))
    photo = Photo.objects.get()
    assert open_stored(photo.thumbnail).size == (480, 480)
    display = open_stored(photo.display)
    assert display.size == (90, 40)  # never upscaled
    assert (photo.display_width, photo.display_height) == display.size


def test_large_image_gets_a_large_rendition_after_commit(
    owner_client, media, big_jpeg, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post_photo(owner_client, big_jpeg, "big.jpg", "image/jpeg")
    assert response.status_code == 302

    photo = Photo.objects.get()
    assert (photo.width, photo.height) == (3000, 2000)
    display = assert_clean_webp(photo.display)
    assert max(display.size) <= 1280
    assert display.size == (1280, 853)
    assert (photo.display_width, photo.display_height) == display.size
    assert assert_clean_webp(photo.thumbnail).size == (480, 480)
    assert photo.large, "the large rendition should have been rendered"
    large = assert_clean_webp(photo.large)
    assert max(large.size) == 2048
    assert assert_clean_master(photo.master).size == (3000, 2000)
    assert len(stored_files(media)) == 4


def test_small_image_gets_no_large_rendition(
    owner_client, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_photo(owner_client, image_bytes("PNG", size=(640, 480)))
    assert callbacks, "the large-rendition task should still have been queued"
    photo = Photo.objects.get()
    assert not photo.large
    assert len(stored_files(media)) == 3


# --- Privacy: metadata and orientation ------------------------------------------------------


def test_gps_in_the_upload_is_absent_from_every_stored_file(
    owner_client, media, big_jpeg, django_capture_on_commit_callbacks
):
    original = Image.open(io.BytesIO(big_jpeg))
    assert original.getexif().get_ifd(0x8825), "the test image must carry GPS data"

    with django_capture_on_commit_callbacks(execute=True):
        post_photo(owner_client, big_jpeg, "gps.jpg", "image/jpeg")

    photo = Photo.objects.get()
    assert photo.large
    assert_clean_master(photo.master)
    for field in (photo.display, photo.thumbnail, photo.large):
        assert_clean_webp(field)
    for path in stored_files(media):
        assert b"SpyCam" not in path.read_bytes()


def test_gps_is_stripped_from_a_small_rotated_jpeg(owner_client, media):
    original = Image.open(io.BytesIO(jpeg_with_gps_and_rotation()))
    assert original.getexif().get_ifd(0x8825)
    post_photo(owner_client, jpeg_with_gps_and_rotation(), "phone.jpg", "image/jpeg")
    photo = Photo.objects.get()
    assert_clean_master(photo.master)
    for field in (photo.display, photo.thumbnail):
        assert_clean_webp(field)


def test_exif_orientation_is_applied(owner_client, media):
    post_photo(owner_client, jpeg_with_gps_and_rotation(), "phone.jpg", "image/jpeg")
    photo = Photo.objects.get()
    display = open_stored(photo.display)
    assert display.size == (30, 60)
    assert display.width < display.height
    assert (photo.width, photo.height) == (30, 60)
    assert (photo.display_width, photo.display_height) == (30, 60)


def is_red(pixel) -> bool:
    red, green, blue = pixel[:3]
    return red > 180 and green < 80 and blue < 80


def is_blue(pixel) -> bool:
    red, green, blue = pixel[:3]
    return blue > 180 and red < 80 and green < 80


def test_rotated_photo_is_stored_upright(owner_client, media):
    """Left half red, orientation 6: upright, the red half is on top."""
    post_photo(owner_client, jpeg_halves_with_gps_and_rotation(), "halves.jpg", "image/jpeg")
    photo = Photo.objects.get()

    display = open_stored(photo.display).convert("RGB")
    assert display.size == (30, 60)
    assert is_red(display.getpixel((15, 8)))
    assert is_blue(display.getpixel((15, 52)))

    thumbnail = open_stored(photo.thumbnail).convert("RGB")
    assert is_red(thumbnail.getpixel((240, 60)))
    assert is_blue(thumbnail.getpixel((240, 420)))


def test_big_jpeg_decoded_at_reduced_size_is_still_upright_and_large_enough(
    owner_client, media, settings
):
    """6000x3000 with orientation 6 decodes at half size: 1500x3000 upright, red on top."""
    content = jpeg_halves_with_gps_and_rotation(size=(6000, 3000))
    post_photo(owner_client, content, "big-halves.jpg", "image/jpeg")
    photo = Photo.objects.get()

    assert (photo.width, photo.height) == (1500, 3000)
    assert photo.height >= settings.PHOTO_LARGE_SIZE
    master = open_stored(photo.master).convert("RGB")
    assert is_red(master.getpixel((750, 200)))
    assert is_blue(master.getpixel((750, 2800)))
    assert not master.getexif()


# --- Bad uploads ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "name", "content_type", "message"),
    [
        (b"just some text, honestly\n" * 20, "notes.txt", "text/plain", "not a JPEG, PNG"),
        (b"just some text, honestly\n" * 20, "sneaky.png", "image/png", "not a JPEG, PNG"),
        (truncated_jpeg(), "cut.jpg", "image/jpeg", "damaged or incomplete"),
        (renamed_executable(), "holiday.jpg", "image/jpeg", "not a JPEG, PNG"),
        (image_bytes("BMP"), "old.bmp", "image/bmp", "not a JPEG, PNG"),
        (image_bytes("TIFF"), "scan.tiff", "image/tiff", "not a JPEG, PNG"),
    ],
    ids=["text", "text-named-png", "truncated-jpeg", "renamed-executable", "bmp", "tiff"],
)
def test_bad_file_is_rejected_with_a_message(
    owner_client, media, content, name, content_type, message
):
    response = post_photo(owner_client, content, name, content_type)
    assert_rejected(response, message, media)


def test_empty_file_is_rejected(owner_client, media):
    response = post_photo(owner_client, b"", "empty.png")
    assert response.status_code == 200
    # Django's own check answers before ours, with its own clear message.
    page = response.content.decode()
    assert "The submitted file is empty." in page
    assert not Photo.objects.exists()
    assert stored_files(media) == []


def test_file_over_the_photo_size_limit_is_rejected(owner_client, media, settings):
    settings.PHOTO_MAX_BYTES = 10_000
    settings.MAX_REQUEST_BYTES = 10_000_000
    content = noise_png((100, 100))
    assert len(content) > 10_000
    response = post_photo(owner_client, content, "noisy.png")
    assert_rejected(response, "The file is larger than the 9.8\xa0KB limit.", media)


def test_request_over_the_request_limit_is_refused_with_413(owner_client, media, settings):
    settings.MAX_REQUEST_BYTES = 2_000
    response = post_photo(owner_client, noise_png((60, 60)), "noisy.png")
    assert response.status_code == 413
    page = response.content.decode()
    assert "<html" in page
    assert "Too large" in page
    assert "Uploads are limited to 2.0\xa0KB." in page
    assert not Photo.objects.exists()
    assert stored_files(media) == []


def test_request_over_the_request_limit_is_a_toast_for_htmx(
    owner_client, media, settings, htmx_headers
):
    settings.MAX_REQUEST_BYTES = 2_000
    response = post_photo(owner_client, noise_png((60, 60)), headers=htmx_headers)
    assert response.status_code == 413
    assert b"<html" not in response.content
    assert b"Uploads are limited to" in response.content
    assert not Photo.objects.exists()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return decompression_bomb()


def test_a_bomb_past_pillows_own_guard_is_refused_with_our_message(owner_client, media, bomb):
    """Pillow refuses 400 megapixels on open; we say so in our words. That the app refuses
    by itself, before decoding, is test_hostile_uploads' test with Pillow's guard off."""
    assert len(bomb) < 100_000
    response = post_photo(owner_client, bomb, "bomb.png")
    assert_rejected(response, "The image is far over the 40-megapixel limit.", media)


def test_bomb_under_pillows_own_guard_is_refused_by_our_header_check(owner_client, media):
    # 144 megapixels: Pillow only warns at this size; our check refuses it, with numbers.
    response = post_photo(owner_client, blank_png((12_000, 12_000)), "bomb.png")
    assert_rejected(response, "The image is 144.0 megapixels; the limit is 40.", media)


def test_image_over_the_pixel_limit_is_rejected_with_its_size(owner_client, media, settings):
    settings.PHOTO_MAX_PIXELS = 1_000_000
    response = post_photo(owner_client, image_bytes("PNG", size=(1200, 1000)))
    assert_rejected(response, "The image is 1.2 megapixels; the limit is 1.", media)


def test_animation_with_too_many_frames_is_rejected(owner_client, media, settings):
    settings.IMAGE_MAX_FRAMES = 5
    response = post_photo(owner_client, animated_gif(10), "anim.gif", "image/gif")
    assert_rejected(response, "The animation has more than 5 frames.", media)


def test_animation_within_the_frame_limit_keeps_its_first_frame(owner_client, media, settings):
    settings.IMAGE_MAX_FRAMES = 5
    response = post_photo(owner_client, animated_gif(4, size=(8, 8)), "anim.gif", "image/gif")
    assert response.status_code == 302
    photo = Photo.objects.get()
    display = open_stored(photo.display)
    assert display.size == (8, 8)
    assert getattr(display, "n_frames", 1) == 1


def test_gif_with_thousands_of_tiny_frames_is_rejected_by_default(owner_client, media):
    response = post_photo(owner_client, animated_gif(2000, size=(1, 1)), "many.gif", "image/gif")
    assert_rejected(response, "The animation has more than 500 frames.", media)


def test_caption_over_2200_characters_is_rejected(owner_client, media):
    response = post_photo(owner_client, image_bytes("PNG"), caption="x" * 2201)
    assert_rejected(response, "at most 2200 characters", media)


def test_caption_of_exactly_2200_characters_is_accepted(owner_client, media):
    response = post_photo(owner_client, image_bytes("PNG"), caption="x" * 2200)
    assert response.status_code == 302
    assert len(Photo.objects.get().caption) == 2200


@pytest.mark.parametrize("alt_text", ["", "   "])
def test_missing_alt_text_is_rejected_with_an_explanation(owner_client, media, alt_text):
    response = post_photo(owner_client, image_bytes("PNG"), alt_text=alt_text)
    assert_rejected(response, "screen readers", media)


def test_missing_image_is_rejected(owner_client, media):
    response = owner_client.post(UPLOAD, {"alt_text": "Nothing", "caption": "Where is it?"})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert not Photo.objects.exists()


def test_upload_needs_login(client, db, media):
    response = post_photo(client, image_bytes("PNG"))
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert not Photo.objects.exists()
    assert stored_files(media) == []


# --- HTMX -----------------------------------------------------------------------------------


def test_htmx_upload_redirects_the_browser_to_the_photo(owner_client, media, htmx_headers):
    response = post_photo(owner_client, image_bytes("PNG"), headers=htmx_headers)
    photo = Photo.objects.get()
    assert response.status_code == 200
    assert response["HX-Redirect"] == photo.get_absolute_url()


def test_htmx_upload_of_a_bad_file_returns_just_the_form_with_the_error(
    owner_client, media, htmx_headers
):
    response = post_photo(
        owner_client, b"not an image", "notes.txt", "text/plain", headers=htmx_headers
    )
    assert response.status_code == 200
    assert "HX-Redirect" not in response
    page = response.content.decode()
    assert "<html" not in page
    assert 'id="upload-form"' in page
    assert "not a JPEG, PNG, WebP or GIF image" in page
    assert not Photo.objects.exists()
    assert stored_files(media) == []


# --- Failure halfway ------------------------------------------------------------------------


def explode(*args, **kwargs):
    raise RuntimeError("database went away")


@pytest.mark.parametrize("method", ["save", "full_clean"])
def test_files_are_removed_when_saving_the_photo_fails(owner, media, monkeypatch, method):
    monkeypatch.setattr(Photo, method, explode)
    image = decode_upload(upload(image_bytes("PNG")))
    with pytest.raises(RuntimeError):
        services.photo_create(owner=owner, image=image, caption="", alt_text="A square")
    assert not Photo.objects.exists()
    assert stored_files(media) == []


def test_failed_upload_through_the_page_leaves_no_files(owner_client, media, monkeypatch):
    monkeypatch.setattr(Photo, "save", explode)
    owner_client.raise_request_exception = False
    response = post_photo(owner_client, image_bytes("PNG"))
    assert response.status_code == 500
    assert not Photo.objects.exists()
    assert stored_files(media) == []


def test_the_master_is_a_jpeg_and_keeps_transparency_as_webp(owner_client, media):
    """The master is encoded for speed (a WebP of a big photo took most of an upload's
    time), but never at the cost of what later renditions are made from."""
    post_photo(owner_client, image_bytes("PNG", size=(80, 60), colour="green"), "opaque.png")
    buffer = io.BytesIO()
    Image.new("RGBA", (80, 60), (0, 0, 255, 0)).save(buffer, format="PNG")
    post_photo(owner_client, buffer.getvalue(), "clear.png")

    opaque, clear = Photo.objects.order_by("pk")
    opaque_master = assert_clean_master(opaque.master)
    assert opaque_master.format == "JPEG"
    assert opaque_master.convert("RGB").getpixel((40, 30))[1] > 100  # still green
    clear_master = assert_clean_master(clear.master)
    assert clear_master.format == "WEBP"
    assert clear_master.mode == "RGBA" and clear_master.getpixel((40, 30))[3] == 0
