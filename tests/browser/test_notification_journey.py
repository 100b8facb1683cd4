"""An owner watches the bell while a fan likes and unlikes their photo, in real Chromium.

Two browser contexts, two people: the owner keeps a page open and the badge (polled every
second here) changes without a reload; the list shows the like, and loses it on unlike.
"""

import pytest
from playwright.sync_api import expect

from notifications.models import Notification
from tests.browser.helpers import log_in
from tests.factories import PhotoFactory, UserFactory


@pytest.fixture
def people_and_photo(transactional_db, settings):
    settings.ENGAGEMENT_POLICY = "instagram"
    settings.NOTIFICATION_POLL_SECONDS = 1
    owner = UserFactory(username="olivia", display_name="Olivia Owner")
    fan = UserFactory(username="fabio", display_name="Fabio Fan")
    stranger = UserFactory(username="sam", display_name="Sam Stranger")
    photo = PhotoFactory(
        owner=owner, size=(640, 480), colour="coral", alt_text="A coral door in the sun"
    )
    return owner, fan, stranger, photo


@pytest.fixture
def other_person(chromium, live_server):
    """A second browser (its own cookies) for the people who like the owner's photo."""
    context = chromium.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


def wait_for_the_next_poll(page) -> None:
    """Until the badge's next poll has answered: each answer replaces the element."""
    page.locator("#notification-badge").evaluate("badge => { badge.dataset.polled = 'before' }")
    expect(page.locator("#notification-badge:not([data-polled])")).to_be_attached()


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("navigation").get_by_role("link", name="Log in")).to_be_visible()


def set_liked(page, photo, liked: bool) -> None:
    page.goto(photo.get_absolute_url())
    heart = page.locator(f"#like-control-{photo.pk}").get_by_role("button", name="Like")
    expect(heart).to_have_attribute("aria-pressed", "false" if liked else "true")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true" if liked else "false")


def test_owner_sees_a_like_arrive_and_leave(page, other_person, screenshot, people_and_photo):
    owner, _fan, _stranger, photo = people_and_photo
    badge = page.locator("#notification-badge")
    log_in(page, "olivia")
    page.goto("/")
    expect(badge).to_be_hidden()
    page.evaluate("window.__marker = 'same page'")

    log_in(other_person, "fabio")
    set_liked(other_person, photo, liked=True)

    expect(badge).to_be_visible()
    expect(badge).to_contain_text("1")
    expect(badge).to_contain_text("1 unread notification")
    assert page.evaluate("window.__marker") == "same page", "the owner's page reloaded"
    screenshot("badge")

    page.get_by_role("link", name="Notifications").click()
    entry = page.locator(".notification")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("Fabio Fan liked your photo")
    expect(entry).to_have_class("notification notification-unread")
    expect(entry.get_by_role("img", name="A coral door in the sun")).to_be_visible()
    expect(badge).to_be_hidden()  # reading the list read it

    set_liked(other_person, photo, liked=False)

    page.reload()
    expect(page.get_by_text("Nothing new.")).to_be_visible()
    expect(page.locator(".notification")).to_have_count(0)
    expect(badge).to_be_hidden()
    assert not Notification.objects.filter(recipient=owner, withdrawn_at__isnull=True).exists()


def test_an_unread_like_withdrawn_leaves_the_badge_without_a_reload(
    page, other_person, people_and_photo
):
    _owner, _fan, _stranger, photo = people_and_photo
    badge = page.locator("#notification-badge")
    log_in(page, "olivia")
    page.goto("/")
    page.evaluate("window.__marker = 'same page'")

    log_in(other_person, "fabio")
    set_liked(other_person, photo, liked=True)
    log_out(other_person)
    log_in(other_person, "sam")
    set_liked(other_person, photo, liked=True)
    expect(badge).to_contain_text("2 unread notifications")

    set_liked(other_person, photo, liked=False)
    expect(badge).to_contain_text("1 unread notification")
    log_out(other_person)
    log_in(other_person, "fabio")
    set_liked(other_person, photo, liked=False)
    expect(badge).to_be_hidden()

    set_liked(other_person, photo, liked=True)  # a quick re-like stays quiet
    for _poll in range(2):  # the second poll was sent after the re-like, not before
        wait_for_the_next_poll(page)
    expect(badge).to_be_hidden()
    assert page.evaluate("window.__marker") == "same page", "the owner's page reloaded"
