"""Run the detectors over a past time range (e.g. after changing thresholds)."""

from datetime import UTC, datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from engagement.models import EngagementEvent, RateLimitHit
from engagement.moderation import detection


def _moment(value: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as error:
        raise CommandError(f"not an ISO date or time: {value}") from error
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)


class Command(BaseCommand):
    help = "Run abuse detection over the engagement events and rate-limit hits of a range."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--since", type=_moment, help="ISO time (default: a day ago)")
        parser.add_argument("--until", type=_moment, help="ISO time (default: now)")

    def handle(self, *args, since=None, until=None, **options) -> None:
        until = until or timezone.now()
        since = since or until - timedelta(days=1)
        flags = set()
        events = (
            EngagementEvent.objects.filter(created__gte=since, created__lte=until)
            .exclude(kind=EngagementEvent.Kind.VOID)
            .select_related("actor", "photo")
            .order_by("created", "id")
        )
        for event in events.iterator():
            found = detection.detect_after_event(
                user=event.actor, photo=event.photo, at=event.created
            )
            flags.update(flag.pk for flag in found)
        hits = RateLimitHit.objects.filter(created__gte=since, created__lte=until)
        for hit in hits.select_related("user").order_by("created").iterator():
            flag = detection.detect_rate_limit_hits(user=hit.user, at=hit.created)
            if flag is not None:
                flags.add(flag.pk)
        self.stdout.write(f"{len(flags)} flags raised or updated from {since} to {until}")
