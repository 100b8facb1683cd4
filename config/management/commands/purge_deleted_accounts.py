"""Remove the accounts whose deletion grace period has ended (run it daily, e.g. cron)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts import selectors, services


class Command(BaseCommand):
    help = (
        "Delete every account whose owner asked for deletion more than "
        "ACCOUNT_DELETION_GRACE_DAYS ago and has not logged in since."
    )

    def handle(self, *args, **options) -> None:
        due = list(selectors.accounts_due_for_deletion(now=timezone.now()))
        failed = 0
        for user in due:
            label = f"account {user.pk}"
            # One transaction per account: a failure leaves that account whole, for the
            # next run, and the others are still purged.
            try:
                services.account_purge(user=user)
            except Exception as error:
                failed += 1
                self.stderr.write(f"could not delete {label}: {error!r}")
                continue
            self.stdout.write(f"deleted {label}")
        if failed:
            raise CommandError(f"{failed} account(s) could not be deleted; run again.")
        self.stdout.write(self.style.SUCCESS(f"{len(due)} account(s) purged."))
