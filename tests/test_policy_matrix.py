"""The engagement policy matrix, as the README's "Engagement policy presets" table states it.

First the presets against that table, read from README.md itself, so a preset and its
documentation can't drift apart unnoticed; then, for every preset, what the owner, a
liker, a third party and an anonymous visitor actually see on the photo page and the
who-liked page. The table is the one in DESIGN.md ("Engagement policy (the core)"),
worded for the site: see test_the_readme_table_says_what_the_design_brief_says.
"""

import dataclasses
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings as django_settings
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from engagement.policy import (
    PRESETS,
    Audience,
    EngagementPolicy,
    WithdrawnInInsights,
    get_policy,
)
from engagement.services import like_set
from photos.services import photo_like_count_hide
from tests.factories import PhotoFactory, UserFactory
from tests.like_pages import (
    PRESET_NAMES,
    like_control,
    likers_count_line,
    likers_summary,
    listed_usernames,
    shown_count,
)
from tests.pages import LOGIN, page_text

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DESIGN = ROOT.parent / "shared" / "DESIGN.md"  # the product brief, beside the checkout

PERSONAS = ["owner", "fan", "stranger", "anonymous"]


def markdown_table(text: str, heading: str) -> tuple[list[str], dict[str, list[str]]]:
    """The first table after ``heading``: its column headings (after the first) and each
    row's cells by the row's first cell."""
    lines = text.split(f"\n{heading}\n", 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    header, _rule, *rows = table
    return header[1:], {row[0]: row[1:] for row in rows}


def readme_presets() -> tuple[list[str], str, dict[str, dict[str, str]]]:
    """The README table: its presets in column order, the default one, and every row's
    cell by preset. A column heading is `name`, or `name` (default)."""
    columns, rows = markdown_table(README.read_text(), "## Engagement policy presets")
    names = [re.fullmatch(r"`(\w+)`( \(default\))?", column) for column in columns]
    assert all(names), columns
    [default] = [match.group(1) for match in names if match.group(2)]
    presets = [match.group(1) for match in names]
    return (
        presets,
        default,
        {row: dict(zip(presets, cells, strict=True)) for row, cells in rows.items()},
    )


TABLE_PRESETS, TABLE_DEFAULT, TABLE = readme_presets()

YES_NO = {"yes": True, "no": False}
ON_OFF = {"on": True, "off": False}
AUDIENCE = {"everyone": Audience.EVERYONE, "owner only": Audience.OWNER}


def like_count_cell(cell: str) -> dict[str, object]:
    shown, owner_may_hide = {"yes": (True, False), "yes, owner may hide": (True, True)}[cell]
    return {"show_like_count": shown, "owner_may_hide_like_count": owner_may_hide}


def insights_cell(cell: str) -> dict[str, object]:
    thresholded = re.fullmatch(r"aggregate, thresholded \(k ≥ (\d+)\)", cell)
    if thresholded:
        return {
            "withdrawn_in_insights": WithdrawnInInsights.AGGREGATE_THRESHOLDED,
            "insights_min_group": int(thresholded.group(1)),
        }
    kind = {
        "aggregate": WithdrawnInInsights.AGGREGATE,
        "per person": WithdrawnInInsights.PER_PERSON,
    }
    return {"withdrawn_in_insights": kind[cell]}


# Each row of the README table, and the policy fields one of its cells fixes.
ROWS: dict[str, Callable[[str], dict[str, object]]] = {
    "owner notified of a like": lambda cell: {"notify_owner_of_like": YES_NO[cell]},
    "owner notified of an unlike": lambda cell: {"notify_owner_of_unlike": YES_NO[cell]},
    "like notification withdrawn when the like is withdrawn": lambda cell: {
        "withdraw_like_notification_on_unlike": YES_NO[cell]
    },
    "repeat like within the cooldown (24 h) notifies again": lambda cell: {
        "renotify_repeat_like_within_cooldown": YES_NO[cell]
    },
    "like count shown to viewers": like_count_cell,
    "who liked: visible to": lambda cell: {"likers_visible_to": AUDIENCE[cell]},
    "owner sees who withdrew a like (interaction history)": lambda cell: {
        "owner_sees_withdrawals": YES_NO[cell]
    },
    "insights show withdrawn likes": insights_cell,
    "unlike inference shield": lambda cell: {"unlike_shield": ON_OFF[cell]},
}


def table_says(name: str) -> dict[str, object]:
    """Every policy field the README table fixes for the preset ``name`` (a row ROWS
    doesn't know fails test_every_row_of_the_readme_table_is_checked)."""
    said = {}
    for row, cells in TABLE.items():
        if row in ROWS:
            said |= ROWS[row](cells[name])
    return said


# What the page tests below expect, from the same table.
LIKERS_PUBLIC = {
    name for name in TABLE_PRESETS if table_says(name)["likers_visible_to"] == "everyone"
}
OWNER_MAY_HIDE = {name for name in TABLE_PRESETS if table_says(name)["owner_may_hide_like_count"]}
OWNER_SEES_WITHDRAWALS = {
    name for name in TABLE_PRESETS if table_says(name)["owner_sees_withdrawals"]
}


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def liked_photo(photo, fan):
    """Three likes, the fan's first: "3 likes", "Liked by Leo Liker, Lia Liker and 1 other"."""
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=UserFactory(username="lia", display_name="Lia Liker"), photo=photo, liked=True)
    like_set(user=UserFactory(username="leo", display_name="Leo Liker"), photo=photo, liked=True)
    return photo


