"""Every write of moderation: flags, reports, and actions with their audit record.

Engagement changes only through engagement.services, so counts and events stay exact
whoever changes them. Every action writes one append-only ModerationAction in the same
transaction as its effect.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from engagement import services as engagement_services
from engagement.models import EngagementEvent, RateLimitHit
from engagement.moderation.models import (
    DetectionDue,
    Flag,
    ModerationAction,
    Report,
    ReportEntry,
    Severity,
    Status,
)
from engagement.moderation.signals import member_warned
from photos.models import Photo

Item = Flag | Report
# Reports from this many different people make a report high severity.
REPORTERS_FOR_HIGH_SEVERITY = 3


def _open_or_create(model: type[Item], *, subject: User, photo: Photo | None, **create):
    """The open item for (subject, photo, key), locked, or a new one (race-free: a unique
    constraint holds one open item per key; the loser of a race reads the winner's)."""
    key = {"subject": subject, "photo": photo, "status": Status.OPEN}
    key |= {"kind": create.pop("kind")} if model is Flag else {}
    rows = model.objects.select_for_update().filter(**key)
    item = rows.first()
    if item is not None:
        return item, False
    try:
        with transaction.atomic():
            return model.objects.create(**key, **create), True
    except IntegrityError:
        return rows.get(), False


def detection_due(*, person: User, at: datetime) -> bool:
    """Note that ``person``'s like or unlike at ``at`` is due for the detectors. Returns
    True for the first note since they last ran (the caller queues the task that runs
    them), False when some are already due: that task will cover this one too.

    Called while the event is dispatched, with the person's row locked (as the task
    locks it), so two notes for one person never both find nothing to widen.
    """
    widened = DetectionDue.objects.filter(person=person).update(
        since=Least(F("since"), at), until=Greatest(F("until"), at)
    )
    if widened:
        return False
    DetectionDue.objects.create(person=person, since=at, until=at)
    return True


@transaction.atomic
def flag_raise(
    *,
    kind: str,
    subject: User,
    severity: int,
    at: datetime,
    photo: Photo | None = None,
    events: Iterable[EngagementEvent] = (),
    rate_limit_hits: Iterable[RateLimitHit] = (),
    first_seen: datetime | None = None,
) -> Flag | None:
    """Raise a flag with its evidence, or add the evidence to the open one. It was
    seen at ``at`` (and since ``first_seen``, when raised for several findings at once).

    Evidence a moderator already closed (dismissed or acted on) does not raise a new flag
    by itself: a rerun over old events stays quiet; new events do raise one.
    """
    events, hits = list(events), list(rate_limit_hits)
    closed = Flag.objects.filter(kind=kind, subject=subject, photo=photo).exclude(
        status=Status.OPEN
    )
    already_closed = (
        Flag.events.through.objects.filter(flag__in=closed, engagementevent__in=events).count()
        + Flag.rate_limit_hits.through.objects.filter(
            flag__in=closed, ratelimithit__in=hits
        ).count()
    )
    if already_closed >= len(events) + len(hits):
        return None
    flag, created = _open_or_create(
        Flag,
        kind=kind,
        subject=subject,
        photo=photo,
        severity=severity,
        created=first_seen or at,
        last_seen=at,
    )
    if not created:  # locked by _open_or_create until this commits
        flag.severity = max(flag.severity, severity)
        flag.last_seen = max(flag.last_seen, at)
        flag.save(update_fields=["severity", "last_seen"])
    flag.events.add(*events)
    flag.rate_limit_hits.add(*hits)
    return flag


@transaction.atomic
def report_submit(
    *, reporter: User, subject: User, reason: str, note: str = "", photo: Photo | None = None
) -> Report:
    """Report a photo (of ``subject``) or the account ``subject``, merged into the open
    report of the same thing. A person's repeat updates their entry, not the count."""
    if reporter.pk == subject.pk:
        raise ValidationError(_("You can't report yourself or your own photos."))
    now = timezone.now()
    report, _created = _open_or_create(
        Report, subject=subject, photo=photo, reason=reason, report_count=0, created=now
    )
    _entry, entry_created = ReportEntry.objects.update_or_create(
        report=report, reporter=reporter, defaults={"reason": reason, "note": note, "created": now}
    )
    if entry_created:
        Report.objects.filter(pk=report.pk).update(report_count=F("report_count") + 1)
    reporters = report.report_count + int(entry_created)
    severity = Severity.HIGH if reporters >= REPORTERS_FOR_HIGH_SEVERITY else Severity.MEDIUM
    Report.objects.filter(pk=report.pk).update(reason=reason, last_seen=now, severity=severity)
    report.refresh_from_db()
    return report


def _target(person: User | None, photo: Photo | None) -> str:
    about = f"@{person.username}" if person else ""
    return f"{about} photo {photo.pk}".strip() if photo else about


def _record(
    *,
    moderator: User,
    kind: str,
    reason: str,
    item: Item | None = None,
    person: User | None = None,
    photo: Photo | None = None,
    detail: str = "",
    close: str | None = Status.ACTIONED,
) -> ModerationAction:
    """Write the audit record; close the item it answers (unless ``close`` is None)."""
    if item is not None and close is not None:
        type(item).objects.filter(pk=item.pk).update(status=close)
        item.status = close
    return ModerationAction.objects.create(
        moderator=moderator,
        moderator_name=moderator.username,
        kind=kind,
        flag=item if isinstance(item, Flag) else None,
        report=item if isinstance(item, Report) else None,
        subject=person,
        photo=photo,
        target=_target(person, photo),
        reason=reason,
        detail=detail,
    )


@transaction.atomic
def evidence_view_record(*, moderator: User, item: Item) -> ModerationAction:
    """A moderator looked at who did what (who withdrew likes included): audited."""
    return _record(
        moderator=moderator,
        kind=ModerationAction.Kind.VIEWED_EVIDENCE,
        reason=_("Opened the evidence in the review queue."),
        item=item,
        person=item.subject,
        photo=item.photo,
        close=None,
    )


@transaction.atomic
def event_log_view_record(*, moderator: User, looked_at: str) -> ModerationAction:
    """A moderator opened the engagement event log in admin (who withdrew which like):
    audited like any look at evidence. ``looked_at`` says which page or search."""
    return ModerationAction.objects.create(
        moderator=moderator,
        moderator_name=moderator.username,
        kind=ModerationAction.Kind.VIEWED_EVIDENCE,
        target=_("engagement event log"),
        reason=_("Opened the engagement event log in admin."),
        detail=looked_at[:200],
    )


@transaction.atomic
def item_dismiss(*, moderator: User, item: Item, reason: str) -> ModerationAction:
    return _record(
        moderator=moderator,
        kind=ModerationAction.Kind.DISMISS,
        reason=reason,
        item=item,
        person=item.subject,
        photo=item.photo,
        close=Status.DISMISSED,
    )


@transaction.atomic
def engagement_void(
    *,
    moderator: User,
    person: User,
    reason: str,
    photo: Photo | None = None,
    item: Item | None = None,
) -> ModerationAction:
    """Remove ``person``'s likes on ``photo`` (or everywhere), counts kept exact."""
    voided = engagement_services.likes_void(user=person, photo=photo)
    return _record(
        moderator=moderator,
        kind=ModerationAction.Kind.VOID,
        reason=reason,
        item=item,
        person=person,
        photo=photo,
        detail=_("%(count)d likes removed") % {"count": voided},
    )


@transaction.atomic
def member_warn(
    *, moderator: User, person: User, reason: str, item: Item | None = None
) -> ModerationAction:
    now = timezone.now()
    transaction.on_commit(lambda: member_warned.send(sender=User, member=person, at=now))
    return _record(
        moderator=moderator,
        kind=ModerationAction.Kind.WARN,
        reason=reason,
        item=item,
        person=person,
    )


@transaction.atomic
def member_restrict(
    *, moderator: User, person: User, reason: str, days: int, item: Item | None = None
) -> ModerationAction:
    """Lower ``person``'s like/unlike rate limits for ``days`` days."""
    until = timezone.now() + timedelta(days=days)
    User.objects.filter(pk=person.pk).update(likes_restricted_until=until)
    person.likes_restricted_until = until
    return _record(
        moderator=moderator,
        kind=ModerationAction.Kind.RESTRICT,
        reason=reason,
        item=item,
        person=person,
        detail=_("until %(until)s UTC") % {"until": f"{until:%Y-%m-%d %H:%M}"},
    )


@transaction.atomic
def account_suspended_set(
    *, moderator: User, person: User, suspended: bool, reason: str, item: Item | None = None
) -> ModerationAction:
    """Suspend: the person can no longer log in or act (is_active off ends their sessions
    too) and their likes stop counting. Restore: both come back, the likes exactly."""
    if User.objects.filter(pk=person.pk, is_active=suspended).update(is_active=not suspended):
        engagement_services.likes_counted_set(user=person, counted=not suspended)
    person.is_active = not suspended
    return _record(
        moderator=moderator,
        kind=ModerationAction.Kind.SUSPEND if suspended else ModerationAction.Kind.RESTORE,
        reason=reason,
        item=item,
        person=person,
        close=Status.ACTIONED if suspended else None,
    )


@transaction.atomic
def photo_hidden_set(
    *, moderator: User, photo: Photo, hidden: bool, reason: str, item: Item | None = None
) -> ModerationAction:
    """Hide a photo from everyone but its owner and moderators, or show it again."""
    photo.hidden_at = timezone.now() if hidden else None
    Photo.objects.filter(pk=photo.pk).update(hidden_at=photo.hidden_at)
    return _record(
        moderator=moderator,
        kind=ModerationAction.Kind.HIDE if hidden else ModerationAction.Kind.UNHIDE,
        reason=reason,
        item=item,
        person=photo.owner,
        photo=photo,
        close=Status.ACTIONED if hidden else None,
    )


@transaction.atomic
def likes_recount(*, moderator: User, photos: list[Photo], reason: str) -> int:
    """Recount like_count from the Like rows (an admin action), audited per photo."""
    changed = engagement_services.like_counts_recount(photo_ids=[photo.pk for photo in photos])
    for photo in photos:
        _record(
            moderator=moderator,
            kind=ModerationAction.Kind.RECOUNT,
            reason=reason,
            person=photo.owner,
            photo=photo,
        )
    return changed
