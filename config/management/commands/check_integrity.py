"""Verify what must always hold; with --repair, fix the drift and report what changed."""

from django.core.management.base import BaseCommand, CommandError

from config.integrity import registered_checks


class Command(BaseCommand):
    help = "Check stored data against what must always hold (and repair it with --repair)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repair", action="store_true", help="Fix what can be fixed.")

    def handle(self, *args, repair: bool = False, **options) -> None:
        findings = [finding for check in registered_checks() for finding in check(repair=repair)]
        for finding in findings:
            status = "repaired" if finding.repaired else "FOUND"
            self.stdout.write(f"[{finding.check}] {status}: {finding.message}")
        unrepaired = [finding for finding in findings if not finding.repaired]
        if unrepaired:
            raise CommandError(f"{len(unrepaired)} integrity problem(s) remain.")
        self.stdout.write(self.style.SUCCESS(f"All good ({len(findings)} repaired)."))
