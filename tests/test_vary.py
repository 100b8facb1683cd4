"""Every response whose body depends on HX-Request says so in Vary, so no cache hands a
fragment to a full-page visit (or the other way round)."""

import pytest
from django.urls import reverse
from django.utils.cache import has_vary_header

from tests.factories import PhotoFactory


@pytest.fixture
def photo(owner, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return PhotoFactory(owner=owner)


def owner_pages(photo) -> list[tuple[str, str, dict]]:
    """(method, url, data) for each view that answers htmx differently, as the owner."""
    return [
        ("get", reverse("home"), {}),
        ("get", reverse("home") + "?page=1", {}),
        ("get", reverse("profile", args=[photo.owner.username]), {}),
        ("get", reverse("notifications"), {}),
        ("get", reverse("likers", args=[photo.pk]), {}),
        ("get", reverse("photo_upload"), {}),
        ("get", reverse("photo_insights", args=[photo.pk]), {}),
        ("get", reverse("account_insights"), {}),
        ("post", reverse("like", args=[photo.pk]), {"liked": "1"}),
    ]


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_pages_that_answer_htmx_differently_vary_on_it(owner_client, photo, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    for method, url, data in owner_pages(photo):
        response = getattr(owner_client, method)(url, data, headers=headers)
        assert response.status_code < 400, (url, response.status_code)
        assert has_vary_header(response, "HX-Request"), url


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_follow_varies_on_htmx(fan_client, owner, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    url = reverse("follow", args=[owner.username])
    response = fan_client.post(url, {"following": "1"}, headers=headers)
    assert has_vary_header(response, "HX-Request")


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_error_pages_vary_on_htmx(client, owner_client, photo, htmx):
    headers = {"HX-Request": "true"} if htmx else {}
    responses = {
        404: client.get("/no-such-page/", headers=headers),
        405: owner_client.put(reverse("like", args=[photo.pk]), headers=headers),
        400: owner_client.post(reverse("like", args=[photo.pk]), {"liked": "x"}, headers=headers),
    }
    for status, response in responses.items():
        assert response.status_code == status
        assert has_vary_header(response, "HX-Request"), status
    # The fragment and the full page differ, which is why they vary.
    assert (b"<html" in responses[404].content) is not htmx
