"""Notifications: likes and follows arrive through after-commit signals, a withdrawn like
takes its notification with it, a quick re-like stays silent, the list groups and the bell
counts what is unread, and each person chooses what they hear about.

Services send their signals on commit; pytest-django's ``db`` runs each test inside a
transaction, so every write here runs inside ``django_capture_on_commit_callbacks`` (the
``act`` fixture) to let the receivers run as they would after a real commit.
"""

import html
import re
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import LikeNotifications, User
from accounts.services import follow_set
from engagement.models import Like
from engagement.services import like_set
from notifications import selectors, services
from notifications.models import Notification, NotificationGroup, PhotoMute
from tests.factories import FollowFactory, PhotoFactory, UserFactory
from tests.like_pages import PRESET_NAMES
from tests.pages import assert_redirects_to_login, heading, page_text

# --- Helpers ------------------------------------------------------------------------------


class Act:
    """Likes and follows as the site makes them, with the after-commit receivers run."""

    def __init__(self, capture):
        self.capture = capture

    def like(self, user, photo, liked: bool = True) -> bool:
        with self.capture(execute=True):
            return like_set(user=user, photo=photo, liked=liked)

    def unlike(self, user, photo) -> bool:
        return self.like(user, photo, liked=False)

    def follow(self, follower, followed, following: bool = True) -> bool:
        with self.capture(execute=True):
            return follow_set(follower=follower, followed=followed, following=following)

    def unfollow(self, follower, followed) -> bool:
        return self.follow(follower, followed, following=False)


@pytest.fixture
def act(django_capture_on_commit_callbacks):
    return Act(django_capture_on_commit_callbacks)


@pytest.fixture(autouse=True)
def _withdrawals_take_effect_at_once(settings):
    """Most tests here are about what is withdrawn, not when: use a preset without the
    unlike shield. The shield's timing has its own tests at the end of this module."""
    settings.ENGAGEMENT_POLICY = "instagram"


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner, alt_text="A quiet harbour at dawn")


def visible(recipient, verb=None):
    rows = Notification.objects.filter(Notification.visible_at(timezone.now()), recipient=recipient)
    if verb is not None:
        rows = rows.filter(verb=verb)
    return rows


def badge_number(client) -> int:
    """The number the bell shows (0 when the badge is hidden)."""
    response = client.get(reverse("notification_badge"))
    assert response.status_code == 200
    fragment = page_text(response)
    assert 'id="notification-badge"' in fragment
    match = re.search(r'<span aria-hidden="true">(\d+)\+?</span>', fragment)
    if match is None:
        assert re.search(r"<span [^>]*\bhidden\b", fragment), fragment
        return 0
    assert not re.search(r'<span id="notification-badge"[^>]*\bhidden\b', fragment), fragment
    return int(match.group(1))


def entries(response) -> list[dict]:
    """The notification list as a person reads it: text, verb, unread, photo link."""
    assert response.status_code == 200
    page = page_text(response)
    found = []
    for match in re.finditer(
        r'<li class="notification( notification-unread)?" data-verb="(\w+)">(.*?)</li>',
        page,
        re.DOTALL,
    ):
        body = match.group(3)
        text = re.search(r'<p class="notification-text">(.*?)<time', body, re.DOTALL).group(1)
        text = " ".join(re.sub(r"<[^>]+>", " ", text).split())
        photo = re.search(r'class="notification-photo" href="/p/(\d+)/"', body)
        found.append(
            {
                "text": text.removeprefix("New: "),
                "verb": match.group(2),
                "unread": bool(match.group(1)),
                "photo": int(photo.group(1)) if photo else None,
            }
        )
    return found


def texts(client) -> list[str]:
    return [entry["text"] for entry in entries(client.get(reverse("notifications")))]


def read_what_is_shown(client):
    """Open the list and do what htmx does once the lines are on screen: post their ids."""
    page = page_text(client.get(reverse("notifications")))
    lines = re.search(r'hx-vals=\'\{"lines": "([\d,]*)"\}\'', page)
    assert lines, "the page offers no lines to mark read"
    return client.post(
        reverse("notifications_read"), {"lines": lines.group(1)}, HTTP_HX_REQUEST="true"
    )


# --- A like notifies the owner; an unlike takes it back ----------------------------------


def test_a_like_notifies_the_owner_once(act, owner, fan, photo):
    act.like(fan, photo)

    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.verb) == (
        owner,
        fan,
        Notification.Verb.LIKE,
    )
    assert notification.photo == photo
    assert notification.read_at is None
    assert notification.withdrawn_at is None


