"""The unlike inference shield: the truth changes at once, what is displayed lags.

Under the likewise preset a withdrawn like keeps counting (and its person stays listed) for
everyone, owner included, until the end of the release window it happened in; then all of
that window's withdrawals leave together. Time is frozen with the ``clock`` fixture.
"""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from engagement import shield
from engagement.models import Like
from engagement.services import like_set
from photos.models import Photo
from tests.factories import PhotoFactory, UserFactory
from tests.like_pages import (
    like_control,
    likers_count_line,
    likers_summary,
    listed_usernames,
    pressed,
    shown_count,
)
from tests.pages import page_text

DAY = datetime(2026, 3, 14, tzinfo=UTC)


def at(hhmm: str, day: datetime = DAY) -> datetime:
    hours, minutes = map(int, hhmm.split(":"))
    return day.replace(hour=hours, minute=minutes)


class Clock:
    """A frozen ``timezone.now``: ``clock.set("10:20")`` or ``clock.advance(minutes=5)``."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def set(self, hhmm: str) -> None:
        self.now = at(hhmm)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    frozen = Clock(at("10:00"))
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def shielded(settings):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60


@pytest.fixture
def lia(db):
    return UserFactory(username="lia", display_name="Lia Liker")


@pytest.fixture
def leo(db):
    return UserFactory(username="leo", display_name="Leo Liker")


@pytest.fixture
def photo(clock, owner, fan, lia, leo):
    """Liked by the fan at 10:01, Lia at 10:02 and Leo at 10:03."""
    photo = PhotoFactory(owner=owner)
    for minute, person in enumerate([fan, lia, leo], start=1):
        clock.set(f"10:0{minute}")
        like_set(user=person, photo=photo, liked=True)
    return photo


@pytest.fixture
def viewers(owner, stranger, fan):
    """A logged-in browser for the owner, a third party and the liker, and an anonymous one."""
    browsers = {"anonymous": Client()}
    for name, person in [("owner", owner), ("stranger", stranger), ("fan", fan)]:
        browsers[name] = Client()
        browsers[name].force_login(person)
    return browsers


def unlike(person, photo):
    assert like_set(user=person, photo=photo, liked=False)


def relike(person, photo):
    assert like_set(user=person, photo=photo, liked=True)


def what_people_see(photo, viewers) -> dict:
    """The count and likers each viewer is shown right now."""
    seen = {}
    owner_page = page_text(viewers["owner"].get(photo.get_absolute_url()))
    seen["owner count"] = shown_count(like_control(owner_page, photo))
    seen["owner summary"] = likers_summary(owner_page)
    likers_page = page_text(viewers["owner"].get(reverse("likers", args=[photo.pk])))
    seen["likers page count"] = likers_count_line(likers_page)
    seen["likers"] = listed_usernames(likers_page)
    for name in ["stranger", "anonymous", "fan"]:
        page = page_text(viewers[name].get(photo.get_absolute_url()))
        seen[f"{name} count"] = shown_count(like_control(page, photo))
    return seen


def shown(count: int, likers: list[str], summary: str) -> dict:
    return {
        "owner count": count,
        "owner summary": summary,
        "likers page count": count,
        "likers": likers,
        "stranger count": count,
        "anonymous count": count,
        "fan count": count,
    }


ALL_THREE = shown(3, ["leo", "lia", "fabio"], "Liked by Leo Liker, Lia Liker and 1 other")
WITHOUT_FAN = shown(2, ["leo", "lia"], "Liked by Leo Liker and Lia Liker")


def truth(photo) -> tuple[int, int]:
    """(Photo.like_count, number of Like rows): always exact, whatever is displayed."""
    return Photo.objects.get(pk=photo.pk).like_count, Like.objects.filter(photo=photo).count()


# --- One unlike ------------------------------------------------------------------------------


def test_an_unlike_stays_displayed_until_the_window_ends(shielded, clock, photo, fan, viewers):
    clock.set("10:20")
    unlike(fan, photo)

    assert truth(photo) == (2, 2)
    assert what_people_see(photo, viewers) == ALL_THREE

    clock.set("10:59")
    assert what_people_see(photo, viewers) == ALL_THREE

    clock.set("11:00")
    assert what_people_see(photo, viewers) == WITHOUT_FAN
    assert truth(photo) == (2, 2)


def test_one_second_before_the_release_the_unlike_is_still_displayed(
    shielded, clock, photo, fan, viewers
):
    clock.set("10:20")
    unlike(fan, photo)

    clock.now = at("11:00") - timedelta(seconds=1)
    assert what_people_see(photo, viewers)["owner count"] == 3
    clock.now = at("11:00")
    assert what_people_see(photo, viewers)["owner count"] == 2


def test_the_unlikers_own_heart_changes_at_once(shielded, clock, photo, viewers, htmx_headers):
    clock.set("10:20")

    response = viewers["fan"].post(
        reverse("like", args=[photo.pk]), {"liked": "0"}, headers=htmx_headers
    )

    control = like_control(page_text(response), photo)
    assert pressed(control) == "false"
    assert shown_count(control) == 3
    page = page_text(viewers["fan"].get(photo.get_absolute_url()))
    assert pressed(like_control(page, photo)) == "false"
    assert truth(photo) == (2, 2)


def test_an_unlike_through_the_plain_form_is_shielded_too(shielded, clock, photo, viewers):
    clock.set("10:20")

    response = viewers["fan"].post(reverse("like", args=[photo.pk]), {"liked": "0"})

    assert response.status_code == 302
    assert truth(photo) == (2, 2)
    assert what_people_see(photo, viewers) == ALL_THREE


def test_an_unlike_just_before_the_release_still_waits_for_it(shielded, clock, photo, fan, viewers):
    clock.set("10:59")
    unlike(fan, photo)

    assert what_people_see(photo, viewers) == ALL_THREE
    clock.set("11:00")
    assert what_people_see(photo, viewers) == WITHOUT_FAN


def test_an_unlike_at_the_start_of_a_window_waits_for_its_end(shielded, clock, photo, fan, viewers):
    clock.set("11:00")
    unlike(fan, photo)

    clock.set("11:59")
    assert what_people_see(photo, viewers) == ALL_THREE
    clock.set("12:00")
    assert what_people_see(photo, viewers) == WITHOUT_FAN


# --- Several unlikes ----------------------------------------------------------------------


def test_unlikes_in_the_same_window_leave_together(shielded, clock, photo, fan, lia, viewers):
    clock.set("10:20")
    unlike(fan, photo)
    clock.set("10:45")
    unlike(lia, photo)

    assert truth(photo) == (1, 1)
    assert what_people_see(photo, viewers) == ALL_THREE
    clock.set("10:59")
    assert what_people_see(photo, viewers) == ALL_THREE

    clock.set("11:00")
    assert what_people_see(photo, viewers) == shown(1, ["leo"], "Liked by Leo Liker")


def test_unlikes_in_different_windows_leave_at_their_own_release(
    shielded, clock, photo, fan, lia, viewers
):
    clock.set("10:20")
    unlike(fan, photo)
    clock.set("11:10")
    unlike(lia, photo)

    assert what_people_see(photo, viewers) == WITHOUT_FAN  # Lia's unlike waits for 12:00
    clock.set("11:59")
    assert what_people_see(photo, viewers) == WITHOUT_FAN
    clock.set("12:00")
    assert what_people_see(photo, viewers) == shown(1, ["leo"], "Liked by Leo Liker")
    assert truth(photo) == (1, 1)


def test_a_new_like_shows_at_once_while_an_unlike_waits(shielded, clock, photo, fan, viewers):
    clock.set("10:20")
    unlike(fan, photo)
    clock.set("10:30")
    relike(UserFactory(username="nia", display_name="Nia New"), photo)

    seen = what_people_see(photo, viewers)
    assert seen["owner count"] == 4
    assert seen["likers"] == ["nia", "leo", "lia", "fabio"]
    clock.set("11:00")
    seen = what_people_see(photo, viewers)
    assert seen["owner count"] == 3
    assert seen["likers"] == ["nia", "leo", "lia"]


# --- Taking an unlike back ----------------------------------------------------------------


def test_unlike_then_like_again_in_the_window_changes_nothing_visible(
    shielded, clock, photo, fan, viewers
):
    before = what_people_see(photo, viewers)
    assert before == ALL_THREE

    clock.set("10:20")
    unlike(fan, photo)
    assert what_people_see(photo, viewers) == before
    clock.set("10:40")
    relike(fan, photo)

    assert truth(photo) == (3, 3)
    for time in ["10:40", "10:59", "11:00", "11:30", "12:00"]:
        clock.set(time)
        assert what_people_see(photo, viewers) == before, time


def test_a_taken_back_like_keeps_its_place_in_the_likers_list(shielded, clock, photo, fan, viewers):
    """Jumping to the top would tell the owner this person had unliked and come back."""
    clock.set("10:20")
    unlike(fan, photo)
    clock.set("10:40")
    relike(fan, photo)

    assert Like.objects.get(user=fan, photo=photo).created == at("10:01")
    clock.set("13:00")
    assert what_people_see(photo, viewers)["likers"] == ["leo", "lia", "fabio"]


def test_churning_within_the_window_changes_nothing_visible(shielded, clock, photo, fan, viewers):
    before = what_people_see(photo, viewers)
    for time, change in [("10:20", unlike), ("10:30", relike), ("10:35", unlike)]:
        clock.set(time)
        change(fan, photo)
        assert what_people_see(photo, viewers) == before, time
    clock.set("10:50")
    relike(fan, photo)

    for time in ["10:50", "11:00", "12:30"]:
        clock.set(time)
        assert what_people_see(photo, viewers) == before, time
    assert truth(photo) == (3, 3)


def test_churning_that_ends_unliked_leaves_at_the_release(shielded, clock, photo, fan, viewers):
    for time, change in [("10:20", unlike), ("10:30", relike), ("10:35", unlike)]:
        clock.set(time)
        change(fan, photo)

    assert what_people_see(photo, viewers) == ALL_THREE
    clock.set("11:00")
    assert what_people_see(photo, viewers) == WITHOUT_FAN


def test_taking_back_one_unlike_leaves_the_others_pending(
    shielded, clock, photo, fan, lia, viewers
):
    clock.set("10:20")
    unlike(fan, photo)
    unlike(lia, photo)
    clock.set("10:40")
    relike(fan, photo)

    assert what_people_see(photo, viewers) == ALL_THREE
    clock.set("11:00")
    seen = what_people_see(photo, viewers)
    assert seen["owner count"] == 2
    assert sorted(seen["likers"]) == ["fabio", "leo"]
    assert truth(photo) == (2, 2)


def test_liking_again_after_the_release_is_an_ordinary_new_like(
    shielded, clock, photo, fan, viewers
):
    clock.set("10:20")
    unlike(fan, photo)
    clock.set("11:10")
    relike(fan, photo)

    seen = what_people_see(photo, viewers)
    assert seen["owner count"] == 3
    assert seen["likers"] == ["fabio", "leo", "lia"]
    clock.set("12:00")
    assert what_people_see(photo, viewers)["owner count"] == 3
    assert truth(photo) == (3, 3)


# --- Without the shield ------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["instagram", "facebook", "twitter"])
def test_without_the_shield_an_unlike_shows_at_once(settings, clock, photo, fan, viewers, preset):
    settings.ENGAGEMENT_POLICY = preset
    clock.set("10:20")
    unlike(fan, photo)

    assert what_people_see(photo, viewers) == WITHOUT_FAN
    assert truth(photo) == (2, 2)


# --- window_start / next_release -----------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "start"),
    [
        (at("10:00"), at("10:00")),
        (at("10:20"), at("10:00")),
        (at("10:59") + timedelta(seconds=59, microseconds=999_999), at("10:00")),
        (at("11:00"), at("11:00")),
        (at("00:00"), at("00:00")),
    ],
)
def test_window_start_is_the_hour_the_moment_falls_in(settings, moment, start):
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60

    assert shield.window_start(moment) == start


@pytest.mark.parametrize(
    ("moment", "release"),
    [
        (at("10:00"), at("11:00")),
        (at("10:20"), at("11:00")),
        (at("10:59") + timedelta(seconds=59), at("11:00")),
        (at("11:00"), at("12:00")),
        (at("23:30"), at("00:00", DAY + timedelta(days=1))),
    ],
)
def test_next_release_is_the_end_of_the_window(settings, moment, release):
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60

    assert shield.next_release(moment) == release


@pytest.mark.parametrize(
    ("minutes", "moment", "start"),
    [(15, "10:20", "10:15"), (15, "10:14", "10:00"), (30, "10:45", "10:30"), (1, "10:20", "10:20")],
)
def test_window_length_follows_the_setting(settings, minutes, moment, start):
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = minutes

    assert shield.window_start(at(moment)) == at(start)
    assert shield.next_release(at(moment)) == at(start) + timedelta(minutes=minutes)


def test_windows_are_the_same_instants_whatever_the_time_zone(settings):
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60
    in_kolkata = datetime(2026, 3, 14, 15, 50, tzinfo=ZoneInfo("Asia/Kolkata"))  # 10:20 UTC

    start = shield.window_start(in_kolkata)

    assert start == at("10:00")
    assert start.utcoffset() == timedelta(0)
    assert shield.next_release(in_kolkata) == at("11:00")


def test_displayed_count_adds_pending_withdrawals_only_in_their_window(settings):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60
    photo = Photo(like_count=2, shield_window=at("10:00"), shield_withdrawals=1)

    assert shield.displayed_like_count(photo, at("10:30")) == 3
    assert shield.displayed_like_count(photo, at("11:00")) == 2
    assert shield.displayed_like_count(photo, at("09:59")) == 2
    assert shield.displayed_like_count(Photo(like_count=2), at("10:30")) == 2


@pytest.mark.parametrize("preset", ["instagram", "facebook", "twitter"])
def test_displayed_count_is_the_truth_without_the_shield(settings, preset):
    settings.ENGAGEMENT_POLICY = preset
    photo = Photo(like_count=2, shield_window=at("10:00"), shield_withdrawals=1)

    assert shield.displayed_like_count(photo, at("10:30")) == 2
