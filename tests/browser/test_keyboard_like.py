"""Liking from the keyboard keeps focus on the heart and says what happened, politely; on a
phone the header icons and the "?" are full-size touch targets and the buttons readable."""

import pytest
from playwright.sync_api import expect

from engagement.models import Like
from engagement.services import like_set
from tests.browser.helpers import log_in
from tests.factories import PhotoFactory, UserFactory

PHONE = {"width": 390, "height": 844}

# WCAG's relative luminance contrast of an element's text against its own background.
CONTRAST = """element => {
    const channels = colour => colour.match(/[\\d.]+/g).slice(0, 3).map(Number);
    const luminance = colour => {
        const [r, g, b] = channels(colour).map(value => {
            value /= 255;
            return value <= 0.03928 ? value / 12.92 : ((value + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const style = getComputedStyle(element);
    const text = luminance(style.color), background = luminance(style.backgroundColor);
    const [light, dark] = [Math.max(text, background), Math.min(text, background)];
    return (light + 0.05) / (dark + 0.05);
}"""


@pytest.fixture
def shielded_photo(transactional_db, settings):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60
    owner = UserFactory(username="olivia", display_name="Olivia Owner")
    UserFactory(username="fabio", display_name="Fabio Fan")
    photo = PhotoFactory(owner=owner, size=(640, 480), alt_text="A coral door in the sun")
    like_set(user=UserFactory(username="lia"), photo=photo, liked=True)
    return photo


def test_enter_twice_likes_then_unlikes_with_focus_kept_and_the_change_announced(
    page, screenshot, shielded_photo
):
    photo = shielded_photo
    log_in(page, "fabio")
    page.goto(photo.get_absolute_url())
    control = page.locator(f"#like-control-{photo.pk}")
    heart = control.get_by_role("button", name="Like", exact=True)
    status = page.locator("#live-status")
    expect(status).to_have_attribute("aria-live", "polite")
    heart.focus()

    page.keyboard.press("Enter")

    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_be_focused()
    expect(status).to_have_text("Liked")
    expect(control.locator(".like-count")).to_have_text("2 likes")

    page.keyboard.press("Enter")  # no Tab in between: focus never left the heart

    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(heart).to_be_focused()
    assert not Like.objects.filter(user__username="fabio", photo=photo).exists()
    hint = control.locator(".like-hint")
    expect(hint).to_contain_text("The count drops at")
    expect(hint.get_by_role("link", name="Why?")).to_have_attribute(
        "href", "/likes/what-happens/#on-unlike"
    )
    expect(status).to_contain_text("Not liked. The count drops at")
    expect(control.locator(".like-count")).to_have_text("2 likes")  # the shield holds it
    screenshot("unliked-under-the-shield")

    page.keyboard.press("Tab")  # Tab goes on from the heart, not from the top of the page
    expect(control.get_by_role("link", name="What happens when I unlike?")).to_be_focused()


def test_focus_comes_back_to_the_heart_when_another_update_lands_during_the_like(
    page, shielded_photo
):
    """The notification badge refreshes on its own (on load, every few seconds): when its
    update settles while the like is still on its way, focus still returns to the heart."""
    photo = shielded_photo
    log_in(page, "fabio")
    page.goto(photo.get_absolute_url())
    expect(page.locator("#notification-badge.badge-count")).to_be_attached()  # loaded
    heart = page.locator(f"#like-control-{photo.pk}").get_by_role("button", name="Like", exact=True)
    held = []
    page.route("**/like/", lambda route: held.append(route))
    heart.focus()

    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.like-button[aria-pressed]').disabled")
    with page.expect_response("**/notifications/badge/**"):
        page.evaluate("document.body.dispatchEvent(new Event('notifications-read'))")
    page.wait_for_timeout(100)  # the badge's swap settles while the like waits
    assert held, "the like request was not sent"
    held[0].continue_()

    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_be_focused()


def test_phone_touch_targets_and_button_contrast(chromium, live_server, shielded_photo):
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    try:
        page.goto("/")
        sign_up = page.get_by_role("navigation", name="Main").get_by_role("link", name="Sign up")
        assert sign_up.evaluate(CONTRAST) >= 4.5

        log_in(page, "fabio")
        page.goto(shielded_photo.get_absolute_url())
        nav = page.get_by_role("navigation", name="Main")
        targets = {
            "upload": nav.get_by_role("link", name="Upload"),
            "bell": nav.get_by_role("link", name="Notifications"),
            "?": page.get_by_role("link", name="What happens when I unlike?"),
        }
        for name, target in targets.items():
            box = target.bounding_box()
            assert box["width"] >= 44 and box["height"] >= 44, f"{name} is {box}"
    finally:
        context.close()
