"""Whatever name an anonymous visitor asks for under /media/, the answer is never a 500."""

import pytest

from tests.factories import PhotoFactory


@pytest.mark.parametrize("folder", ["photos/r", "avatars"])
@pytest.mark.parametrize(
    "name",
    [
        pytest.param("a" * 300, id="300-characters"),
        pytest.param("é" * 200, id="multibyte-over-255-bytes"),
        pytest.param("b" * 201, id="just-over-the-cap"),
    ],
)
def test_overlong_media_names_are_a_friendly_404(client, db, folder, name):
    response = client.get(f"/media/{folder}/{name}")
    assert response.status_code == 404
    assert "Not found" in response.content.decode()


def test_a_missing_file_with_a_name_at_the_cap_is_a_404(client, db):
    assert client.get(f"/media/avatars/{'c' * 200}").status_code == 404
    assert client.get("/media/photos/r/missing.webp").status_code == 404


def test_stored_renditions_still_fit_the_pattern(client, owner):
    # The media URL pattern is bound to the session's MEDIA_ROOT: don't override it here.
    photo = PhotoFactory(owner=owner)
    assert client.get(photo.thumbnail.url).status_code == 200
