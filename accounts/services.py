"""Every write to accounts data goes through here."""

import tempfile
import zipfile
from datetime import datetime, timedelta
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.db.models import (
    Case,
    F,
    OuterRef,
    PositiveIntegerField,
    QuerySet,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.imaging import EncodedImage
from accounts.models import DataExport, Follow, User
from accounts.selectors import deletion_grace
from accounts.signals import user_followed, user_unfollowed
from accounts.tasks import data_export_build_task
from config.personal_data import account_erasers, export_sections
from config.queries import count_of


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
        follow_counts_move(
            follower_id=follower.pk, followed_id=followed.pk, by=1 if following else -1
        )
        transaction.on_commit(
            lambda: signal.send(sender=Follow, follower=follower, followed=followed)
        )
    return changed


def follow_counts_move(*, follower_id: int, followed_id: int, by: int) -> None:
    """Move both people's follow counts in one statement (so two people following each
    other at once lock their rows in the same order and cannot deadlock)."""
    User.objects.filter(pk__in=[follower_id, followed_id]).update(
        follower_count=Case(
            When(pk=followed_id, then=F("follower_count") + by),
            default=F("follower_count"),
            output_field=PositiveIntegerField(),
        ),
        following_count=Case(
            When(pk=follower_id, then=F("following_count") + by),
            default=F("following_count"),
            output_field=PositiveIntegerField(),
        ),
    )


def follow_counts_recount(*, user_ids: list[int] | None = None) -> int:
    """Set follow counts from the Follow rows (all people, or ``user_ids``); returns how
    many people's counts changed."""
    people = User.objects.all() if user_ids is None else User.objects.filter(pk__in=user_ids)
    true_followers, true_following = follow_count("followed"), follow_count("follower")
    return (
        people.annotate(true_followers=true_followers, true_following=true_following)
        .exclude(follower_count=F("true_followers"), following_count=F("true_following"))
        .update(follower_count=true_followers, following_count=true_following)
    )


def follow_count(side: str) -> Coalesce:
    """A subquery counting the Follow rows whose ``side`` is the outer user."""
    return count_of(Follow.objects.filter(**{side: OuterRef("pk")}), per=side)


# --- Download my data ------------------------------------------------------------------


def _export_in_progress(user: User) -> DataExport | None:
    """The person's archive still being built, if any. One whose worker died (building
    for longer than DATA_EXPORT_STALE_MINUTES) is marked failed so it can be asked again."""
    stale = timezone.now() - timedelta(minutes=settings.DATA_EXPORT_STALE_MINUTES)
    DataExport.objects.filter(
        owner=user, status=DataExport.Status.BUILDING, created__lt=stale
    ).update(status=DataExport.Status.FAILED)
    return DataExport.objects.filter(
        owner=user, status__in=[DataExport.Status.QUEUED, DataExport.Status.BUILDING]
    ).first()


@transaction.atomic
def data_export_request(*, user: User) -> DataExport:
    """Queue a new archive of the person's data (or return the one already under way).

    Older archives are removed, so each person keeps at most one on disk.
    """
    current = _export_in_progress(user)
    if current is not None:
        return current
    data_exports_remove(exports=DataExport.objects.filter(owner=user))
    export = DataExport.objects.create(owner=user)
    transaction.on_commit(lambda: data_export_build_task.enqueue(export_id=export.pk))
    return export


def data_export_build(*, export_id: int) -> None:
    """Write the archive: each registered section in turn, the progress saved after each.

    Only a queued export is claimed, so running the task twice builds it once. The ZIP is
    written to a temporary file, so photos stream through without being held in memory.
    """
    claimed = DataExport.objects.filter(pk=export_id, status=DataExport.Status.QUEUED).update(
        status=DataExport.Status.BUILDING
    )
    if not claimed:
        return
    export = DataExport.objects.select_related("owner").get(pk=export_id)
    sections = export_sections()
    try:
        with tempfile.TemporaryFile() as spool:
            with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as archive:
                for done, section in enumerate(sections, start=1):
                    for name, content in section(export.owner):
                        archive.writestr(name, content)
                    progress = 99 * done // len(sections)
                    DataExport.objects.filter(pk=export_id).update(progress=progress)
            spool.seek(0)
            name = export.file.storage.save(f"exports/{uuid4().hex}.zip", File(spool))
    except Exception:
        DataExport.objects.filter(pk=export_id).update(status=DataExport.Status.FAILED)
        raise
    ready = DataExport.objects.filter(pk=export_id, status=DataExport.Status.BUILDING).update(
        status=DataExport.Status.READY,
        progress=100,
        file=name,
        expires_at=timezone.now() + timedelta(hours=settings.DATA_EXPORT_HOURS),
    )
    if not ready:  # removed (a newer request, or the account) while it was being built
        export.file.storage.delete(name)


@transaction.atomic
def data_exports_remove(*, exports: QuerySet[DataExport]) -> int:
    """Delete these exports and, once that commits, their files; returns how many."""
    names = [name for name in exports.values_list("file", flat=True) if name]
    deleted, _counts = exports.delete()
    for name in names:
        _delete_file_on_commit(DataExport.file.field.storage, name)
    return deleted


@transaction.atomic
def data_exports_expire(*, exports: QuerySet[DataExport]) -> int:
    """Delete the files of these exports whose link has expired; returns how many."""
    expired = exports.filter(status=DataExport.Status.READY, expires_at__lte=timezone.now())
    names = list(expired.values_list("file", flat=True))
    count = expired.update(status=DataExport.Status.EXPIRED, file="")
    for name in names:
        _delete_file_on_commit(DataExport.file.field.storage, name)
    return count


# --- Delete my account -------------------------------------------------------------------


@transaction.atomic
def account_deletion_request(*, user: User, password: str) -> datetime:
    """Schedule the account's deletion; returns when it will be deleted.

    Every session ends: the password is stored again with a fresh salt, so the hash that
    each session was signed with (``get_session_auth_hash``) no longer matches, while the
    same password still logs in, and logging in within the grace period cancels.
    """
    user.set_password(password)
    user.deletion_requested_at = timezone.now()
    user.save(update_fields=["password", "deletion_requested_at"])
    return user.deletion_requested_at + deletion_grace()


@transaction.atomic
def account_deletion_cancel(*, user: User) -> bool:
    """Keep the account after all; returns whether a deletion was pending."""
    cancelled = User.objects.filter(pk=user.pk, deletion_requested_at__isnull=False).update(
        deletion_requested_at=None
    )
    user.deletion_requested_at = None
    return cancelled > 0


@transaction.atomic
def account_purge(*, user: User) -> None:
    """Remove the account and everything about the person.

    Each app's eraser (ACCOUNT_ERASERS) removes its part first, through its own services,
    so counts and rollups stay exact and nobody is notified; then the user row goes, with
    what cascades from it (email addresses, two-factor devices). Moderation audit records
    only lose their link to the person (see engagement.moderation.models).
    """
    for erase in account_erasers():
        erase(user=user)
    if user.avatar:
        _delete_file_on_commit(user.avatar.storage, user.avatar.name)
    user.delete()


@transaction.atomic
def follows_erase(*, user: User) -> None:
    """End the person's follows. Their own follows end through ``follow_set``, so the
    people they followed see one follower fewer in their insights; follows of them simply
    go (their follower rollups go with the account)."""
    # Its own copy: listeners hear of each unfollow after commit, when ``user`` has been
    # deleted (and its pk cleared).
    follower = User.objects.get(pk=user.pk)
    for followed in User.objects.filter(follower_links__follower=user):
        follow_set(follower=follower, followed=followed, following=False)
    followers = list(Follow.objects.filter(followed=user).values_list("follower_id", flat=True))
    Follow.objects.filter(followed=user).delete()
    follow_counts_recount(user_ids=followers)
