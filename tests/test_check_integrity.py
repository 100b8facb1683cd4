"""`manage.py check_integrity`: finds media drift, and repairs it with --repair."""

import os
import time
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from engagement.models import Like
from notifications.models import Notification
from photos.models import Photo
from photos.renditions import decode_upload
from photos.services import photo_create
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
