"""Image files made on the fly for upload tests: good ones and hostile ones."""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (64, 48), colour="red", **save) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def upload(content: bytes, name: str = "picture.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def jpeg_with_gps_and_rotation() -> bytes:
    """A 60x30 JPEG whose EXIF says: rotate 90° (orientation 6) and here is my GPS position."""
    image = Image.new("RGB", (60, 30), "blue")
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: rotate 90° clockwise to display
    exif[0x8825] = {1: "N", 2: (38.0, 42.0, 0.0), 3: "W", 4: (9.0, 8.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def decompression_bomb() -> bytes:
    """A tiny PNG that claims 20000x20000 pixels: small on disk, huge in memory."""
    buffer = io.BytesIO()
    Image.new("1", (20000, 20000)).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def truncated_jpeg() -> bytes:
    data = image_bytes("JPEG", size=(400, 400), colour="green")
    return data[: len(data) // 2]


def renamed_executable() -> bytes:
    return b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def jpeg_halves_with_gps_and_rotation(size: tuple[int, int] = (60, 30)) -> bytes:
    """A 60x30 JPEG (or ``size``), left half red and right half blue, with GPS and
    orientation 6.

    Shown upright (rotated 90° clockwise) it is 30x60 with red on top and blue below, so
    a square crop of it is red in its top half only if the orientation was applied.
    """
    image = Image.new("RGB", size, "blue")
    image.paste("red", (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x8825] = {1: "N", 2: (38.0, 42.0, 0.0), 3: "W", 4: (9.0, 8.0, 0.0)}
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def blank_png(size: tuple[int, int]) -> bytes:
    """A 1-bit PNG of ``size``: compresses to almost nothing whatever its pixel count."""
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def animated_gif(frames: int, size: tuple[int, int] = (2, 2)) -> bytes:
    """A GIF with ``frames`` distinct frames (alternating colours so none are merged)."""
    images = [Image.new("P", size, index % 2) for index in range(frames)]
    for image in images:
        image.putpalette([0, 0, 0, 255, 255, 255])
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=images[1:], duration=20)
    return buffer.getvalue()


def jpeg_with_gps(size: tuple[int, int] = (60, 30), colour="teal") -> bytes:
    """A JPEG of ``size`` whose EXIF carries a GPS position (and a camera make)."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (38.0, 42.0, 0.0), 3: "W", 4: (9.0, 8.0, 0.0)}  # GPS IFD
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def noise_png(size: tuple[int, int] = (100, 100), seed: int = 0) -> bytes:
    """A PNG of random pixels: it doesn't compress, so its byte size is about 3 x pixels."""
    rng = random.Random(seed)
    pixels = bytes(rng.getrandbits(8) for _ in range(size[0] * size[1] * 3))
    buffer = io.BytesIO()
    Image.frombytes("RGB", size, pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def webp_chunks(data: bytes) -> list[bytes]:
    """The chunk names (b"VP8 ", b"VP8X", b"EXIF", b"XMP " ...) of a WebP file, in order."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", "not a WebP file"
    names, offset = [], 12
    while offset + 8 <= len(data):
        names.append(data[offset : offset + 4])
        length = int.from_bytes(data[offset + 4 : offset + 8], "little")
        offset += 8 + length + (length % 2)
    return names
