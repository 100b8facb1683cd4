"""Django admin for moderation: scoped to the Moderators group's permissions, read-only
logs, and actions that go through the same services as the review queue."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import User
from engagement.models import Like
from engagement.moderation.models import Flag, ModerationAction, Severity, Status
from engagement.moderation.services import report_submit
from engagement.services import like_set
from photos.models import Photo
from tests.factories import PhotoFactory, UserFactory
from tests.pages import admin_rows, page_text


@pytest.fixture
def staff_moderator(db):
    return UserFactory(username="stella", is_staff=True, moderator=True)


@pytest.fixture
def staff_member(db):
    return UserFactory(username="stef", is_staff=True)


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def flag(fan, photo):
    return Flag.objects.create(
        kind=Flag.Kind.CHURN, subject=fan, photo=photo, severity=Severity.HIGH
    )


CHANGELISTS = [
    "admin:moderation_flag_changelist",
    "admin:moderation_report_changelist",
    "admin:moderation_moderationaction_changelist",
]


@pytest.fixture
def review_items(fan, stranger, owner, photo, staff_moderator):
    """Two of each: flags (one dismissed), reports (two reasons), audit records (two kinds)."""
    Flag.objects.create(kind=Flag.Kind.CHURN, subject=fan, photo=photo, severity=Severity.HIGH)
    Flag.objects.create(
        kind=Flag.Kind.BURST, subject=stranger, severity=Severity.LOW, status=Status.DISMISSED
    )
    report_submit(reporter=stranger, subject=owner, photo=photo, reason="spam")
    report_submit(reporter=fan, subject=stranger, reason="harassment")
    for kind, target in [("dismiss", "flag on fabio"), ("warn", "sam")]:
        ModerationAction.objects.create(
            moderator=staff_moderator,
            moderator_name="stella",
            kind=kind,
            target=target,
            reason="Reviewed",
        )


# change list -> (a filter, the column that tells rows apart, all rows, the filtered rows)
FILTERED = {
    "admin:moderation_flag_changelist": (
        {"status__exact": "open"},
        "subject",
        ["fabio", "sam"],
        ["fabio"],
    ),
    "admin:moderation_report_changelist": (
        {"reason__exact": "spam"},
        "subject",
        ["olivia", "sam"],
        ["olivia"],
    ),
    "admin:moderation_moderationaction_changelist": (
        {"kind__exact": "warn"},
        "target",
        ["flag on fabio", "sam"],
        ["sam"],
    ),
}


@pytest.mark.parametrize("name", CHANGELISTS)
def test_a_staff_moderator_reads_and_filters_flags_reports_and_the_audit_log(
    client, staff_moderator, review_items, name
):
    query, column, everyone, filtered = FILTERED[name]
    client.force_login(staff_moderator)

    listed = admin_rows(page_text(client.get(reverse(name))))
    narrowed = admin_rows(page_text(client.get(reverse(name), query)))

    assert sorted(row[column] for row in listed) == everyone
    assert [row[column] for row in narrowed] == filtered


@pytest.mark.parametrize("name", CHANGELISTS)
def test_staff_without_the_group_cannot(client, staff_member, name):
    client.force_login(staff_member)
    assert client.get(reverse(name)).status_code == 403


def test_a_moderator_who_is_not_staff_is_sent_to_the_admin_login(client, moderator):
    client.force_login(moderator)
    response = client.get(reverse(CHANGELISTS[0]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login") + "?next=")


def test_flags_in_admin_point_to_the_audited_page_instead_of_showing_evidence(
    client, staff_moderator, flag
):
    client.force_login(staff_moderator)

    page = page_text(client.get(reverse("admin:moderation_flag_change", args=[flag.pk])))

    assert reverse("moderation_flag", args=[flag.pk]) in page
    assert "Delete" not in page and "Save" not in page


def test_a_staff_moderator_suspends_from_admin_through_the_same_service(
    client, staff_moderator, fan, photo
):
    like_set(user=fan, photo=photo, liked=True)
    client.force_login(staff_moderator)

    chosen = {"action": "suspend", "_selected_action": [fan.pk]}
    asked = client.post(reverse("admin:accounts_user_changelist"), chosen)
    assert "Reason (kept in the audit log)" in page_text(asked)
    assert User.objects.get(pk=fan.pk).is_active  # nothing happens before a reason is given

    client.post(
        reverse("admin:accounts_user_changelist"),
        {**chosen, "apply": "1", "reason": "Bought likes"},
    )

    fan.refresh_from_db()
    assert not fan.is_active
    assert Photo.objects.get(pk=photo.pk).like_count == 0
    record = ModerationAction.objects.get()
    assert (record.kind, record.subject, record.moderator) == ("suspend", fan, staff_moderator)
    assert record.reason == "Bought likes"


def test_admin_voids_likes_through_the_same_service(client, admin_user, fan, photo):
    like_set(user=fan, photo=photo, liked=True)
    client.force_login(admin_user)

    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "void_likes", "_selected_action": [fan.pk], "apply": "1", "reason": "Bots"},
    )

    assert not Like.objects.exists()
    assert Photo.objects.get(pk=photo.pk).like_count == 0
    assert ModerationAction.objects.get().kind == "void"


def test_an_admin_action_without_a_reason_asks_again(client, admin_user, fan, photo):
    like_set(user=fan, photo=photo, liked=True)
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "void_likes", "_selected_action": [fan.pk], "apply": "1", "reason": ""},
    )

    assert "This field is required" in page_text(response)
    assert Like.objects.exists()
    assert not ModerationAction.objects.exists()


def test_admin_recounts_likes_and_audits_it(client, admin_user, fan, photo):
    like_set(user=fan, photo=photo, liked=True)
    Photo.objects.filter(pk=photo.pk).update(like_count=7)
    client.force_login(admin_user)

    client.post(
        reverse("admin:photos_photo_changelist"),
        {"action": "recount_likes", "_selected_action": [photo.pk], "apply": "1", "reason": "x"},
    )

    assert Photo.objects.get(pk=photo.pk).like_count == 1
    assert ModerationAction.objects.get().kind == "recount"


def test_staff_without_the_group_are_not_offered_moderation_actions(client, staff_member):
    staff_member.user_permissions.add(*Permission.objects.filter(codename="view_user"))
    client.force_login(staff_member)

    page = page_text(client.get(reverse("admin:accounts_user_changelist")))

    assert "Suspend the selected people" not in page


def test_the_engagement_event_log_is_for_moderators_and_every_look_is_audited(
    client, staff_moderator, staff_member, fan, photo
):
    like_set(user=fan, photo=photo, liked=True)
    like_set(user=fan, photo=photo, liked=False)
    url = reverse("admin:engagement_engagementevent_changelist")

    client.force_login(staff_member)
    refused = client.get(url)
    client.force_login(staff_moderator)
    shown = client.get(url, {"kind": "unlike"})

    assert refused.status_code == 403
    assert shown.status_code == 200
    assert [(row["actor"], row["kind"]) for row in admin_rows(page_text(shown))] == [
        ("fabio", "unlike")
    ]
    (look,) = ModerationAction.objects.filter(kind=ModerationAction.Kind.VIEWED_EVIDENCE)
    assert (look.moderator, look.target, look.detail) == (
        staff_moderator,
        "engagement event log",
        "kind=unlike",
    )
