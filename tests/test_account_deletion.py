"""Delete my account: confirmed with the password (and the two-factor code when it is on),
every session ends at once, logging in within the grace period keeps the account, and
after it ``purge_deleted_accounts`` removes the person from every table and their files
from disk, with like counts exact and nobody notified.
"""

from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.apps import apps
from django.conf import settings as django_settings
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import DataExport, Follow, User
from accounts.services import data_export_request, follow_set
from engagement.insights.models import PhotoDay, PhotoView
from engagement.insights.services import photo_views_record
from engagement.models import EngagementEvent, Like
from engagement.moderation.models import Flag, ModerationAction, Report, ReportEntry
from engagement.moderation.services import member_warn, report_submit
from engagement.services import like_set
from notifications.models import Notification
from photos.models import Photo
from tests.factories import PASSWORD, PhotoFactory, UserFactory
from tests.pages import assert_redirects_to_login, page_text
from tests.test_admin_login import current_code
from tests.test_unlike_shield import Clock

ASKED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def instagram(settings):
    settings.ENGAGEMENT_POLICY = "instagram"  # counts move at once (no shield)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    frozen = Clock(ASKED)
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


def ask_to_delete(client: Client, **extra):
    return client.post(reverse("account_delete"), {"password": PASSWORD, **extra})


def purge(capture) -> str:
    out = StringIO()
    with capture(execute=True):
        call_command("purge_deleted_accounts", stdout=out)
    return out.getvalue()


def still_there(user: User) -> bool:
    return User.objects.filter(pk=user.pk).exists()


# --- Asking ---------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    assert_redirects_to_login(client.get(reverse("account_delete")))


def test_the_page_asks_for_the_password(owner_client):
    page = page_text(owner_client.get(reverse("account_delete")))
    assert 'name="password"' in page
    assert 'name="code"' not in page, "no two-factor code without two-factor"
    assert "14 days" in page


def test_a_wrong_password_changes_nothing(owner_client, owner):
    response = owner_client.post(reverse("account_delete"), {"password": "not-it"})
    assert response.status_code == 200
    assert "incorrect" in page_text(response).lower()
    owner.refresh_from_db()
    assert owner.deletion_requested_at is None
    assert owner_client.get(reverse("profile_edit")).status_code == 200, "still logged in"


def test_with_two_factor_on_the_code_is_needed_too(owner_client, owner):
    secret = generate_totp_secret()
    TOTP.activate(owner, secret)
    page = page_text(owner_client.get(reverse("account_delete")))
    assert 'name="code"' in page

    response = ask_to_delete(owner_client, code="000000")
    assert response.status_code == 200
    owner.refresh_from_db()
    assert owner.deletion_requested_at is None

    response = ask_to_delete(owner_client, code=current_code(secret))
    assert response.status_code == 302
    owner.refresh_from_db()
    assert owner.deletion_requested_at is not None


def test_asking_logs_out_every_session_and_says_when(clock, owner, settings):
    settings.TIME_ZONE = "UTC"
    here, elsewhere = Client(), Client()
    here.force_login(owner)
    elsewhere.force_login(owner)

    response = ask_to_delete(here)
    assert response.status_code == 302
    page = page_text(here.get(response["Location"]))
    assert "You're logged out everywhere." in page
    assert "March 15, 2026" in page
    for client in (here, elsewhere):
        assert_redirects_to_login(client.get(reverse("profile_edit")))
    owner.refresh_from_db()
    assert owner.deletion_requested_at == ASKED
    assert still_there(owner), "nothing is removed during the grace period"


def test_logging_in_within_the_grace_period_keeps_the_account(clock, client, owner):
    client.force_login(owner)
    ask_to_delete(client)
    clock.advance(days=13)

    response = client.post(
        reverse("account_login"), {"login": "olivia", "password": PASSWORD}, follow=True
    )
    assert "Your account is no longer going to be deleted." in page_text(response)
    owner.refresh_from_db()
    assert owner.deletion_requested_at is None

    clock.advance(days=30)
    call_command("purge_deleted_accounts", stdout=StringIO())
    assert still_there(owner)


