"""Idempotent demo data: people with drawn avatars, follows, drawn photos and likes."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_PASSWORD, PEOPLE, seed_people
from engagement.demo import seed_likes
from photos.demo import seed_photos


class Command(BaseCommand):
    help = "Create (or refresh) demo people, follows, photos and likes. Safe to rerun."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even when DEBUG is off (never do this on a real site).",
        )

    def handle(self, *args, allow_production: bool = False, **options) -> None:
        if not settings.DEBUG and not allow_production:
            raise CommandError("seed_demo creates accounts with a public password; DEBUG is off.")
        with transaction.atomic():
            people = seed_people()
            seed_photos(people)
            seed_likes(people)
        self.stdout.write(self.style.SUCCESS("Demo data is ready. Log in with any of these:"))
        for username, _name, _bio, _colour, role in PEOPLE:
            label = f" ({role})" if role else ""
            self.stdout.write(f"  {username} / {DEMO_PASSWORD}{label}")
