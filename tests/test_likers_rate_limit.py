"""Reading who liked a photo, and pages of like counts, is limited per person and per
address: a person browsing never notices, a script polling likers lists or counts to diff
them ("who unliked me" tools) gets a 429, and the first refusal in each window is kept for
moderators. Likers pages are never indexed, and there is no other format of them to poll.
"""

import re
from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from engagement import ratelimit
from engagement.models import RateLimitHit, ReadLimitHit
from engagement.services import like_set
from tests.factories import PhotoFactory, UserFactory
from tests.like_pages import listed_usernames
from tests.pages import page_text
from tests.test_like_rate_limit import START, FakeTime

FRIENDLY = "You're opening lists of likes faster than anyone browses them"


@pytest.fixture(autouse=True)
def limits(settings):
    settings.ENGAGEMENT_POLICY = "instagram"  # everyone may read likers lists
    settings.LIKERS_READS_PER_MINUTE = 5
    settings.LIKERS_READS_PER_DAY = 300
    settings.LIKERS_READS_PER_ADDRESS_PER_MINUTE = 8
    settings.LIKERS_READS_PER_ADDRESS_PER_DAY = 1200


@pytest.fixture(autouse=True)
def rate_clock(monkeypatch) -> FakeTime:
    clock = FakeTime(START)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=clock.time))
    return clock


@pytest.fixture
def photo(owner, fan):
    photo = PhotoFactory(owner=owner)
    like_set(user=fan, photo=photo, liked=True)
    return photo


def read(client: Client, photo, address: str = "203.0.113.7", **extra):
    return client.get(reverse("likers", args=[photo.pk]), REMOTE_ADDR=address, **extra)


def reads(client: Client, photo, times: int, **extra) -> list[int]:
    return [read(client, photo, **extra).status_code for _ in range(times)]


def test_browsing_is_never_refused(owner_client, photo, settings):
    settings.LIKERS_READS_PER_MINUTE = 30
    settings.LIKERS_READS_PER_ADDRESS_PER_MINUTE = 120
    assert listed_usernames(page_text(read(owner_client, photo))) == ["fabio"]
    assert reads(owner_client, photo, 29) == [200] * 29


def test_a_script_polling_once_a_minute_is_refused_within_the_day(
    owner_client, photo, rate_clock, settings
):
    settings.LIKERS_READS_PER_MINUTE = 30
    settings.LIKERS_READS_PER_DAY = 300
    statuses = []
    for minute in range(301):
        statuses.append(read(owner_client, photo, address=f"10.0.{minute % 250}.1").status_code)
        rate_clock.now += 60
    assert statuses == [200] * 300 + [429], "five hours in, the daily cap refuses it"
    assert ReadLimitHit.objects.get().scope == RateLimitHit.Scope.DAY


def test_a_person_polling_gets_a_429_with_a_clear_message(owner_client, photo):
    assert reads(owner_client, photo, 5) == [200] * 5
    response = read(owner_client, photo)
    assert response.status_code == 429
    assert response["Retry-After"] == "60"  # when the first of the five leaves the minute
    assert FRIENDLY in page_text(response)
    assert "fabio" not in page_text(response), "the list itself is not shown"


def test_the_limit_lifts_a_minute_after_the_first_read(owner_client, photo, rate_clock):
    reads(owner_client, photo, 6)
    rate_clock.now += 59
    assert read(owner_client, photo).status_code == 429
    rate_clock.now += 1
    assert read(owner_client, photo).status_code == 200


def test_the_daily_cap_holds_across_minutes(owner_client, photo, rate_clock, settings):
    settings.LIKERS_READS_PER_DAY = 7
    assert reads(owner_client, photo, 5) == [200] * 5
    rate_clock.now += 60
    assert reads(owner_client, photo, 3) == [200, 200, 429]
    assert ReadLimitHit.objects.get().scope == RateLimitHit.Scope.DAY


def test_the_person_is_limited_whatever_address_they_use(owner_client, photo):
    for n in range(5):
        assert read(owner_client, photo, address=f"198.51.100.{n}").status_code == 200
    assert read(owner_client, photo, address="198.51.100.99").status_code == 429