def hide_count(photo):
    """The owner hides the like count (the photo page's service, not a stale save())."""
    photo.refresh_from_db()
    photo_like_count_hide(photo=photo, hidden=True)


def viewer_client(client, persona: str, request):
    if persona != "anonymous":
        client.force_login(request.getfixturevalue(persona))
    return client


def may_see_likers(preset: str, persona: str) -> bool:
    return preset in LIKERS_PUBLIC or persona == "owner"


# --- The presets against the README table ------------------------------------------------


def test_the_readme_table_has_one_column_per_preset_and_names_the_default():
    assert TABLE_PRESETS == PRESET_NAMES
    assert sorted(PRESETS) == sorted(PRESET_NAMES)
    assert all(PRESETS[name].name == name for name in PRESETS)
    assert TABLE_DEFAULT == "likewise"


def test_every_row_of_the_readme_table_is_checked():
    """A row added, renamed or removed in the README fails here until ROWS follows it."""
    assert list(TABLE) == list(ROWS)


def test_every_policy_field_is_in_the_readme_table():
    """No preset field goes undocumented (its name and label aside)."""
    fields = {field.name for field in dataclasses.fields(EngagementPolicy)} - {"name", "label"}
    documented = set().union(*(table_says(name) for name in TABLE_PRESETS))
    assert documented == fields


@pytest.mark.parametrize("name", PRESET_NAMES)
def test_preset_is_what_the_readme_table_says(name):
    said = table_says(name)
    assert {field: getattr(PRESETS[name], field) for field in said} == said


def test_the_readme_tables_cooldown_is_the_default_setting():
    [row] = [row for row in TABLE if "cooldown" in row]
    hours = int(re.search(r"\((\d+) h\)", row).group(1))
    assert hours == django_settings.LIKE_RENOTIFY_COOLDOWN_HOURS


# The product brief's table is the README's, worded for the site. Differences, on purpose:
# - the brief calls the default column "private (our default)"; the preset (and the README
#   column) is named `likewise`, after the site, and its label says "Likewise private";
# - the README says how long the cooldown is and what k the thresholded insights use (the
#   brief gives k >= 3 in its shield paragraph), and drops the brief's "(below)".
# The brief lives beside the checkout, not in it: where it is absent, this test is skipped.
DESIGN_COLUMNS = {
    "instagram": "instagram",
    "facebook": "facebook",
    "twitter": "twitter",
    "private (our default)": "likewise",
}
DESIGN_ROWS = {
    "repeat like within a cooldown notifies again": "repeat like within the cooldown (24 h) "
    "notifies again",
    "unlike inference shield (below)": "unlike inference shield",
}
DESIGN_CELLS = {"aggregate, thresholded": "aggregate, thresholded (k ≥ 3)"}


