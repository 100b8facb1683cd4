"""'What happens when I unlike?': public, generated from the policy, linked from every like
button."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import FollowFactory, PhotoFactory
from tests.like_pages import PRESET_NAMES, facts, like_control
from tests.pages import page_text

EXPLAINER = reverse("unlike_explainer")

COMMON = {"like-notifies", "count-up", "unlike-silent", "notification-withdrawn", "no-renotify"}
FACTS = {
    "instagram": COMMON | {"likers-everyone", "immediate", "history-hidden", "insights-aggregate"},
    "facebook": COMMON | {"likers-everyone", "immediate", "history-hidden", "insights-aggregate"},
    "twitter": COMMON | {"likers-owner", "immediate", "history-visible", "insights-per-person"},
    "likewise": COMMON | {"likers-owner", "shield", "history-hidden", "insights-thresholded"},
}


def fact_text(page: str, fact: str) -> str:
    start = page.index(f'<li data-fact="{fact}">')
    return " ".join(page[start : page.index("</li>", start)].split())


@pytest.mark.parametrize("persona", ["anonymous", "fan", "moderator"])
def test_explainer_is_public(client, persona, request):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))

    response = client.get(EXPLAINER)

    assert response.status_code == 200
    assert "What happens when I unlike?" in page_text(response)


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_explainer_states_exactly_the_facts_of_the_policy(client, settings, db, preset):
    settings.ENGAGEMENT_POLICY = preset

    page = page_text(client.get(EXPLAINER))

    assert facts(page) == FACTS[preset]


@pytest.mark.parametrize(
    ("preset", "label"),
    [
        ("instagram", "Instagram-style"),
        ("facebook", "Facebook-style"),
        ("twitter", "Twitter-style"),
        ("likewise", "Likewise private (our default)"),
    ],
)
def test_explainer_names_the_policy_in_force(client, settings, db, preset, label):
    settings.ENGAGEMENT_POLICY = preset

    assert f"<strong>{label}</strong>" in page_text(client.get(EXPLAINER))


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_explainer_says_whether_owners_may_hide_counts(client, settings, db, preset):
    settings.ENGAGEMENT_POLICY = preset

    count_fact = fact_text(page_text(client.get(EXPLAINER)), "count-up")

    owners_may_hide = "Owners can hide the count" in count_fact
    assert owners_may_hide == (preset in {"instagram", "likewise"})


def test_explainer_gives_the_shield_window_and_next_release(client, settings, db, monkeypatch):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 15
    monkeypatch.setattr(timezone, "now", lambda: datetime(2026, 3, 14, 10, 20, tzinfo=UTC))

    page = page_text(client.get(EXPLAINER))

    shield = fact_text(page, "shield")
    assert "15-minute window" in shield
    assert "the next one ends at 10:30" in shield
    assert "on (15-minute windows)" in page


def test_explainer_gives_the_renotify_cooldown(client, settings, db):
    settings.LIKE_RENOTIFY_COOLDOWN_HOURS = 6

    page = page_text(client.get(EXPLAINER))

    assert "within 6 hours, they are not notified again" in fact_text(page, "no-renotify")


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_explainer_table_matches_the_policy(client, settings, db, preset):
    settings.ENGAGEMENT_POLICY = preset

    page = " ".join(page_text(client.get(EXPLAINER)).split())

    likers = "everyone" if preset in {"instagram", "facebook"} else "the owner only"
    assert f"Who can see who liked</th><td>{likers}</td>" in page
    sees_withdrawals = "yes" if preset == "twitter" else "no"
    assert f"Owner sees who withdrew a like</th><td>{sees_withdrawals}</td>" in page
    shield = "on (60-minute windows)" if preset == "likewise" else "off"
    assert f"Unlike inference shield</th><td>{shield}</td>" in page
    assert "Owner notified of an unlike</th><td>no</td>" in page


# --- Every like button links to it ---------------------------------------------------------


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.mark.parametrize("persona", ["anonymous", "fan", "owner"])
def test_like_control_on_the_photo_page_links_to_the_explainer(client, photo, persona, request):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))

    page = page_text(client.get(photo.get_absolute_url()))

    assert f'href="{EXPLAINER}"' in like_control(page, photo)


def test_like_control_on_a_feed_card_links_to_the_explainer(fan_client, fan, owner, photo):
    FollowFactory(follower=fan, followed=owner)

    page = page_text(fan_client.get(reverse("home")))

    assert f'href="{EXPLAINER}"' in like_control(page, photo)


@pytest.mark.parametrize("persona", ["anonymous", "fan"])
def test_like_control_on_the_profile_grid_links_to_the_explainer(
    client, photo, owner, persona, request
):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))

    page = page_text(client.get(owner.get_absolute_url()))

    assert f'href="{EXPLAINER}"' in like_control(page, photo)


def test_like_control_returned_after_liking_links_to_the_explainer(fan_client, photo, htmx_headers):
    response = fan_client.post(
        reverse("like", args=[photo.pk]), {"liked": "1"}, headers=htmx_headers
    )

    assert response.status_code == 200
    assert f'href="{EXPLAINER}"' in like_control(page_text(response), photo)


def test_likers_page_links_to_the_explainer(owner_client, photo):
    page = page_text(owner_client.get(reverse("likers", args=[photo.pk])))

    assert f'href="{EXPLAINER}"' in page