def test_a_repeated_like_request_does_not_notify_twice(act, owner, fan, photo):
    act.like(fan, photo)
    act.like(fan, photo)
    assert visible(owner).count() == 1


def test_the_badge_shows_one_after_a_like(act, client, owner, fan, photo):
    assert selectors.unread_count(owner) == 0
    client.force_login(owner)
    assert badge_number(client) == 0

    act.like(fan, photo)

    assert selectors.unread_count(owner) == 1
    assert badge_number(client) == 1


def test_an_unlike_withdraws_the_notification_from_list_and_badge(act, client, owner, fan, photo):
    act.like(fan, photo)
    act.unlike(fan, photo)

    client.force_login(owner)
    assert badge_number(client) == 0
    assert selectors.unread_count(owner) == 0
    assert texts(client) == []
    assert "Nothing new" in page_text(client.get(reverse("notifications")))
    assert Notification.objects.get().withdrawn_at is not None, "the row is kept, withdrawn"


def test_an_unlike_never_notifies_the_owner(act, owner, fan, photo):
    act.like(fan, photo)
    act.unlike(fan, photo)
    assert not Notification.objects.filter(verb=Notification.Verb.UNLIKE).exists()
    assert not visible(owner).exists()


def test_a_read_like_notification_is_withdrawn_too(act, client, owner, fan, photo):
    act.like(fan, photo)
    client.force_login(owner)
    assert len(texts(client)) == 1  # reading it marks it read

    act.unlike(fan, photo)

    assert texts(client) == []


def test_like_unlike_like_within_the_cooldown_never_notifies_again(act, client, owner, fan, photo):
    client.force_login(owner)
    act.like(fan, photo)
    assert badge_number(client) == 1

    for _round in range(3):
        act.unlike(fan, photo)
        assert badge_number(client) == 0
        act.like(fan, photo)
        assert badge_number(client) == 0, "a quick re-like must not ring the bell again"
        assert visible(owner).count() == 0

    assert texts(client) == []
    assert Notification.objects.count() == 1


def test_a_re_like_just_inside_the_cooldown_stays_silent(act, monkeypatch, owner, fan, photo):
    act.like(fan, photo)
    act.unlike(fan, photo)
    later = timezone.now() + timedelta(hours=23, minutes=59)
    monkeypatch.setattr(timezone, "now", lambda: later)

    act.like(fan, photo)

    assert not visible(owner).exists()


def test_a_re_like_exactly_when_the_cooldown_ends_notifies_again(
    act, monkeypatch, owner, fan, photo
):
    act.like(fan, photo)
    act.unlike(fan, photo)
    first_sent = Notification.objects.get().created
    ends = first_sent + timedelta(hours=django_settings.LIKE_RENOTIFY_COOLDOWN_HOURS)
    monkeypatch.setattr(timezone, "now", lambda: ends)

    act.like(fan, photo)

    assert visible(owner).get().created == ends


def test_a_re_like_after_the_cooldown_notifies_again(act, client, monkeypatch, owner, fan, photo):
    client.force_login(owner)
    act.like(fan, photo)
    assert texts(client) == ["Fabio Fan liked your photo"]  # read
    act.unlike(fan, photo)
    assert badge_number(client) == 0
    later = timezone.now() + timedelta(hours=25)
    monkeypatch.setattr(timezone, "now", lambda: later)

    act.like(fan, photo)

    notification = visible(owner).get()
    assert notification.read_at is None
    assert notification.created == later
    assert badge_number(client) == 1
    assert texts(client) == ["Fabio Fan liked your photo"]


def test_a_re_like_after_a_backdated_first_notification_notifies_again(
    act, settings, owner, fan, photo
):
    settings.LIKE_RENOTIFY_COOLDOWN_HOURS = 2
    act.like(fan, photo)
    act.unlike(fan, photo)
    Notification.objects.update(created=timezone.now() - timedelta(hours=2, minutes=1))

    act.like(fan, photo)

    assert visible(owner, Notification.Verb.LIKE).count() == 1


def test_liking_your_own_photo_notifies_nobody(act, owner, photo):
    act.like(owner, photo)
    assert not Notification.objects.exists()


def test_an_unlike_withdraws_only_that_like(act, owner, fan, stranger, photo):
    other = PhotoFactory(owner=owner)
    act.like(fan, photo)
    act.like(fan, other)
    act.like(stranger, photo)

    act.unlike(fan, photo)

    assert set(visible(owner).values_list("actor__username", "photo")) == {
        ("fabio", other.pk),
        ("sam", photo.pk),
    }


