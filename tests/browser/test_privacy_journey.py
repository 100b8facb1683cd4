"""A member in real Chromium: download their data from settings, then ask to delete the
account, and change their mind by logging in again."""

import zipfile

from playwright.sync_api import expect

from accounts.models import User
from tests.browser.helpers import log_in
from tests.factories import PASSWORD, PhotoFactory, UserFactory


def test_download_my_data_then_delete_and_come_back(page, screenshot, transactional_db):
    olivia = UserFactory(username="olivia", display_name="Olivia Owner")
    PhotoFactory(owner=olivia, caption="Harbour at dawn")
    log_in(page, "olivia")

    page.goto("/settings/profile/")
    page.get_by_role("navigation", name="Settings").get_by_role("link", name="Your data").click()
    expect(page.get_by_text("You haven't asked for a download yet.")).to_be_visible()
    page.get_by_role("button", name="Prepare my download").click()
    expect(page.get_by_text("Your download is ready.")).to_be_visible()
    screenshot("data-ready")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download ZIP").click()
    with zipfile.ZipFile(download.value.path()) as archive:
        names = archive.namelist()
        assert "profile.json" in names
        assert b"Harbour at dawn" in archive.read("photos.json")

    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Delete account"
    ).click()
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    expect(page.get_by_text("You're logged out everywhere.")).to_be_visible()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")
    ).to_be_visible()
    screenshot("deletion-scheduled")
    assert User.objects.get(username="olivia").deletion_requested_at is not None

    log_in(page, "olivia")
    expect(page.get_by_text("Your account is no longer going to be deleted.")).to_be_visible()
    assert User.objects.get(username="olivia").deletion_requested_at is None
