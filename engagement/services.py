"""Every write to engagement data goes through here."""

from django.db import IntegrityError, transaction
from django.db.models import Case, F, PositiveIntegerField, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from engagement.models import EngagementEvent, Like, RateLimitHit
from engagement.policy import get_policy
from engagement.ratelimit import first_hit_in_window
from engagement.shield import liked_before_withdrawal, window_start
from engagement.signals import photo_liked, photo_unliked
from photos.models import Photo


@transaction.atomic
def like_set(*, user: User, photo: Photo, liked: bool) -> bool:
    """Make ``user`` like (or not like) ``photo``; returns whether anything changed.

    The request carries the desired state, so a double click or a retried request cannot
    flip it twice. A no-op writes nothing and sends nothing. The Like row (unique per
    user and photo) is the truth; Photo.like_count moves with it in the same transaction
    through an F() update, so concurrent requests can neither lose nor double a like.
    """
    now = timezone.now()
    if liked:
        # Not get_or_create: when a concurrent request's like wins the insert and another's
        # unlike deletes it again before get_or_create's fallback get(), that re-raises the
        # IntegrityError. A unique conflict means "already liked": nothing to change.
        changed = False
        if not Like.objects.filter(user=user, photo=photo).exists():
            try:
                with transaction.atomic():
                    Like.objects.create(user=user, photo=photo, created=now)
                changed = True
            except IntegrityError:
                pass
    else:
        deleted, _counts = Like.objects.filter(user=user, photo=photo).delete()
        changed = deleted > 0
    if not changed:
        return False

    window = window_start(now)
    if liked:
        updates = {"like_count": F("like_count") + 1}
        if EngagementEvent.objects.filter(
            actor=user, photo=photo, kind=EngagementEvent.Kind.UNLIKE, created__gte=window
        ).exists():
            # Their withdrawal this window was still displayed: it is simply taken back.
            updates["shield_withdrawals"] = Case(
                When(
                    shield_window=window,
                    shield_withdrawals__gt=0,
                    then=F("shield_withdrawals") - 1,
                ),
                default=F("shield_withdrawals"),
                output_field=PositiveIntegerField(),
            )
            if get_policy().unlike_shield:
                # ...and the like keeps the time it is displayed with, so the likers list
                # does not reorder either: nothing visible changes.
                displayed_since = liked_before_withdrawal(photo=photo, actor=user, at=now)
                Like.objects.filter(user=user, photo=photo).update(
                    created=Coalesce(Subquery(displayed_since), F("created"))
                )
    else:
        updates = {
            "like_count": F("like_count") - 1,
            "shield_withdrawals": Case(
                When(shield_window=window, then=F("shield_withdrawals") + 1), default=Value(1)
            ),
            "shield_window": Value(window),
        }
    Photo.objects.filter(pk=photo.pk).update(**updates)
    kind = EngagementEvent.Kind.LIKE if liked else EngagementEvent.Kind.UNLIKE
    EngagementEvent.objects.create(actor=user, photo=photo, kind=kind, created=now)

    signal = photo_liked if liked else photo_unliked
    transaction.on_commit(lambda: signal.send(sender=Like, user=user, photo=photo, at=now))
    return True


@transaction.atomic
def rate_limit_hit_record(*, user: User, photo: Photo | None, scope: str) -> None:
    """Keep the first time a person goes over a limit in each window, for moderators."""
    if first_hit_in_window(user.pk, scope):
        RateLimitHit.objects.create(user=user, photo=photo, scope=scope)
