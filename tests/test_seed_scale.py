"""seed_scale fills the database consistently; bench measures it and prints its verdict."""

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Follow, User
from engagement.models import EngagementEvent, Like
from notifications.models import Notification
from photos.models import Photo


@pytest.fixture
def seeded(db):
    out = io.StringIO()
    call_command(
        "seed_scale",
        "--users=30",
        "--photos=60",
        "--likes=400",
        "--hot-photo-likes=45",
        "--follows=150",
        stdout=out,
        stderr=io.StringIO(),
    )
    return out.getvalue()


def test_seed_scale_makes_what_it_was_asked_for(seeded):
    assert User.objects.filter(username__startswith="scale").count() == 45  # 15 like-only
    assert Photo.objects.count() == 60
    assert Like.objects.count() == 400
    assert Follow.objects.count() == 150
    hot = Photo.objects.order_by("-like_count").first()
    assert (hot.owner.username, hot.like_count) == ("scale0", 45)
    assert "45 on the hot photo by scale0" in seeded


def test_seeded_data_is_consistent(seeded):
    """Counts equal rows, every like has its event and notification, integrity is clean."""
    for photo in Photo.objects.all():
        assert photo.like_count == photo.likes.count()
    likes = EngagementEvent.objects.filter(kind="like").count()
    unlikes = EngagementEvent.objects.filter(kind="unlike").count()
    assert unlikes > 0
    assert likes - unlikes == Like.objects.count()
    assert Notification.objects.filter(verb="like").count() == Like.objects.count()
    assert Notification.objects.filter(verb="follow").count() == Follow.objects.count()
    out = io.StringIO()
    call_command("check_integrity", stdout=out)
    assert "All good (0 repaired)." in out.getvalue()


def test_seed_scale_refuses_to_seed_the_same_people_twice(seeded):
    with pytest.raises(CommandError, match="use another --prefix"):
        call_command("seed_scale", "--users=2", "--photos=1", "--likes=0", stdout=io.StringIO())


def test_bench_prints_a_verdict_for_every_row_as_one_json_line(seeded):
    out = io.StringIO()
    call_command("bench", "--repeat=2", stdout=out)

    report = json.loads(out.getvalue().strip().splitlines()[-1])
    rows = {row["name"]: row for row in report["rows"]}
    assert report["scale"]["likes"] == 400
    assert {row["status"] for row in rows.values()} <= {"PASS", "FAIL"}
    assert rows["like: statements"]["unit"] == "statements"
    assert rows["home feed, ranked: p95"]["target"] == 50
    assert rows["home feed, ranked afresh: p95"]["target"] == 50
    # Ranking afresh reads the follows, candidates, rollups and affinities; a reload not.
    afresh = rows["home feed, ranked afresh: statements"]["value"]
    assert afresh > rows["home feed, ranked: statements"]["value"]
    assert rows["explore: p95"]["target"] == 50
    assert rows["photo insights, owner: p95"]["target"] == 100
    assert rows["account insights, owner: statements"]["target"] == 12
    assert rows["upload 24-MP JPEG: peak memory"]["unit"] == "MB"
    for row in rows.values():
        judged = "PASS" if row["value"] <= row["target"] else "FAIL"
        assert row["status"] == judged, row
    # Bench leaves the likes as it found them.
    assert Like.objects.count() == 400
