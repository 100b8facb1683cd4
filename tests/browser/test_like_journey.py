"""A fan likes and unlikes a photo in real Chromium: in place with htmx, and without JavaScript."""

import re

import pytest
from playwright.sync_api import expect

from engagement.models import Like
from photos.models import Photo
from tests.browser.helpers import log_in
from tests.factories import PhotoFactory, UserFactory


@pytest.fixture
def people_and_photo(transactional_db, settings):
    settings.ENGAGEMENT_POLICY = "instagram"  # counts move at once, both ways
    owner = UserFactory(username="olivia", display_name="Olivia Owner")
    fan = UserFactory(username="fabio", display_name="Fabio Fan")
    photo = PhotoFactory(
        owner=owner, size=(640, 480), colour="coral", alt_text="A coral door in the sun"
    )
    return owner, fan, photo


def like_count(photo) -> int:
    return Photo.objects.values_list("like_count", flat=True).get(pk=photo.pk)


def test_fan_likes_and_unlikes_in_place_without_a_reload(page, screenshot, people_and_photo):
    _owner, fan, photo = people_and_photo
    log_in(page, "fabio")
    page.goto(photo.get_absolute_url())
    expect(page.get_by_role("img", name="A coral door in the sun")).to_be_visible()
    control = page.locator(f"#like-control-{photo.pk}")
    heart = control.get_by_role("button", name="Like", exact=True)
    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(control.locator(".like-count")).to_have_text("0 likes")
    page.evaluate("window.__marker = 'same page'")

    heart.click()

    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(control.locator(".like-count")).to_have_text("1 like")
    assert page.evaluate("window.__marker") == "same page", "the page reloaded"
    assert Like.objects.filter(user=fan, photo=photo).exists()
    assert like_count(photo) == 1
    screenshot("liked")

    heart.click()

    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(control.locator(".like-count")).to_have_text("0 likes")
    assert page.evaluate("window.__marker") == "same page", "the page reloaded"
    assert not Like.objects.filter(user=fan, photo=photo).exists()
    assert like_count(photo) == 0


def test_fan_likes_and_unlikes_with_javascript_off(chromium, live_server, people_and_photo):
    _owner, fan, photo = people_and_photo
    context = chromium.new_context(base_url=live_server.url, java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, "fabio")
        page.goto(photo.get_absolute_url())
        control = page.locator(f"#like-control-{photo.pk}")
        heart = control.get_by_role("button", name="Like", exact=True)
        expect(heart).to_have_attribute("aria-pressed", "false")
        expect(control.locator(".like-count")).to_have_text("0 likes")

        with page.expect_navigation():
            heart.click()

        expect(page).to_have_url(re.compile(rf"/p/{photo.pk}/$"))
        expect(heart).to_have_attribute("aria-pressed", "true")
        expect(control.locator(".like-count")).to_have_text("1 like")
        assert Like.objects.filter(user=fan, photo=photo).exists()
        assert like_count(photo) == 1

        with page.expect_navigation():
            heart.click()

        expect(page).to_have_url(re.compile(rf"/p/{photo.pk}/$"))
        expect(heart).to_have_attribute("aria-pressed", "false")
        expect(control.locator(".like-count")).to_have_text("0 likes")
        assert not Like.objects.exists()
        assert like_count(photo) == 0
    finally:
        context.close()
