"""What the ranking learnt about a person, in "download my data"; forgotten with the
account."""

from collections.abc import Iterator

from django.utils import timezone

from accounts.models import User
from config.personal_data import table_files
from engagement.ranking import services
from engagement.ranking.models import Affinity, FeedPreference
from engagement.ranking.scoring import decayed

AFFINITY_FIELDS = ["author", "affinity_now", "learnt_until"]


def export_ranking(user: User) -> Iterator[tuple[str, bytes]]:
    now = timezone.now()
    rows = Affinity.objects.filter(viewer=user).select_related("author").order_by("author_id")
    yield from table_files(
        "feed_affinities",
        AFFINITY_FIELDS,
        (
            {
                "author": row.author.username,
                "affinity_now": round(decayed(row.score, row.updated, now), 3),
                "learnt_until": row.updated,
            }
            for row in rows
        ),
    )
    chronological = FeedPreference.objects.filter(user=user, chronological=True).exists()
    yield from table_files(
        "feed_order", ["order"], [{"order": "chronological" if chronological else "ranked"}]
    )


def erase(*, user: User) -> None:
    services.ranking_erase(user=user)