def test_an_address_is_limited_whoever_reads_from_it(photo, db):
    statuses = []
    for n in range(9):
        client = Client()
        client.force_login(UserFactory(username=f"reader{n}"))
        statuses.append(read(client, photo).status_code)
    assert statuses == [200] * 8 + [429]


def test_anonymous_scripts_are_limited_per_address(client, photo):
    assert reads(client, photo, 8) == [200] * 8
    assert read(client, photo).status_code == 429
    assert read(client, photo, address="192.0.2.50").status_code == 200, "others are unaffected"
    hit = ReadLimitHit.objects.get()
    assert (hit.user, hit.address, hit.path) == (None, "203.0.113.7", f"/p/{photo.pk}/likes/")


def test_the_first_refusal_in_a_window_is_recorded_for_moderators(owner_client, owner, photo):
    reads(owner_client, photo, 9)
    hit = ReadLimitHit.objects.get()
    assert (hit.user, hit.reading, hit.scope) == (owner, "likers", RateLimitHit.Scope.MINUTE)


def test_more_likers_pages_count_too_and_htmx_gets_the_fragment(owner_client, photo, htmx_headers):
    reads(owner_client, photo, 5)
    response = owner_client.get(
        reverse("likers", args=[photo.pk]) + "?before=abc",
        REMOTE_ADDR="203.0.113.7",
        headers=htmx_headers,
    )
    assert response.status_code == 429
    assert "<html" not in page_text(response)
    assert FRIENDLY in page_text(response)


def test_likers_pages_are_not_indexed(owner_client, photo):
    response = read(owner_client, photo)
    assert '<meta name="robots" content="noindex">' in page_text(response)
    assert response["X-Robots-Tag"] == "noindex"


def test_there_is_no_json_version_to_poll(owner_client, photo):
    response = read(owner_client, photo, headers={"Accept": "application/json"})
    assert response["Content-Type"].startswith("text/html")
    response = owner_client.get(reverse("likers", args=[photo.pk]) + "?format=json")
    assert response["Content-Type"].startswith("text/html")


# --- Pages of like counts ------------------------------------------------------------------


def count_pages(client: Client, url: str, times: int) -> list[int]:
    return [client.get(url, REMOTE_ADDR="203.0.113.7").status_code for _ in range(times)]


@pytest.mark.parametrize("page", ["home", "profile"])
def test_polling_pages_of_like_counts_is_refused_too(page, fan_client, owner, fan, settings):
    settings.LIKE_COUNT_READS_PER_MINUTE = 4
    url = reverse("home") if page == "home" else owner.get_absolute_url()
    assert count_pages(fan_client, url, 4) == [200] * 4
    response = fan_client.get(url, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 429
    assert "You're loading pages of photos faster than anyone browses them" in page_text(response)
    hit = ReadLimitHit.objects.get()
    assert (hit.user, hit.reading, hit.path) == (fan, "counts", url)


def test_scrolling_a_feed_is_never_refused(fan_client, owner, photo):
    grid = owner.get_absolute_url()
    assert count_pages(fan_client, grid, 60) == [200] * 60


def test_counts_and_likers_lists_are_limited_apart(owner_client, owner, photo, settings):
    settings.LIKE_COUNT_READS_PER_MINUTE = 4
    count_pages(owner_client, owner.get_absolute_url(), 5)
    assert read(owner_client, photo).status_code == 200


# --- What the explainer says the likers list allows -----------------------------------------

INFERENCE = {
    "instagram": ("infer-public", "anyone can see who likes the photo now"),
    "facebook": ("infer-public", "anyone can see who likes the photo now"),
    "twitter": ("infer-history", "they are shown who withdrew a like, and when"),
    "likewise": ("infer-window", "not when, within that window, you unliked"),
}


@pytest.mark.parametrize("preset", INFERENCE)
def test_the_explainer_says_plainly_what_the_likers_list_allows(client, preset, settings, db):
    settings.ENGAGEMENT_POLICY = preset
    page = page_text(client.get(reverse("unlike_explainer")))
    fact, sentence = INFERENCE[preset]
    shown = set(re.findall(r'<p data-fact="(infer-[a-z]+)"', page))
    assert shown == {fact, "infer-polling"}
    assert sentence in page
    assert "might still guess from the total" not in page
