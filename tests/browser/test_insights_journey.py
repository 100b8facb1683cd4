"""An owner opens insights from their photo, switches period, reads the chart and downloads
the CSV, in real Chromium: in place with htmx, and by plain links without JavaScript."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from engagement.services import like_set
from tests.browser.helpers import log_in
from tests.factories import PhotoFactory, UserFactory


@pytest.fixture
def liked_photo(transactional_db, settings, monkeypatch):
    settings.ENGAGEMENT_POLICY = "likewise"
    owner = UserFactory(username="olivia", display_name="Olivia Owner")
    photo = PhotoFactory(owner=owner, size=(640, 480), colour="coral", alt_text="A coral door")
    two_hours_ago = timezone.now() - timedelta(hours=2)  # out of the shield's current window
    with monkeypatch.context() as patched:
        patched.setattr(timezone, "now", lambda: two_hours_ago)
        for person in UserFactory.create_batch(3):
            like_set(user=person, photo=photo, liked=True)
    return photo


def test_owner_reads_insights_switches_period_and_downloads_csv(page, screenshot, liked_photo):
    log_in(page, "olivia")
    page.goto(liked_photo.get_absolute_url())
    page.get_by_role("link", name="Insights", exact=True).last.click()

    expect(page.get_by_role("heading", name="Photo insights")).to_be_visible()
    expect(page.locator('[data-figure="current-likes"]')).to_have_text("3 likes now")
    chart = page.get_by_role("img", name=re.compile("Likes per day"))
    expect(chart).to_be_visible()
    expect(chart.locator("text", has_text="Gained")).to_be_visible()  # the legend
    page.evaluate("window.__marker = 'same page'")

    page.get_by_role("link", name="7 days", exact=True).click()

    expect(page.get_by_role("link", name="7 days", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page).to_have_url(re.compile(r"\?period=7$"))
    assert page.evaluate("window.__marker") == "same page", "the page reloaded"
    gained = page.locator('[data-figure="gained"] td').first
    expect(gained).to_have_text("3")
    expect(page.locator('[data-figure="withdrawn"] td').first).to_have_text("fewer than 3")
    screenshot("insights")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the last 7 days as CSV").click()
    download = download_info.value
    assert download.suggested_filename == f"likewise-photo-{liked_photo.pk}-7-days.csv"
    lines = Path(download.path()).read_text(encoding="utf-8").splitlines()
    assert lines[0] == "date,likes_gained,likes_withdrawn,likes_voided,views,unique_viewers"
    days = [line.split(",") for line in lines[1:]]
    assert sum(int(day[1]) for day in days) == 3
    assert {day[2] for day in days} == {"fewer than 3"}
    assert len(lines) == 8


def test_header_link_and_period_switch_work_without_javascript(
    chromium, live_server, liked_photo, settings
):
    settings.ENGAGEMENT_POLICY = "instagram"  # likewise's account figures wait for tomorrow
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "olivia")
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Insights").click()
        expect(page.get_by_role("heading", name="Your insights")).to_be_visible()
        with page.expect_navigation():
            page.get_by_role("link", name="90 days", exact=True).click()
        expect(page).to_have_url(re.compile(r"/insights/\?period=90$"))
        expect(page.get_by_role("link", name="90 days", exact=True)).to_have_attribute(
            "aria-current", "page"
        )
        expect(page.locator('[data-figure="gained"] td').last).to_have_text("3")
        expect(page.get_by_role("img", name=re.compile("Followers per day"))).to_be_visible()
    finally:
        context.close()
