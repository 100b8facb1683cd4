"""Hostile images, made here, against the photo and avatar upload pipeline.

Every file is refused with a clear message and leaves nothing behind, or (malformed EXIF)
is stored clean; none is a 500. What each costs is measured in a child process, one fork
per file, so this process's own memory doesn't count: no upload may peak above 300 MB.
"""

import io
import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from django.urls import reverse
from PIL import Image, ImageFile

from photos.models import Photo
from tests.images import image_bytes, truncated_jpeg, upload

ROOT = Path(__file__).resolve().parent.parent
PEAK_MB = 300
DAMAGED = "The image is damaged or incomplete."
NOT_AN_IMAGE = "This file is not a JPEG, PNG, WebP or GIF image."


# --- Making hostile files -------------------------------------------------------------------


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def declared_png(
    width: int, height: int, *, rows: int | None = None, colour_type: int = 0, depth: int = 1
) -> bytes:
    """A PNG of zeros declaring ``width`` x ``height`` whose compressed data, complete and
    well-formed, holds only ``rows`` rows (all of them by default). Built row by row, so
    even a huge declared image costs this process almost nothing."""
    samples = {0: 1, 2: 3, 4: 2, 6: 4}[colour_type]
    row = b"\x00" * (1 + -(-width * samples * depth // 8))
    compressor = zlib.compressobj(9)
    data = b"".join(compressor.compress(row) for _ in range(height if rows is None else rows))
    data += compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def apng_claiming_frames(frames: int) -> bytes:
    """A 4x4 PNG whose animation chunk claims ``frames`` frames."""
    png = declared_png(4, 4)
    actl = png_chunk(b"acTL", struct.pack(">II", frames, 0))
    return png[:33] + actl + png[33:]


def webp_claiming_canvas(width: int, height: int) -> bytes:
    """A 4x4 WebP whose extended header claims a ``width`` x ``height`` canvas."""
    buffer = io.BytesIO()
    # EXIF forces the extended (VP8X) header, which carries the canvas size.
    Image.new("RGBA", (4, 4)).save(buffer, format="WEBP", exif=b"Exif\x00\x00II*\x00")
    data = bytearray(buffer.getvalue())
    canvas = data.index(b"VP8X") + 12
    data[canvas : canvas + 6] = (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(
        3, "little"
    )
    return bytes(data)


def gif_frames(count: int, size: tuple[int, int]) -> bytes:
    """An animated GIF of ``count`` frames, alternating colours so none are merged."""
    frames = [Image.new("P", size, index % 2) for index in range(count)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 255, 255, 255])
    buffer = io.BytesIO()
    frames[0].save(buffer, format="GIF", save_all=True, append_images=frames[1:])
    return buffer.getvalue()


def jpeg_with_raw_exif(exif: bytes, size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG carrying ``exif`` as its EXIF segment, whatever it holds."""
    buffer = io.BytesIO()
    Image.new("RGB", size, "purple").save(buffer, format="JPEG", exif=b"Exif\x00\x00" + exif)
    return buffer.getvalue()


def exif_orientation(value: int, *, offset: int = 8) -> bytes:
    """Little-endian TIFF header with one IFD entry: Orientation = ``value``."""
    entry = struct.pack("<HHIHH", 0x0112, 3, 1, value, 0)
    return b"II*\x00" + struct.pack("<I", offset) + struct.pack("<H", 1) + entry + b"\0" * 4


def truncated_png() -> bytes:
    data = image_bytes("PNG", size=(300, 300), colour="orange", compress_level=0)
    return data[: len(data) // 2]


# name -> (make the file, file name, content type, the message the person reads)
REFUSED = {
    "empty": (lambda: b"", "empty.png", "image/png", "The submitted file is empty."),
    "truncated-jpeg": (truncated_jpeg, "cut.jpg", "image/jpeg", DAMAGED),
    "truncated-png": (truncated_png, "cut.png", "image/png", DAMAGED),
    "html-as-jpeg": (
        lambda: b"<!doctype html><script>alert(1)</script>",
        "cat.jpg",
        "image/jpeg",
        NOT_AN_IMAGE,
    ),
    "svg": (
        lambda: b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
        "logo.svg",
        "image/svg+xml",
        NOT_AN_IMAGE,
    ),
    "gif-header-then-html": (
        lambda: b"GIF89a<html><script>alert(1)</script></html>",
        "funny.gif",
        "image/gif",
        NOT_AN_IMAGE,
    ),
    "bomb-400-megapixels": (
        lambda: declared_png(20_000, 20_000),
        "bomb.png",
        "image/png",
        "The image is far over the 40-megapixel limit.",
    ),
    "bomb-144-megapixels": (
        lambda: declared_png(12_000, 12_000),
        "bomb.png",
        "image/png",
        "The image is 144.0 megapixels; the limit is 40.",
    ),
    "webp-canvas-claiming-121-megapixels": (
        lambda: webp_claiming_canvas(11_000, 11_000),
        "canvas.webp",
        "image/webp",
        DAMAGED,  # libwebp refuses a canvas that doesn't match its image
    ),
    "one-by-forty-million": (
        lambda: declared_png(1, 40_000_000, rows=1),
        "line.png",
        "image/png",
        "The image is 1 x 40000000 pixels; each side can be at most 12000.",
    ),
    "long-and-thin": (
        lambda: declared_png(12_000, 100),
        "strip.png",
        "image/png",
        "The image is too long and thin (12000 x 100 pixels).",
    ),
    "ends-early-grey": (
        lambda: declared_png(4000, 4000, rows=3, depth=8),
        "short.png",
        "image/png",
        DAMAGED,
    ),
    "ends-early-rgba": (
        lambda: declared_png(6000, 6000, rows=2, colour_type=6, depth=8),
        "short.png",
        "image/png",
        DAMAGED,
    ),
    "too-many-gif-frames": (
        lambda: gif_frames(501, (2, 2)),
        "long.gif",
        "image/gif",
        "The animation has more than 500 frames.",
    ),
    "apng-claiming-a-million-frames": (
        lambda: apng_claiming_frames(1_000_000),
        "long.png",
        "image/png",
        "The animation has more than 500 frames.",
    ),
    "gif-frames-over-the-memory-budget": (
        lambda: gif_frames(100, (600, 600)),
        "heavy.gif",
        "image/gif",
        "The image is too large to process: use fewer pixels or, for an animation, fewer frames.",
    ),
}

# Hostile only in their metadata: stored, cleaned, upright as far as it can be told.
MALFORMED_EXIF = {
    "exif-garbage": lambda: jpeg_with_raw_exif(b"\xde\xad\xbe\xef" * 8),
    "exif-orientation-out-of-range": lambda: jpeg_with_raw_exif(exif_orientation(99)),
    "exif-ifd-beyond-the-end": lambda: jpeg_with_raw_exif(exif_orientation(6, offset=10**6)),
    "exif-truncated-entry": lambda: jpeg_with_raw_exif(exif_orientation(6)[:14]),
}


@pytest.fixture(scope="module")
def refused_files() -> dict[str, bytes]:
    return {name: make() for name, (make, *_rest) in REFUSED.items()}


def stored_files(root: Path) -> list[Path]:
    return [path for path in Path(root).rglob("*") if path.is_file()]


def post_image(client, target: str, content: bytes, name: str, content_type: str):
    file = upload(content, name, content_type)
    if target == "photo":
        data = {"image": file, "alt_text": "Something hostile"}
        return client.post(reverse("photo_upload"), data)
    data = {"display_name": "Olivia", "bio": "", "timezone": "UTC", "avatar": file}
    return client.post(reverse("profile_edit"), data)


# --- Through the pages ----------------------------------------------------------------------


@pytest.mark.parametrize("target", ["photo", "avatar"])
@pytest.mark.parametrize("case", list(REFUSED))
def test_hostile_file_is_refused_clearly_and_leaves_nothing(
    owner_client, owner, media, refused_files, target, case
):
    _make, name, content_type, message = REFUSED[case]
    response = post_image(owner_client, target, refused_files[case], name, content_type)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Photo.objects.exists()
    owner.refresh_from_db()
    assert not owner.avatar
    assert stored_files(media) == []


@pytest.mark.parametrize("case", list(MALFORMED_EXIF))
def test_malformed_exif_is_dropped_and_the_photo_stored_clean(owner_client, media, case):
    response = post_image(owner_client, "photo", MALFORMED_EXIF[case](), "odd.jpg", "image/jpeg")

    assert response.status_code == 302
    photo = Photo.objects.get()
    for field, image_format in (("master", "JPEG"), ("display", "WEBP"), ("thumbnail", "WEBP")):
        with getattr(photo, field).open("rb") as stored, Image.open(stored) as image:
            assert image.format == image_format
            assert not image.getexif()
    assert (photo.width, photo.height) == (64, 48), "an unreadable orientation is upright"


@pytest.mark.parametrize("target", ["photo", "avatar"])
def test_a_bomb_is_refused_by_the_apps_own_check_before_any_pixel_is_decoded(
    owner_client, owner, media, settings, monkeypatch, target
):
    """Pillow's own guard switched off and its decoder forbidden: what refuses the bomb is
    the app's pixel limit, read from the header alone."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)

    def decode(image, *args, **kwargs):
        raise AssertionError("the bomb's pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", decode)
    settings.PHOTO_MAX_PIXELS = settings.AVATAR_MAX_PIXELS = 1_000_000
    bomb = declared_png(2_000, 2_000)  # 4 megapixels of zeros: a few kilobytes

    response = post_image(owner_client, target, bomb, "bomb.png", "image/png")

    assert response.status_code == 200
    assert "The image is 4.0 megapixels; the limit is 1." in response.content.decode()
    assert not Photo.objects.exists()
    owner.refresh_from_db()
    assert not owner.avatar
    assert stored_files(media) == []


# --- What each one costs --------------------------------------------------------------------

PROBE = """
import json, os, resource, sys, django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from accounts.imaging import ImageRejected, avatar_limits, square_avatar
from django.conf import settings
from photos.renditions import decode_upload, upload_renditions

def run(path):
    # What the photo pipeline does with the file; the avatar one runs on it too.
    upload = SimpleUploadedFile(os.path.basename(path), open(path, "rb").read())
    try:
        upload_renditions(decode_upload(upload))
        outcome = "stored"
    except ImageRejected:
        outcome = "refused"
    try:
        square_avatar(upload, avatar_limits(), side=settings.AVATAR_SIZE)
    except ImageRejected:
        pass
    return outcome

for path in sys.argv[1:]:
    read, write = os.pipe()
    if os.fork() == 0:
        outcome = run(path)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        os.write(write, json.dumps([outcome, peak]).encode())
        os._exit(0)
    os.close(write)
    os.wait()
    print(json.dumps([os.path.basename(path), *json.loads(os.read(read, 1000))]))
"""


def camera_jpeg() -> bytes:
    """24 megapixels with texture, like a camera's."""
    noise = Image.effect_noise((1500, 1000), 60).resize((6000, 4000))
    buffer = io.BytesIO()
    Image.merge("RGB", (noise, noise.rotate(180), noise.transpose(0))).save(
        buffer, format="JPEG", quality=90
    )
    return buffer.getvalue()


def transparent_png() -> bytes:
    """40 megapixels of transparent zeros: about 150 KB on disk."""
    buffer = io.BytesIO()
    Image.new("RGBA", (8000, 5000)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_no_upload_peaks_above_300_mb(tmp_path, refused_files):
    """Memory, which does not depend on the machine; how quick an upload is, `manage.py
    bench` measures (a timed test fails on a slower machine, or passes on a faster one)."""
    files = dict(refused_files)
    files |= {name: make() for name, make in MALFORMED_EXIF.items()}
    files |= {"camera-24mp": camera_jpeg(), "transparent-40mp": transparent_png()}
    paths = []
    for name, content in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        paths.append(str(path))

    result = subprocess.run(
        [sys.executable, "-c", PROBE, *paths],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=True,
    )

    rows = [json.loads(line) for line in result.stdout.splitlines()]
    outcomes = {name: (outcome, peak) for name, outcome, peak in rows}
    assert set(outcomes) == set(files)
    for name in REFUSED:
        assert outcomes[name][0] == "refused", name
    for name in (*MALFORMED_EXIF, "camera-24mp", "transparent-40mp"):
        assert outcomes[name][0] == "stored", name
    over = {name: round(peak) for name, (_outcome, peak) in outcomes.items() if peak > PEAK_MB}
    assert over == {}, f"peak memory above {PEAK_MB} MB"
