"""A member who uses only the keyboard likes and unlikes, opens notifications, follows and
posts a photo: Tab, Shift+Tab, Enter and Space only, and wherever focus lands a focus
indicator is drawn."""

import re

import pytest
from playwright.sync_api import expect

from accounts.models import Follow
from accounts.services import follow_set
from engagement.models import Like
from photos.models import Photo
from tests.browser.helpers import log_in
from tests.factories import PhotoFactory, UserFactory
from tests.images import image_bytes

# How many Tab presses may reach any control on a page before we call it unreachable.
MAX_TABS = 40

FOCUS_INDICATOR = """() => {
    const style = getComputedStyle(document.activeElement);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    return outline || style.boxShadow !== "none";
}"""


@pytest.fixture
def people_and_photo(transactional_db, settings):
    settings.ENGAGEMENT_POLICY = "instagram"
    owner = UserFactory(username="olivia", display_name="Olivia Owner")
    fan = UserFactory(username="fabio", display_name="Fabio Fan")
    follow_set(follower=owner, followed=fan, following=True)  # a notification for the fan
    photo = PhotoFactory(
        owner=owner, size=(640, 480), colour="coral", alt_text="A coral door in the sun"
    )
    return owner, fan, photo


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, target, key: str = "Tab") -> None:
    """Press ``key`` (Tab or Shift+Tab) until ``target`` has focus, then check that a
    person can see where focus is."""
    for _ in range(MAX_TABS):
        if is_focused(target):
            break
        page.keyboard.press(key)
    else:
        pytest.fail(f"{MAX_TABS} presses of {key} never reached {target}")
    assert page.evaluate(FOCUS_INDICATOR), f"no visible focus indicator on {target}"


def test_keyboard_only_like_unlike_notifications_follow_and_upload(
    page, screenshot, people_and_photo, tmp_path
):
    owner, fan, photo = people_and_photo
    log_in(page, "fabio")

    page.goto(photo.get_absolute_url())
    heart = page.locator(f"#like-control-{photo.pk}").get_by_role("button", name="Like", exact=True)
    tab_to(page, heart)
    page.keyboard.press("Enter")
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(heart).to_be_focused()  # the swapped-in button, still where the person was
    assert page.evaluate(FOCUS_INDICATOR), "focus is on the heart but not drawn"
    assert Like.objects.filter(user=fan, photo=photo).exists()
    page.keyboard.press("Space")
    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(page.locator(f"#like-control-{photo.pk} .like-count")).to_have_text("0 likes")
    assert not Like.objects.filter(user=fan, photo=photo).exists()

    bell = page.get_by_role("navigation", name="Main").get_by_role("link", name="Notifications")
    tab_to(page, bell, key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    expect(page.locator("main")).to_contain_text("Olivia Owner")

    page.goto(owner.get_absolute_url())
    follow = page.locator("form.follow-control").get_by_role("button")
    tab_to(page, follow)
    page.keyboard.press("Enter")
    expect(follow).to_have_attribute("aria-pressed", "true")
    expect(follow).to_be_focused()
    assert page.evaluate(FOCUS_INDICATOR), "focus is on the Following button but not drawn"
    assert Follow.objects.filter(follower=fan, followed=owner).exists()

    picture = tmp_path / "harbour.jpg"
    picture.write_bytes(image_bytes("JPEG", size=(800, 600), colour="teal"))
    # Listening before the page opens turns file-chooser interception on in time; a listener
    # added just before the key press can lose the race and the chooser never reaches us.
    page.on("filechooser", lambda chooser: chooser.set_files(str(picture)))
    upload = page.get_by_role("navigation", name="Main").get_by_role("link", name="Upload")
    tab_to(page, upload, key="Shift+Tab")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/upload/$"))
    tab_to(page, page.get_by_label("Choose a photo or drop it here"))
    page.keyboard.press("Space")
    expect(page.locator(".upload-preview")).to_be_visible()
    tab_to(page, page.get_by_label("Alt text"))
    page.keyboard.type("A teal harbour wall at noon")
    tab_to(page, page.get_by_role("button", name="Post"))
    screenshot("upload-focused-post")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/p/\d+/$"))
    expect(page.get_by_role("img", name="A teal harbour wall at noon")).to_be_visible()
    assert Photo.objects.filter(owner=fan).count() == 1
