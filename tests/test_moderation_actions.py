"""Moderators' actions, end to end through the queue: their effects on every page, the
exact like counts, and the append-only audit record each one writes."""

import contextlib
from io import StringIO
from types import SimpleNamespace

import pytest
from django.contrib.admin.sites import site
from django.core.management import CommandError, call_command
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from engagement import ratelimit
from engagement.insights.models import PhotoDay
from engagement.models import EngagementEvent, Like
from engagement.moderation.models import Flag, ModerationAction, Severity, Status
from engagement.services import like_set, likes_void
from engagement.shield import displayed_like_count
from engagement.signals import photo_unliked
from notifications.models import Notification
from photos.models import Photo
from tests.factories import PASSWORD, FollowFactory, PhotoFactory
from tests.like_pages import like_control, shown_count
from tests.moderation_history import at, frozen, like_at
from tests.pages import page_text
from tests.signals import signals_heard
from tests.test_like_rate_limit import START, FakeTime

# Real commits: signals, notifications and detection run as they do in production.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def other_photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def flag(fan, photo):
    return Flag.objects.create(
        kind=Flag.Kind.CHURN, subject=fan, photo=photo, severity=Severity.MEDIUM
    )


@pytest.fixture
def mod_client(client, moderator):
    client.force_login(moderator)
    return client


def act(client, flag, action: str, **extra):
    data = {"action": action, "reason": f"Because of {action}", **extra}
    return client.post(reverse("moderation_flag_act", args=[flag.pk]), data)


def like_count(photo) -> int:
    return Photo.objects.values_list("like_count", flat=True).get(pk=photo.pk)


def integrity() -> str:
    """What check_integrity reports (it exits with an error when something is wrong)."""
    out = StringIO()
    with contextlib.suppress(CommandError):
        call_command("check_integrity", stdout=out)
    return out.getvalue()


def last_action() -> ModerationAction:
    return ModerationAction.objects.exclude(kind=ModerationAction.Kind.VIEWED_EVIDENCE).first()


# --- Void ---------------------------------------------------------------------------------


def test_voiding_likes_on_a_photo_drops_the_count_at_once_and_tells_no_one(
    mod_client, owner, fan, stranger, photo, other_photo
):
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=fan, photo=other_photo, liked=True)
    like_set(user=stranger, photo=photo, liked=True)
    assert Notification.objects.filter(recipient=owner, withdrawn_at__isnull=True).count() == 3
    notified = set(Notification.objects.values_list("pk", flat=True))
    flag = Flag.objects.create(
        kind=Flag.Kind.CHURN, subject=fan, photo=photo, severity=Severity.MEDIUM
    )

    response = act(mod_client, flag, "void_photo")

    assert response.status_code == 302
    assert like_count(photo) == Like.objects.filter(photo=photo).count() == 1
    assert like_count(other_photo) == 1  # only this photo
    assert not Notification.objects.exclude(pk__in=notified).exists()  # nothing new
    fan_note = Notification.objects.get(actor=fan, photo=photo)
    assert fan_note.withdrawn_at is not None and fan_note.withdrawn_at <= timezone.now()
    assert EngagementEvent.objects.filter(actor=fan, kind="void").count() == 1
    owner_view = mod_client
    owner_view.force_login(owner)
    assert (
        shown_count(like_control(page_text(owner_view.get(photo.get_absolute_url())), photo)) == 1
    )
    record = last_action()
    assert (record.kind, record.subject, record.photo) == ("void", fan, photo)
    assert record.detail == "1 likes removed"
    assert "like_counts" not in integrity()


def test_voiding_everywhere_removes_every_like_of_the_person(
    mod_client, fan, photo, other_photo, flag
):
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=fan, photo=other_photo, liked=True)

    act(mod_client, flag, "void_all")

    assert not Like.objects.filter(user=fan).exists()
    assert like_count(photo) == like_count(other_photo) == 0
    assert Flag.objects.get().status == Status.ACTIONED


