import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group

from accounts.models import Follow, User

PASSWORD = "correct-horse-battery"


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
                lambda user, create, extracted: user.groups.add(
                    Group.objects.get(name="Moderators")
                )
            )
        )
        admin = factory.Trait(is_staff=True, is_superuser=True)


class FollowFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Follow

    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)
