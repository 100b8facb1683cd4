"""Roles: the Moderators group (made by a migration) carries the moderation permissions."""

import pytest
from django.contrib.auth.models import Group

MODERATION_PERMISSIONS = [
    "accounts.review_engagement",
    "accounts.review_reports",
    "accounts.act_on_content",
]


def test_moderators_group_exists_after_migrations_with_its_permissions(db):
    group = Group.objects.get(name="Moderators")

    granted = {
        f"{app_label}.{codename}"
        for app_label, codename in group.permissions.values_list(
            "content_type__app_label", "codename"
        )
    }
    assert set(MODERATION_PERMISSIONS) <= granted
    assert not any(perm.startswith(("accounts.delete_", "accounts.change_")) for perm in granted)


@pytest.mark.parametrize("perm", MODERATION_PERMISSIONS)
def test_moderator_has_the_moderation_permissions(moderator, perm):
    assert moderator.has_perm(perm)


@pytest.mark.parametrize("perm", MODERATION_PERMISSIONS)
def test_normal_people_do_not_have_moderation_permissions(owner, fan, perm):
    assert not owner.has_perm(perm)
    assert not fan.has_perm(perm)


def test_moderator_is_not_staff(moderator):
    assert not moderator.is_staff
    assert not moderator.is_superuser


def test_superuser_has_every_moderation_permission(admin_user):
    assert all(admin_user.has_perm(perm) for perm in MODERATION_PERMISSIONS)