@pytest.mark.skipif(not DESIGN.exists(), reason="the product brief is not beside the checkout")
def test_the_readme_table_says_what_the_design_brief_says():
    columns, rows = markdown_table(DESIGN.read_text(), "## Engagement policy (the core)")
    presets = [DESIGN_COLUMNS[column] for column in columns]
    assert presets == TABLE_PRESETS
    design = {
        DESIGN_ROWS.get(row, row): {
            preset: DESIGN_CELLS.get(cell, cell)
            for preset, cell in zip(presets, cells, strict=True)
        }
        for row, cells in rows.items()
    }
    assert design == TABLE


def test_get_policy_follows_the_setting(preset):
    assert get_policy() is PRESETS[preset]


@pytest.mark.skipif("ENGAGEMENT_POLICY" in os.environ, reason="a preset is chosen by env")
def test_the_default_policy_is_likewise():
    assert django_settings.ENGAGEMENT_POLICY == TABLE_DEFAULT
    assert get_policy().name == TABLE_DEFAULT


def test_unknown_policy_is_a_configuration_error_naming_the_presets(settings):
    settings.ENGAGEMENT_POLICY = "myspace"

    with pytest.raises(ImproperlyConfigured) as error:
        get_policy()

    message = str(error.value)
    assert "'myspace'" in message
    for name in PRESET_NAMES:
        assert name in message


def test_unknown_policy_stops_start_up(settings):
    settings.ENGAGEMENT_POLICY = "Instagram"  # names are exact

    with pytest.raises(ImproperlyConfigured, match="instagram"):
        apps.get_app_config("engagement").ready()


# --- The like count on the photo page ------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_like_count_is_shown_to_every_viewer(client, preset, liked_photo, persona, request):
    page = page_text(viewer_client(client, persona, request).get(liked_photo.get_absolute_url()))

    assert shown_count(like_control(page, liked_photo)) == 3


@pytest.mark.parametrize("persona", PERSONAS)
def test_owner_hidden_count_only_where_the_policy_lets_owners_hide(
    client, preset, liked_photo, persona, request
):
    hide_count(liked_photo)
    client = viewer_client(client, persona, request)

    pages = {
        "photo page": page_text(client.get(liked_photo.get_absolute_url())),
        "profile grid": page_text(client.get(liked_photo.owner.get_absolute_url())),
    }

    hidden = preset in OWNER_MAY_HIDE and persona != "owner"
    for where, page in pages.items():
        expected = None if hidden else 3
        assert shown_count(like_control(page, liked_photo)) == expected, where
    summary = likers_summary(pages["photo page"])
    if not may_see_likers(preset, persona):
        assert summary is None
    elif hidden:  # the summary must not give the number away either
        assert summary == "Liked by Leo Liker, Lia Liker and others"
    else:
        assert summary == "Liked by Leo Liker, Lia Liker and 1 other"


def test_likers_page_keeps_an_owner_hidden_count_hidden(client, settings, liked_photo, stranger):
    settings.ENGAGEMENT_POLICY = "instagram"
    hide_count(liked_photo)
    client.force_login(stranger)

    page = page_text(client.get(reverse("likers", args=[liked_photo.pk])))

    assert likers_count_line(page) is None
    assert listed_usernames(page) == ["leo", "lia", "fabio"]


def test_owner_is_told_their_count_is_hidden_from_others(owner_client, settings, liked_photo):
    settings.ENGAGEMENT_POLICY = "likewise"
    hide_count(liked_photo)

    page = page_text(owner_client.get(liked_photo.get_absolute_url()))

    assert "The like count is hidden from others on this photo." in page
    assert shown_count(like_control(page, liked_photo)) == 3


