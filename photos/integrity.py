"""Integrity checks for stored media: every file referenced exists, nothing is orphaned."""

import os
from datetime import timedelta

from django.core.files.storage import FileSystemStorage, default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import DataExport, User
from config.integrity import Finding, Scope, batched
from photos.models import Photo
from photos.renditions import upload_renditions
from photos.tasks import photo_render_large

MEDIA_DIRECTORIES = ["avatars", "photos/masters", "photos/r", "exports"]
# Files this young may belong to an upload that has not committed yet.
ORPHAN_GRACE = timedelta(hours=1)


def _stored_names(directory: str) -> list[str]:
    """Every file in a media directory (one directory scan on the local file system)."""
    if not default_storage.exists(directory):
        return []
    if isinstance(default_storage, FileSystemStorage):
        with os.scandir(default_storage.path(directory)) as entries:
            return [f"{directory}/{entry.name}" for entry in entries if entry.is_file()]
    _dirs, files = default_storage.listdir(directory)
    return [f"{directory}/{name}" for name in files]


def orphan_media(*, repair: bool, scope: Scope) -> list[Finding]:
    """Files under the media directories that no avatar, photo or data export refers to.

    Scoped to an id range it is skipped (a file names no photo); with ``since`` only files
    written since then are looked at.
    """
    if scope.photo_ids is not None:
        return []
    referenced = set(User.objects.exclude(avatar="").values_list("avatar", flat=True))
    referenced.update(DataExport.objects.exclude(file="").values_list("file", flat=True))
    files = Photo.objects.values_list("master", "display", "thumbnail", "large")
    for names in batched(files, label="media in use", scope=scope, size=5_000):
        referenced.update(name for name in names if name)
    cutoff = timezone.now() - ORPHAN_GRACE
    findings = []
    for directory in MEDIA_DIRECTORIES:
        for name in _stored_names(directory):
            if name in referenced:
                continue
            modified = default_storage.get_modified_time(name)
            if modified > cutoff or (scope.since and modified < scope.since):
                continue
            if repair:
                default_storage.delete(name)
            findings.append(Finding("orphan_media", f"orphan file {name}", repaired=repair))
    return findings


def photo_files_present(*, repair: bool, scope: Scope) -> list[Finding]:
    """Every photo's files exist; missing renditions are rebuilt from the master.

    A full run lists each media directory once instead of asking about every file; a
    scoped run asks about the few files it covers.
    """
    if scope.everything:
        stored = {name for folder in MEDIA_DIRECTORIES for name in _stored_names(folder)}
        exists = stored.__contains__
    else:
        exists = default_storage.exists
    file_fields = ["master", "display", "thumbnail", "large"]
    photos = scope.photos(Photo.objects.values_list("pk", *file_fields))
    findings = []
    for pk, *names in batched(photos, label="photo files", scope=scope, size=5_000):
        missing = [
            field
            for field, name in zip(file_fields, names, strict=True)
            if name and not exists(name)
        ]
        if not missing:
            continue
        label = f"photo {pk} is missing {', '.join(missing)}"
        can_repair = "master" not in missing
        if repair and can_repair:
            _rebuild_renditions(Photo.objects.get(pk=pk), missing)
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
