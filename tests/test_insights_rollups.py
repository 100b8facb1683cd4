"""Reach de-duplication, the daily rollups, and `rebuild_insights` agreeing with them."""

from datetime import UTC, date, datetime, timedelta
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Follow
from accounts.services import follow_set
from engagement.insights import reach as reach_buffer
from engagement.insights import services
from engagement.insights.models import FollowerDay, PhotoDay, PhotoView
from engagement.insights.reach import reach_flush_waiting
from engagement.insights.rebuild import follower_days_rebuild, photo_days_rebuild
from engagement.services import like_set, likes_void
from tests.factories import FollowFactory, PhotoFactory

TODAY = datetime.now(UTC).date()


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


def reach(photo, day: date = TODAY) -> tuple[int, int]:
    """A photo's views and unique viewers on ``day``, once waiting sightings are written."""
    reach_flush_waiting()
    row = PhotoDay.objects.filter(photo=photo, day=day).first()
    return (row.views, row.unique_viewers) if row else (0, 0)


def rebuild(*args) -> str:
    out = StringIO()
    call_command("rebuild_insights", *args, stdout=out)
    return out.getvalue()


# --- Reach --------------------------------------------------------------------------------


def test_a_viewer_counts_once_a_day_per_photo_and_place(fan_client, photo, owner, fan):
    FollowFactory(follower=fan, followed=owner)
    for _ in range(3):
        fan_client.get(photo.get_absolute_url())
    assert reach(photo) == (1, 1)
    fan_client.get(reverse("home"))
    fan_client.get(reverse("home"))
    fan_client.get(owner.get_absolute_url())  # the grid counts as the same place as the feed
    assert reach(photo) == (2, 1)
    assert PhotoView.objects.filter(photo=photo).count() == 2


def test_the_owners_own_views_never_count(owner_client, owner, photo):
    owner_client.get(photo.get_absolute_url())
    owner_client.get(reverse("home"))
    owner_client.get(owner.get_absolute_url())
    assert reach(photo) == (0, 0)
    assert not PhotoView.objects.exists()


def test_anonymous_visitors_count_once_per_session_and_not_without_one(client, photo):
    client.get(photo.get_absolute_url())
    assert reach(photo) == (0, 0)  # no session yet: not counted, and none is created
    assert "sessionid" not in client.cookies
    client.session.save()
    client.get(photo.get_absolute_url())
    client.get(photo.get_absolute_url())
    other = Client()
    other.session.save()
    other.get(photo.get_absolute_url())
    assert reach(photo) == (2, 2)


def test_a_repeat_view_costs_the_page_no_database_work(fan_client, photo):
    fan_client.get(photo.get_absolute_url())
    with CaptureQueriesContext(connection) as captured:
        fan_client.get(photo.get_absolute_url())
    assert not [q for q in captured if "insights_" in q["sql"]]


def test_the_view_log_keeps_one_row_even_when_the_cache_forgets(fan_client, photo):
    fan_client.get(photo.get_absolute_url())
    assert reach(photo) == (1, 1)
    cache.clear()  # another app server, or an evicted key
    fan_client.get(photo.get_absolute_url())
    assert PhotoView.objects.count() == 1
    assert reach(photo) == (1, 1)


def test_a_full_batch_is_written_without_anyone_opening_insights(monkeypatch, owner, fan):
    monkeypatch.setattr(reach_buffer, "BATCH", 2)
    photos = [PhotoFactory(owner=owner) for _ in range(4)]
    browser = Client()
    browser.force_login(fan)
    for photo in photos[:3]:
        browser.get(photo.get_absolute_url())
    assert not PhotoView.objects.exists()  # buffered: the pages wrote nothing
    browser.get(photos[3].get_absolute_url())  # slot 4 fills the second batch
    assert set(PhotoView.objects.values_list("photo_id", flat=True)) == {
        photos[0].pk,
        photos[1].pk,
    }
    assert PhotoDay.objects.get(photo=photos[1], day=TODAY).views == 1


def test_the_next_day_counts_again(photo, fan):
    tomorrow = TODAY + timedelta(days=1)
    key = f"u{fan.pk}"
    services.photo_views_record(
        views=[(photo.pk, key, TODAY, "page"), (photo.pk, key, tomorrow, "page")]
    )
    services.photo_views_record(views=[(photo.pk, key, TODAY, "page")])
    assert reach(photo) == reach(photo, tomorrow) == (1, 1)


# --- Rollups and the rebuild --------------------------------------------------------------


def test_rollups_follow_likes_withdrawals_and_voids(
    photo, fan, stranger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=True)
        like_set(user=stranger, photo=photo, liked=True)
        like_set(user=fan, photo=photo, liked=False)
        likes_void(user=stranger, photo=photo)  # a moderator's void

    row = PhotoDay.objects.get(photo=photo)
    assert (row.likes_gained, row.likes_withdrawn, row.likes_voided) == (2, 1, 1)
    assert photo_days_rebuild(repair=False) == []
    assert "Insight rollups match the logs." in rebuild("--dry-run")


def test_rebuild_reports_and_repairs_any_difference(photo, fan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=True)
    services.photo_views_record(views=[(photo.pk, "sabc", TODAY, "feed")])
    PhotoDay.objects.filter(photo=photo).update(likes_gained=5, views=0)
    stale = PhotoDay.objects.create(
        photo=photo, owner=photo.owner, day=TODAY - timedelta(days=3), likes_withdrawn=2
    )

    with pytest.raises(CommandError, match="2 rollup difference"):
        rebuild("--dry-run")
    assert PhotoDay.objects.get(photo=photo, day=TODAY).likes_gained == 5  # dry run
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("rebuild_insights", stdout=out)
    assert f"rebuilt: photo {photo.pk} on {TODAY}" in out.getvalue()
    row = PhotoDay.objects.get(photo=photo, day=TODAY)
    assert (row.likes_gained, row.views, row.unique_viewers) == (1, 1, 1)
    stale.refresh_from_db()
    assert stale.likes_withdrawn == 0
    assert "match" in rebuild()


def test_check_integrity_runs_the_rollup_check(photo):
    PhotoDay.objects.create(photo=photo, owner=photo.owner, day=TODAY, likes_gained=1)
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_integrity", stdout=out)
    assert "[insight_rollups] FOUND" in out.getvalue()
    out = StringIO()
    call_command("check_integrity", "--repair", stdout=out)
    assert "[insight_rollups] repaired" in out.getvalue()


def test_follower_rollups_count_follows_and_unfollows(
    owner, fan, stranger, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        follow_set(follower=fan, followed=owner, following=True)
        follow_set(follower=stranger, followed=owner, following=True)
        follow_set(follower=fan, followed=owner, following=False)
    row = FollowerDay.objects.get(user=owner)
    assert (row.gained, row.lost) == (2, 1)
    assert follower_days_rebuild(repair=False) == []


def test_follows_older_than_insights_are_taken_in_and_a_lost_count_is_reported(owner, fan):
    Follow.objects.create(follower=fan, followed=owner)  # before insights heard of follows
    drifts = follower_days_rebuild(repair=True)
    assert [d.repairable for d in drifts] == [True]
    assert FollowerDay.objects.get(user=owner).gained == 1
    assert follower_days_rebuild(repair=False) == []

    FollowerDay.objects.filter(user=owner).update(lost=1)
    (drift,) = follower_days_rebuild(repair=True)
    assert not drift.repairable
    assert f"user {owner.pk}: rollup nets 0 followers, 1 follow them" == drift.message