def test_a_like_that_rolls_back_notifies_nobody(act, owner, fan, photo):
    with mock.patch.object(services, "like_notify", wraps=services.like_notify) as receiver:
        with act.capture(execute=True), pytest.raises(RuntimeError), transaction.atomic():
            like_set(user=fan, photo=photo, liked=True)
            raise RuntimeError("the request failed after the like")
        assert receiver.call_count == 0, "the receiver ran for a like that never committed"
        assert not Notification.objects.exists()
        assert selectors.unread_count(owner) == 0

        act.like(fan, photo)  # the same like, committed this time

        assert receiver.call_count == 1
        assert visible(owner).count() == 1


def test_a_like_through_the_like_button_notifies_the_owner(
    client, owner, fan, photo, django_capture_on_commit_callbacks
):
    client.force_login(fan)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("like", args=[photo.pk]), {"liked": "1"})
    assert response.status_code == 302
    assert visible(owner, Notification.Verb.LIKE).get().actor == fan


# --- Follows ------------------------------------------------------------------------------


def test_a_follow_notifies_the_person_followed(act, owner, fan):
    act.follow(fan, owner)
    notification = Notification.objects.get()
    assert (notification.recipient, notification.actor, notification.verb) == (
        owner,
        fan,
        Notification.Verb.FOLLOW,
    )
    assert notification.photo is None
    assert selectors.unread_count(owner) == 1


def test_an_unfollow_withdraws_the_follow_notification(act, client, owner, fan):
    act.follow(fan, owner)
    act.unfollow(fan, owner)
    assert not visible(owner).exists()
    client.force_login(owner)
    assert badge_number(client) == 0
    assert texts(client) == []


def test_a_quick_refollow_does_not_notify_again(act, owner, fan):
    act.follow(fan, owner)
    act.unfollow(fan, owner)
    act.follow(fan, owner)
    assert not visible(owner).exists()


def test_no_follow_notification_when_follow_notifications_are_off(act, owner, fan):
    owner.notify_follows = False
    owner.save()
    act.follow(fan, owner)
    assert not Notification.objects.exists()


# --- Preferences --------------------------------------------------------------------------


def set_likes_preference(user, value: str) -> None:
    user.notify_likes = value
    user.save(update_fields=["notify_likes"])


def test_like_notifications_off_means_none(act, owner, fan, photo):
    set_likes_preference(owner, LikeNotifications.OFF)
    act.like(fan, photo)
    assert not Notification.objects.exists()


def test_like_notifications_off_still_lets_follows_through(act, owner, fan):
    set_likes_preference(owner, LikeNotifications.OFF)
    act.follow(fan, owner)
    assert visible(owner, Notification.Verb.FOLLOW).count() == 1


def test_like_notifications_from_people_i_follow_only(act, owner, fan, stranger, photo):
    set_likes_preference(owner, LikeNotifications.FOLLOWING)
    FollowFactory(follower=owner, followed=fan)
    FollowFactory(follower=stranger, followed=owner)  # following the owner is not enough

    act.like(fan, photo)
    act.like(stranger, photo)

    assert list(visible(owner).values_list("actor__username", flat=True)) == ["fabio"]


def test_like_notifications_from_everyone(act, owner, fan, stranger, photo):
    set_likes_preference(owner, LikeNotifications.EVERYONE)
    act.like(fan, photo)
    act.like(stranger, photo)
    assert set(visible(owner).values_list("actor__username", flat=True)) == {"fabio", "sam"}


def test_preferences_page_shows_and_saves_the_choices(owner_client, owner):
    url = reverse("notification_preferences")
    page = page_text(owner_client.get(url))
    assert "From everyone" in page
    assert "Only from people I follow" in page
    assert re.search(r'name="notify_likes" value="everyone"[^>]*checked', page)
    assert re.search(r'name="notify_follows"[^>]*checked', page)

    response = owner_client.post(url, {"notify_likes": "following"})

    assert response.status_code == 302
    assert response["Location"] == url
    owner.refresh_from_db()
    assert owner.notify_likes == LikeNotifications.FOLLOWING
    assert owner.notify_follows is False
    page = page_text(owner_client.get(url))
    assert "Your notification settings are saved." in page
    assert re.search(r'name="notify_likes" value="following"[^>]*checked', page)

    owner_client.post(url, {"notify_likes": "off", "notify_follows": "on"})
    owner.refresh_from_db()
    assert (owner.notify_likes, owner.notify_follows) == (LikeNotifications.OFF, True)


