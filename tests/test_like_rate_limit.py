"""Like/unlike rate limits: likes and unlikes both count, so churning cannot escape them.

The limits hold over any rolling minute and day, not per calendar window. Over a limit, a
request gets a friendly 429 with an exact Retry-After and changes nothing; the first time
a person goes over a limit in each window is kept for moderators.
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from engagement import ratelimit
from engagement.models import EngagementEvent, Like, RateLimitHit
from photos.models import Photo
from tests.factories import PhotoFactory
from tests.pages import page_text

# 10 seconds into a minute and 8 hours (28 800 s) into a UTC day.
START = 1_800_000_000 + 10
FRIENDLY = "You're liking and unliking very fast. Nothing changed; try again later."


@pytest.fixture(autouse=True)
def limits(settings):
    settings.ENGAGEMENT_POLICY = "instagram"  # counts move at once (no shield)
    settings.LIKE_RATE_PER_MINUTE = 5
    settings.LIKE_RATE_PER_DAY = 1000


class FakeTime:
    """Stands in for the ``time`` module inside engagement.ratelimit only."""

    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


@pytest.fixture(autouse=True)
def rate_clock(monkeypatch) -> FakeTime:
    clock = FakeTime(START)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=clock.time))
    return clock


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


def like_url(photo) -> str:
    return reverse("like", args=[photo.pk])


def toggle(client, photo, liked: bool, **extra):
    return client.post(like_url(photo), {"liked": "1" if liked else "0"}, **extra)


def churn(client, photo, times: int) -> list[int]:
    """Like, unlike, like... ``times`` requests; their status codes."""
    return [toggle(client, photo, liked=n % 2 == 0).status_code for n in range(times)]


def snapshot(photo) -> dict:
    return {
        "likes": list(Like.objects.values_list("user_id", "photo_id")),
        "like_count": Photo.objects.get(pk=photo.pk).like_count,
        "events": EngagementEvent.objects.count(),
    }


# --- The per-minute limit -------------------------------------------------------------------


def test_churning_past_the_minute_limit_is_refused_and_changes_nothing(fan_client, fan, photo):
    assert churn(fan_client, photo, 5) == [302] * 5
    before = snapshot(photo)
    assert before == {"likes": [(fan.pk, photo.pk)], "like_count": 1, "events": 5}

    response = toggle(fan_client, photo, liked=False)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"  # when the first of the five leaves the minute
    page = page_text(response)
    assert FRIENDLY in page
    assert "<html" in page  # a whole page for a plain form post
    assert snapshot(photo) == before


def test_htmx_gets_only_the_error_fragment(fan_client, photo, htmx_headers):
    churn(fan_client, photo, 5)
    before = snapshot(photo)

    response = toggle(fan_client, photo, liked=False, headers=htmx_headers)

    assert response.status_code == 429
    assert response["Retry-After"] == "60"
    fragment = page_text(response)
    assert "<html" not in fragment
    assert 'class="error-message"' in fragment
    assert 'data-status="429"' in fragment
    assert FRIENDLY in fragment
    assert snapshot(photo) == before


def test_unlikes_count_even_when_they_change_nothing(fan_client, photo):
    statuses = [toggle(fan_client, photo, liked=False).status_code for _ in range(6)]

    assert statuses == [302] * 5 + [429]
    assert snapshot(photo) == {"likes": [], "like_count": 0, "events": 0}


def test_repeated_likes_count_even_when_they_change_nothing(fan_client, photo):
    statuses = [toggle(fan_client, photo, liked=True).status_code for _ in range(6)]

    assert statuses == [302] * 5 + [429]
    assert snapshot(photo)["events"] == 1


def test_the_limit_is_per_person_across_photos(fan_client, owner):
    first, second = PhotoFactory(owner=owner), PhotoFactory(owner=owner)
    churn(fan_client, first, 5)

    response = toggle(fan_client, second, liked=True)

    assert response.status_code == 429
    assert not Like.objects.filter(photo=second).exists()


def test_a_refused_request_is_still_refused_when_retried(fan_client, photo):
    churn(fan_client, photo, 5)

    assert [toggle(fan_client, photo, liked=True).status_code for _ in range(3)] == [429] * 3


def test_another_person_is_not_limited(fan_client, photo, stranger):
    churn(fan_client, photo, 5)
    assert toggle(fan_client, photo, liked=False).status_code == 429

    other = Client()
    other.force_login(stranger)
    response = toggle(other, photo, liked=True)

    assert response.status_code == 302
    assert Like.objects.filter(user=stranger, photo=photo).exists()


def test_a_minute_after_the_first_attempt_the_person_can_like_again(
    fan_client, fan, photo, rate_clock
):
    churn(fan_client, photo, 6)
    assert toggle(fan_client, photo, liked=False).status_code == 429

    rate_clock.now = START + 59.9  # the five still fall within the last minute
    assert toggle(fan_client, photo, liked=False).status_code == 429
    rate_clock.now = START + 60

    response = toggle(fan_client, photo, liked=False)

    assert response.status_code == 302
    assert not Like.objects.filter(user=fan, photo=photo).exists()


def test_retry_after_counts_down_to_when_the_oldest_attempt_leaves(fan_client, photo, rate_clock):
    churn(fan_client, photo, 5)
    rate_clock.now = START + 45

    assert toggle(fan_client, photo, liked=True)["Retry-After"] == "15"


def test_a_calendar_minutes_edge_does_not_double_the_limit(fan_client, photo, rate_clock):
    """Five at the end of one minute and five at the start of the next are ten in two
    seconds: fixed windows let them all through, a rolling minute refuses the second five."""
    rate_clock.now = START + 49  # one second before a calendar minute ends
    assert churn(fan_client, photo, 5) == [302] * 5
    rate_clock.now = START + 51  # one second into the next

    assert churn(fan_client, photo, 5) == [429] * 5


def test_attempts_spread_over_the_minute_free_up_one_at_a_time(fan_client, photo, rate_clock):
    for second in range(5):
        rate_clock.now = START + 10 * second
        assert toggle(fan_client, photo, liked=True).status_code == 302
    rate_clock.now = START + 55
    assert toggle(fan_client, photo, liked=True)["Retry-After"] == "5"

    rate_clock.now = START + 60  # the first left; the second leaves at +70
    assert toggle(fan_client, photo, liked=True).status_code == 302
    assert toggle(fan_client, photo, liked=True)["Retry-After"] == "10"


def test_a_bad_request_is_answered_before_the_limit(fan_client, photo):
    churn(fan_client, photo, 5)

    assert fan_client.post(like_url(photo), {"liked": "maybe"}).status_code == 400


def test_anonymous_posts_go_to_login_and_do_not_count(client, fan, photo):
    for _ in range(6):
        assert toggle(client, photo, liked=True).status_code == 302
    client.force_login(fan)

    assert toggle(client, photo, liked=True).status_code == 302
    assert Like.objects.filter(user=fan).exists()


# --- What moderators see --------------------------------------------------------------------


def test_going_over_the_limit_is_recorded_once_per_window(fan_client, fan, photo):
    churn(fan_client, photo, 5)
    assert not RateLimitHit.objects.exists()

    for _ in range(4):
        assert toggle(fan_client, photo, liked=True).status_code == 429

    hit = RateLimitHit.objects.get()
    assert (hit.user, hit.photo, hit.scope) == (fan, photo, RateLimitHit.Scope.MINUTE)


def test_each_window_over_the_limit_is_recorded(fan_client, fan, photo, rate_clock):
    churn(fan_client, photo, 7)
    rate_clock.now = START + 60
    churn(fan_client, photo, 7)

    assert RateLimitHit.objects.filter(user=fan, scope="minute").count() == 2


def test_staying_within_the_limit_records_nothing(fan_client, photo):
    churn(fan_client, photo, 5)

    assert not RateLimitHit.objects.exists()


def test_rate_limit_hits_are_per_person(fan_client, fan, photo, stranger):
    churn(fan_client, photo, 7)
    other = Client()
    other.force_login(stranger)
    churn(other, photo, 7)

    assert sorted(RateLimitHit.objects.values_list("user__username", flat=True)) == [
        "fabio",
        "sam",
    ]


# --- The daily cap --------------------------------------------------------------------------


@pytest.fixture
def daily_cap(settings):
    settings.LIKE_RATE_PER_MINUTE = 1000
    settings.LIKE_RATE_PER_DAY = 4


def test_daily_cap_refuses_and_changes_nothing(daily_cap, fan_client, fan, photo, rate_clock):
    for minute in range(4):  # spread out: never near the minute limit
        rate_clock.now = START + 60 * minute
        assert toggle(fan_client, photo, liked=minute % 2 == 0).status_code == 302
    before = snapshot(photo)

    rate_clock.now = START + 60 * 5
    response = toggle(fan_client, photo, liked=True)

    assert response.status_code == 429
    assert response["Retry-After"] == str(86_400 - 60 * 5)  # the first attempt leaves
    assert FRIENDLY in page_text(response)
    assert snapshot(photo) == before
    assert before["likes"] == []


def test_daily_cap_is_recorded_once_per_day(daily_cap, fan_client, fan, photo, rate_clock):
    churn(fan_client, photo, 4)
    for minute in range(1, 4):
        rate_clock.now = START + 60 * minute
        assert toggle(fan_client, photo, liked=True).status_code == 429

    hit = RateLimitHit.objects.get()
    assert (hit.user, hit.scope) == (fan, RateLimitHit.Scope.DAY)


def test_daily_cap_lifts_the_next_day_and_spares_others(
    daily_cap, fan_client, fan, stranger, photo, rate_clock
):
    churn(fan_client, photo, 4)
    assert toggle(fan_client, photo, liked=True).status_code == 429
    other = Client()
    other.force_login(stranger)
    assert toggle(other, photo, liked=True).status_code == 302

    rate_clock.now = START + 86_400

    assert toggle(fan_client, photo, liked=True).status_code == 302
    assert Like.objects.filter(user=fan, photo=photo).exists()
