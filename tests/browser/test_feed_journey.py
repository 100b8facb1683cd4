"""A member scrolls their ranked feed in real Chromium: the next page arrives as they reach
the end, and each photo can say why it is there."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.browser.helpers import log_in
from tests.factories import FollowFactory, PhotoFactory, UserFactory


@pytest.fixture
def feed(transactional_db, settings):
    settings.FEED_CARDS_PER_PAGE = 2
    fan = UserFactory(username="fabio", display_name="Fabio Fan")
    ana = UserFactory(username="ana", display_name="Ana")
    FollowFactory(follower=fan, followed=ana)
    now = timezone.now()
    return [
        PhotoFactory(owner=ana, size=(640, 480), created=now - timedelta(hours=n)) for n in range(5)
    ]


def test_scrolling_loads_the_next_page_and_the_explanation_opens(page, screenshot, feed):
    log_in(page, "fabio")
    page.goto("/")
    cards = page.locator("article.photo-card")
    expect(cards).to_have_count(2)

    for expected in (4, 5):  # reaching the end loads the next page (htmx "revealed")
        page.locator("a.load-more").scroll_into_view_if_needed()
        expect(cards).to_have_count(expected)
    expect(page.get_by_text("You're all caught up on the last 30 days.")).to_be_visible()
    expect(page.get_by_role("heading", name="People on Likewise")).to_be_visible()
    screenshot("end-of-feed")

    why = cards.first.locator("details.why")
    why.get_by_text("Why am I seeing this?").click()
    expect(why.get_by_text("You follow Ana.")).to_be_visible()
    screenshot("why-open")


def test_a_visitor_scrolls_explore_a_page_at_a_time(page, screenshot, feed, settings):
    settings.PHOTOS_PER_PAGE = 2
    pages = []
    page.on("request", lambda request: "snapshot=" in request.url and pages.append(request.url))
    page.goto("/explore/")
    items = page.locator(".explore-grid li.grid-item")

    # Small tiles: the end of each page is on screen at once, so htmx fetches the next.
    expect(items).to_have_count(5)
    expect(page.locator("a.load-more")).to_have_count(0)
    links = items.locator("a[href^='/p/']")
    hrefs = [links.nth(n).get_attribute("href") for n in range(links.count())]
    assert len(set(hrefs)) == 5
    assert len(pages) == 2  # offsets 2 and 4
    screenshot("explore")
