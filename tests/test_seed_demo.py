"""The demo data command: the people the README promises, safe to re-run, dev-only.

Each seed draws and encodes the demo photos too (a few seconds), so the checks are grouped
into few tests.
"""

import io

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from accounts.models import Follow, User

DEMO_PEOPLE = ["admin", "ana", "ben", "cleo", "dev"]
DEMO_FOLLOWS = {("ana", "ben"), ("ana", "cleo"), ("ben", "ana"), ("cleo", "ana"), ("dev", "ana")}


def seed(**options) -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out, **options)
    return out.getvalue()


def snapshot() -> dict:
    return {
        "users": sorted(User.objects.values_list("username", "is_staff", "is_superuser")),
        "avatars": dict(User.objects.values_list("username", "avatar")),
        "follows": sorted(Follow.objects.values_list("follower__username", "followed__username")),
        "emails": sorted(EmailAddress.objects.values_list("email", "verified", "primary")),
        "moderators": sorted(
            User.objects.filter(groups__name="Moderators").values_list("username", flat=True)
        ),
    }


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_seed_demo_creates_people_with_verified_emails_avatars_roles_and_follows(db, debug):
    output = seed()

    assert sorted(User.objects.values_list("username", flat=True)) == DEMO_PEOPLE
    for user in User.objects.all():
        assert user.display_name
        assert user.avatar, f"{user} has an avatar"
        assert user.avatar.storage.exists(user.avatar.name)
        address = EmailAddress.objects.get(user=user)
        assert address.email == f"{user.username}@example.com"
        assert address.verified and address.primary

    dev = User.objects.get(username="dev")
    assert list(dev.groups.values_list("name", flat=True)) == ["Moderators"]
    assert not dev.is_staff and not dev.is_superuser
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.is_staff
    for person in User.objects.filter(username__in=["ana", "ben", "cleo"]):
        assert not person.is_staff and not person.is_superuser
        assert not person.groups.exists()

    follows = set(Follow.objects.values_list("follower__username", "followed__username"))
    assert follows == DEMO_FOLLOWS
    assert "likewise-demo" in output


def test_running_seed_demo_twice_changes_nothing(db, debug, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    first = snapshot()
    ana = User.objects.get(username="ana")
    ana.set_password("ana-chose-her-own")
    ana.save()

    with django_capture_on_commit_callbacks(execute=True):
        seed()

    assert snapshot() == first
    for user in User.objects.all():
        assert user.avatar.storage.exists(user.avatar.name), "avatars are kept, not replaced"
    ana.refresh_from_db()
    assert ana.check_password("ana-chose-her-own"), "a changed password is left alone"


def test_demo_people_can_log_in_with_the_demo_password(client, db, debug):
    seed()

    for username in DEMO_PEOPLE:
        response = client.post(
            reverse("account_login"), {"login": username, "password": "likewise-demo"}
        )
        assert response.status_code == 302, username
        assert client.session["_auth_user_id"] == str(User.objects.get(username=username).pk)
        client.logout()


def test_seed_demo_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG is off"):
        seed()

    assert not User.objects.exists()


def test_seed_demo_runs_with_debug_off_when_explicitly_allowed(db, settings):
    settings.DEBUG = False

    seed(allow_production=True)

    assert sorted(User.objects.values_list("username", flat=True)) == DEMO_PEOPLE
