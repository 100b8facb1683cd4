"""Download my data: a ZIP of the person's own data, built by a task, for them only, for a
while. What it holds follows the like policy: nobody else's withdrawals appear in anyone's
export, except the interaction history of one's own photos where the policy shows it
(the Twitter-style preset), labelled. Time is frozen with the shield tests' ``Clock``.
"""

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import DataExport
from engagement.services import like_set
from tests.factories import FollowFactory, PhotoFactory, UserFactory
from tests.like_pages import PRESET_NAMES
from tests.pages import assert_redirects_to_login, page_text
from tests.test_check_integrity import age
from tests.test_unlike_shield import Clock

NOW = datetime(2026, 3, 14, 10, 20, tzinfo=UTC)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    frozen = Clock(NOW)
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner, caption="Sunrise over the bay")


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Ask for an archive through the page, as its owner; the task runs on commit."""

    def ask_as(client: Client):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("data_export"))
        assert response.status_code == 302
        return DataExport.objects.latest("pk")

    return ask_as


def download(client: Client, export: DataExport) -> dict[str, bytes]:
    response = client.get(reverse("data_export_download", args=[export.pk]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    return {name: archive.read(name) for name in archive.namelist()}


def exported(client: Client, ask) -> dict[str, bytes]:
    return download(client, ask(client))


def rows(files: dict[str, bytes], name: str) -> list[dict]:
    from_json = json.loads(files[f"{name}.json"])
    from_csv = list(csv.DictReader(StringIO(files[f"{name}.csv"].decode())))
    assert [list(row) for row in from_csv] == [list(row) for row in from_json]
    return from_json


def everything(files: dict[str, bytes]) -> str:
    return "\n".join(
        content.decode() for name, content in files.items() if not name.endswith(".webp")
    )


# --- Access --------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, owner):
    assert_redirects_to_login(client.get(reverse("data_export")))
    export = DataExport.objects.create(owner=owner)
    assert_redirects_to_login(client.get(reverse("data_export_download", args=[export.pk])))


def test_only_the_owner_can_download_their_archive(owner_client, ask, owner, fan):
    export = ask(owner_client)
    assert download(owner_client, export)

    other = Client()
    other.force_login(fan)
    response = other.get(reverse("data_export_download", args=[export.pk]))
    assert response.status_code == 404
    assert "This download has expired or isn't yours" in page_text(response)

    moderator_client = Client()
    moderator_client.force_login(UserFactory(username="mods", moderator=True))
    assert (
        moderator_client.get(reverse("data_export_download", args=[export.pk])).status_code == 404
    )


def test_the_archive_is_a_private_attachment(owner_client, ask):
    export = ask(owner_client)
    response = owner_client.get(reverse("data_export_download", args=[export.pk]))
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="likewise-olivia-')
    assert "no-store" in response["Cache-Control"]


def test_the_archive_is_not_under_a_served_media_address(owner_client, ask):
    export = ask(owner_client)
    assert export.file.name.startswith("exports/")
    assert owner_client.get(f"/media/{export.file.name}").status_code == 404


def test_the_settings_navigation_links_to_the_data_page(owner_client):
    page = page_text(owner_client.get(reverse("profile_edit")))
    assert reverse("data_export") in page
    assert reverse("account_delete") in page


def test_get_and_post_only(owner_client):
    assert owner_client.put(reverse("data_export")).status_code == 405


# --- What the page shows while it is built --------------------------------------------------


def test_the_page_offers_a_download_before_any_is_asked_for(owner_client):
    page = page_text(owner_client.get(reverse("data_export")))
    assert "You haven't asked for a download yet." in page
    assert "Prepare my download" in page


def test_a_queued_archive_says_so_and_the_page_polls(owner_client, owner):
    DataExport.objects.create(owner=owner)
    page = page_text(owner_client.get(reverse("data_export")))
    assert "Your download is queued" in page
    assert 'hx-trigger="every 2s"' in page
    assert "Prepare" not in page, "no second request while one is under way"


def test_the_progress_shows_while_it_is_built_and_htmx_gets_only_the_status(
    owner_client, owner, htmx_headers
):
    DataExport.objects.create(owner=owner, status=DataExport.Status.BUILDING, progress=40)
    response = owner_client.get(reverse("data_export"), headers=htmx_headers)
    fragment = page_text(response)
    assert "Preparing your download: 40% done." in fragment
    assert 'value="40"' in fragment
    assert "<h1>" not in fragment
    assert "HX-Request" in response["Vary"]


def test_a_finished_archive_offers_its_download_link(owner_client, ask):
    export = ask(owner_client)
    assert export.status == DataExport.Status.READY
    assert export.progress == 100
    page = page_text(owner_client.get(reverse("data_export")))
    assert "Your download is ready." in page
    assert reverse("data_export_download", args=[export.pk]) in page
    assert "every 2s" not in page, "no polling once it is ready"


def test_asking_again_while_one_is_built_returns_the_same_one(owner, clock):
    first = DataExport.objects.create(owner=owner, status=DataExport.Status.BUILDING)
    assert services.data_export_request(user=owner) == first


def test_an_archive_whose_worker_died_can_be_asked_for_again(owner, clock):
    stuck = DataExport.objects.create(
        owner=owner, status=DataExport.Status.BUILDING, created=NOW - timedelta(hours=2)
    )
    fresh = services.data_export_request(user=owner)
    assert fresh != stuck
    assert list(DataExport.objects.filter(owner=owner)) == [fresh]


def test_building_twice_builds_once(owner_client, ask):
    export = ask(owner_client)
    services.data_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.status == DataExport.Status.READY
    assert len(default_storage.listdir("exports")[1]) == 1


def test_a_new_archive_replaces_the_old_one_and_its_file(owner_client, ask):
    old = ask(owner_client)
    new = ask(owner_client)
    assert not DataExport.objects.filter(pk=old.pk).exists()
    assert default_storage.listdir("exports")[1] == [new.file.name.removeprefix("exports/")]


# --- Expiry ---------------------------------------------------------------------------------


def test_the_link_expires_and_the_file_is_deleted(
    owner_client, ask, clock, settings, django_capture_on_commit_callbacks
):
    export = ask(owner_client)
    name = export.file.name
    clock.advance(hours=settings.DATA_EXPORT_HOURS, seconds=1)

    response = owner_client.get(reverse("data_export_download", args=[export.pk]))
    assert response.status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        page = page_text(owner_client.get(reverse("data_export")))
    assert "Your last download has expired and was deleted." in page
    assert not default_storage.exists(name)


def test_check_integrity_deletes_expired_archives(
    owner_client, ask, clock, settings, django_capture_on_commit_callbacks
):
    export = ask(owner_client)
    clock.advance(hours=settings.DATA_EXPORT_HOURS + 1)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("check_integrity", "--repair", stdout=out)
    assert f"repaired: export {export.pk} expired" in out.getvalue()
    assert not default_storage.exists(export.file.name)
    export.refresh_from_db()
    assert export.status == DataExport.Status.EXPIRED


# --- What it holds --------------------------------------------------------------------------


def test_it_holds_the_profile_photos_likes_follows_notifications_and_insights(
    owner_client, ask, owner, fan, photo, django_capture_on_commit_callbacks, settings
):
    settings.ENGAGEMENT_POLICY = "instagram"
    theirs = PhotoFactory(owner=fan)
    FollowFactory(follower=owner, followed=fan)
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=owner, photo=theirs, liked=True)
        like_set(user=fan, photo=photo, liked=True)

    files = exported(owner_client, ask)

    profile = json.loads(files["profile.json"])
    assert profile["username"] == "olivia"
    assert profile["email_addresses"][0]["email"] == "olivia@example.com"
    [row] = rows(files, "photos")
    assert row["caption"] == "Sunrise over the bay"
    for name in row["files"].split():
        assert files[name][:4] == b"RIFF", "the WebP renditions themselves"
    assert not any("master" in name for name in files), "the master is never handed out"
    assert [like["photo_id"] for like in rows(files, "likes")] == [theirs.pk]
    assert [e["event"] for e in rows(files, "like_history")] == ["like"]
    assert [f["username"] for f in rows(files, "following")] == ["fabio"]
    assert [n["from_username"] for n in rows(files, "notifications")] == ["fabio"]
    assert rows(files, "like_counts_of_my_photos")[0]["likes_shown"] == 1
    daily = rows(files, "insights_daily")
    assert sum(day["likes_gained"] for day in daily) == 1
    assert rows(files, "insights_daily_by_photo")[-1]["photo_id"] == photo.pk


def test_my_own_withdrawals_are_in_my_history(owner_client, ask, owner, fan):
    theirs = PhotoFactory(owner=fan)
    like_set(user=owner, photo=theirs, liked=True)
    like_set(user=owner, photo=theirs, liked=False)
    files = exported(owner_client, ask)
    assert [e["event"] for e in rows(files, "like_history")] == ["like", "unlike"]
    assert rows(files, "likes") == []


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_nobody_elses_withdrawal_appears_except_twitters_labelled_history(
    preset, settings, owner_client, ask, owner, fan, photo, django_capture_on_commit_callbacks
):
    settings.ENGAGEMENT_POLICY = preset
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=True)
        like_set(user=fan, photo=photo, liked=False)

    files = exported(owner_client, ask)

    if preset == "twitter":
        history = rows(files, "interaction_history_of_my_photos")
        assert [(e["username"], e["event"]) for e in history] == [
            ("fabio", "like"),
            ("fabio", "unlike"),
        ]
        assert b"Twitter-style" in files["interaction_history_of_my_photos.txt"]
    else:
        assert not any(name.startswith("interaction_history") for name in files)
        assert "fabio" not in everything(files)
        assert "unlike" not in everything(files)


def test_the_fans_own_export_holds_their_withdrawal_under_every_preset(settings, ask, fan, photo):
    for preset in PRESET_NAMES:
        settings.ENGAGEMENT_POLICY = preset
        like_set(user=fan, photo=photo, liked=True)
        like_set(user=fan, photo=photo, liked=False)
    client = Client()
    client.force_login(fan)
    files = exported(client, ask)
    assert [e["event"] for e in rows(files, "like_history")] == ["like", "unlike"] * 4


def test_under_the_shield_the_count_is_the_displayed_one(
    settings, clock, owner_client, ask, fan, photo
):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60
    clock.set("10:05")
    like_set(user=fan, photo=photo, liked=True)
    clock.set("10:20")
    like_set(user=fan, photo=photo, liked=False)

    files = exported(owner_client, ask)
    assert rows(files, "like_counts_of_my_photos")[0]["likes_shown"] == 1, "until 11:00"

    clock.set("11:01")
    files = exported(owner_client, ask)
    assert rows(files, "like_counts_of_my_photos")[0]["likes_shown"] == 0


def test_under_the_threshold_withdrawals_show_as_fewer_than_three(
    settings, clock, owner_client, ask, fan, photo
):
    settings.ENGAGEMENT_POLICY = "likewise"
    clock.set("08:05")
    like_set(user=fan, photo=photo, liked=True)
    clock.set("08:10")
    like_set(user=fan, photo=photo, liked=False)
    clock.set("10:20")

    files = exported(owner_client, ask)
    today = rows(files, "insights_daily_by_photo")[-1]
    assert today["date"] == "2026-03-14"
    assert today["likes_withdrawn"] == "fewer than 3"


def test_a_withdrawn_notification_is_not_exported(
    settings, owner_client, ask, fan, photo, django_capture_on_commit_callbacks
):
    settings.ENGAGEMENT_POLICY = "instagram"
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=True)
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=photo, liked=False)
    files = exported(owner_client, ask)
    assert rows(files, "notifications") == []


def broken_section(user):
    raise OSError("disk full")


def test_a_failed_build_says_so_and_can_be_asked_again(owner_client, ask, settings):
    settings.DATA_EXPORT_SECTIONS = [*settings.DATA_EXPORT_SECTIONS, f"{__name__}.broken_section"]
    export = ask(owner_client)
    assert export.status == DataExport.Status.FAILED
    page = page_text(owner_client.get(reverse("data_export")))
    assert "We couldn't prepare your last download. Please ask again." in page
    assert "Prepare a new download" in page
    assert not default_storage.exists("exports") or default_storage.listdir("exports")[1] == []


def test_check_integrity_deletes_orphan_archives(owner_client, ask):
    export = ask(owner_client)
    orphan = default_storage.save("exports/leftover.zip", StringIO("x"))
    age(orphan)
    out = StringIO()
    call_command("check_integrity", "--repair", stdout=out)
    assert f"repaired: orphan file {orphan}" in out.getvalue()
    assert not default_storage.exists(orphan)
    assert default_storage.exists(export.file.name), "a live archive stays"


def test_asking_is_limited_per_day(owner_client, ask, settings):
    settings.DATA_EXPORTS_PER_DAY = 2
    ask(owner_client)
    ask(owner_client)
    response = owner_client.post(reverse("data_export"))
    assert response.status_code == 429
    assert "You've asked for 2 downloads today." in page_text(response)
    assert DataExport.objects.count() == 1, "the last archive is kept"