def test_nothing_is_purged_before_the_grace_period_ends(
    clock, owner_client, owner, django_capture_on_commit_callbacks
):
    ask_to_delete(owner_client)
    clock.advance(days=14, seconds=-1)
    assert "0 account(s) purged" in purge(django_capture_on_commit_callbacks)
    assert still_there(owner)


# --- Purging --------------------------------------------------------------------------------


@pytest.fixture
def leaving(db):
    """Lea, who is leaving, with a trace in every table."""
    return UserFactory(username="lea", display_name="Lea Leaving")


@pytest.fixture
def world(leaving, owner, fan, stranger, django_capture_on_commit_callbacks):
    """Lea has a photo that fan likes, likes owner's photo (and unliked another of theirs),
    follows and is followed, is reported and reported someone, and has an archive."""
    with django_capture_on_commit_callbacks(execute=True):
        hers = PhotoFactory(owner=leaving)
        theirs = PhotoFactory(owner=owner)
        other = PhotoFactory(owner=owner)
    with django_capture_on_commit_callbacks(execute=True):
        like_set(user=fan, photo=hers, liked=True)
        like_set(user=leaving, photo=theirs, liked=True)
        like_set(user=fan, photo=theirs, liked=True)
        like_set(user=leaving, photo=other, liked=True)
        like_set(user=leaving, photo=other, liked=False)
        follow_set(follower=leaving, followed=owner, following=True)
        follow_set(follower=fan, followed=leaving, following=True)
        report_submit(reporter=stranger, subject=leaving, reason="spam")
        report_submit(reporter=leaving, subject=fan, reason="spam")
        data_export_request(user=leaving)
    photo_views_record(views=[(theirs.pk, f"u{leaving.pk}", timezone.now().date(), "page")])
    return {"hers": hers, "theirs": theirs, "other": other}


def references_to(user_pk: int) -> dict[str, int]:
    """Rows in any table that point at this user, by model and field."""
    found = {}
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.ForeignKey)
                and field.related_model is User
                and field.concrete
            ):
                count = model._default_manager.filter(**{field.name: user_pk}).count()
                if count:
                    found[f"{model._meta.label}.{field.name}"] = count
    return found


def schedule(user: User) -> None:
    User.objects.filter(pk=user.pk).update(
        deletion_requested_at=timezone.now() - timedelta(days=15)
    )


def test_the_purge_removes_the_person_from_every_table(
    world, leaving, django_capture_on_commit_callbacks
):
    assert references_to(leaving.pk), "the scene has traces to remove"
    schedule(leaving)
    output = purge(django_capture_on_commit_callbacks)
    assert f"deleted account {leaving.pk}" in output
    assert not still_there(leaving)
    assert references_to(leaving.pk) == {}
    assert not EmailAddress.objects.filter(email="lea@example.com").exists()


def test_the_purge_removes_photos_files_avatar_and_archive_from_disk(
    world, leaving, django_capture_on_commit_callbacks
):
    photo_files = world["hers"].stored_files
    export_file = DataExport.objects.get(owner=leaving).file.name
    User.objects.filter(pk=leaving.pk).update(avatar="avatars/lea.webp")
    default_storage.save("avatars/lea.webp", StringIO("x"))
    for name in [*photo_files, export_file, "avatars/lea.webp"]:
        assert default_storage.exists(name)

    schedule(leaving)
    purge(django_capture_on_commit_callbacks)

    for name in [*photo_files, export_file, "avatars/lea.webp"]:
        assert not default_storage.exists(name), name
    assert not Photo.objects.filter(pk=world["hers"].pk).exists()


def test_like_counts_stay_exact_and_nobody_is_notified(
    world, leaving, owner, django_capture_on_commit_callbacks
):
    theirs = world["theirs"]
    assert Photo.objects.get(pk=theirs.pk).like_count == 2
    before = set(Notification.objects.filter(recipient=owner).values_list("pk", "actor_id"))
    schedule(leaving)
    purge(django_capture_on_commit_callbacks)

    assert Photo.objects.get(pk=theirs.pk).like_count == 1
    assert Photo.objects.get(pk=world["other"].pk).like_count == 0
    assert list(Like.objects.filter(photo=theirs).values_list("user__username", flat=True)) == [
        "fabio"
    ]
    after = set(Notification.objects.filter(recipient=owner).values_list("pk", "actor_id"))
    assert after == {row for row in before if row[1] != leaving.pk}, "no new notification"
    assert not EngagementEvent.objects.filter(actor_id=leaving.pk).exists()


