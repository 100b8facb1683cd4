"""Demo photos for seed_demo, drawn with Pillow (nothing is downloaded)."""

import random

from PIL import Image, ImageDraw

from accounts.demo import png_upload
from accounts.models import User
from photos import services
from photos.renditions import decode_upload

# username -> (caption, alt text, sky colour, ground colour)
PHOTOS = {
    "ana": [
        (
            "Morning light on the tram lines.",
            "A yellow tram on a hill under an orange sky",
            "#f59f00",
            "#5c3d2e",
        ),
        ("Coffee first.", "A pink sunrise over dark rooftops", "#f783ac", "#343a40"),
        ("Alfama at dusk.", "Purple dusk over a maze of terracotta roofs", "#7048e8", "#c2410c"),
    ],
    "ben": [
        (
            "Above the clouds, finally.",
            "A snowy peak above a sea of clouds under blue sky",
            "#339af0",
            "#f8f9fa",
        ),
        ("Ridge walk.", "A green ridge line under a pale blue sky", "#a5d8ff", "#2f9e44"),
    ],
    "cleo": [
        ("Shot on expired film.", "Faded teal sky above a brick factory", "#63e6be", "#a61e4d"),
        (
            "Old station, new light.",
            "Golden light across an old station's stone floor",
            "#ffd43b",
            "#495057",
        ),
    ],
}


def drawn_photo(sky: str, ground: str, seed: int) -> Image.Image:
    """A little landscape: sky, sun, hills."""
    rng = random.Random(seed)
    width, height = 1600, 1200
    image = Image.new("RGB", (width, height), sky)
    draw = ImageDraw.Draw(image)
    sun_x, sun_y = rng.randint(200, 1400), rng.randint(120, 400)
    draw.ellipse((sun_x - 110, sun_y - 110, sun_x + 110, sun_y + 110), fill="#fff4e6")
    for layer in range(3):
        base = 700 + layer * 150
        points = [(0, height)]
        points += [(x, base + rng.randint(-120, 120)) for x in range(0, width + 200, 200)]
        points.append((width, height))
        draw.polygon(points, fill=ground if layer == 2 else _blend(sky, ground, 0.4 + layer * 0.3))
    return image


def _blend(first: str, second: str, amount: float) -> tuple[int, int, int]:
    a = Image.new("RGB", (1, 1), first).getpixel((0, 0))
    b = Image.new("RGB", (1, 1), second).getpixel((0, 0))
    return tuple(round(x + (y - x) * amount) for x, y in zip(a, b, strict=True))


def seed_photos(people: dict[str, User]) -> None:
    """Give each demo photographer their photos, unless they already have some."""
    for username, photos in PHOTOS.items():
        owner = people[username]
        if owner.photos.exists():
            continue
        for index, (caption, alt_text, sky, ground) in enumerate(photos):
            upload = png_upload(drawn_photo(sky, ground, seed=index), f"{username}-{index}.png")
            services.photo_create(
                owner=owner, image=decode_upload(upload), caption=caption, alt_text=alt_text
            )