@pytest.mark.parametrize("persona", ["fan", "stranger"])
def test_viewer_who_hides_counts_sees_none_on_other_peoples_photos(
    client, preset, liked_photo, persona, request
):
    viewer = request.getfixturevalue(persona)
    viewer.hide_like_counts = True
    viewer.save()
    client.force_login(viewer)

    page = page_text(client.get(liked_photo.get_absolute_url()))

    assert shown_count(like_control(page, liked_photo)) is None
    assert "3 likes" not in page


def test_viewer_who_hides_counts_still_sees_their_own(client, preset, liked_photo, owner):
    owner.hide_like_counts = True
    owner.save()
    client.force_login(owner)

    page = page_text(client.get(liked_photo.get_absolute_url()))

    assert shown_count(like_control(page, liked_photo)) == 3


def test_a_viewers_preference_does_not_hide_counts_from_others(
    client, preset, liked_photo, fan, stranger
):
    fan.hide_like_counts = True
    fan.save()
    client.force_login(stranger)

    page = page_text(client.get(liked_photo.get_absolute_url()))

    assert shown_count(like_control(page, liked_photo)) == 3


# --- Who liked: the summary, the link and the list -----------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_liked_summary_and_link_follow_the_policy(
    client, preset, liked_photo, persona, request
):
    page = page_text(viewer_client(client, persona, request).get(liked_photo.get_absolute_url()))

    likers_url = reverse("likers", args=[liked_photo.pk])
    if may_see_likers(preset, persona):
        assert likers_summary(page) == "Liked by Leo Liker, Lia Liker and 1 other"
        assert f'href="{likers_url}"' in like_control(page, liked_photo)
    else:
        assert likers_summary(page) is None
        assert likers_url not in page
        for name in ["Fabio Fan", "Lia Liker", "Leo Liker"]:
            assert name not in page


@pytest.mark.parametrize("persona", PERSONAS)
def test_who_liked_page_follows_the_policy(client, preset, liked_photo, persona, request):
    url = reverse("likers", args=[liked_photo.pk])

    response = viewer_client(client, persona, request).get(url)

    if may_see_likers(preset, persona):
        assert response.status_code == 200
        page = page_text(response)
        assert listed_usernames(page) == ["leo", "lia", "fabio"]
        assert likers_count_line(page) == 3
    elif persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
        assert "next=" in response["Location"]
    else:
        assert response.status_code == 403
        page = page_text(response)
        assert "Leo Liker" not in page
        assert "Fabio Fan" not in page


@pytest.mark.parametrize("persona", ["moderator", "admin_user"])
def test_staff_get_no_special_view_of_owner_only_likers(
    client, settings, liked_photo, persona, request
):
    settings.ENGAGEMENT_POLICY = "likewise"
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("likers", args=[liked_photo.pk])).status_code == 403


def test_who_liked_page_says_who_can_see_it(owner_client, preset, liked_photo):
    page = page_text(owner_client.get(reverse("likers", args=[liked_photo.pk])))

    if preset in LIKERS_PUBLIC:
        assert "Everyone can see this list." in page
    else:
        assert "Only the photo's owner can see this list." in page


# --- Interaction history (who withdrew a like) ---------------------------------------------


@pytest.mark.parametrize("persona", ["owner", "fan", "stranger"])
def test_interaction_history_only_for_the_owner_where_the_policy_shows_withdrawals(
    client, preset, liked_photo, persona, request
):
    wes = UserFactory(username="wes", display_name="Wes Withdrawn")
    like_set(user=wes, photo=liked_photo, liked=True)
    like_set(user=wes, photo=liked_photo, liked=False)

    response = viewer_client(client, persona, request).get(reverse("likers", args=[liked_photo.pk]))

    page = page_text(response)
    if preset in OWNER_SEES_WITHDRAWALS and persona == "owner":
        assert "Interaction history" in page
        history = page[page.index("Interaction history") :]
        assert "Wes Withdrawn" in history
        assert "withdrew their like" in history
        assert history.count("liked this photo") == 4  # three likes and Wes's first
    else:
        assert "Interaction history" not in page
        assert "withdrew their like" not in page
