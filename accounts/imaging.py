"""Safe decoding and re-encoding of uploaded images.

Every uploaded image (avatars and photos) goes through ``load_image``. Before any pixel is
decoded, the header must pass the size, format, side, aspect-ratio, frame and memory
limits, so what one upload can cost is bounded whatever it claims to be. Decoding then
rejects damaged or early-ending files, decodes big JPEGs at reduced size, and brings the
pixels down to the working size the caller needs without holding extra full-size copies.
What we store is always a fresh encode of those pixels: orientation applied, metadata
(EXIF, GPS, ICC, comments) dropped. The original bytes are never kept or served.
"""

import io
import math
import struct
import warnings
import zlib
from dataclasses import dataclass, field

from django.conf import settings
from django.core.files.base import ContentFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")

# How EXIF orientation values map to the transposition that shows the image upright.
ORIENTATION_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Shrinking to the working size: source rows per band, the filter and its reach.
SHRINK_BAND_SOURCE_ROWS = 128
SHRINK_FILTER = Image.Resampling.BILINEAR
SHRINK_FILTER_SUPPORT = 1


class ImageRejected(ValueError):
    """The upload is not an image we accept; the message is safe to show to the user."""


def _from_settings(name: str):
    return field(default_factory=lambda: getattr(settings, name))


@dataclass(frozen=True)
class ImageLimits:
    """What one uploaded image may cost; the shared IMAGE_* settings unless given."""

    max_bytes: int
    max_pixels: int
    max_frames: int = _from_settings("IMAGE_MAX_FRAMES")
    max_side: int = _from_settings("IMAGE_MAX_SIDE")
    max_aspect_ratio: float = _from_settings("IMAGE_MAX_ASPECT_RATIO")
    max_decoded_bytes: int = _from_settings("IMAGE_MAX_DECODED_BYTES")


@dataclass(frozen=True)
class EncodedImage:
    """A re-encoded image, ready to be stored."""

    content: ContentFile
    width: int
    height: int
    extension: str


def decoded_bytes_per_pixel(image: Image.Image) -> int:
    """Memory per pixel while decoding: Pillow's own storage (RGB takes 4 bytes), plus the
    RGB(A) copy made before resampling (see needs_conversion)."""
    mode = image.mode
    stored = 1 if mode in ("1", "L", "P") else 2 if mode.startswith("I;16") else 4
    return stored + 4 if needs_conversion(image) else stored


def needs_conversion(image: Image.Image) -> bool:
    """Whether the pixels must become RGB(A) at full size, before they can be resampled."""
    return image.mode not in ("L", "RGB", "RGBA") or "transparency" in image.info


