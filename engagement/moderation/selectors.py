"""Reads for the review queue and its items, with their query shapes fixed here."""

from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from engagement.models import EngagementEvent, RateLimitHit
from engagement.moderation.models import Flag, ModerationAction, Report, ReportEntry, Status


def queue_flags(*, status: str = Status.OPEN, kind: str = "") -> QuerySet[Flag]:
    """Flags, most severe and most recently seen first, with what each row shows."""
    flags = Flag.objects.filter(status=status).select_related("subject", "photo")
    if kind:
        flags = flags.filter(kind=kind)
    return flags.annotate(evidence_count=Count("events", distinct=True)).order_by(
        "-severity", "-last_seen", "-id"
    )


def queue_reports(*, status: str = Status.OPEN, reason: str = "") -> QuerySet[Report]:
    reports = Report.objects.filter(status=status).select_related("subject", "photo")
    if reason:
        reports = reports.filter(reason=reason)
    return reports.order_by("-severity", "-last_seen", "-id")


def flag_for_review(flag_id: int) -> Flag:
    return get_object_or_404(Flag.objects.select_related("subject", "photo"), pk=flag_id)


def report_for_review(report_id: int) -> Report:
    return get_object_or_404(Report.objects.select_related("subject", "photo"), pk=report_id)


def flag_events(flag: Flag) -> QuerySet[EngagementEvent]:
    """The evidence: who did what to which photo, when (withdrawals included)."""
    return flag.events.select_related("actor", "photo").order_by("created", "id")


def flag_rate_limit_hits(flag: Flag) -> QuerySet[RateLimitHit]:
    return flag.rate_limit_hits.select_related("user").order_by("created", "id")


def report_entries(report: Report) -> QuerySet[ReportEntry]:
    return report.entries.select_related("reporter").order_by("-created", "-id")


def item_actions(item: Flag | Report) -> QuerySet[ModerationAction]:
    """The audit trail of one item, newest first."""
    return item.actions.order_by("-created", "-id")
