"""Photo pages, profile grids, the home feed, media serving and the photo admin."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from engagement.ranking.services import feed_order_set
from photos.models import Photo
from photos.selectors import photo_for_page
from tests.factories import FollowFactory, PhotoFactory
from tests.pages import admin_rows, assert_redirects_to_login, heading, page_text


@pytest.fixture
def photo(owner, media):
    return PhotoFactory(
        owner=owner,
        size=(90, 60),
        caption="Morning at the harbour",
        alt_text="Fishing boats moored at dawn",
    )


def files_exist(photo: Photo) -> list[bool]:
    return [photo.master.storage.exists(name) for name in photo.stored_files]


def grid_photo_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'class="grid-item">\s*<a href="/p/(\d+)/"', page)]


def feed_photo_ids(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<a href="/p/(\d+)/"><img class="photo-image"', page)]


def edit_url(photo):
    return reverse("photo_edit", args=[photo.pk])


def delete_url(photo):
    return reverse("photo_delete", args=[photo.pk])


# --- Who may open what ----------------------------------------------------------------------


def test_photo_page_is_public_and_read_only_for_anonymous_visitors(client, photo):
    response = client.get(photo.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert edit_url(photo) not in page
    assert delete_url(photo) not in page


@pytest.mark.parametrize("persona", ["fan", "stranger", "moderator", "admin_user"])
def test_photo_page_has_no_edit_or_delete_links_for_others(client, photo, persona, request):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(photo.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert edit_url(photo) not in page
    assert delete_url(photo) not in page


def test_owner_sees_edit_and_delete_on_their_photo(owner_client, photo):
    page = owner_client.get(photo.get_absolute_url()).content.decode()
    assert f'href="{edit_url(photo)}"' in page
    assert f'href="{delete_url(photo)}"' in page


def test_unknown_photo_is_404(client, db):
    assert client.get(reverse("photo_detail", args=[999_999])).status_code == 404


def test_photo_of_a_deactivated_person_is_404(client, photo, owner):
    owner.is_active = False
    owner.save()
    assert client.get(photo.get_absolute_url()).status_code == 404


def test_upload_page_needs_login(client, owner):
    assert_redirects_to_login(client.get(reverse("photo_upload")))
    client.force_login(owner)
    response = client.get(reverse("photo_upload"))
    assert response.status_code == 200
    assert b'enctype="multipart/form-data"' in response.content


@pytest.mark.parametrize("url", [edit_url, delete_url], ids=["edit", "delete"])
def test_edit_and_delete_need_login(client, photo, url):
    assert_redirects_to_login(client.get(url(photo)))
    assert_redirects_to_login(client.post(url(photo)))
    assert Photo.objects.filter(pk=photo.pk).exists()


@pytest.mark.parametrize(
    ("url", "title"),
    [(edit_url, "Edit photo"), (delete_url, "Delete this photo?")],
    ids=["edit", "delete"],
)
def test_edit_and_delete_open_for_the_owner(owner_client, photo, url, title):
    response = owner_client.get(url(photo))

    assert response.status_code == 200
    assert heading(response) == title
    assert photo.thumbnail.url in page_text(response), "the photo in question is shown"


@pytest.mark.parametrize("persona", ["fan", "moderator", "admin_user"])
def test_others_cannot_edit_a_photo(client, photo, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(edit_url(photo)).status_code == 403
    response = client.post(edit_url(photo), {"caption": "Defaced", "alt_text": "Defaced"})
    assert response.status_code == 403
    assert "You can't do that" in page_text(response)
    photo.refresh_from_db()
    assert photo.caption == "Morning at the harbour"
    assert photo.alt_text == "Fishing boats moored at dawn"


@pytest.mark.parametrize("persona", ["fan", "moderator", "admin_user"])
def test_others_cannot_delete_a_photo(
    client, photo, persona, request, django_capture_on_commit_callbacks
):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(delete_url(photo)).status_code == 403
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(delete_url(photo)).status_code == 403
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert all(files_exist(photo))


@pytest.mark.parametrize("name", ["photo_edit", "photo_delete"])
def test_edit_and_delete_of_an_unknown_photo_is_404(owner_client, name):
    assert owner_client.get(reverse(name, args=[999_999])).status_code == 404


# --- The photo page -------------------------------------------------------------------------


def test_photo_page_shows_the_image_with_its_size_caption_owner_and_alt_text(client, photo):
    page = client.get(photo.get_absolute_url()).content.decode()
    image = re.search(r'<img class="photo-image"[^>]*>', page, re.S).group(0)
    assert f'src="{photo.display.url}"' in image
    assert f'width="{photo.display_width}"' in image
    assert f'height="{photo.display_height}"' in image
    assert (photo.display_width, photo.display_height) == (90, 60)
    assert 'alt="Fishing boats moored at dawn"' in image
    assert "Morning at the harbour" in page
    assert "Olivia Owner" in page
    assert "@olivia" in page


def test_photo_page_escapes_caption_and_alt_text(client, owner, media):
    photo = PhotoFactory(owner=owner, caption="<script>alert(1)</script>", alt_text='"><b>x')
    page = client.get(photo.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert '"><b>x' not in page


def test_photo_page_offers_the_large_rendition_when_there_is_one(
    client, owner, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = PhotoFactory(owner=owner, size=(1600, 900))
    photo.refresh_from_db()
    assert photo.large
    page = client.get(photo.get_absolute_url()).content.decode()
    assert f"{photo.large.url} 2048w" in page


# --- Editing --------------------------------------------------------------------------------


def test_owner_edits_caption_and_alt_text(owner_client, photo):
    response = owner_client.post(
        edit_url(photo), {"caption": "  Evening now  ", "alt_text": "Boats at dusk"}
    )
    assert response.status_code == 302
    assert response["Location"] == photo.get_absolute_url()
    photo.refresh_from_db()
    assert photo.caption == "Evening now"
    assert photo.alt_text == "Boats at dusk"

    owner_client.post(edit_url(photo), {"caption": "", "alt_text": "Boats at dusk"})
    photo.refresh_from_db()
    assert photo.caption == ""


def test_edit_form_starts_with_the_current_values(owner_client, photo):
    page = owner_client.get(edit_url(photo)).content.decode()
    assert "Morning at the harbour" in page
    assert 'value="Fishing boats moored at dawn"' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"caption": "Still here", "alt_text": ""}, "screen readers"),
        ({"caption": "Still here", "alt_text": "   "}, "screen readers"),
        ({"caption": "x" * 2201, "alt_text": "Boats"}, "at most 2200 characters"),
        ({"caption": "", "alt_text": "x" * 1001}, "at most 1000 characters"),
    ],
    ids=["alt-text-cleared", "alt-text-blank", "caption-too-long", "alt-text-too-long"],
)
def test_edit_rejects_bad_text_and_changes_nothing(owner_client, photo, data, message):
    response = owner_client.post(edit_url(photo), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    photo.refresh_from_db()
    assert photo.caption == "Morning at the harbour"
    assert photo.alt_text == "Fishing boats moored at dawn"


def test_editing_does_not_touch_the_stored_files(owner_client, photo):
    names = photo.stored_files
    owner_client.post(edit_url(photo), {"caption": "New", "alt_text": "New"})
    photo.refresh_from_db()
    assert photo.stored_files == names
    assert all(files_exist(photo))


# --- Deleting -------------------------------------------------------------------------------


def test_delete_page_asks_for_confirmation_and_deletes_nothing(owner_client, photo):
    response = owner_client.get(delete_url(photo))
    page = response.content.decode()
    assert "Delete this photo?" in page
    assert '<form method="post"' in page
    assert Photo.objects.filter(pk=photo.pk).exists()
    assert all(files_exist(photo))


def test_owner_deletes_a_photo_and_its_files_go_after_commit(
    owner_client, owner, photo, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        response = owner_client.post(delete_url(photo))
    assert response.status_code == 302
    assert response["Location"] == owner.get_absolute_url()
    assert not Photo.objects.filter(pk=photo.pk).exists()
    assert all(files_exist(photo)), "files must stay until the deletion commits"

    for callback in callbacks:
        callback()
    assert not any(files_exist(photo))
    assert owner_client.get(photo.get_absolute_url()).status_code == 404


def test_delete_removes_the_large_rendition_too(
    owner_client, owner, media, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        photo = PhotoFactory(owner=owner, size=(1600, 900))
    photo.refresh_from_db()
    assert len(photo.stored_files) == 4
    with django_capture_on_commit_callbacks(execute=True):
        owner_client.post(delete_url(photo))
    assert not any(files_exist(photo))
    assert [path for path in media.rglob("*") if path.is_file()] == []


def test_delete_only_answers_get_and_post(owner_client, photo):
    response = owner_client.put(delete_url(photo))
    assert response.status_code == 405
    assert Photo.objects.filter(pk=photo.pk).exists()


def test_deleting_a_person_removes_their_photo_files(
    owner, fan, media, django_capture_on_commit_callbacks
):
    photos = [PhotoFactory(owner=owner) for _ in range(2)]
    kept = PhotoFactory(owner=fan)
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete()
    assert not Photo.objects.filter(owner_id=photos[0].owner_id).exists()
    for photo in photos:
        assert not any(files_exist(photo))
    assert all(files_exist(kept))


def test_admin_bulk_delete_removes_the_files(
    client, admin_user, owner, fan, media, django_capture_on_commit_callbacks
):
    doomed = [PhotoFactory(owner=owner), PhotoFactory(owner=fan)]
    kept = PhotoFactory(owner=owner)
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:photos_photo_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [photo.pk for photo in doomed],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert list(Photo.objects.all()) == [kept]
    for photo in doomed:
        assert not any(files_exist(photo))
    assert all(files_exist(kept))


def test_admin_single_delete_removes_the_files(
    client, admin_user, photo, django_capture_on_commit_callbacks
):
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:photos_photo_delete", args=[photo.pk]), {"post": "yes"}
        )
    assert response.status_code == 302
    assert not Photo.objects.exists()
    assert not any(files_exist(photo))


# --- Profile grid ---------------------------------------------------------------------------


def backdated_photos(owner, count: int) -> list[Photo]:
    """``count`` photos, oldest first, a day apart."""
    start = timezone.now() - timedelta(days=count)
    return [
        PhotoFactory(owner=owner, size=(8, 8), created=start + timedelta(days=index))
        for index in range(count)
    ]


def test_profile_grid_shows_thumbnails_newest_first(client, owner, media):
    photos = backdated_photos(owner, 3)
    page = client.get(owner.get_absolute_url()).content.decode()
    assert grid_photo_ids(page) == [photo.pk for photo in reversed(photos)]
    for photo in photos:
        assert f'src="{photo.thumbnail.url}"' in page
        assert photo.display.url not in page
    assert "<strong>3</strong> photos" in page


def test_profile_grid_shows_only_that_persons_photos(client, owner, fan, media):
    mine = PhotoFactory(owner=owner)
    theirs = PhotoFactory(owner=fan)
    page = client.get(owner.get_absolute_url()).content.decode()
    assert grid_photo_ids(page) == [mine.pk]
    assert theirs.thumbnail.url not in page


def next_link(page: str) -> str:
    return re.search(r'class="load-more" href="(\?before=[^"]+)"', page).group(1)


def test_profile_grid_comes_a_page_at_a_time(client, owner, media, settings):
    settings.PHOTOS_PER_PAGE = 3
    photos = list(reversed(backdated_photos(owner, 5)))  # newest first

    first = client.get(owner.get_absolute_url()).content.decode()
    assert grid_photo_ids(first) == [photo.pk for photo in photos[:3]]
    assert "<strong>5</strong> photos" in first

    second = client.get(owner.get_absolute_url() + next_link(first)).content.decode()
    assert "<html" in second
    assert grid_photo_ids(second) == [photo.pk for photo in photos[3:]]
    assert "load-more" not in second


def test_new_photos_between_pages_neither_repeat_nor_skip(client, owner, media, settings):
    settings.PHOTOS_PER_PAGE = 3
    photos = list(reversed(backdated_photos(owner, 5)))
    first = client.get(owner.get_absolute_url()).content.decode()
    PhotoFactory(owner=owner)  # posted while the first page was being read

    second = client.get(owner.get_absolute_url() + next_link(first)).content.decode()

    assert grid_photo_ids(second) == [photo.pk for photo in photos[3:]]


def test_a_broken_next_page_link_is_a_clear_400(client, owner):
    response = client.get(owner.get_absolute_url(), {"before": "not-a-cursor"})

    assert response.status_code == 400
    assert "Something was wrong with that request" in response.content.decode()


def test_profile_grid_next_page_for_htmx_is_just_the_grid(
    client, owner, media, settings, htmx_headers
):
    settings.PHOTOS_PER_PAGE = 3
    photos = list(reversed(backdated_photos(owner, 7)))
    url = owner.get_absolute_url()
    first = client.get(url).content.decode()

    response = client.get(url + next_link(first), headers=htmx_headers)
    assert response.status_code == 200
    assert "HX-Request" in response["Vary"]
    page = response.content.decode()
    assert "<html" not in page
    assert "profile-header" not in page
    assert grid_photo_ids(page) == [photo.pk for photo in photos[3:6]]
    assert f'hx-get="{next_link(page)}"' in page

    last = client.get(url + next_link(page), headers=htmx_headers).content.decode()
    assert grid_photo_ids(last) == [photos[6].pk]
    assert "load-more" not in last


def test_profile_without_photos_says_so(client, owner):
    assert b"No photos yet." in client.get(owner.get_absolute_url()).content
    client.force_login(owner)
    page = client.get(owner.get_absolute_url()).content.decode()
    assert reverse("photo_upload") in page


@pytest.mark.parametrize("viewer", [None, "fan", "owner"])
def test_profile_grid_query_count_does_not_grow_with_photos(
    client, owner, fan, media, viewer, request, django_assert_max_num_queries
):
    if viewer:
        client.force_login(request.getfixturevalue(viewer))
    FollowFactory(follower=fan, followed=owner)
    url = owner.get_absolute_url()

    for _ in range(2):
        PhotoFactory(owner=owner, size=(4, 4))
    with django_assert_max_num_queries(9) as few:
        assert len(grid_photo_ids(client.get(url).content.decode())) == 2

    for _ in range(18):
        PhotoFactory(owner=owner, size=(4, 4))
    with django_assert_max_num_queries(9) as many:
        assert len(grid_photo_ids(client.get(url).content.decode())) == 20

    assert len(many) == len(few)


# --- Home feed ------------------------------------------------------------------------------


def test_home_feed_shows_followed_and_own_photos_but_not_strangers(
    fan_client, fan, owner, stranger, media
):
    FollowFactory(follower=fan, followed=owner)
    followed = PhotoFactory(owner=owner, caption="From someone I follow")
    mine = PhotoFactory(owner=fan, caption="My own")
    strangers = PhotoFactory(owner=stranger, caption="From a stranger")

    page = fan_client.get(reverse("home")).content.decode()
    assert sorted(feed_photo_ids(page)) == sorted([followed.pk, mine.pk])
    assert "From someone I follow" in page
    assert "My own" in page
    assert "From a stranger" not in page
    assert strangers.display.url not in page


def test_the_chronological_home_feed_is_newest_first_and_hides_deactivated_people(
    fan_client, fan, owner, stranger, media
):
    feed_order_set(user=fan, chronological=True)
    FollowFactory(follower=fan, followed=owner)
    FollowFactory(follower=fan, followed=stranger)
    now = timezone.now()
    old = PhotoFactory(owner=owner, created=now - timedelta(days=2))
    new = PhotoFactory(owner=fan, created=now - timedelta(hours=1))
    gone = PhotoFactory(owner=stranger, created=now)
    stranger.is_active = False
    stranger.save()

    page = fan_client.get(reverse("home")).content.decode()
    assert feed_photo_ids(page) == [new.pk, old.pk]
    assert gone.display.url not in page


def test_home_feed_is_empty_for_a_newcomer(client, stranger, owner, media):
    PhotoFactory(owner=owner)
    client.force_login(stranger)
    page = client.get(reverse("home")).content.decode()
    assert feed_photo_ids(page) == []
    assert reverse("photo_upload") in page


def test_anonymous_home_has_no_feed(client, owner, media):
    photo = PhotoFactory(owner=owner)
    page = client.get(reverse("home")).content.decode()
    assert photo.display.url not in page


def test_chronological_home_feed_next_page_for_htmx_is_just_the_cards(
    fan_client, fan, media, settings, htmx_headers
):
    feed_order_set(user=fan, chronological=True)
    settings.FEED_CARDS_PER_PAGE = 2
    photos = list(reversed(backdated_photos(fan, 5)))
    first = fan_client.get(reverse("home")).content.decode()

    response = fan_client.get(reverse("home") + next_link(first), headers=htmx_headers)
    page = response.content.decode()
    assert "<html" not in page
    assert feed_photo_ids(page) == [photo.pk for photo in photos[2:4]]
    assert f'hx-get="{next_link(page)}"' in page


def test_chronological_home_feed_query_count_does_not_grow_with_photos(
    fan_client, fan, owner, stranger, media, django_assert_max_num_queries, settings
):
    settings.FEED_CARDS_PER_PAGE = 20
    feed_order_set(user=fan, chronological=True)
    FollowFactory(follower=fan, followed=owner)
    FollowFactory(follower=fan, followed=stranger)
    url = reverse("home")

    for person in (owner, stranger):
        PhotoFactory(owner=person, size=(4, 4))
    with django_assert_max_num_queries(9) as few:
        assert len(feed_photo_ids(fan_client.get(url).content.decode())) == 2

    for index in range(18):
        PhotoFactory(owner=(owner, stranger, fan)[index % 3], size=(4, 4))
    with django_assert_max_num_queries(9) as many:
        assert len(feed_photo_ids(fan_client.get(url).content.decode())) == 20

    assert len(many) == len(few)


# --- Media serving --------------------------------------------------------------------------


def test_renditions_are_served_but_masters_are_not(client, owner):
    # The media URL pattern is bound to the session's MEDIA_ROOT: don't override it here.
    photo = PhotoFactory(owner=owner)
    for field in (photo.display, photo.thumbnail):
        response = client.get(field.url)
        assert response.status_code == 200, field.url
        assert response["Content-Type"] == "image/webp"
        with field.open("rb") as stored:
            assert b"".join(response.streaming_content) == stored.read()

    assert photo.master.storage.exists(photo.master.name)
    master_url = django_settings.MEDIA_URL + photo.master.name
    assert master_url.startswith("/media/photos/masters/")
    assert client.get(master_url).status_code == 404
    assert photo.master.url not in client.get(photo.get_absolute_url()).content.decode()


def test_media_outside_the_public_folders_is_not_served(client, owner):
    photo = PhotoFactory(owner=owner)
    name = Path(photo.master.name).name
    for url in (
        f"/media/photos/r/../masters/{name}",
        f"/media/photos/r/..%2Fmasters%2F{name}",
        f"/media/{photo.master.name}",
        "/media/",
    ):
        assert client.get(url).status_code == 404, url


# --- Admin ----------------------------------------------------------------------------------


def test_photo_admin_is_staff_only(client, fan, moderator, admin_user):
    url = reverse("admin:photos_photo_changelist")
    for person in (fan, moderator):
        client.force_login(person)
        assert client.get(url).status_code == 302
    client.force_login(admin_user)
    assert client.get(url).status_code == 200


def test_photo_admin_list_and_change_page_show_the_thumbnail(client, admin_user, photo):
    client.force_login(admin_user)
    changelist = client.get(reverse("admin:photos_photo_changelist"))
    assert changelist.status_code == 200
    assert f'<img src="{photo.thumbnail.url}" width="64" height="64"' in changelist.content.decode()

    change = client.get(reverse("admin:photos_photo_change", args=[photo.pk]))
    assert change.status_code == 200
    assert photo.thumbnail.url in change.content.decode()
    assert photo.master.name not in change.content.decode()


def test_photo_admin_edits_text_only(client, admin_user, photo):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:photos_photo_change", args=[photo.pk]),
        {"caption": "Moderated", "alt_text": "Boats", "owner": admin_user.pk},
    )
    assert response.status_code == 302
    photo.refresh_from_db()
    assert photo.caption == "Moderated"
    assert photo.owner.username == "olivia"


def test_photo_admin_searches_captions(client, admin_user, owner, media):
    harbour = PhotoFactory(owner=owner, caption="Boats in the harbour", alt_text="Boats")
    forest = PhotoFactory(owner=owner, caption="Pines in fog", alt_text="Trees")
    client.force_login(admin_user)
    page = client.get(reverse("admin:photos_photo_changelist"), {"q": "harbour"}).content.decode()
    assert harbour.thumbnail.url in page
    assert forest.thumbnail.url not in page


def test_photo_admin_cannot_add_photos(client, admin_user, db):
    client.force_login(admin_user)
    assert client.get(reverse("admin:photos_photo_add")).status_code == 403
    changelist = client.get(reverse("admin:photos_photo_changelist")).content.decode()
    assert reverse("admin:photos_photo_add") not in changelist


def test_photo_admin_filters_and_sorts_by_caption(client, admin_user, owner, media):
    for caption in ["Cedar", "Alder", "Birch"]:
        PhotoFactory(owner=owner, caption=caption, hide_like_count=caption == "Birch")
    client.force_login(admin_user)
    url = reverse("admin:photos_photo_changelist")

    def captions(query) -> list[str]:
        return [row["short_caption"] for row in admin_rows(page_text(client.get(url, query)))]

    assert captions({"hide_like_count__exact": "1"}) == ["Birch"]
    assert captions({"hide_like_count__exact": "0", "o": "4"}) == ["Alder", "Cedar"]
    assert captions({"o": "-4"}) == ["Cedar", "Birch", "Alder"]


def test_a_photo_page_reads_the_photo_and_its_owner_in_one_query_as_the_orm_would(
    photo, fan, django_assert_num_queries
):
    with django_assert_num_queries(1):
        read = photo_for_page(photo.pk, fan)
        assert read.owner.username == photo.owner.username
    stored = Photo.objects.select_related("owner").get(pk=photo.pk)
    assert timezone.is_aware(read.created)
    assert read.created == stored.created
    assert read.owner.date_joined == stored.owner.date_joined
    assert (read.master.name, read.caption, read.width) == (
        stored.master.name,
        stored.caption,
        stored.width,
    )
