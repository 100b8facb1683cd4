"""Verify what must always hold; with --repair, fix the drift and report what changed."""

import re
import sys
from datetime import datetime, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from config.integrity import Scope, registered_checks
from config.scale import Progress

AGE = re.compile(r"^(\d+)([dhm])$")
AGE_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def since_argument(text: str) -> datetime:
    """An age ("3d", "12h", "30m") or a date or time ("2026-11-01", "2026-11-01T10:00")."""
    if match := AGE.match(text):
        amount, unit = match.groups()
        return timezone.now() - timedelta(**{AGE_UNITS[unit]: int(amount)})
    if moment := parse_datetime(text):
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    if day := parse_date(text):
        return timezone.make_aware(datetime.combine(day, datetime.min.time()))
    raise ValueError(text)


def photos_argument(text: str) -> tuple[int, int]:
    """An id range "FIRST-LAST" (or one id)."""
    first, _sep, last = text.partition("-")
    low, high = int(first), int(last or first)
    if low > high:
        raise ValueError(text)
    return low, high


class Command(BaseCommand):
    help = (
        "Check stored data against what must always hold (and repair it with --repair). "
        "--since and --photos check just the photos posted since a time or in an id range."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="Fix what can be fixed.")
        parser.add_argument(
            "--since", type=since_argument, help='photos posted since: "3d", "12h" or a date'
        )
        parser.add_argument("--photos", type=photos_argument, help='photo ids "FIRST-LAST"')
        parser.add_argument("--progress", action="store_true", help="always show progress")

    def handle(self, *args, repair: bool = False, **options) -> None:
        show = options["progress"] or sys.stderr.isatty()
        scope = Scope(
            since=options["since"],
            photo_ids=options["photos"],
            progress=lambda label, total: Progress(label, total, sys.stderr) if show else None,
        )
        findings = [
            finding
            for check in registered_checks()
            for finding in check(repair=repair, scope=scope)
        ]
        for finding in findings:
            status = "repaired" if finding.repaired else "FOUND"
            self.stdout.write(f"[{finding.check}] {status}: {finding.message}")
        unrepaired = [finding for finding in findings if not finding.repaired]
        if unrepaired:
            raise CommandError(f"{len(unrepaired)} integrity problem(s) remain.")
        self.stdout.write(self.style.SUCCESS(f"All good ({len(findings)} repaired)."))