def load_image(
    upload,
    limits: ImageLimits,
    *,
    reduce_to: int,
    draft_to: int | None = None,
    cover: bool = False,
) -> Image.Image:
    """The upright, metadata-free RGB(A) pixels of ``upload``, or ImageRejected.

    The pixels come back no larger than ``reduce_to`` on their long side (or, with
    ``cover``, on their short side): everything the caller stores is made from that. A
    JPEG may be decoded at 1/2, 1/4 or 1/8 scale, as long as that keeps ``draft_to``
    (default ``reduce_to``) on the same side: far quicker than decoding it in full.
    """
    size = upload.size or 0
    if size == 0:
        raise ImageRejected(_("The file is empty."))
    if size > limits.max_bytes:
        raise ImageRejected(
            _("The file is larger than the %(limit)s limit.")
            % {"limit": filesizeformat(limits.max_bytes)}
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            # Pillow warns from about 89 megapixels (check_header is stricter and says why)
            # and about corrupt EXIF, which exif_orientation treats as upright.
            warnings.simplefilter("ignore")
            image = Image.open(upload, formats=ALLOWED_FORMATS)
        check_header(image, limits)
        if image.format == "PNG":
            check_png_complete(upload)
        image.seek(0)
        image = decode_reduced(image, reduce_to, draft_to=draft_to or reduce_to, cover=cover)
    except ImageRejected:
        raise
    except Image.DecompressionBombError as error:
        # Pillow refuses to even open images of more than about 179 megapixels.
        raise ImageRejected(
            _("The image is far over the %(limit).0f-megapixel limit.")
            % {"limit": limits.max_pixels / 1e6}
        ) from error
    except UnidentifiedImageError as error:
        raise ImageRejected(_("This file is not a JPEG, PNG, WebP or GIF image.")) from error
    except (OSError, SyntaxError, ValueError, EOFError, struct.error, zlib.error) as error:
        raise ImageRejected(_("The image is damaged or incomplete.")) from error
    image.info = {}
    return image


def check_header(image: Image.Image, limits: ImageLimits) -> None:
    """Refuse, from the header alone, an image whose decoding would cost too much."""
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageRejected(_("The image is damaged or incomplete."))
    if max(width, height) > limits.max_side:
        raise ImageRejected(
            _("The image is %(width)d x %(height)d pixels; each side can be at most %(limit)d.")
            % {"width": width, "height": height, "limit": limits.max_side}
        )
    if max(width, height) / min(width, height) > limits.max_aspect_ratio:
        raise ImageRejected(
            _("The image is too long and thin (%(width)d x %(height)d pixels).")
            % {"width": width, "height": height}
        )
    pixels = width * height
    if pixels > limits.max_pixels:
        raise ImageRejected(
            _("The image is %(mp).1f megapixels; the limit is %(limit).0f.")
            % {"mp": pixels / 1e6, "limit": limits.max_pixels / 1e6}
        )
    frames = getattr(image, "n_frames", 1)
    if frames > limits.max_frames:
        raise ImageRejected(
            _("The animation has more than %(limit)d frames.") % {"limit": limits.max_frames}
        )
    if pixels * decoded_bytes_per_pixel(image) * frames > limits.max_decoded_bytes:
        raise ImageRejected(
            _(
                "The image is too large to process: use fewer pixels or, for an "
                "animation, fewer frames."
            )
        )


# PNG colour type -> samples per pixel; Adam7 interlacing passes as (x0, y0, dx, dy).
PNG_SAMPLES = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}
ADAM7 = (
    (0, 0, 8, 8),
    (4, 0, 8, 8),
    (0, 4, 4, 8),
    (2, 0, 4, 4),
    (0, 2, 2, 4),
    (1, 0, 2, 2),
    (0, 1, 1, 2),
)
INFLATE_STEP = 1024 * 1024


