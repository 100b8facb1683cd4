"""Fill the database with a large, consistent data set for `bench` and load tests.

Members (``<prefix>N``) post photos (owners skewed: a few post a lot), follow each other
(skewed: a few are followed by many; ``<prefix>1`` follows 100), and like photos; one hot
photo by ``<prefix>0`` gets ``--hot-photo-likes`` likes, from extra like-only accounts
when there are not enough members. Some likes were withdrawn (a like and an unlike in the
event log, no Like row). Every denormalised value is written to agree with the rows:
``like_count``, one like notification per like and one follow notification per follow,
the event log. Photo files are tiny, distinct WebP files, so `check_integrity` passes.
"""

import io
import random
from datetime import timedelta

from django.contrib.auth.hashers import make_password
from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import Follow, User
from accounts.services import follow_counts_recount
from config.scale import Progress, bulk_insert, tiny_webp
from engagement.insights.rebuild import follower_days_rebuild, photo_days_rebuild
from engagement.models import EngagementEvent, Like
from engagement.services import counted_likes
from notifications.models import Notification
from notifications.services import notification_groups_rebuild
from photos.models import Photo

SCALE_PASSWORD = "likewise-scale"
HISTORY = timedelta(days=90)
# Share of extra like/unlike pairs (withdrawn likes) relative to the likes that remain.
WITHDRAWN_SHARE = 0.05
BENCH_VIEWER_FOLLOWS = 100


