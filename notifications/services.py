"""Every write to notifications goes through here.

Like and unlike receivers reconcile with the truth instead of trusting the order in which
after-commit callbacks run: a like and its unlike can commit close together and their
callbacks can run in either order, even at once in two processes. So each side writes
first and checks the truth after, with no wrapping transaction: every statement commits
on its own and the other side sees it. Whichever of the two runs last then sees the final
state of the Like and leaves the notification matching it, so no notification outlives
its like.
"""

import zoneinfo
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import (
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, TruncDate
from django.utils import timezone

from accounts.models import Follow, LikeNotifications, User
from config.queries import count_of
from engagement.models import Like
from engagement.policy import get_policy
from engagement.shield import withdrawal_shown_at
from notifications.models import Notification, NotificationGroup, PhotoMute
from photos.models import Photo


def _cooldown() -> timedelta:
    return timedelta(hours=settings.LIKE_RENOTIFY_COOLDOWN_HOURS)


def notification_add(
    *, recipient: User, actor: User, verb: str, photo: Photo | None, at: datetime
) -> Notification:
    """Create the (recipient, actor, verb, photo) notification, or bring a withdrawn one back.

    A withdrawal still pending (the shield's window has not ended) is simply cancelled:
    nothing visible changed. A withdrawn one comes back as new (unread) only once the
    cooldown since it was first sent has passed; within it a repeat stays silent unless
    the policy says otherwise.
    """
    notification, created = Notification.objects.get_or_create(
        recipient=recipient, actor=actor, verb=verb, photo=photo, defaults={"created": at}
    )
    if created or notification.withdrawn_at is None:
        notification_place(notification_id=notification.pk)
        return notification
    rows = Notification.objects.filter(pk=notification.pk, withdrawn_at__isnull=False)
    if notification.withdrawn_at > at:
        rows.update(withdrawn_at=None)
    elif (
        get_policy().renotify_repeat_like_within_cooldown
        or at - notification.created >= _cooldown()
    ):
        rows.update(created=at, read_at=None, withdrawn_at=None)
    notification_place(notification_id=notification.pk)
    return notification


# Called inside an event's dispatch, which commits or rolls back as one: a savepoint of
# its own would only add two statements per event.
@transaction.atomic(savepoint=False)
def notification_place(*, notification_id: int) -> None:
    """Put a notification in the right line of its recipient's list, or take it out.

    It is shown while not withdrawn (or its withdrawal is still pending: the shield's
    window has not ended), in the group of its verb, photo and the recipient's local day
    of ``created``; the groups' totals move with it. Idempotent: placing a notification
    that is where it belongs changes nothing. The row is locked, so two placements of one
    notification never count it twice.
    """
    row = (
        Notification.objects.select_for_update(of=("self",))
        .select_related("recipient")
        .filter(pk=notification_id)
        .order_by()  # one row by its key: no ordering to compile
        .first()
    )
    if row is None:
        return
    show = row.withdrawn_at is None or row.withdrawn_at > timezone.now()
    group = _group_of(row) if show else None
    if row.shown and (group is None or row.group_id != group.pk):
        NotificationGroup.objects.filter(pk=row.group_id).update(total=F("total") - 1)
    if group is not None and not (row.shown and row.group_id == group.pk):
        NotificationGroup.objects.filter(pk=group.pk).update(
            total=F("total") + 1, latest=Greatest(F("latest"), Value(row.created))
        )
    Notification.objects.filter(pk=row.pk).update(
        shown=show, group_id=group.pk if group else row.group_id
    )


def _group_of(row: Notification) -> NotificationGroup:
    day = timezone.localtime(row.created, zoneinfo.ZoneInfo(row.recipient.timezone)).date()
    group, _created = NotificationGroup.objects.get_or_create(
        recipient_id=row.recipient_id,
        verb=row.verb,
        photo_id=row.photo_id,
        day=day,
        defaults={"latest": row.created},
    )
    return group


def notifications_settle(*, recipient: User) -> None:
    """Take out of the list the notifications whose (shield-delayed) withdrawal has come
    due since they were last placed: run before the list or the badge is read."""
    due = Notification.objects.filter(
        recipient=recipient, shown=True, withdrawn_at__lte=timezone.now()
    ).values_list("pk", flat=True)
    for notification_id in list(due):
        notification_place(notification_id=notification_id)


def notification_withdraw(
    *, recipient: User, actor: User, verb: str, photo: Photo | None, at_once: bool = False
) -> int:
    """Take the notification out of the recipient's list and badge (at the shield's time,
    or ``at_once`` for a like a moderator voided: that is no one's withdrawal to hide)."""
    now = timezone.now()
    rows = Notification.objects.filter(
        recipient=recipient, actor=actor, verb=verb, photo=photo, withdrawn_at__isnull=True
    )
    ids = list(rows.values_list("pk", flat=True))
    withdrawn = rows.filter(pk__in=ids).update(
        withdrawn_at=now if at_once else withdrawal_shown_at(now)
    )
    for notification_id in ids:
        notification_place(notification_id=notification_id)
    return withdrawn


def _wants_like_notification(recipient: User, actor: User, photo: Photo) -> bool:
    if recipient.pk == actor.pk or recipient.notify_likes == LikeNotifications.OFF:
        return False
    if PhotoMute.objects.filter(user=recipient, photo=photo).exists():
        return False
    if recipient.notify_likes == LikeNotifications.FOLLOWING:
        return Follow.objects.filter(follower=recipient, followed=actor).exists()
    return True


def _still_liked(user: User, photo: Photo) -> bool:
    return Like.objects.filter(user=user, photo=photo).exists()


def like_notify(*, liker: User, photo: Photo, at: datetime) -> None:
    """React to a committed like: notify the owner if the like still stands."""
    policy = get_policy()
    owner = photo.owner
    if not policy.notify_owner_of_like or not _wants_like_notification(owner, liker, photo):
        return
    if not _still_liked(liker, photo):
        return
    notification_add(recipient=owner, actor=liker, verb=Notification.Verb.LIKE, photo=photo, at=at)
    if not _still_liked(liker, photo) and policy.withdraw_like_notification_on_unlike:
        # The unlike committed while we wrote; its receiver may have run before our row
        # existed, so take the row back ourselves.
        notification_withdraw(
            recipient=owner, actor=liker, verb=Notification.Verb.LIKE, photo=photo
        )


def unlike_notify(*, liker: User, photo: Photo, at: datetime, voided: bool = False) -> None:
    """React to a committed unlike: withdraw the like notification if the like is gone.

    A like a moderator voided leaves at once and never notifies anyone.
    """
    policy = get_policy()
    owner = photo.owner
    if (voided or policy.withdraw_like_notification_on_unlike) and not _still_liked(liker, photo):
        notification_withdraw(
            recipient=owner,
            actor=liker,
            verb=Notification.Verb.LIKE,
            photo=photo,
            at_once=voided,
        )
    if voided:
        return
    if policy.notify_owner_of_unlike and _wants_like_notification(owner, liker, photo):
        notification_add(
            recipient=owner, actor=liker, verb=Notification.Verb.UNLIKE, photo=photo, at=at
        )


def follow_notify(*, follower: User, followed: User, at: datetime) -> None:
    if not User.objects.filter(pk=followed.pk, notify_follows=True).exists():
        return
    if not Follow.objects.filter(follower=follower, followed=followed).exists():
        return
    notification_add(
        recipient=followed, actor=follower, verb=Notification.Verb.FOLLOW, photo=None, at=at
    )
    if not Follow.objects.filter(follower=follower, followed=followed).exists():
        notification_withdraw(
            recipient=followed, actor=follower, verb=Notification.Verb.FOLLOW, photo=None
        )


def unfollow_notify(*, follower: User, followed: User) -> None:
    if not Follow.objects.filter(follower=follower, followed=followed).exists():
        notification_withdraw(
            recipient=followed, actor=follower, verb=Notification.Verb.FOLLOW, photo=None
        )


def warning_notify(*, member: User, at: datetime) -> None:
    """A moderator warned ``member``: a new, unread notification each time. It names no
    moderator, so the member is its own actor."""
    warning, _created = Notification.objects.update_or_create(
        recipient=member,
        actor=member,
        verb=Notification.Verb.WARNING,
        photo=None,
        defaults={"created": at, "read_at": None, "withdrawn_at": None},
    )
    notification_place(notification_id=warning.pk)


def notifications_mark_read(*, recipient: User, ids: list[int] | None = None) -> int:
    """Mark the given notifications (or all of them) read; returns how many changed."""
    unread = Notification.objects.filter(recipient=recipient, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def photo_mute_set(*, user: User, photo: Photo, muted: bool) -> None:
    """Mute (or unmute) like notifications for one of the user's own photos."""
    if muted:
        PhotoMute.objects.get_or_create(user=user, photo=photo)
    else:
        PhotoMute.objects.filter(user=user, photo=photo).delete()


def notification_preferences_update(*, user: User, notify_likes: str, notify_follows: bool) -> None:
    user.notify_likes = notify_likes
    user.notify_follows = notify_follows
    user.full_clean(exclude=["password"])
    user.save(update_fields=["notify_likes", "notify_follows"])


def notifications_erase(*, user: User) -> int:
    """Delete every notification to or from ``user`` and their muted photos (their account
    is being deleted); returns how many notifications went."""
    PhotoMute.objects.filter(user=user).delete()
    theirs = Notification.objects.filter(actor=user, shown=True).exclude(recipient=user)
    group_ids = set(theirs.values_list("group_id", flat=True))
    deleted, _counts = Notification.objects.filter(Q(recipient=user) | Q(actor=user)).delete()
    notification_groups_recount(group_ids=group_ids)
    return deleted


def shown_in_line() -> Coalesce:
    """How many notifications the outer line (NotificationGroup) shows."""
    return count_of(Notification.objects.filter(group=OuterRef("pk"), shown=True), per="group")


def notification_groups_recount(*, group_ids: set[int] | None = None) -> int:
    """Set groups' totals from the notifications they show (all groups without ids);
    returns how many groups changed."""
    shown = shown_in_line()
    groups = NotificationGroup.objects.all()
    if group_ids is not None:
        groups = groups.filter(pk__in=group_ids)
    return groups.annotate(true_total=shown).exclude(total=F("true_total")).update(total=shown)


@transaction.atomic
def notification_groups_rebuild() -> int:
    """Rebuild every list line from the notifications themselves, in a few set-based
    statements per time zone (bulk-loaded data, the migration that introduced lines,
    and check_integrity --repair); returns how many lines there are."""
    now = timezone.now()
    NotificationGroup.objects.all().delete()  # rows' links clear with them (SET_NULL)
    Notification.objects.filter(shown=True).update(shown=False)
    visible = Notification.objects.filter(Notification.visible_at(now))
    for name in User.objects.values_list("timezone", flat=True).distinct():
        zone = zoneinfo.ZoneInfo(name)
        rows = visible.filter(recipient__timezone=name)
        lines = (
            rows.annotate(day=TruncDate("created", tzinfo=zone))
            .values("recipient_id", "verb", "photo_id", "day")
            .annotate(total=Count("pk"), latest=Max("created"))
            .order_by()
        )
        NotificationGroup.objects.bulk_create(
            (NotificationGroup(**line) for line in lines), batch_size=5_000
        )
        for with_photo in (True, False):
            line = NotificationGroup.objects.filter(
                recipient=OuterRef("recipient"),
                verb=OuterRef("verb"),
                day=TruncDate(
                    ExpressionWrapper(OuterRef("created"), output_field=DateTimeField()),
                    tzinfo=zone,
                ),
            )
            line = (
                line.filter(photo=OuterRef("photo"))
                if with_photo
                else line.filter(photo__isnull=True)
            )
            rows.filter(photo__isnull=not with_photo).update(
                shown=True, group_id=Subquery(line.values("pk")[:1])
            )
    return NotificationGroup.objects.count()
