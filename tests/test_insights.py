"""Owner insights: who may open them, and the exact figures they show under each preset.

A scripted history with frozen time (the ``clock``: 2026-03-14 10:00 UTC is "today"):
ten days ago four people liked the photo; two days ago two more liked it and one of the
first withdrew; yesterday two more withdrew, and the photo was seen by a fan (page twice and
in their feed), a stranger and an anonymous visitor with a session.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from engagement.insights.models import PhotoDay
from engagement.moderation.services import photo_hidden_set
from engagement.services import like_set
from tests.factories import FollowFactory, PhotoFactory, UserFactory
from tests.insights_pages import csv_rows, summary
from tests.like_pages import PRESET_NAMES
from tests.pages import assert_redirects_to_login, heading, page_text
from tests.test_unlike_shield import Clock

TODAY = datetime(2026, 3, 14, 10, 0, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    frozen = Clock(TODAY)
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def on(clock: Clock, days_ago: int, hhmm: str = "09:00") -> None:
    hours, minutes = map(int, hhmm.split(":"))
    clock.now = (TODAY - timedelta(days=days_ago)).replace(hour=hours, minute=minutes)


@pytest.fixture
def likers(db):
    return [UserFactory(username=f"liker{i}", display_name=f"Liker Number{i}") for i in range(6)]


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def history(clock, photo, likers, owner, fan, stranger, django_capture_on_commit_callbacks):
    """The scripted history in the module docstring; ends with the clock at today 10:00."""
    FollowFactory(follower=fan, followed=owner)
    with django_capture_on_commit_callbacks(execute=True):
        on(clock, 10)
        for person in likers[:4]:
            like_set(user=person, photo=photo, liked=True)
        on(clock, 2)
        for person in likers[4:]:
            like_set(user=person, photo=photo, liked=True)
        like_set(user=likers[0], photo=photo, liked=False)
        on(clock, 1)
        like_set(user=likers[1], photo=photo, liked=False)
        like_set(user=likers[2], photo=photo, liked=False)
    fan_browser, stranger_browser, owner_browser, anonymous = Client(), Client(), Client(), Client()
    fan_browser.force_login(fan)
    stranger_browser.force_login(stranger)
    owner_browser.force_login(owner)
    anonymous.session.save()  # an anonymous visitor who already has a session
    for browser in (fan_browser, fan_browser, stranger_browser, owner_browser, anonymous):
        assert browser.get(photo.get_absolute_url()).status_code == 200
    assert fan_browser.get(reverse("home")).status_code == 200
    assert Client().get(photo.get_absolute_url()).status_code == 200  # no session: a bot
    clock.now = TODAY
    return photo


def withdraw_today(hhmm: str, person, photo, *, clock, capture) -> None:
    """``person`` withdraws their like at ``hhmm`` today, and it commits."""
    on(clock, 0, hhmm)
    with capture(execute=True):
        like_set(user=person, photo=photo, liked=False)


def insights_url(photo, period=7) -> str:
    return f"{reverse('photo_insights', args=[photo.pk])}?period={period}"


# --- Access -------------------------------------------------------------------------------


PHOTO_URLS = ["photo_insights", "photo_insights_csv"]
ACCOUNT_URLS = ["account_insights", "account_insights_csv"]


@pytest.mark.parametrize("name", PHOTO_URLS)
def test_photo_insights_are_the_owners_alone(client, photo, owner, fan, moderator, name):
    url = reverse(name, args=[photo.pk])
    assert_redirects_to_login(client.get(url))
    for other in (fan, moderator):
        client.force_login(other)
        assert client.get(url).status_code == 404
    client.force_login(owner)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", ACCOUNT_URLS)
def test_account_insights_need_a_login_and_show_only_your_own(
    client, history, owner, moderator, name
):
    url = reverse(name)
    assert_redirects_to_login(client.get(url))
    client.force_login(moderator)
    response = client.get(f"{url}?period=30")
    assert response.status_code == 200
    if name == "account_insights":
        assert summary(response)["gained"] == ["0", "0", "0"]
    else:
        assert {row["likes_gained"] for row in csv_rows(response)} == {"0"}
    client.force_login(owner)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("name", PHOTO_URLS + ACCOUNT_URLS)
def test_an_unknown_period_is_a_clear_400(owner_client, photo, name):
    url = reverse(name, args=[photo.pk] if name in PHOTO_URLS else [])
    response = owner_client.get(f"{url}?period=365")
    assert response.status_code == 400
    assert "Choose a period of 7, 30 or 90 days." in page_text(response)


def test_insights_are_linked_from_the_photo_grid_header_and_profile(owner_client, owner, photo):
    link = reverse("photo_insights", args=[photo.pk])
    assert link in page_text(owner_client.get(photo.get_absolute_url()))
    profile = page_text(owner_client.get(owner.get_absolute_url()))
    assert link in profile
    assert reverse("account_insights") in profile
    home = page_text(owner_client.get(reverse("home")))
    assert link in home  # the owner's own card in their feed
    assert f'href="{reverse("account_insights")}"' in home  # the header


def test_nobody_else_sees_an_insights_link(client, fan, photo, owner):
    link = reverse("photo_insights", args=[photo.pk])
    assert link not in page_text(client.get(photo.get_absolute_url()))
    assert reverse("account_insights") not in page_text(client.get(reverse("home")))
    client.force_login(fan)
    assert link not in page_text(client.get(photo.get_absolute_url()))
    assert link not in page_text(client.get(owner.get_absolute_url()))


# --- Figures ------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_photo_figures_for_the_scripted_history(settings, owner_client, history, preset):
    settings.ENGAGEMENT_POLICY = preset
    response = owner_client.get(insights_url(history))
    page = page_text(response)

    assert "3 likes now" in page
    assert summary(response) == {
        "gained": ["2", "6", "6"],
        "withdrawn": ["3", "3", "3"],
        "voided": ["0", "0", "0"],
        "net": ["-1", "+3", "+3"],
        "views": ["4", "4", "4"],
        "unique-viewers": ["3", "3", "3"],
        "engagement-rate": ["66.7%", "200.0%", "200.0%"],
        "withdrawal-rate": ["150.0%", "50.0%", "50.0%"],
    }


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_daily_csv_withholds_small_withdrawal_counts_only_under_likewise(
    settings, owner_client, history, preset
):
    settings.ENGAGEMENT_POLICY = preset
    response = owner_client.get(reverse("photo_insights_csv", args=[history.pk]) + "?period=7")

    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == (
        f'attachment; filename="likewise-photo-{history.pk}-7-days.csv"'
    )
    rows = csv_rows(response)
    assert [row["date"] for row in rows] == [
        (TODAY - timedelta(days=back)).date().isoformat() for back in range(6, -1, -1)
    ]
    two_days_ago, yesterday = rows[-3], rows[-2]
    assert (two_days_ago["likes_gained"], yesterday["likes_gained"]) == ("2", "0")
    assert (yesterday["views"], yesterday["unique_viewers"]) == ("4", "3")
    if preset == "likewise":
        assert (two_days_ago["likes_withdrawn"], yesterday["likes_withdrawn"]) == (
            "fewer than 3",
            "fewer than 3",
        )
        assert rows[0]["likes_withdrawn"] == "fewer than 3"  # zero is withheld too
    else:
        assert (two_days_ago["likes_withdrawn"], yesterday["likes_withdrawn"]) == ("1", "2")


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_no_insight_names_anyone(settings, owner_client, history, likers, fan, stranger, preset):
    settings.ENGAGEMENT_POLICY = preset
    responses = [owner_client.get(insights_url(history, period)) for period in (7, 30, 90)] + [
        owner_client.get(insights_url(history), headers={"HX-Request": "true"}),
        owner_client.get(reverse("photo_insights_csv", args=[history.pk]) + "?period=90"),
        owner_client.get(reverse("account_insights") + "?period=90"),
        owner_client.get(reverse("account_insights_csv") + "?period=90"),
    ]
    for response in responses:
        text = page_text(response)
        for person in [*likers, fan, stranger]:
            assert not re.search(rf"\b{person.username}\b", text)
            assert person.display_name not in text


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_only_twitter_links_the_labelled_per_person_history(
    settings, owner_client, history, preset
):
    settings.ENGAGEMENT_POLICY = preset
    page = page_text(owner_client.get(insights_url(history)))
    history_link = reverse("likers", args=[history.pk]) + "#history-heading"
    if preset == "twitter":
        assert history_link in page
        assert "who withdrew a like, by name" in page
    else:
        assert history_link not in page
        assert "Nobody who withdrew a like is named." in page


@pytest.mark.parametrize(("withdrawals", "shown"), [(2, "fewer than 3"), (3, "3"), (4, "4")])
def test_likewise_threshold(
    settings, clock, owner_client, photo, withdrawals, shown, django_capture_on_commit_callbacks
):
    settings.ENGAGEMENT_POLICY = "likewise"
    people = UserFactory.create_batch(withdrawals)
    with django_capture_on_commit_callbacks(execute=True):
        on(clock, 3)
        for person in people:
            like_set(user=person, photo=photo, liked=True)
        on(clock, 1)
        for person in people:
            like_set(user=person, photo=photo, liked=False)
    clock.now = TODAY

    response = owner_client.get(insights_url(photo))
    figures = summary(response)
    assert figures["withdrawn"] == [shown] * 3
    if withdrawals < 3:
        assert figures["net"] == ["not shown"] * 3
        assert figures["withdrawal-rate"] == ["not shown"] * 3
    else:
        assert figures["net"] == ["+0"] * 3
    day_rows = csv_rows(owner_client.get(reverse("photo_insights_csv", args=[photo.pk])))
    assert day_rows[-2]["likes_withdrawn"] == shown
    # The chart draws a withdrawn bar only for a day it may show.
    assert ("Withdrawn, " + shown in page_text(response)) == (withdrawals >= 3)


def test_likewise_waits_for_the_release_window(
    settings, clock, owner_client, history, likers, django_capture_on_commit_callbacks
):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60
    withdraw_today(
        "10:05", likers[3], history, clock=clock, capture=django_capture_on_commit_callbacks
    )
    on(clock, 0, "10:30")
    during = summary(owner_client.get(insights_url(history)))
    on(clock, 0, "11:00")
    after = summary(owner_client.get(insights_url(history)))

    assert during["withdrawn"][0] == "3"
    assert after["withdrawn"][0] == "4"


def test_without_the_shield_withdrawals_count_at_once(
    settings, clock, owner_client, history, likers, django_capture_on_commit_callbacks
):
    settings.ENGAGEMENT_POLICY = "instagram"
    withdraw_today(
        "10:05", likers[3], history, clock=clock, capture=django_capture_on_commit_callbacks
    )
    assert summary(owner_client.get(insights_url(history)))["withdrawn"][0] == "4"


def test_account_insights_add_up_photos_and_followers(
    settings, clock, owner_client, history, owner, stranger, django_capture_on_commit_callbacks
):
    settings.ENGAGEMENT_POLICY = "facebook"
    from accounts.services import follow_set

    with django_capture_on_commit_callbacks(execute=True):
        follow_set(follower=stranger, followed=owner, following=True)
    response = owner_client.get(reverse("account_insights") + "?period=7")
    assert summary(response)["gained"] == ["2", "6", "6"]
    page = page_text(response)
    assert "2 followers" in page  # the fan (made directly) and the stranger
    assert "Top photos by engagement rate" in page
    assert reverse("photo_insights", args=[history.pk]) in page
    rows = csv_rows(owner_client.get(reverse("account_insights_csv") + "?period=7"))
    assert rows[-1]["followers_gained"] == "1"
    assert sum(int(row["likes_withdrawn"]) for row in rows) == 3


def test_period_switch_returns_just_the_figures_for_htmx(owner_client, history, htmx_headers):
    response = owner_client.get(insights_url(history, 30), headers=htmx_headers)
    page = page_text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert page.lstrip().startswith('<div id="insights-figures">')
    assert '<a href="?period=30" hx-get="?period=30"' in page
    assert 'hx-push-url="true" aria-current="page">30 days' in page
    assert response["Vary"].count("HX-Request") == 1


def test_chart_is_an_accessible_svg_with_a_table(owner_client, history):
    page = page_text(owner_client.get(insights_url(history)))
    assert '<svg class="chart"' in page and 'role="img"' in page
    assert '<title id="likes-per-day-title">Likes per day</title>' in page
    assert "Day (UTC)" in page and ">Gained</text>" in page  # axis and legend
    assert '<div class="visually-hidden"><table>' in page
    assert "style=" not in page.split("<main", 1)[1]
    assert "<script" not in page.split("<main", 1)[1]


# --- Cost ---------------------------------------------------------------------------------


def queries_for(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("preset", ["likewise", "instagram"])
def test_query_count_does_not_grow_with_history(settings, owner_client, owner, photo, preset):
    settings.ENGAGEMENT_POLICY = preset
    urls = [
        insights_url(photo, 90),
        reverse("account_insights") + "?period=90",
        reverse("photo_insights_csv", args=[photo.pk]) + "?period=90",
    ]
    before = [queries_for(owner_client, url) for url in urls]
    today = timezone.now().date()
    PhotoDay.objects.bulk_create(
        PhotoDay(photo=photo, owner=owner, day=today - timedelta(days=d), likes_gained=5, views=9)
        for d in range(400)
    )
    for other in range(5):
        PhotoFactory(owner=owner, caption=f"more {other}")
    after = [queries_for(owner_client, url) for url in urls]
    assert after == before
    assert max(after) <= 8


def test_likewise_account_figures_stop_at_the_end_of_yesterday(
    settings, clock, owner_client, history, likers, django_capture_on_commit_callbacks
):
    settings.ENGAGEMENT_POLICY = "likewise"
    withdraw_today(
        "08:00", likers[3], history, clock=clock, capture=django_capture_on_commit_callbacks
    )
    on(clock, 0, "10:00")
    response = owner_client.get(reverse("account_insights") + "?period=7")

    assert summary(response)["withdrawn"] == ["3", "3", "3"]  # today's withdrawal waits
    rows = csv_rows(owner_client.get(reverse("account_insights_csv") + "?period=7"))
    assert rows[-1]["date"] == (TODAY - timedelta(days=1)).date().isoformat()
    assert "these figures include changes up to" in page_text(response)


def test_an_owner_still_reads_insights_of_a_photo_moderators_hid(owner_client, photo, moderator):
    photo_hidden_set(moderator=moderator, photo=photo, hidden=True, reason="Spam")

    response = owner_client.get(reverse("photo_insights", args=[photo.pk]))

    assert response.status_code == 200
    assert heading(response) == "Photo insights"
    assert photo.thumbnail.url in page_text(response)
