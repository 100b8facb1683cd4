import importlib

import factory
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth.models import Group

from accounts.models import Follow, User
from accounts.services import follow_counts_recount
from photos.models import Photo
from photos.renditions import decode_upload
from photos.services import photo_create, photo_like_count_hide
from tests.images import image_bytes, upload

PASSWORD = "correct-horse-battery"
MODERATORS_MIGRATION = importlib.import_module("accounts.migrations.0002_moderators_group")


def moderators_group() -> Group:
    """The migration-made group; made again if a transactional test flushed it."""
    MODERATORS_MIGRATION.create_moderators(apps, schema_editor=None)
    return Group.objects.get(name="Moderators")


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified email address who can log in with PASSWORD."""

    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    display_name = factory.Faker("name")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(user, create, extracted, **kwargs):
        if create:
            EmailAddress.objects.get_or_create(
                user=user, email=user.email, defaults={"verified": True, "primary": True}
            )

    class Params:
        moderator = factory.Trait(
            groups=factory.PostGeneration(
                lambda user, create, extracted: user.groups.add(moderators_group())
            )
        )
        admin = factory.Trait(is_staff=True, is_superuser=True)


class FollowFactory(factory.django.DjangoModelFactory):
    """A follow row made directly (no signals), with both people's counts kept true."""

    class Meta:
        model = Follow
        skip_postgeneration_save = True

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)

    @factory.post_generation
    def counts(follow, create, extracted, **kwargs):
        if create:
            follow_counts_recount(user_ids=[follow.follower_id, follow.followed_id])


class PhotoFactory(factory.django.DjangoModelFactory):
    """A photo posted through the real pipeline (photos.services.photo_create).

    ``size``, ``colour`` and ``fmt`` shape the generated image; ``created`` may be given to
    backdate a photo (set after the pipeline has stored it).
    """

    class Meta:
        model = Photo

    class Params:
        size = (64, 48)
        colour = "teal"
        fmt = "PNG"

    owner = factory.SubFactory(UserFactory)
    caption = factory.Faker("sentence")
    alt_text = factory.Faker("sentence")
    hide_like_count = False
    image = factory.LazyAttribute(
        lambda photo: decode_upload(
            upload(image_bytes(photo.fmt, size=photo.size, colour=photo.colour))
        )
    )

    @classmethod
    def _create(cls, model_class, *args, created=None, hide_like_count=False, **kwargs):
        photo = photo_create(**kwargs)
        if hide_like_count:
            photo_like_count_hide(photo=photo, hidden=True)
        if created is not None:
            Photo.objects.filter(pk=photo.pk).update(created=created)
            photo.refresh_from_db()
        return photo
