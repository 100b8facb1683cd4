"""`manage.py check_integrity`: finds media drift, and repairs it with --repair."""

import os
import re
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.utils import timezone

from engagement.models import Like
from notifications.models import Notification
from photos.models import Photo
from photos.renditions import decode_upload
from photos.services import photo_create
from tests.factories import PhotoFactory
from tests.images import image_bytes, upload


@pytest.fixture
def photo(owner, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = photo_create(
            owner=owner,
            image=decode_upload(upload(image_bytes("PNG", size=(1800, 1200)))),
            caption="",
            alt_text="A red rectangle",
        )
    created.refresh_from_db()  # the large rendition was added by the on-commit task
    return created


def age(name: str, hours: int = 2) -> None:
    past = time.time() - hours * 3600
    os.utime(default_storage.path(name), (past, past))


def run(*args) -> str:
    out = StringIO()
    call_command("check_integrity", *args, stdout=out)
    return out.getvalue()


def test_clean_data_passes(photo):
    assert "All good" in run()


def test_old_orphan_file_is_reported_then_deleted_on_repair(photo):
    name = default_storage.save("photos/r/leftover.webp", ContentFile(b"x"))
    age(name)
    with pytest.raises(CommandError, match="1 integrity problem"):
        run()
    assert default_storage.exists(name)

    output = run("--repair")
    assert f"repaired: orphan file {name}" in output
    assert not default_storage.exists(name)
    assert default_storage.exists(photo.display.name), "referenced files stay"


def test_fresh_unreferenced_file_may_be_an_upload_in_flight(photo):
    name = default_storage.save("photos/r/uploading.webp", ContentFile(b"x"))
    assert "All good" in run("--repair")
    assert default_storage.exists(name)


def test_missing_renditions_are_rebuilt_from_the_master(photo, django_capture_on_commit_callbacks):
    default_storage.delete(photo.thumbnail.name)
    default_storage.delete(photo.large.name)
    with pytest.raises(CommandError):
        run()
    with django_capture_on_commit_callbacks(execute=True):
        output = run("--repair")
    assert f"photo {photo.pk} is missing thumbnail, large" in output
    photo.refresh_from_db()
    assert default_storage.exists(photo.thumbnail.name)
    assert photo.large and default_storage.exists(photo.large.name)


def test_a_lost_master_cannot_be_repaired_and_is_reported(photo):
    default_storage.delete(photo.master.name)
    with pytest.raises(CommandError, match="remain"):
        run("--repair")


def test_drifted_like_count_is_recounted_from_the_likes(photo, fan, stranger):
    Like.objects.create(user=fan, photo=photo)
    Like.objects.create(user=stranger, photo=photo)
    Photo.objects.filter(pk=photo.pk).update(like_count=7)
    with pytest.raises(CommandError):
        run()
    output = run("--repair")
    assert f"photo {photo.pk} like_count 7 != 2 likes" in output
    photo.refresh_from_db()
    assert photo.like_count == 2


def test_like_notification_without_its_like_is_withdrawn(photo, fan):
    orphan = Notification.objects.create(
        recipient=photo.owner, actor=fan, verb=Notification.Verb.LIKE, photo=photo
    )
    with pytest.raises(CommandError):
        run()
    assert f"notification {orphan.pk} for a like that no longer exists" in run("--repair")
    orphan.refresh_from_db()
    assert orphan.withdrawn_at is not None
    assert "All good" in run()


# --- Checking part of a large site --------------------------------------------------------


@pytest.fixture
def two_photos(owner):
    """An old photo and a new one, each with a drifted like count."""
    old, new = PhotoFactory(owner=owner, size=(4, 4)), PhotoFactory(owner=owner, size=(4, 4))
    Photo.objects.filter(pk=old.pk).update(created=timezone.now() - timedelta(days=10))
    Photo.objects.filter(pk__in=[old.pk, new.pk]).update(like_count=3)
    return old, new


def drifted_photo_ids(output: str) -> list[int]:
    return [int(pk) for pk in re.findall(r"photo (\d+) like_count", output)]


@pytest.mark.parametrize("since", ["2d", "48h"])
def test_since_checks_only_the_photos_posted_since(two_photos, since):
    _old, new = two_photos
    out = StringIO()
    with pytest.raises(CommandError, match="1 integrity problem"):
        call_command("check_integrity", "--since", since, stdout=out)
    assert drifted_photo_ids(out.getvalue()) == [new.pk]


def test_photos_checks_only_an_id_range(two_photos):
    old, _new = two_photos
    out = StringIO()
    with pytest.raises(CommandError, match="1 integrity problem"):
        call_command("check_integrity", "--photos", f"{old.pk}-{old.pk}", stdout=out)
    assert drifted_photo_ids(out.getvalue()) == [old.pk]


@pytest.mark.parametrize(
    "argument", [["--since", "yesterday"], ["--photos", "9-3"], ["--photos", "x"]]
)
def test_a_scope_it_cannot_read_is_refused_with_a_usage_error(db, argument):
    with pytest.raises(CommandError, match="invalid"):
        call_command("check_integrity", *argument, stdout=StringIO())


def test_progress_is_shown_on_request(photo, capsys):
    run("--progress")
    assert "photo files" in capsys.readouterr().err
