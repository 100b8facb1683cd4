"""The person's photos in "download my data" (the renditions they can see, never the
master), and their removal with the account."""

from collections.abc import Iterator
from pathlib import PurePosixPath

from accounts.models import User
from config.personal_data import table_files
from photos.models import Photo
from photos.services import photo_delete

PHOTO_FIELDS = ["id", "address", "caption", "alt_text", "posted", "width", "height", "files"]
RENDITIONS = ("large", "display", "thumbnail")


def export_photos(user: User) -> Iterator[tuple[str, bytes]]:
    rows = []
    for photo in Photo.objects.filter(owner=user).order_by("created", "pk").iterator():
        files = []
        for rendition in RENDITIONS:
            stored = getattr(photo, rendition)
            if not stored:
                continue
            name = f"photos/{photo.pk}-{rendition}{PurePosixPath(stored.name).suffix}"
            with stored.open("rb") as content:
                yield name, content.read()
            files.append(name)
        rows.append(
            {
                "id": photo.pk,
                "address": photo.get_absolute_url(),
                "caption": photo.caption,
                "alt_text": photo.alt_text,
                "posted": photo.created,
                "width": photo.width,
                "height": photo.height,
                "files": " ".join(files),
            }
        )
    yield from table_files("photos", PHOTO_FIELDS, rows)


def erase(*, user: User) -> None:
    """Delete every photo of the person; their files go once the purge commits."""
    for photo in Photo.objects.filter(owner=user):
        photo_delete(photo=photo)
