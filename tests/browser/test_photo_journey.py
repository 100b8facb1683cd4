"""A member posts a photo in real Chromium, finds it on their grid, and deletes it."""

import re

from playwright.sync_api import expect

from photos.models import Photo
from tests.browser.helpers import log_in
from tests.factories import UserFactory
from tests.images import image_bytes


def test_upload_see_on_grid_and_page_then_delete(page, screenshot, transactional_db, tmp_path):
    UserFactory(username="olivia", display_name="Olivia Owner")
    picture = tmp_path / "harbour.jpg"
    picture.write_bytes(image_bytes("JPEG", size=(1600, 1000), colour="teal"))
    log_in(page, "olivia")

    page.get_by_role("link", name="Upload").click()
    page.get_by_label("Choose a photo or drop it here").set_input_files(str(picture))
    expect(page.locator(".upload-preview")).to_be_visible()
    page.get_by_label("Alt text").fill("A teal harbour wall at noon")
    page.get_by_label("Caption").fill("Harbour colours")
    page.get_by_role("button", name="Post").click()

    expect(page).to_have_url(re.compile(r"/p/\d+/$"))
    photo = Photo.objects.get()
    image = page.get_by_role("img", name="A teal harbour wall at noon")
    expect(image).to_be_visible()
    expect(image).to_have_attribute("width", str(photo.display_width))
    expect(page.get_by_text("Harbour colours")).to_be_visible()
    screenshot("photo-page")

    page.goto("/@olivia/")
    grid_item = page.locator(".photo-grid").get_by_role("img", name="A teal harbour wall at noon")
    expect(grid_item).to_be_visible()
    grid_item.click()
    expect(page).to_have_url(re.compile(rf"/p/{photo.pk}/$"))

    page.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name="Delete photo").click()
    expect(page).to_have_url(re.compile(r"/@olivia/$"))
    expect(page.get_by_text("Your photo is deleted.")).to_be_visible()
    expect(page.locator(".photo-grid")).to_have_count(0)
    assert not Photo.objects.exists()


def test_upload_errors_show_in_place_without_a_reload(page, transactional_db, tmp_path):
    UserFactory(username="olivia")
    not_a_photo = tmp_path / "notes.png"
    not_a_photo.write_bytes(b"these are not pixels")
    log_in(page, "olivia")
    page.goto("/upload/")
    page.evaluate("window.__marker = 'same page'")
    page.get_by_label("Choose a photo or drop it here").set_input_files(str(not_a_photo))
    page.get_by_role("button", name="Post").click()
    expect(page.get_by_text("This file is not a JPEG, PNG, WebP or GIF image.")).to_be_visible()
    expect(page.get_by_text("screen readers")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page", "the form was swapped by htmx"
    assert not Photo.objects.exists()


def test_a_photo_dropped_on_the_drop_zone_is_chosen(page, transactional_db):
    UserFactory(username="olivia")
    log_in(page, "olivia")
    page.goto("/upload/")
    # Build a real File in the page and drop it, as a person dragging from their desktop.
    page.evaluate(
        """async () => {
            const canvas = document.createElement("canvas");
            canvas.width = 40; canvas.height = 30;
            const blob = await new Promise((done) => canvas.toBlob(done, "image/png"));
            const transfer = new DataTransfer();
            transfer.items.add(new File([blob], "dropped.png", { type: "image/png" }));
            const zone = document.querySelector(".drop-zone");
            zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true }));
        }"""
    )
    expect(page.locator(".drop-zone-text")).to_have_text("dropped.png")
    expect(page.locator(".upload-preview")).to_be_visible()
    assert page.evaluate("document.querySelector('#id_image').files.length") == 1