def test_preferences_reject_an_invalid_choice_with_a_message(owner_client, owner):
    response = owner_client.post(
        reverse("notification_preferences"), {"notify_likes": "loudly", "notify_follows": ""}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    owner.refresh_from_db()
    assert (owner.notify_likes, owner.notify_follows) == (LikeNotifications.EVERYONE, True)


def test_preferences_saved_on_the_page_take_effect(act, owner_client, owner, fan, photo):
    owner_client.post(reverse("notification_preferences"), {"notify_likes": "off"})
    owner.refresh_from_db()  # as the follow view would load them
    act.like(fan, photo)
    act.follow(fan, owner)
    assert not Notification.objects.exists()


# --- Muting one photo ---------------------------------------------------------------------


def mute(client, photo, muted: str, **extra):
    return client.post(reverse("photo_mute", args=[photo.pk]), {"muted": muted, **extra})


def test_the_owner_mutes_likes_on_one_photo(act, owner_client, owner, fan, photo):
    other = PhotoFactory(owner=owner)
    response = mute(owner_client, photo, "1")
    assert response.status_code == 302
    assert response["Location"] == photo.get_absolute_url()
    assert PhotoMute.objects.filter(user=owner, photo=photo).exists()

    act.like(fan, photo)
    act.like(fan, other)

    assert list(visible(owner).values_list("photo", flat=True)) == [other.pk]


def test_muting_twice_is_harmless_and_unmuting_brings_likes_back(
    act, owner_client, owner, fan, stranger, photo
):
    mute(owner_client, photo, "1")
    mute(owner_client, photo, "1")
    assert PhotoMute.objects.count() == 1
    act.like(fan, photo)

    response = mute(owner_client, photo, "0")

    assert response.status_code == 302
    assert not PhotoMute.objects.exists()
    act.like(stranger, photo)
    assert list(visible(owner).values_list("actor__username", flat=True)) == ["sam"]


def test_the_mute_page_offers_the_right_button(owner_client, photo):
    url = reverse("photo_mute", args=[photo.pk])
    assert "Mute likes on this photo" in page_text(owner_client.get(url))
    mute(owner_client, photo, "1")
    page = page_text(owner_client.get(url))
    assert "Unmute likes" in page
    assert 'name="muted" value="0"' in page


def test_only_the_owner_may_mute_a_photo(client, stranger, photo):
    client.force_login(stranger)
    url = reverse("photo_mute", args=[photo.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"muted": "1"}).status_code == 403
    assert not PhotoMute.objects.exists()


def test_a_stranger_cannot_unmute_the_owners_photo(client, owner, stranger, photo):
    PhotoMute.objects.create(user=owner, photo=photo)
    client.force_login(stranger)
    assert mute(client, photo, "0").status_code == 403
    assert PhotoMute.objects.filter(user=owner, photo=photo).exists()


def test_muting_needs_login(client, photo):
    assert_redirects_to_login(mute(client, photo, "1"))
    assert not PhotoMute.objects.exists()


def test_muting_a_missing_photo_is_404(owner_client):
    assert owner_client.post(reverse("photo_mute", args=[999_999]), {"muted": "1"}).status_code == (
        404
    )


def test_muted_photos_are_listed_in_settings_with_a_working_unmute(
    owner_client, owner, stranger, photo
):
    theirs = PhotoFactory(owner=stranger, alt_text="Someone else's muted sunset")
    PhotoMute.objects.create(user=stranger, photo=theirs)
    url = reverse("notification_preferences")
    assert "No muted photos" in page_text(owner_client.get(url))
    mute(owner_client, photo, "1")

    page = page_text(owner_client.get(url))

    assert "No muted photos" not in page
    assert 'alt="A quiet harbour at dawn"' in page
    assert "Someone else's muted sunset" not in page
    unmute_form = re.search(
        rf'<form method="post" action="{reverse("photo_mute", args=[photo.pk])}">(.*?)</form>',
        page,
        re.DOTALL,
    )
    assert unmute_form is not None
    form = unmute_form.group(1)
    assert ">Unmute</button>" in form
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    fields.pop("csrfmiddlewaretoken", None)
    assert fields == {"muted": "0", "return": "settings"}

    response = mute(owner_client, photo, **fields)

    assert response.status_code == 302
    assert response["Location"] == url
    assert not PhotoMute.objects.filter(user=owner).exists()
    assert "No muted photos" in page_text(owner_client.get(url))


# --- Grouping -----------------------------------------------------------------------------


def likers(count: int) -> list:
    return [
        UserFactory(username=f"liker{n:02}", display_name=f"Liker {n:02}") for n in range(count)
    ]


def test_many_likes_on_one_photo_make_one_entry_with_the_latest_names(act, owner_client, photo):
    for person in likers(15):
        act.like(person, photo)

    found = entries(owner_client.get(reverse("notifications")))

    assert len(found) == 1
    assert found[0]["text"] == "Liker 14, Liker 13 and 13 others liked your photo"
    assert found[0]["photo"] == photo.pk
    assert found[0]["verb"] == "like"


def test_two_likers_are_named_together(act, owner_client, fan, stranger, photo):
    act.like(fan, photo)
    act.like(stranger, photo)
    assert texts(owner_client) == ["Sam Stranger and Fabio Fan liked your photo"]


def test_three_likers_say_one_other(act, owner_client, fan, stranger, photo):
    act.like(fan, photo)
    act.like(stranger, photo)
    act.like(UserFactory(display_name="Tia Third"), photo)
    assert texts(owner_client) == ["Tia Third, Sam Stranger and 1 other liked your photo"]


def test_a_withdrawn_like_leaves_the_group(act, owner_client, fan, stranger, photo):
    act.like(fan, photo)
    act.like(stranger, photo)
    act.unlike(stranger, photo)
    assert texts(owner_client) == ["Fabio Fan liked your photo"]


def test_likes_on_two_photos_make_two_entries_newest_first(act, owner_client, owner, fan):
    older = PhotoFactory(owner=owner)
    newer = PhotoFactory(owner=owner)
    act.like(fan, older)
    act.like(UserFactory(display_name="Tia Third"), newer)

    found = entries(owner_client.get(reverse("notifications")))

    assert [(entry["photo"], entry["text"]) for entry in found] == [
        (newer.pk, "Tia Third liked your photo"),
        (older.pk, "Fabio Fan liked your photo"),
    ]


def test_a_new_like_on_an_older_entry_moves_it_to_the_top(act, owner_client, owner, fan):
    first = PhotoFactory(owner=owner)
    second = PhotoFactory(owner=owner)
    act.like(fan, first)
    act.like(fan, second)
    act.like(UserFactory(display_name="Tia Third"), first)

    found = entries(owner_client.get(reverse("notifications")))

    assert [entry["photo"] for entry in found] == [first.pk, second.pk]


def test_follows_are_grouped_too(act, owner_client, owner):
    for person in likers(15):
        act.follow(person, owner)

    found = entries(owner_client.get(reverse("notifications")))

    assert [(entry["verb"], entry["text"]) for entry in found] == [
        ("follow", "Liker 14, Liker 13 and 13 others followed you")
    ]


def test_two_followers_are_named_together(act, owner_client, owner, fan, stranger):
    act.follow(fan, owner)
    act.follow(stranger, owner)
    assert texts(owner_client) == ["Sam Stranger and Fabio Fan followed you"]


def test_likes_and_follows_are_separate_entries(act, owner_client, owner, fan, photo):
    act.follow(fan, owner)
    act.like(fan, photo)
    assert texts(owner_client) == ["Fabio Fan liked your photo", "Fabio Fan followed you"]


def test_nobody_sees_someone_elses_notifications(act, client, owner, fan, stranger, photo):
    act.like(fan, photo)
    client.force_login(stranger)
    assert texts(client) == []
    assert badge_number(client) == 0
    assert selectors.unread_count(owner) == 1


# --- Reading ------------------------------------------------------------------------------


def test_opening_the_list_shows_new_entries_as_unread_then_marks_them_read(
    act, owner_client, owner, fan, photo
):
    act.like(fan, photo)
    assert badge_number(owner_client) == 1

    first_view = entries(owner_client.get(reverse("notifications")))
    assert [entry["unread"] for entry in first_view] == [True]
    assert badge_number(owner_client) == 1, "a GET changes nothing"

    marked = read_what_is_shown(owner_client)

    assert marked.status_code == 204
    assert marked["HX-Trigger"] == "notifications-read"
    assert badge_number(owner_client) == 0
    assert Notification.objects.get().read_at is not None
    second_view = entries(owner_client.get(reverse("notifications")))
    assert [entry["unread"] for entry in second_view] == [False]
    assert "Mark all read" not in page_text(owner_client.get(reverse("notifications")))


def test_lines_to_mark_read_must_be_ids_and_only_ones_own_are_marked(
    act, owner_client, owner, fan, stranger, photo
):
    act.like(fan, photo)
    act.follow(owner, stranger)  # a line of stranger's
    theirs = NotificationGroup.objects.get(recipient=stranger)

    refused = owner_client.post(reverse("notifications_read"), {"lines": "1,x"})
    owner_client.post(reverse("notifications_read"), {"lines": str(theirs.pk)})

    assert refused.status_code == 400
    assert "can't be marked read" in page_text(refused)
    assert Notification.objects.get(recipient=stranger).read_at is None
    assert badge_number(owner_client) == 1


def test_a_new_like_in_a_read_group_makes_it_unread_again(
    act, owner_client, owner, fan, stranger, photo
):
    act.like(fan, photo)
    read_what_is_shown(owner_client)
    act.like(stranger, photo)

    assert badge_number(owner_client) == 1
    found = entries(owner_client.get(reverse("notifications")))
    assert [(entry["text"], entry["unread"]) for entry in found] == [
        ("Sam Stranger and Fabio Fan liked your photo", True)
    ]


def test_mark_all_read_clears_the_badge(act, owner_client, owner, fan, photo):
    act.like(fan, photo)
    act.follow(fan, owner)
    assert badge_number(owner_client) == 2

    response = owner_client.post(reverse("notifications_read"))

    assert response.status_code == 302
    assert response["Location"] == reverse("notifications")
    assert badge_number(owner_client) == 0
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    page = page_text(owner_client.get(reverse("notifications")))
    assert "All notifications are marked read." in page


def test_mark_all_read_only_touches_your_own(act, client, owner, fan, stranger, photo):
    act.like(fan, photo)
    client.force_login(stranger)
    client.post(reverse("notifications_read"))
    assert selectors.unread_count(owner) == 1


def test_mark_all_read_needs_post(owner_client):
    assert owner_client.get(reverse("notifications_read")).status_code == 405


def test_the_badge_caps_at_99_plus(owner_client, owner, photo):
    people = UserFactory.create_batch(120)
    Notification.objects.bulk_create(
        Notification(recipient=owner, actor=person, verb="like", photo=photo) for person in people
    )
    fragment = page_text(owner_client.get(reverse("notification_badge")))
    assert '<span aria-hidden="true">99+</span>' in fragment
    assert "120 unread notifications" in fragment


def test_the_badge_is_never_cached_and_keeps_polling(owner_client, settings):
    settings.NOTIFICATION_POLL_SECONDS = 7
    response = owner_client.get(reverse("notification_badge"))
    assert "no-store" in response["Cache-Control"]
    assert 'hx-trigger="every 7s, notifications-read from:body"' in page_text(response)


def test_every_page_loads_the_badge_for_signed_in_people(owner_client, owner, photo):
    badge = f'hx-get="{reverse("notification_badge")}" hx-trigger="load"'
    public = [
        reverse("home"),
        owner.get_absolute_url(),
        photo.get_absolute_url(),
        reverse("followers", args=[owner.username]),
        reverse("following", args=[owner.username]),
        reverse("unlike_explainer"),
        "/no/such/page/",
    ]
    members_only = [
        reverse("notifications"),
        reverse("notification_preferences"),
        reverse("likers", args=[photo.pk]),
        reverse("photo_upload"),
        reverse("photo_edit", args=[photo.pk]),
        reverse("profile_edit"),
        reverse("data_export"),
        reverse("account_delete"),
    ]

    for url in public + members_only:
        assert badge in page_text(owner_client.get(url)), url
    anonymous = Client()
    for url in public:
        assert reverse("notification_badge") not in page_text(anonymous.get(url)), url


# --- Query counts -------------------------------------------------------------------------

LIST_QUERIES = 8


def notification_groups(owner, *, photos: int, days: int, per_group: int) -> None:
    """``photos`` x ``days`` groups of likes, each with ``per_group`` likers of its own day."""
    noon = timezone.now().replace(hour=12, minute=0, second=0, microsecond=0)
    crowds = [UserFactory.create_batch(per_group) for _day in range(days)]
    rows = [
        Notification(
            recipient=owner,
            actor=person,
            verb="like",
            photo=photo,
            created=noon - timedelta(days=day, minutes=minute),
        )
        for photo in PhotoFactory.create_batch(photos, owner=owner)
        for day, crowd in enumerate(crowds)
        for minute, person in enumerate(crowd)
    ]
    Notification.objects.bulk_create(rows)
    services.notification_groups_rebuild()  # bulk-loaded rows get their lines like seed data


def test_the_list_page_query_count_does_not_grow(
    owner_client, owner, django_assert_max_num_queries
):
    notification_groups(owner, photos=3, days=1, per_group=2)
    with django_assert_max_num_queries(LIST_QUERIES):
        small = entries(owner_client.get(reverse("notifications")))
    assert len(small) == 3

    Notification.objects.all().delete()
    notification_groups(owner, photos=10, days=3, per_group=12)
    with django_assert_max_num_queries(LIST_QUERIES):
        first_page = owner_client.get(reverse("notifications"))
    large = entries(first_page)
    assert len(large) == selectors.GROUPS_PER_PAGE
    assert all(entry["text"].endswith("and 10 others liked your photo") for entry in large)
    older = re.search(r'class="load-more" href="([^"]+)"', first_page.content.decode()).group(1)

    with django_assert_max_num_queries(LIST_QUERIES):
        response = owner_client.get(
            reverse("notifications") + html.unescape(older), HTTP_HX_REQUEST="true"
        )
    assert len(entries(response)) == 30 - selectors.GROUPS_PER_PAGE


def test_the_badge_uses_a_few_fixed_queries(
    act, owner_client, owner, photo, django_assert_max_num_queries
):
    for person in likers(12):
        act.like(person, photo)
    with django_assert_max_num_queries(4):
        assert badge_number(owner_client) == 12


# --- Every policy preset ------------------------------------------------------------------


@pytest.mark.parametrize("preset", PRESET_NAMES)
def test_every_policy_notifies_a_like_never_an_unlike_and_withdraws_on_unlike(
    act, settings, client, owner, fan, photo, preset
):
    settings.ENGAGEMENT_POLICY = preset
    client.force_login(owner)

    act.like(fan, photo)
    assert visible(owner).get().verb == Notification.Verb.LIKE
    assert badge_number(client) == 1

    act.unlike(fan, photo)
    if settings.ENGAGEMENT_POLICY == "likewise":  # the shield: gone when the window ends
        assert badge_number(client) == 1
        later = timezone.now() + timedelta(minutes=settings.UNLIKE_SHIELD_WINDOW_MINUTES)
        with mock.patch("django.utils.timezone.now", return_value=later):
            assert not visible(owner).exists()
            assert badge_number(client) == 0
    else:
        assert not visible(owner).exists()
        assert badge_number(client) == 0
        assert texts(client) == []
    assert not Notification.objects.filter(verb=Notification.Verb.UNLIKE).exists()


# --- Admin --------------------------------------------------------------------------------


def test_admin_lists_filters_and_searches_notifications(
    act, client, admin_user, owner, fan, stranger, photo
):
    act.like(fan, photo)
    act.follow(stranger, fan)
    client.force_login(admin_user)
    url = reverse("admin:notifications_notification_changelist")

    response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 2
    assert "verb" in [str(spec.title) for spec in response.context["cl"].filter_specs]

    by_verb = client.get(url, {"verb__exact": "follow"})
    assert [n.recipient for n in by_verb.context["cl"].result_list] == [fan]

    by_recipient = client.get(url, {"q": "olivia"})
    assert [n.verb for n in by_recipient.context["cl"].result_list] == ["like"]


def test_admin_change_page_is_read_only(act, client, admin_user, owner, fan, photo):
    act.like(fan, photo)
    notification = Notification.objects.get()
    client.force_login(admin_user)
    url = reverse("admin:notifications_notification_change", args=[notification.pk])

    response = client.get(url)

    assert response.status_code == 200
    page = page_text(response)
    assert 'name="_save"' not in page
    assert reverse("admin:notifications_notification_add") not in page
    client.post(url, {"verb": "follow", "recipient": fan.pk, "actor": owner.pk})
    notification.refresh_from_db()
    assert (notification.verb, notification.recipient) == ("like", owner)
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403


def test_people_who_are_not_staff_cannot_open_notification_admin(client, fan, moderator):
    url = reverse("admin:notifications_notification_changelist")
    for person in (fan, moderator):
        client.force_login(person)
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# --- Access -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("notifications", "get"),
        ("notification_badge", "get"),
        ("notifications_read", "post"),
        ("notification_preferences", "get"),
        ("notification_preferences", "post"),
        ("photo_mute", "get"),
        ("photo_mute", "post"),
    ],
)
def test_notification_views_need_login(client, photo, name, method):
    args = [photo.pk] if name == "photo_mute" else []
    response = getattr(client, method)(reverse(name, args=args))
    assert_redirects_to_login(response)


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("notifications", "Notifications"),
        ("notification_preferences", "Notification settings"),
        ("photo_mute", "Notifications for this photo"),
    ],
)
def test_notification_views_open_to_the_signed_in_owner(owner_client, photo, name, title):
    args = [photo.pk] if name == "photo_mute" else []
    response = owner_client.get(reverse(name, args=args))

    assert response.status_code == 200
    assert heading(response) == title