def check_png_complete(upload) -> None:
    """Refuse a PNG whose pixel data ends before its last row.

    Pillow accepts a compressed stream that ends cleanly but early and leaves the missing
    rows black, so a few bytes can declare a huge image. Inflate the stream a step at a
    time (never holding it whole) and compare its length with what the header promises.
    """
    upload.seek(8)
    header = upload.read(25)
    width, height, depth, colour, _compression, _filter, interlace = struct.unpack(
        ">IIBBBBB", header[8:21]
    )
    bits = PNG_SAMPLES.get(colour, 4) * depth
    passes = ADAM7 if interlace else ((0, 0, 1, 1),)
    expected = 0
    for x0, y0, dx, dy in passes:
        columns, rows = -(-(width - x0) // dx), -(-(height - y0) // dy)
        if columns > 0 and rows > 0:
            expected += rows * (1 + -(-columns * bits // 8))
    inflater = zlib.decompressobj()
    produced = 0
    upload.seek(8)
    while produced <= expected and not inflater.eof:
        length_and_type = upload.read(8)
        if len(length_and_type) < 8:
            break
        length, kind = struct.unpack(">I4s", length_and_type)
        if kind == b"IDAT":
            data = upload.read(length)
            while produced <= expected:
                output = inflater.decompress(data, INFLATE_STEP)
                data = inflater.unconsumed_tail
                produced += len(output)
                if not output and not data:
                    break
            upload.seek(4, io.SEEK_CUR)
        else:
            upload.seek(length + 4, io.SEEK_CUR)
    upload.seek(0)
    if produced < expected:
        raise ImageRejected(_("The image is damaged or incomplete."))


def exif_orientation(image: Image.Image) -> int:
    """The EXIF orientation (1 is upright); malformed EXIF counts as upright."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Pillow warns about corrupt EXIF as well
            return int(image.getexif().get(ExifTags.Base.Orientation, 1))
    except (OSError, SyntaxError, ValueError, TypeError, KeyError, IndexError, struct.error):
        return 1


def working_size(size: tuple[int, int], side: int, *, cover: bool) -> tuple[int, int]:
    """``size`` scaled down so its long side (short side with ``cover``) is ``side``."""
    scale = side / (min(size) if cover else max(size))
    if scale >= 1:
        return size
    return (max(1, math.ceil(size[0] * scale)), max(1, math.ceil(size[1] * scale)))


def decode_reduced(
    image: Image.Image, reduce_to: int, *, draft_to: int, cover: bool
) -> Image.Image:
    """Decode the first frame, brought down to ``reduce_to`` as cheaply as possible, and
    turn it upright."""
    draft = working_size(image.size, draft_to, cover=cover)
    if draft != image.size:
        image.draft(image.mode, draft)  # only JPEG can; the others ignore it
    image.load()
    orientation = exif_orientation(image)  # after load: a PNG's EXIF may follow its pixels
    target = working_size(image.size, reduce_to, cover=cover)
    if needs_conversion(image):
        image = image.convert("RGBA" if has_alpha(image) else "RGB")
    if image.size != target:
        image = shrink(image, target)
    if image.mode == "L":
        image = image.convert("RGB")
    if orientation in ORIENTATION_TRANSPOSE:
        image = image.transpose(ORIENTATION_TRANSPOSE[orientation])
    return image


def has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info


def shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Resample ``image`` to ``size`` a band of rows at a time.

    A single resize holds the source, a half-resampled copy as tall as the source and the
    result at once (for RGBA, a premultiplied copy of the whole source too); band by band,
    those copies stay small. Each band reads enough rows around it for the filter, so the
    bands join without seams.
    """
    width, height = size
    result = Image.new(image.mode, size)
    row_height = image.height / height
    margin = math.ceil(SHRINK_FILTER_SUPPORT * row_height) + 1
    band_rows = max(1, int(SHRINK_BAND_SOURCE_ROWS / row_height))
    for top in range(0, height, band_rows):
        bottom = min(top + band_rows, height)
        first = max(0, math.floor(top * row_height) - margin)
        last = min(image.height, math.ceil(bottom * row_height) + margin)
        source = image.crop((0, first, image.width, last))
        box = (0, top * row_height - first, image.width, bottom * row_height - first)
        result.paste(source.resize((width, bottom - top), SHRINK_FILTER, box=box), (0, top))
    return result


def encode_webp(image: Image.Image, *, quality: int = 82, method: int = 4) -> EncodedImage:
    return _encoded(image, "WEBP", "webp", quality=quality, method=method)


def encode_jpeg(image: Image.Image, *, quality: int) -> EncodedImage:
    """Opaque pixels as a JPEG at full colour resolution (no chroma subsampling)."""
    return _encoded(image, "JPEG", "jpg", quality=quality, subsampling=0)


def _encoded(image: Image.Image, image_format: str, extension: str, **options) -> EncodedImage:
    """``image`` in ``image_format``, with no metadata (none is passed to the encoder)."""
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **options)
    return EncodedImage(
        content=ContentFile(buffer.getvalue()),
        width=image.width,
        height=image.height,
        extension=extension,
    )


def avatar_limits() -> ImageLimits:
    return ImageLimits(max_bytes=settings.AVATAR_MAX_BYTES, max_pixels=settings.AVATAR_MAX_PIXELS)


def square_avatar(upload, limits: ImageLimits, *, side: int) -> EncodedImage:
    """Centre-crop an uploaded image to a ``side`` x ``side`` WebP avatar."""
    return encode_webp(square_crop(load_image(upload, limits, reduce_to=side, cover=True), side))


def fit_within(image: Image.Image, max_side: int) -> Image.Image:
    """``image`` no larger than ``max_side`` on its long side (never upscaled)."""
    if max(image.size) <= max_side:
        return image
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return copy


def square_crop(image: Image.Image, side: int) -> Image.Image:
    return ImageOps.fit(image, (side, side), Image.Resampling.LANCZOS)
