"""Flags (what detection found), reports (what members sent) and the audit log of actions.

A flag or report is about one person (``subject``) and, when it concerns one photo, that
photo. At most one of each is open per (kind, subject, photo): a repeat updates it.
``ModerationAction`` is append-only, after bookwyrm's ReportAction: rows are created, never
changed or deleted (the model refuses, and admin grants no change or delete permission).
When an account or photo it names is deleted (account deletion, a photo's owner), only
the link is cleared: ``moderator_name`` and ``target`` keep saying who and what.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from engagement.models import EngagementEvent, RateLimitHit
from photos.models import Photo


class Severity(models.IntegerChoices):
    LOW = 1, _("low")
    MEDIUM = 2, _("medium")
    HIGH = 3, _("high")


class Status(models.TextChoices):
    OPEN = "open", _("open")
    DISMISSED = "dismissed", _("dismissed")
    ACTIONED = "actioned", _("acted on")


def _one_open(model: str, key: list[str]) -> list[models.UniqueConstraint]:
    """One open item per ``key`` and photo; photo may be empty (an account-wide item)."""
    return [
        models.UniqueConstraint(
            fields=[*key, "photo"],
            condition=Q(status=Status.OPEN, photo__isnull=False),
            name=f"{model}_open_once_per_photo",
        ),
        models.UniqueConstraint(
            fields=key,
            condition=Q(status=Status.OPEN, photo__isnull=True),
            name=f"{model}_open_once_per_account",
        ),
    ]


class ReviewItem(models.Model):
    """What the review queue lists: about one person, maybe one photo, with a severity and
    a status, ordered most severe and most recently seen first."""

    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("person"),
    )
    photo = models.ForeignKey(
        Photo, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    severity = models.PositiveSmallIntegerField(
        _("severity"), choices=Severity.choices, default=Severity.MEDIUM
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created = models.DateTimeField(_("first seen"), default=timezone.now)
    last_seen = models.DateTimeField(_("last seen"), default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["-severity", "-last_seen", "-id"]


def _queue_index(model: str) -> models.Index:
    return models.Index(fields=["status", "-severity", "-last_seen"], name=f"{model}_queue")


class Flag(ReviewItem):
    """A pattern that detection found, with the events that show it."""

    class Kind(models.TextChoices):
        CHURN = "churn", _("like/unlike churn")
        BURST = "burst", _("burst of likes")
        SWEEP = "sweep", _("mass withdrawal of likes")
        RATE_LIMIT = "rate_limit", _("repeated rate-limit hits")
        NEW_ACCOUNT = "new_account", _("new account with abnormal activity")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    events = models.ManyToManyField(EngagementEvent, related_name="+", blank=True)
    rate_limit_hits = models.ManyToManyField(RateLimitHit, related_name="+", blank=True)

    class Meta(ReviewItem.Meta):
        verbose_name = _("flag")
        verbose_name_plural = _("flags")
        constraints = _one_open("flag", ["kind", "subject"])
        indexes = [_queue_index("flag")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject_id}"


class Report(ReviewItem):
    """Members' reports of one photo or one account, merged while open."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or fake engagement")
        HARASSMENT = "harassment", _("Harassment or bullying")
        INAPPROPRIATE = "inappropriate", _("Nudity or inappropriate content")
        IMPERSONATION = "impersonation", _("Impersonation")
        OTHER = "other", _("Something else")

    # Which reason the latest report gave (each report's own is in ReportEntry).
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    report_count = models.PositiveIntegerField(_("reports"), default=1)

    class Meta(ReviewItem.Meta):
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        constraints = _one_open("report", ["subject"])
        indexes = [_queue_index("report")]

    def __str__(self) -> str:
        return f"report of {self.photo_id or self.subject_id} ({self.report_count})"


class ReportEntry(models.Model):
    """One member's report, merged into a Report. A repeat by the same member updates it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="entries")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Report.Reason.choices)
    note = models.TextField(_("details"), max_length=1000, blank=True)
    created = models.DateTimeField(_("reported"), default=timezone.now)

    class Meta:
        verbose_name = _("report entry")
        verbose_name_plural = _("report entries")
        ordering = ["-created", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["report", "reporter"], name="report_entry_once")
        ]

    def __str__(self) -> str:
        return f"{self.reporter_id} reported ({self.reason})"


class AppendOnlyQuerySet(models.QuerySet):
    """Bulk changes are refused too: the audit log only grows."""

    def update(self, **kwargs):
        raise PermissionError("Moderation actions cannot be changed.")

    def delete(self):
        raise PermissionError("Moderation actions cannot be deleted.")

    def pseudonymise(self, *, username: str, pseudonym: str) -> int:
        """The one change the log allows: when an account is erased, its username in the
        records (as moderator or as subject) becomes a pseudonym, so a record keeps saying
        "the same person" without naming them, nor whoever takes the name later."""
        change = models.QuerySet.update  # past this class's refusal, deliberately
        as_moderator = change(self.filter(moderator_name=username), moderator_name=pseudonym)
        named = Q(target=f"@{username}") | Q(target__startswith=f"@{username} ")
        as_subject = change(
            self.filter(named),
            target=Replace(F("target"), Value(f"@{username}"), Value(pseudonym)),
        )
        return as_moderator + as_subject


class ModerationAction(models.Model):
    """The audit log: who did what to whom, why and when. Append-only."""

    class Kind(models.TextChoices):
        VIEWED_EVIDENCE = "viewed", _("viewed evidence")
        DISMISS = "dismiss", _("dismissed")
        VOID = "void", _("voided likes")
        WARN = "warn", _("warned")
        RESTRICT = "restrict", _("restricted likes")
        SUSPEND = "suspend", _("suspended account")
        RESTORE = "restore", _("restored account")
        HIDE = "hide", _("hid photo")
        UNHIDE = "unhide", _("restored photo")
        RECOUNT = "recount", _("recounted likes")

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="moderation_actions",
        verbose_name=_("moderator"),
    )
    moderator_name = models.CharField(_("moderator's username"), max_length=30)
    kind = models.CharField(_("action"), max_length=10, choices=Kind.choices)
    # Flags, reports and photos go with a deleted photo or account; ``target`` stays.
    flag = models.ForeignKey(
        Flag, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    report = models.ForeignKey(
        Report, on_delete=models.SET_NULL, null=True, blank=True, related_name="actions"
    )
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person"),
    )
    photo = models.ForeignKey(
        Photo, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    target = models.CharField(_("about"), max_length=200)
    reason = models.TextField(_("reason"), max_length=2000)
    detail = models.CharField(_("outcome"), max_length=200, blank=True)
    created = models.DateTimeField(_("when"), default=timezone.now, db_index=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("moderation action")
        verbose_name_plural = _("moderation actions")
        ordering = ["-created", "-id"]

    def __str__(self) -> str:
        return f"{self.moderator_id} {self.kind} at {self.created:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError("Moderation actions cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Moderation actions cannot be deleted.")


class DetectionDue(models.Model):
    """A person whose likes and unlikes from ``since`` to ``until`` have not been through
    the detectors yet: one row per person, written by each event's dispatch, deleted by
    the task that runs them (engagement.moderation.detection.detect_due). However many
    events arrive before a worker gets to it, they queue one task; if that task is lost
    or gives up, workers queue another once ``queued_at`` is TASK_STALE_SECONDS old."""

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    since = models.DateTimeField()
    until = models.DateTimeField()
    queued_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.person_id}: {self.since:%H:%M:%S} to {self.until:%H:%M:%S}"