def test_the_badge_opens_to_the_signed_in_owner(owner_client):
    response = owner_client.get(reverse("notification_badge"))

    assert response.status_code == 200
    assert page_text(response).startswith('<span id="notification-badge"')


# --- The unlike shield (likewise preset) --------------------------------------------------


@pytest.fixture
def shielded(settings):
    settings.ENGAGEMENT_POLICY = "likewise"
    settings.UNLIKE_SHIELD_WINDOW_MINUTES = 60


def at(hour: int, minute: int):
    return timezone.now().replace(hour=hour, minute=minute, second=0, microsecond=0)


def test_with_the_shield_a_withdrawn_like_notification_leaves_at_the_window_end(
    act, shielded, client, owner, fan, photo
):
    client.force_login(owner)
    with mock.patch("django.utils.timezone.now", return_value=at(10, 5)):
        act.like(fan, photo)
    with mock.patch("django.utils.timezone.now", return_value=at(10, 20)):
        act.unlike(fan, photo)
        assert badge_number(client) == 1, "the badge cannot date the unlike"
    with mock.patch("django.utils.timezone.now", return_value=at(10, 59)):
        assert badge_number(client) == 1
        assert visible(owner).count() == 1
    with mock.patch("django.utils.timezone.now", return_value=at(11, 0)):
        assert badge_number(client) == 0
        assert not visible(owner).exists()