def test_a_void_is_counted_as_voided_in_the_owners_insights(mod_client, fan, photo, flag):
    like_set(user=fan, photo=photo, liked=True)

    act(mod_client, flag, "void_photo")

    day = PhotoDay.objects.get(photo=photo)
    assert (day.likes_gained, day.likes_withdrawn, day.likes_voided) == (1, 0, 1)
    assert "insight_rollups" not in integrity()


def test_a_voided_unlike_signal_says_so(mod_client, fan, photo, flag):
    like_set(user=fan, photo=photo, liked=True)
    with signals_heard(unliked=photo_unliked) as heard:
        act(mod_client, flag, "void_photo")

    assert [kwargs.get("voided", False) for _event, _sender, kwargs in heard] == [True]


def test_a_like_after_a_void_does_not_cancel_someone_elses_pending_withdrawal(fan, stranger, photo):
    """With the shield on, a withdrawal stays displayed until the window ends: voiding
    the fan's like must not let their next like take a stranger's withdrawal back."""
    like_at(at(0), user=stranger, photo=photo)
    like_at(at(1), user=fan, photo=photo)
    like_at(at(2), user=fan, photo=photo, liked=False)
    like_at(at(3), user=fan, photo=photo)
    like_at(at(4), user=stranger, photo=photo, liked=False)  # pending until 11:00
    with frozen(at(5)):
        likes_void(user=fan, photo=photo)
    like_at(at(6), user=fan, photo=photo)

    photo.refresh_from_db()
    assert photo.like_count == 1
    assert displayed_like_count(photo, at(7)) == 2  # the fan, and the stranger until 11:00
    assert displayed_like_count(photo, at(61)) == 1


def test_voiding_nothing_still_leaves_an_audit_record(mod_client, flag, photo):
    act(mod_client, flag, "void_photo")

    assert last_action().detail == "0 likes removed"
    assert like_count(photo) == 0


# --- Warn and restrict --------------------------------------------------------------------


def test_a_warned_person_finds_a_notification(mod_client, client, fan, flag):
    act(mod_client, flag, "warn")

    mod_client.force_login(fan)
    page = page_text(mod_client.get(reverse("notifications")))

    assert "Moderators warned you" in page
    assert "mona" not in page.lower()  # the moderator is not named
    assert last_action().kind == "warn"


def test_restricting_lowers_the_persons_like_rate_limit(
    settings, monkeypatch, mod_client, fan, photo, flag
):
    settings.MODERATION_RESTRICTED_LIKES_PER_MINUTE = 2
    clock = FakeTime(START)  # all three requests in one rate-limit minute
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=clock.time))
    act(mod_client, flag, "restrict", days=3)
    mod_client.force_login(fan)

    statuses = [
        mod_client.post(reverse("like", args=[photo.pk]), {"liked": liked}).status_code
        for liked in ("1", "0", "1")
    ]

    assert statuses == [302, 302, 429]
    fan.refresh_from_db()
    assert fan.likes_restricted_until > timezone.now()
    assert last_action().kind == "restrict"


def test_a_restriction_needs_a_length(mod_client, fan, flag):
    response = act(mod_client, flag, "restrict", days="")

    assert response.status_code == 400
    assert "Say for how many days." in page_text(response)


# --- Suspend ------------------------------------------------------------------------------


