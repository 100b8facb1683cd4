"""A member churns likes on a photo; a moderator finds the flag from the header, reads the
evidence, voids the engagement, and the owner's count drops."""

import pytest
from playwright.sync_api import expect

from engagement.moderation.models import Flag, ModerationAction
from engagement.services import like_set
from photos.models import Photo
from tests.browser.helpers import log_in
from tests.factories import PhotoFactory, UserFactory


@pytest.fixture
def cast(transactional_db):
    owner = UserFactory(username="olivia", display_name="Olivia Owner")
    UserFactory(username="fabio", display_name="Fabio Fan")
    UserFactory(username="mona", display_name="Mona Moderator", moderator=True)
    friend = UserFactory(username="frida", display_name="Frida Friend")
    photo = PhotoFactory(
        owner=owner, size=(640, 480), colour="coral", alt_text="A coral door in the sun"
    )
    like_set(user=friend, photo=photo, liked=True)
    return photo


def log_out(page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Log in")
    ).to_be_visible()


def test_moderator_voids_churned_likes_and_the_owners_count_drops(page, screenshot, cast):
    photo = cast
    log_in(page, "fabio")
    page.goto(photo.get_absolute_url())
    heart = page.locator(f"#like-control-{photo.pk}").get_by_role("button", name="Like", exact=True)
    for pressed in ["true", "false"] * 3 + ["true"]:
        heart.click()
        expect(heart).to_have_attribute("aria-pressed", pressed)
    expect(page.locator(f"#like-control-{photo.pk} .like-count")).to_have_text("2 likes")
    assert Flag.objects.filter(kind=Flag.Kind.CHURN).exists()
    log_out(page)

    log_in(page, "mona")
    page.get_by_role("link", name="Review").click()
    expect(page.get_by_role("heading", name="Review queue")).to_be_visible()
    page.get_by_role("link", name="like/unlike churn").click()
    evidence = page.locator(".evidence li")
    expect(evidence.filter(has_text="@fabio unlike")).to_have_count(3)
    screenshot("evidence")
    page.get_by_label("Void their likes on this photo").check()
    page.get_by_label("Reason (kept in the audit log)").fill("Like/unlike churn on one photo")
    page.get_by_role("button", name="Apply").click()
    expect(page.get_by_text("Done, and written to the audit log.")).to_be_visible()
    expect(page.locator(".item-like-count")).to_have_text("1")
    assert Photo.objects.get(pk=photo.pk).like_count == 1
    assert ModerationAction.objects.filter(kind="void", reason__contains="churn").exists()
    log_out(page)

    log_in(page, "olivia")
    page.goto(photo.get_absolute_url())
    expect(page.locator(f"#like-control-{photo.pk} .like-count")).to_have_text("1 like")
    screenshot("owner-count")
