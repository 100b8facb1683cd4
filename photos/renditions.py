"""Turning a checked upload into the files we store for a photo."""

from dataclasses import dataclass

from django.conf import settings
from PIL import Image

from accounts.imaging import (
    EncodedImage,
    ImageLimits,
    encode_jpeg,
    encode_webp,
    fit_within,
    has_alpha,
    load_image,
    square_crop,
)


def photo_limits() -> ImageLimits:
    return ImageLimits(max_bytes=settings.PHOTO_MAX_BYTES, max_pixels=settings.PHOTO_MAX_PIXELS)


def decode_upload(upload) -> Image.Image:
    """The upright, metadata-free pixels of an upload (first frame of an animation), at
    most the master size: every rendition is made from them. A big JPEG is decoded at a
    reduced scale that still covers the largest size we serve.

    Raises accounts.imaging.ImageRejected with a message for the user.
    """
    return load_image(
        upload,
        photo_limits(),
        reduce_to=settings.PHOTO_MASTER_SIZE,
        draft_to=settings.PHOTO_LARGE_SIZE,
    )


@dataclass(frozen=True)
class UploadRenditions:
    master: EncodedImage
    display: EncodedImage
    thumbnail: EncodedImage


def upload_renditions(image: Image.Image) -> UploadRenditions:
    """What a photo needs before its page can be shown; larger sizes come later."""
    return UploadRenditions(
        master=encode_master(fit_within(image, settings.PHOTO_MASTER_SIZE)),
        display=encode_webp(fit_within(image, settings.PHOTO_DISPLAY_SIZE)),
        thumbnail=encode_webp(square_crop(image, settings.PHOTO_THUMBNAIL_SIZE)),
    )


def encode_master(image: Image.Image) -> EncodedImage:
    """The working copy later renditions are made from, never served: a quick encode
    that loses next to nothing matters more than its size. Opaque pixels become a JPEG at
    quality 92 without chroma subsampling (a 6-megapixel master took 0.1 s, where WebP's
    quickest setting took 0.7 s, most of an upload's time); transparent ones stay WebP,
    which keeps the transparency."""
    if has_alpha(image):
        return encode_webp(image, quality=92, method=0)
    return encode_jpeg(image, quality=92)


def large_rendition(master: Image.Image) -> EncodedImage | None:
    """A large size for big screens, or None when the display size is already everything."""
    if max(master.size) <= settings.PHOTO_DISPLAY_SIZE:
        return None
    return encode_webp(fit_within(master, settings.PHOTO_LARGE_SIZE), quality=85)
