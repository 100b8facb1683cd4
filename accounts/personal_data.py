"""The person's profile and follows in "download my data", and their erasure."""

from collections.abc import Iterator
from pathlib import PurePosixPath

from allauth.account.models import EmailAddress

from accounts import services
from accounts.models import DataExport, Follow, User
from config.personal_data import json_bytes, table_files

FOLLOW_FIELDS = ["username", "display_name", "since"]


def export_profile(user: User) -> Iterator[tuple[str, bytes]]:
    profile = {
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
        "time_zone": user.timezone,
        "joined": user.date_joined,
        "last_login": user.last_login,
        "hide_like_counts": user.hide_like_counts,
        "like_notifications": user.notify_likes,
        "follow_notifications": user.notify_follows,
        "avatar": None,
    }
    if user.avatar:
        profile["avatar"] = f"avatar{PurePosixPath(user.avatar.name).suffix}"
        with user.avatar.open("rb") as avatar:
            yield profile["avatar"], avatar.read()
    yield "profile.json", json_bytes(profile)


def export_follows(user: User) -> Iterator[tuple[str, bytes]]:
    """People the person follows and people who follow them (both lists are public)."""
    following = Follow.objects.filter(follower=user).select_related("followed").order_by("created")
    followers = Follow.objects.filter(followed=user).select_related("follower").order_by("created")
    yield from table_files(
        "following",
        FOLLOW_FIELDS,
        (_person(link.followed, link.created) for link in following),
    )
    yield from table_files(
        "followers",
        FOLLOW_FIELDS,
        (_person(link.follower, link.created) for link in followers),
    )


def _person(person: User, since) -> dict:
    return {"username": person.username, "display_name": person.display_name, "since": since}


def erase(*, user: User) -> None:
    services.follows_erase(user=user)
    services.data_exports_remove(exports=DataExport.objects.filter(owner=user))
