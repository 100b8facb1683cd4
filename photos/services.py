"""Every write to photos goes through here."""

from uuid import uuid4

from django.db import transaction
from PIL import Image

from accounts.models import User
from config.tasks import enqueue_with_change
from photos.models import Photo
from photos.renditions import upload_renditions
from photos.tasks import photo_render_large


@transaction.atomic
def photo_create(
    *,
    owner: User,
    image: Image.Image,
    caption: str,
    alt_text: str,
) -> Photo:
    """Store a photo from checked, normalised pixels (see photos.renditions.decode_upload).

    The page-ready renditions are written now; the large one is rendered by a background
    task once the photo has committed.
    """
    renditions = upload_renditions(image)
    photo = Photo(
        owner=owner,
        caption=caption.strip(),
        alt_text=alt_text.strip(),
        width=renditions.master.width,
        height=renditions.master.height,
        display_width=renditions.display.width,
        display_height=renditions.display.height,
    )
    key = uuid4().hex
    try:
        for field_name, rendition in (
            ("master", renditions.master),
            ("display", renditions.display),
            ("thumbnail", renditions.thumbnail),
        ):
            name = f"{key}-{field_name}.{rendition.extension}"
            getattr(photo, field_name).save(name, rendition.content, save=False)
        photo.full_clean()
        photo.save()
    except Exception:
        for name in photo.stored_files:
            photo.master.storage.delete(name)
        raise
    enqueue_with_change(photo_render_large, photo_id=photo.pk)
    return photo


@transaction.atomic
def photo_update(*, photo: Photo, caption: str, alt_text: str) -> Photo:
    photo.caption = caption.strip()
    photo.alt_text = alt_text.strip()
    photo.full_clean()
    photo.save(update_fields=["caption", "alt_text"])
    return photo


@transaction.atomic
def photo_like_count_hide(*, photo: Photo, hidden: bool) -> Photo:
    """Hide (or show again) a photo's like count from everyone but its owner.

    Whether owners may do this is the engagement policy's call: its view asks first.
    """
    photo.hide_like_count = hidden
    photo.save(update_fields=["hide_like_count"])
    return photo


@transaction.atomic
def photo_delete(*, photo: Photo) -> None:
    """Delete a photo and everything that depends on it; its files go once this commits."""
    photo.delete()
