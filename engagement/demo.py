"""Demo likes for seed_demo, made through like_set like any real like."""

from accounts.models import User
from engagement.models import Like
from engagement.services import like_set
from photos.models import Photo

# (liker, owner of the photos they like)
LIKES = [("ana", "ben"), ("ana", "cleo"), ("ben", "ana"), ("cleo", "ana"), ("dev", "ana")]


def seed_likes(people: dict[str, User]) -> None:
    for liker, owner in LIKES:
        for photo in Photo.objects.filter(owner=people[owner]):
            if not Like.objects.filter(user=people[liker], photo=photo).exists():
                like_set(user=people[liker], photo=photo, liked=True)
