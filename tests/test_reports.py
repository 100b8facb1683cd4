"""Members report photos and accounts; repeats merge; nobody reports themselves."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from engagement.moderation.models import Report, ReportEntry, Severity
from engagement.moderation.services import report_submit
from tests.factories import PhotoFactory, UserFactory
from tests.pages import page_text

RECEIVED = "Thanks: your report was received. Moderators will look at it."


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


def report_photo_url(photo) -> str:
    return reverse("report_photo", args=[photo.pk])


def report_account_url(person) -> str:
    return reverse("report_account", args=[person.username])


def test_photo_and_profile_pages_offer_report_to_other_members(fan_client, owner, photo):
    assert report_photo_url(photo) in page_text(fan_client.get(photo.get_absolute_url()))
    assert report_account_url(owner) in page_text(fan_client.get(owner.get_absolute_url()))


def test_no_report_link_on_your_own_photo_or_profile(owner_client, owner, photo):
    assert report_photo_url(photo) not in page_text(owner_client.get(photo.get_absolute_url()))
    assert report_account_url(owner) not in page_text(owner_client.get(owner.get_absolute_url()))


def test_a_member_reports_a_photo_and_is_told_it_was_received(fan_client, fan, owner, photo):
    form = fan_client.get(report_photo_url(photo))
    assert "Spam or fake engagement" in page_text(form)

    response = fan_client.post(
        report_photo_url(photo), {"reason": "spam", "note": "Bought likes"}, follow=True
    )

    assert response.redirect_chain[-1][0] == photo.get_absolute_url()
    assert RECEIVED in page_text(response)
    report = Report.objects.get()
    assert (report.subject, report.photo, report.reason, report.report_count) == (
        owner,
        photo,
        "spam",
        1,
    )
    assert report.entries.get().note == "Bought likes"


def test_a_member_reports_an_account(fan_client, stranger):
    response = fan_client.post(report_account_url(stranger), {"reason": "impersonation"})

    assert response.status_code == 302
    report = Report.objects.get()
    assert (report.subject, report.photo) == (stranger, None)


def test_reports_of_the_same_photo_are_merged_with_a_count(client, owner, photo):
    for number in range(3):
        client.force_login(UserFactory(username=f"reporter{number}"))
        client.post(report_photo_url(photo), {"reason": "harassment"})

    report = Report.objects.get()
    assert report.report_count == 3
    assert report.entries.count() == 3
    assert report.severity == Severity.HIGH


def test_a_person_reporting_again_updates_their_report_without_counting_twice(fan_client, photo):
    fan_client.post(report_photo_url(photo), {"reason": "spam"})
    fan_client.post(report_photo_url(photo), {"reason": "other", "note": "More detail"})

    report = Report.objects.get()
    assert report.report_count == 1
    entry = ReportEntry.objects.get()
    assert (entry.reason, entry.note) == ("other", "More detail")


def test_a_photo_report_and_an_account_report_are_separate(fan_client, owner, photo):
    fan_client.post(report_photo_url(photo), {"reason": "spam"})
    fan_client.post(report_account_url(owner), {"reason": "spam"})

    assert Report.objects.count() == 2


def test_nobody_can_report_themselves(owner_client, owner, photo):
    for url in (report_photo_url(photo), report_account_url(owner)):
        response = owner_client.post(url, {"reason": "spam"})
        assert response.status_code == 403
        assert "You can't report yourself or your own photos." in page_text(response)
    assert not Report.objects.exists()


def test_the_service_refuses_a_self_report_too(owner):
    with pytest.raises(ValidationError):
        report_submit(reporter=owner, subject=owner, reason="spam")


def test_anonymous_visitors_must_log_in_to_report(client, owner, photo):
    for url in (report_photo_url(photo), report_account_url(owner)):
        response = client.post(url, {"reason": "spam"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert not Report.objects.exists()


def test_a_report_without_a_reason_is_refused_with_a_message(fan_client, photo):
    response = fan_client.post(report_photo_url(photo), {"reason": "nonsense"})

    assert response.status_code == 200
    assert "Select a valid choice" in page_text(response)
    assert not Report.objects.exists()


def test_reporting_a_missing_photo_or_person_is_not_found(fan_client):
    assert fan_client.get(reverse("report_photo", args=[999])).status_code == 404
    assert fan_client.get(reverse("report_account", args=["nobody"])).status_code == 404