def test_with_the_shield_a_quick_re_like_changes_nothing_the_owner_sees(
    act, shielded, client, owner, fan, photo
):
    client.force_login(owner)
    with mock.patch("django.utils.timezone.now", return_value=at(10, 5)):
        act.like(fan, photo)
    with mock.patch("django.utils.timezone.now", return_value=at(10, 20)):
        act.unlike(fan, photo)
    with mock.patch("django.utils.timezone.now", return_value=at(10, 40)):
        act.like(fan, photo)
    for moment in (at(10, 41), at(11, 0), at(13, 0)):
        with mock.patch("django.utils.timezone.now", return_value=moment):
            assert badge_number(client) == 1
            assert visible(owner).get().created == at(10, 5)


def test_a_like_withdrawn_while_its_notification_is_written_leaves_no_orphan(
    monkeypatch, owner, fan, photo
):
    """The unlike commits between the like receiver's write and its re-check (the race
    the PostgreSQL tests run for real): the receiver takes its own row back."""
    like_set(user=fan, photo=photo, liked=True)
    write = services.notification_add

    def write_then_lose_the_like(**kwargs):
        notification = write(**kwargs)
        Like.objects.filter(user=fan, photo=photo).delete()  # the unlike lands now
        return notification

    monkeypatch.setattr(services, "notification_add", write_then_lose_the_like)

    services.like_notify(liker=fan, photo=photo, at=timezone.now())

    assert Notification.objects.count() == 1
    assert not visible(owner).exists()


