"""Demo people for seed_demo: drawn avatars, verified emails, a few follows."""

import io

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from accounts import services
from accounts.imaging import avatar_limits, square_avatar
from accounts.models import User

DEMO_PASSWORD = "likewise-demo"

# username, display name, bio, colour, role
PEOPLE = [
    ("ana", "Ana Souza", "Street photography and strong coffee.", "#d6336c", None),
    ("ben", "Ben Okafor", "Mountains, mostly. Sometimes clouds.", "#1c7ed6", None),
    ("cleo", "Cleo Martin", "Film cameras and old buildings.", "#2b8a3e", None),
    ("dev", "Dev Patel", "I keep Likewise friendly. Moderator.", "#e8590c", "moderator"),
    ("admin", "Site Admin", "Runs the place.", "#495057", "admin"),
]
FOLLOWS = [("ana", "ben"), ("ana", "cleo"), ("ben", "ana"), ("cleo", "ana"), ("dev", "ana")]


def png_upload(image: Image.Image, name: str) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def drawn_avatar(letter: str, colour: str) -> SimpleUploadedFile:
    image = Image.new("RGB", (256, 256), colour)
    draw = ImageDraw.Draw(image)
    draw.ellipse((48, 48, 208, 208), fill="white")
    draw.text((128, 128), letter, fill=colour, anchor="mm", font_size=110)
    return png_upload(image, f"{letter}.png")


def seed_people() -> dict[str, User]:
    """Create or refresh the demo people; returns them by username."""
    moderators = Group.objects.get(name="Moderators")
    limits = avatar_limits()
    people: dict[str, User] = {}
    for username, display_name, bio, colour, role in PEOPLE:
        user, created = User.objects.get_or_create(
            username=username, defaults={"email": f"{username}@example.com"}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = user.is_superuser = role == "admin"
        user.save()
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        if role == "moderator":
            user.groups.add(moderators)
        if not user.avatar:
            avatar = square_avatar(
                drawn_avatar(display_name[0], colour), limits, side=settings.AVATAR_SIZE
            )
            services.profile_update(
                user=user,
                display_name=display_name,
                bio=bio,
                timezone="Europe/Lisbon",
                avatar=avatar,
            )
        people[username] = user
    for follower, followed in FOLLOWS:
        services.follow_set(follower=people[follower], followed=people[followed], following=True)
    return people