def test_a_suspended_person_cannot_log_in_act_or_be_seen(
    mod_client, client, fan, owner, photo, flag
):
    like_set(user=fan, photo=photo, liked=True)
    fans_photo = PhotoFactory(owner=fan)

    act(mod_client, flag, "suspend")

    fan.refresh_from_db()
    assert not fan.is_active
    assert like_count(photo) == 0  # their like stopped counting
    assert Like.objects.filter(user=fan).exists()  # but it is kept for a restore
    assert "like_counts" not in integrity()
    visitor = Client()
    assert visitor.get(fan.get_absolute_url()).status_code == 404
    assert visitor.get(fans_photo.get_absolute_url()).status_code == 404
    assert not visitor.login(username="fabio", password=PASSWORD)
    page = page_text(
        visitor.post(reverse("account_login"), {"login": "fabio", "password": PASSWORD})
    )
    assert "Log out" not in page
    # A session from before the suspension no longer acts.
    visitor.force_login(fan)
    response = visitor.post(reverse("like", args=[photo.pk]), {"liked": "1"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_restoring_a_suspended_account_counts_its_likes_again(mod_client, fan, photo, flag):
    like_set(user=fan, photo=photo, liked=True)
    act(mod_client, flag, "suspend")

    act(mod_client, flag, "restore")

    fan.refresh_from_db()
    assert fan.is_active
    assert like_count(photo) == 1
    assert "like_counts" not in integrity()
    assert [a.kind for a in ModerationAction.objects.exclude(kind="viewed")] == [
        "restore",
        "suspend",
    ]


def test_suspending_twice_does_not_count_twice(mod_client, fan, photo, flag):
    like_set(user=fan, photo=photo, liked=True)
    act(mod_client, flag, "suspend")
    act(mod_client, flag, "suspend")
    act(mod_client, flag, "restore")
    act(mod_client, flag, "restore")

    assert like_count(photo) == 1


# --- Hide ---------------------------------------------------------------------------------


def test_a_hidden_photo_is_gone_for_everyone_but_its_owner_and_moderators(
    mod_client, client, owner, fan, stranger, photo, flag
):
    FollowFactory(follower=fan, followed=owner)
    act(mod_client, flag, "hide")

    assert mod_client.get(photo.get_absolute_url()).status_code == 200  # moderator
    anonymous = Client()
    assert anonymous.get(photo.get_absolute_url()).status_code == 404
    assert anonymous.get(reverse("likers", args=[photo.pk])).status_code == 404
    assert photo.thumbnail.url not in page_text(anonymous.get(owner.get_absolute_url()))
    follower = Client()
    follower.force_login(fan)
    assert follower.get(photo.get_absolute_url()).status_code == 404
    assert photo.thumbnail.url not in page_text(follower.get("/"))
    assert follower.post(reverse("like", args=[photo.pk]), {"liked": "1"}).status_code == 404
    own = Client()
    own.force_login(owner)
    own_page = page_text(own.get(photo.get_absolute_url()))
    assert "hidden by moderators" in own_page
    assert photo.thumbnail.url in page_text(own.get(owner.get_absolute_url()))
    assert last_action().kind == "hide"


def test_showing_a_hidden_photo_again_brings_it_back(mod_client, owner, photo, flag):
    act(mod_client, flag, "hide")
    act(mod_client, flag, "unhide")

    assert Client().get(photo.get_absolute_url()).status_code == 200
    assert last_action().kind == "unhide"


# --- The audit log ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "action", ["dismiss", "void_photo", "void_all", "warn", "suspend", "restore", "hide"]
)
def test_every_action_writes_one_audit_record(mod_client, moderator, flag, action):
    act(mod_client, flag, action, days=2)

    record = last_action()
    assert record.moderator == moderator
    assert record.flag == flag
    assert record.reason == f"Because of {action}"
    assert record.created is not None
    assert ModerationAction.objects.exclude(kind="viewed").count() == 1


def test_audit_records_cannot_be_changed_or_deleted(mod_client, flag):
    act(mod_client, flag, "dismiss")
    record = last_action()

    record.reason = "rewritten"
    with pytest.raises(PermissionError):
        record.save()
    with pytest.raises(PermissionError):
        record.delete()
    with pytest.raises(PermissionError):
        ModerationAction.objects.all().delete()
    with pytest.raises(PermissionError):
        ModerationAction.objects.update(reason="rewritten")
    assert ModerationAction.objects.get(pk=record.pk).reason == "Because of dismiss"


def test_admin_grants_no_change_or_delete_on_the_audit_log_even_to_superusers(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    audit_admin = site._registry[ModerationAction]

    assert audit_admin.has_view_permission(request)
    assert not audit_admin.has_add_permission(request)
    assert not audit_admin.has_change_permission(request)
    assert not audit_admin.has_delete_permission(request)