def test_check_integrity_passes_after_a_purge(world, leaving, django_capture_on_commit_callbacks):
    schedule(leaving)
    purge(django_capture_on_commit_callbacks)
    assert not PhotoView.objects.exists(), "her views of other people's photos went"
    day = PhotoDay.objects.get(photo=world["theirs"])
    assert (day.likes_gained, day.views, day.unique_viewers) == (1, 0, 0)
    out = StringIO()
    call_command("check_integrity", stdout=out)
    assert "All good" in out.getvalue()


def test_follows_and_reports_both_ways_are_gone(
    world, leaving, fan, stranger, django_capture_on_commit_callbacks
):
    schedule(leaving)
    purge(django_capture_on_commit_callbacks)
    assert not Follow.objects.filter(follower__username="lea").exists()
    assert list(Follow.objects.values_list("follower__username", "followed__username")) == []
    assert not Report.objects.filter(subject=fan).exists(), "her report of fan went"
    assert not ReportEntry.objects.filter(reporter=stranger).exists(), "reports of her went"
    assert not Flag.objects.exists()


def test_the_moderation_log_keeps_its_record_without_the_account(
    world, leaving, moderator, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        member_warn(moderator=moderator, person=leaving, reason="Spamming likes")
    schedule(leaving)
    purge(django_capture_on_commit_callbacks)

    action = ModerationAction.objects.get()
    assert action.subject_id is None
    assert (action.kind, action.reason) == ("warn", "Spamming likes")
    assert "lea" not in action.target
    assert action.target.startswith("deleted-member-")
    assert not Client().login(username="lea", password=PASSWORD)


def test_a_deleted_moderator_is_a_pseudonym_in_the_log_too(
    world, fan, django_capture_on_commit_callbacks
):
    """The same pseudonym in every record, and someone taking the name later is not it."""
    mod = UserFactory(username="modd", moderator=True)
    with django_capture_on_commit_callbacks(execute=True):
        member_warn(moderator=mod, person=fan, reason="First")
        member_warn(moderator=mod, person=fan, reason="Second")
    schedule(mod)
    purge(django_capture_on_commit_callbacks)
    UserFactory(username="modd")

    names = set(ModerationAction.objects.values_list("moderator_name", flat=True))
    assert len(names) == 1
    assert names.pop().startswith("deleted-member-")
    assert list(ModerationAction.objects.values_list("target", flat=True)) == ["@fabio"] * 2


def test_the_purge_runs_once_per_account(world, leaving, django_capture_on_commit_callbacks):
    schedule(leaving)
    purge(django_capture_on_commit_callbacks)
    assert "0 account(s) purged" in purge(django_capture_on_commit_callbacks)


def test_the_grace_period_is_a_setting():
    assert django_settings.ACCOUNT_DELETION_GRACE_DAYS == 14


def broken_eraser(*, user):
    if user.username == "lea":
        raise OSError("storage is down")


def test_an_account_that_fails_to_purge_is_left_whole_and_the_others_go_on(
    world, leaving, stranger, settings, django_capture_on_commit_callbacks
):
    settings.ACCOUNT_ERASERS = [*settings.ACCOUNT_ERASERS, f"{__name__}.broken_eraser"]
    schedule(leaving)
    schedule(stranger)
    with pytest.raises(CommandError, match="1 account"):
        purge(django_capture_on_commit_callbacks)
    assert still_there(leaving)
    assert Photo.objects.filter(pk=world["hers"].pk).exists(), "her purge was rolled back"
    assert Like.objects.filter(user=leaving).exists()
    assert not still_there(stranger)


def test_staff_can_list_the_accounts_waiting_to_be_deleted(client, admin_user, owner, fan):
    schedule(owner)
    client.force_login(admin_user)
    response = client.get("/admin/accounts/user/?deletion_requested_at__isnull=False")
    assert response.status_code == 200
    page = page_text(response)
    assert "olivia" in page
    assert "fabio" not in page
