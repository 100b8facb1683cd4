"""Every write to accounts data goes through here."""

from uuid import uuid4

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.imaging import EncodedImage
from accounts.models import Follow, User
from accounts.signals import user_followed, user_unfollowed


def _delete_file_on_commit(storage, name: str) -> None:
    transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def profile_update(
    *,
    user: User,
    display_name: str,
    bio: str,
    timezone: str,
    hide_like_counts: bool = False,
    avatar: EncodedImage | None = None,
    remove_avatar: bool = False,
) -> User:
    """Update the public profile; a replaced avatar file is deleted once the change commits."""
    old_avatar = user.avatar.name
    user.display_name = display_name.strip()
    user.bio = bio.strip()
    user.timezone = timezone
    user.hide_like_counts = hide_like_counts
    if avatar is not None:
        user.avatar.save(f"{uuid4().hex}.{avatar.extension}", avatar.content, save=False)
    elif remove_avatar:
        user.avatar = ""
    new_avatar = user.avatar.name
    try:
        user.full_clean(exclude=["password"])
        user.save(update_fields=["display_name", "bio", "timezone", "hide_like_counts", "avatar"])
    except Exception:
        if new_avatar and new_avatar != old_avatar:
            user.avatar.storage.delete(new_avatar)
        raise
    if old_avatar and old_avatar != new_avatar:
        _delete_file_on_commit(user.avatar.storage, old_avatar)
    return user


@transaction.atomic
def follow_set(*, follower: User, followed: User, following: bool) -> bool:
    """Make ``follower`` follow (or stop following) ``followed``.

    The caller states the desired state, so repeating a request is harmless. Returns
    whether anything changed; listeners hear about real changes only, after commit.
    """
    if follower.pk == followed.pk:
        raise ValidationError(_("You can't follow yourself."), code="follow_self")
    if following:
        _follow, changed = Follow.objects.get_or_create(follower=follower, followed=followed)
        signal = user_followed
    else:
        deleted, _counts = Follow.objects.filter(follower=follower, followed=followed).delete()
        changed = deleted > 0
        signal = user_unfollowed
    if changed:
        transaction.on_commit(
            lambda: signal.send(sender=Follow, follower=follower, followed=followed)
        )
    return changed
