"""Integrity checks for stored media: every file referenced exists, nothing is orphaned."""

from datetime import timedelta

from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import User
from config.integrity import Finding
from photos.models import Photo
from photos.renditions import upload_renditions
from photos.tasks import photo_render_large

MEDIA_DIRECTORIES = ["avatars", "photos/masters", "photos/r"]
# Files this young may belong to an upload that has not committed yet.
ORPHAN_GRACE = timedelta(hours=1)


def _stored_names(directory: str) -> list[str]:
    if not default_storage.exists(directory):
        return []
    _dirs, files = default_storage.listdir(directory)
    return [f"{directory}/{name}" for name in files]


def orphan_media(*, repair: bool) -> list[Finding]:
    """Files under the media directories that no avatar or photo refers to."""
    referenced = set(User.objects.exclude(avatar="").values_list("avatar", flat=True))
    for photo in Photo.objects.only("master", "display", "thumbnail", "large"):
        referenced.update(photo.stored_files)
    cutoff = timezone.now() - ORPHAN_GRACE
    findings = []
    for directory in MEDIA_DIRECTORIES:
        for name in _stored_names(directory):
            if name in referenced or default_storage.get_modified_time(name) > cutoff:
                continue
            if repair:
                default_storage.delete(name)
            findings.append(Finding("orphan_media", f"orphan file {name}", repaired=repair))
    return findings


def photo_files_present(*, repair: bool) -> list[Finding]:
    """Every photo's files exist; missing renditions are rebuilt from the master."""
    findings = []
    for photo in Photo.objects.all():
        missing = [
            field.field.name
            for field in (photo.master, photo.display, photo.thumbnail, photo.large)
            if field and not field.storage.exists(field.name)
        ]
        if not missing:
            continue
        label = f"photo {photo.pk} is missing {', '.join(missing)}"
        can_repair = "master" not in missing
        if repair and can_repair:
            _rebuild_renditions(photo, missing)
        findings.append(Finding("photo_files", label, repaired=repair and can_repair))
    return findings


@transaction.atomic
def _rebuild_renditions(photo: Photo, missing: list[str]) -> None:
    with photo.master.open("rb") as stored, Image.open(stored) as master:
        master.load()
        renditions = upload_renditions(master)
    for field_name in ("display", "thumbnail"):
        if field_name in missing:
            rendition = getattr(renditions, field_name)
            getattr(photo, field_name).save(
                f"{photo.pk}-{field_name}.webp", rendition.content, save=False
            )
    if "large" in missing:
        photo.large = ""
        transaction.on_commit(lambda: photo_render_large.enqueue(photo_id=photo.pk))
    photo.save(update_fields=["display", "thumbnail", "large"])
