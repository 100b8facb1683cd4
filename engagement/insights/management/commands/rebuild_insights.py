"""Rebuild the insight rollups from the event and view logs, reporting every difference."""

from django.core.management.base import BaseCommand, CommandError

from engagement.insights.rebuild import follower_days_rebuild, photo_days_rebuild


class Command(BaseCommand):
    help = (
        "Recompute daily insight rollups from EngagementEvent, the view log and follows. "
        "Reports each difference and exits non-zero if there was any."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Report differences without rewriting."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        drifts = photo_days_rebuild(repair=not dry_run) + follower_days_rebuild(repair=not dry_run)
        for drift in drifts:
            fixed = not dry_run and drift.repairable
            self.stdout.write(f"{'rebuilt' if fixed else 'DIFFERS'}: {drift.message}")
        if drifts:
            raise CommandError(f"{len(drifts)} rollup difference(s) found.")
        self.stdout.write(self.style.SUCCESS("Insight rollups match the logs."))
