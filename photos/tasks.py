"""Background work for photos (run in-request by the immediate backend by default)."""

from pathlib import PurePosixPath

from django.tasks import task
from PIL import Image

from photos.models import Photo
from photos.renditions import large_rendition


@task
def photo_render_large(*, photo_id: int) -> None:
    """Render the large size from the clean master copy, once."""
    photo = Photo.objects.filter(pk=photo_id).first()
    if photo is None or photo.large:
        return
    with photo.master.open("rb") as stored, Image.open(stored) as master:
        master.load()
        rendition = large_rendition(master)
    if rendition is None:
        return
    storage = photo.large.storage
    display_name = PurePosixPath(photo.display.name).name
    wanted = photo.large.field.generate_filename(photo, display_name.replace("-display", "-large"))
    name = storage.save(wanted, rendition.content)
    # Only fill an empty slot of a photo that still exists; otherwise drop our file.
    if not Photo.objects.filter(pk=photo_id, large="").update(large=name):
        storage.delete(name)