class Command(BaseCommand):
    help = "Fill the database with N users, photos, likes and follows (for bench/load tests)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--users", type=int, default=200)
        parser.add_argument("--photos", type=int, default=1_000)
        parser.add_argument("--likes", type=int, default=5_000)
        parser.add_argument("--hot-photo-likes", type=int, default=None)
        parser.add_argument("--follows", type=int, default=None, help="default: 20 per user")
        parser.add_argument("--prefix", default="scale", help="username prefix")
        parser.add_argument("--seed", type=int, default=1, help="random seed (repeatable)")

    def handle(self, *args, **options) -> None:
        users, photos, likes = options["users"], options["photos"], options["likes"]
        if users < 2 or photos < 1 or likes < 0:
            raise CommandError("Need at least 2 users, 1 photo and 0 likes.")
        prefix = options["prefix"]
        if User.objects.filter(username__startswith=prefix).exists():
            raise CommandError(
                f"Users named {prefix}… exist already: use another --prefix or an empty database."
            )
        hot = min(options["hot_photo_likes"] or likes // 20, likes)
        follows = options["follows"] if options["follows"] is not None else users * 20
        self.rng = random.Random(options["seed"])
        self.now = timezone.now()
        with transaction.atomic():
            member_ids, liker_ids = self.seed_users(prefix, users, extra=max(0, hot - users))
            photo_rows = self.seed_photos(member_ids, photos)
            self.seed_follows(member_ids, follows)
            self.seed_likes(liker_ids, photo_rows, likes, hot)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")  # plans for the derived data below need stats
            # Counts and rollups are derived data: computed from the rows just written.
            Photo.objects.filter(pk__gte=photo_rows[0][0]).update(like_count=counted_likes())
            photo_days_rebuild(repair=True)
            follower_days_rebuild(repair=True)
            notification_groups_rebuild()
            follow_counts_recount()
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {users:,} members ({len(liker_ids) - users:,} like-only), "
                f"{photos:,} photos, {likes:,} likes ({hot:,} on the hot photo by {prefix}0), "
                f"{follows:,} follows. Password for every account: {SCALE_PASSWORD}"
            )
        )

    def seed_users(self, prefix: str, members: int, extra: int) -> tuple[list[int], list[int]]:
        password = make_password(SCALE_PASSWORD)
        joined = self.now - HISTORY
        total = members + extra

        def rows():
            for n in range(total):
                name = f"{prefix}{n}" if n < members else f"{prefix}x{n}"
                yield {
                    "username": name,
                    "email": f"{name}@scale.invalid",
                    "password": password,
                    "display_name": f"Scale {n}",
                    "date_joined": joined,
                }

        bulk_insert(User, rows(), progress=Progress("users", total))
        ids = dict(User.objects.filter(username__startswith=prefix).values_list("username", "id"))
        member_ids = [ids[f"{prefix}{n}"] for n in range(members)]
        return member_ids, member_ids + [ids[f"{prefix}x{n}"] for n in range(members, total)]

    def seed_photos(self, member_ids: list[int], count: int) -> list[tuple[int, int, object]]:
        """Photos with their files; returns (photo id, owner id, created) for each."""
        start_id = (Photo.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
        progress = Progress("photo files", count)
        planned = []
        for index in range(count):
            # The hot photo's owner (the first member) posts first; then a skewed spread.
            owner = member_ids[0] if index == 0 else self.skewed(member_ids)
            created = self.now - HISTORY * self.rng.random() if index else self.now - HISTORY
            key = f"scale-{start_id + index}-{self.rng.getrandbits(32):08x}"
            content = tiny_webp(index)
            names = {}
            for field in ("master", "display", "thumbnail"):
                folder = "photos/masters" if field == "master" else "photos/r"
                names[field] = default_storage.save(
                    f"{folder}/{key}-{field}.webp", io.BytesIO(content)
                )
            planned.append((owner, created, names))
            progress.advance()
        progress.finish()

        def rows():
            for owner, created, names in planned:
                yield {
                    "owner_id": owner,
                    "caption": "",
                    "alt_text": "A small generated test image",
                    "created": created,
                    "width": 8,
                    "height": 6,
                    "display_width": 8,
                    "display_height": 6,
                    **names,
                }

        bulk_insert(Photo, rows(), progress=Progress("photos", count))
        return list(
            Photo.objects.filter(pk__gte=start_id)
            .order_by("pk")
            .values_list("pk", "owner_id", "created")
        )

    def seed_follows(self, member_ids: list[int], count: int) -> None:
        count = min(count, len(member_ids) * (len(member_ids) - 1))
        pairs: set[tuple[int, int]] = set()
        # The bench's viewer follows a fixed number of people.
        viewer = member_ids[1]
        for followed in member_ids[2 : 2 + BENCH_VIEWER_FOLLOWS]:
            pairs.add((viewer, followed))
        while len(pairs) < count:
            follower, followed = self.rng.choice(member_ids), self.skewed(member_ids)
            if follower != followed and follower != viewer:
                pairs.add((follower, followed))
        stamped = [(a, b, self.now - HISTORY * self.rng.random()) for a, b in sorted(pairs)]
        bulk_insert(
            Follow,
            ({"follower_id": a, "followed_id": b, "created": at} for a, b, at in stamped),
            progress=Progress("follows", len(stamped)),
        )
        bulk_insert(
            Notification,
            (
                {"recipient_id": b, "actor_id": a, "verb": "follow", "created": at, "read_at": at}
                for a, b, at in stamped
            ),
            progress=Progress("follow notes", len(stamped)),
        )

    def seed_likes(self, liker_ids, photo_rows, count: int, hot: int) -> None:
        hot_photo = photo_rows[0]
        pairs: dict[tuple[int, int], object] = {}
        for user in liker_ids[:hot]:
            pairs[(user, hot_photo[0])] = self.like_time(hot_photo[2])
        owners = {photo_id: owner for photo_id, owner, _created in photo_rows}
        created_at = {photo_id: created for photo_id, _owner, created in photo_rows}
        photo_ids = [photo_id for photo_id, _owner, _created in photo_rows[1:]] or [hot_photo[0]]
        attempts = 0
        while len(pairs) < count and attempts < count * 20:
            attempts += 1
            user, photo = self.rng.choice(liker_ids), self.skewed(photo_ids)
            if owners[photo] != user and (user, photo) not in pairs:
                pairs[(user, photo)] = self.like_time(created_at[photo])
        withdrawn = []
        while len(withdrawn) < int(len(pairs) * WITHDRAWN_SHARE) and attempts < count * 40:
            attempts += 1
            user, photo = self.rng.choice(liker_ids), self.skewed(photo_ids)
            if owners[photo] != user and (user, photo) not in pairs:
                liked = self.like_time(created_at[photo])
                withdrawn.append(
                    (user, photo, liked, liked + (self.now - liked) * self.rng.random())
                )
        likes = sorted(pairs.items(), key=lambda item: item[1])
        bulk_insert(
            Like,
            ({"user_id": u, "photo_id": p, "created": at} for (u, p), at in likes),
            progress=Progress("likes", len(likes)),
        )
        events = [(u, p, "like", at) for (u, p), at in likes]
        for user, photo, liked, unliked in withdrawn:
            events += [(user, photo, "like", liked), (user, photo, "unlike", unliked)]
        events.sort(key=lambda event: event[3])
        bulk_insert(
            EngagementEvent,
            (
                # Their side effects are written here directly: dispatched already.
                {"actor_id": u, "photo_id": p, "kind": k, "created": at, "dispatched_at": at}
                for u, p, k, at in events
            ),
            progress=Progress("events", len(events)),
        )
        read_before = self.now - timedelta(days=1)
        bulk_insert(
            Notification,
            (
                {
                    "recipient_id": owners[p],
                    "actor_id": u,
                    "verb": "like",
                    "photo_id": p,
                    "created": at,
                    "read_at": at if at < read_before else None,
                }
                for (u, p), at in likes
            ),
            progress=Progress("like notes", len(likes)),
        )

    def skewed(self, items: list[int]) -> int:
        """Most picks land on the first items: a few popular people and photos."""
        return items[int(len(items) * self.rng.random() ** 3)]

    def like_time(self, posted):
        return posted + (self.now - posted) * self.rng.random()
