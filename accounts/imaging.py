"""Safe decoding and re-encoding of uploaded images.

Every uploaded image (avatars here, photos later) goes through ``load_image``: size limit,
format allow-list, pixel and frame limits checked from the header before any decoding
(the decompression-bomb guard), then a full decode that rejects damaged files. What we
store is always a fresh encode of the pixels: orientation applied, metadata (EXIF, GPS,
ICC, comments) dropped. The original bytes are never kept or served.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message is safe to show to the user."""


@dataclass(frozen=True)
class ImageLimits:
    max_bytes: int
    max_pixels: int
    max_frames: int = 1000


@dataclass(frozen=True)
class EncodedImage:
    """A re-encoded image, ready to be stored."""

    content: ContentFile
    width: int
    height: int
    extension: str


def load_image(upload, limits: ImageLimits) -> Image.Image:
    """Decode ``upload`` fully or raise ImageRejected with a message for the user."""
    size = upload.size or 0
    if size == 0:
        raise ImageRejected(_("The file is empty."))
    if size > limits.max_bytes:
        raise ImageRejected(
            _("The file is %(size)s; the limit is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limits.max_bytes)}
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload, formats=ALLOWED_FORMATS)
            pixels = image.width * image.height
            if pixels > limits.max_pixels:
                raise ImageRejected(
                    _("The image is %(mp).1f megapixels; the limit is %(limit).0f.")
                    % {"mp": pixels / 1e6, "limit": limits.max_pixels / 1e6}
                )
            if getattr(image, "n_frames", 1) > limits.max_frames:
                raise ImageRejected(
                    _("The animation has more than %(limit)d frames.")
                    % {"limit": limits.max_frames}
                )
            image.seek(0)
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageRejected(_("The image is too large to process.")) from error
    except UnidentifiedImageError as error:
        raise ImageRejected(_("This file is not a JPEG, PNG, WebP or GIF image.")) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise ImageRejected(_("The image is damaged or incomplete.")) from error
    return image


def normalise(image: Image.Image) -> Image.Image:
    """Apply EXIF orientation, pick a storable mode and drop every piece of metadata."""
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info
    clean = upright.convert("RGBA" if has_alpha else "RGB")
    clean.info = {}
    return clean


def encode_webp(image: Image.Image, *, quality: int = 82) -> EncodedImage:
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=quality, method=4)
    return EncodedImage(
        content=ContentFile(buffer.getvalue()),
        width=image.width,
        height=image.height,
        extension="webp",
    )


def square_avatar(upload, limits: ImageLimits, *, side: int) -> EncodedImage:
    """Centre-crop an uploaded image to a ``side`` x ``side`` WebP avatar."""
    return encode_webp(square_crop(normalise(load_image(upload, limits)), side))


def fit_within(image: Image.Image, max_side: int) -> Image.Image:
    """A copy no larger than ``max_side`` on its long side (never upscaled)."""
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return copy


def square_crop(image: Image.Image, side: int) -> Image.Image:
    return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
