"""seed_demo gives the demo photographers drawn photos, once."""

import io

import pytest
from django.core.management import call_command
from PIL import Image

from photos.models import Photo

EXPECTED = {"ana": 3, "ben": 2, "cleo": 2}


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings


def photo_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    for username in Photo.objects.values_list("owner__username", flat=True):
        counts[username] = counts.get(username, 0) + 1
    return counts


def test_seed_demo_posts_photos_with_renditions_on_disk(
    db, demo_settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", stdout=io.StringIO())

    assert photo_counts() == EXPECTED
    for photo in Photo.objects.all():
        assert photo.alt_text
        assert photo.caption
        assert photo.large, "1600x1200 drawings are big enough for a large rendition"
        formats = {"master": "JPEG", "display": "WEBP", "thumbnail": "WEBP", "large": "WEBP"}
        for name, image_format in formats.items():
            field = getattr(photo, name)
            assert field.storage.exists(field.name), field.name
            with field.open("rb") as stored, Image.open(stored) as image:
                assert image.format == image_format, name
                assert not image.getexif()
        assert (photo.width, photo.height) == (1600, 1200)
        assert (photo.display_width, photo.display_height) == (1280, 960)


def stored_photo_files(media) -> list:
    return sorted(path for path in (media / "photos").rglob("*") if path.is_file())


def test_seed_demo_twice_creates_no_more_photos(client, db, demo_settings):
    call_command("seed_demo", stdout=io.StringIO())
    first = {photo.pk: photo.stored_files for photo in Photo.objects.all()}
    files = stored_photo_files(demo_settings.MEDIA_ROOT)
    assert len(files) == 3 * sum(EXPECTED.values())

    call_command("seed_demo", stdout=io.StringIO())
    assert photo_counts() == EXPECTED
    assert {photo.pk: photo.stored_files for photo in Photo.objects.all()} == first
    assert stored_photo_files(demo_settings.MEDIA_ROOT) == files

    for username, count in EXPECTED.items():
        page = client.get(f"/@{username}/").content.decode()
        assert page.count('class="grid-item"') == count