def test_the_lines_count_what_they_show_and_check_integrity_recounts_them(act, owner, photo):
    for person in likers(3):
        act.like(person, photo)
    line = NotificationGroup.objects.get(recipient=owner)
    assert line.total == 3
    NotificationGroup.objects.filter(pk=line.pk).update(total=9)

    out = StringIO()
    call_command("check_integrity", "--repair", stdout=out)

    assert f"[notification_lines] repaired: line {line.pk} counts 9, shows 3" in out.getvalue()
    line.refresh_from_db()
    assert line.total == 3


def test_a_withdrawal_leaves_the_line_when_the_shield_window_ends(
    act, owner_client, owner, photo, settings, monkeypatch
):
    settings.ENGAGEMENT_POLICY = "likewise"
    for person in likers(3):
        act.like(person, photo)
    act.unlike(User.objects.get(username="liker00"), photo)
    assert [e["text"] for e in entries(owner_client.get(reverse("notifications")))] == [
        "Liker 02, Liker 01 and 1 other liked your photo"
    ]

    later = timezone.now() + timedelta(hours=2)
    monkeypatch.setattr(timezone, "now", lambda: later)

    assert [e["text"] for e in entries(owner_client.get(reverse("notifications")))] == [
        "Liker 02 and Liker 01 liked your photo"
    ]
    assert NotificationGroup.objects.get(recipient=owner).total == 2
