"""Measure the like path, the main pages and uploads at the seeded scale; judge each row."""

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from accounts.models import User
from config import bench
from engagement.models import EngagementEvent, Like
from photos.models import Photo


class Command(BaseCommand):
    help = (
        "Measure statements and server time of the like path (against a bare authenticated "
        "view) and of the main pages, and an upload's time and memory; print a table and "
        "one JSON line, each row PASS or FAIL against its target. Seed data first "
        "(`manage.py seed_scale`)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--repeat", type=int, default=30, help="requests per measure")
        parser.add_argument("--skip-upload", action="store_true")

    def handle(self, *args, repeat: int, skip_upload: bool, **options) -> None:
        if repeat < 2:
            raise CommandError("--repeat must be at least 2.")
        try:
            subjects = bench.Subjects.pick()
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        rows = bench.like_rows(subjects, repeat) + bench.page_rows(subjects, repeat)
        if not skip_upload:
            with tempfile.TemporaryDirectory() as workdir:
                rows += bench.upload_rows(Path(workdir))
        scale = {
            "database": connection.vendor,
            "users": User.objects.count(),
            "photos": Photo.objects.count(),
            "likes": Like.objects.count(),
            "events": EngagementEvent.objects.count(),
            "hot_photo_likes": subjects.hot_photo.like_count,
        }
        bench.report(rows, self.stdout, scale)
