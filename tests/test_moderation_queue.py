"""The review queue: who may open it, what it lists, and the audit of every evidence view."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from engagement.moderation import detection
from engagement.moderation.models import Flag, ModerationAction, Report, Severity, Status
from engagement.moderation.services import report_submit
from tests.factories import PhotoFactory, UserFactory
from tests.moderation_history import T0, churn
from tests.pages import page_text


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def flag(fan, photo):
    last = churn(user=fan, photo=photo, cycles=3)
    return detection.detect_churn(user=fan, photo=photo, at=last)


@pytest.fixture
def report(stranger, owner, photo):
    return report_submit(reporter=stranger, subject=owner, photo=photo, reason="spam")


@pytest.fixture
def staff_member(db):
    return UserFactory(username="stef", is_staff=True)


ACT = {"action": "dismiss", "reason": "Looks fine"}


def urls(flag, report) -> list[tuple[str, str]]:
    return [
        ("get", reverse("moderation_queue")),
        ("get", reverse("moderation_queue") + "?show=reports"),
        ("get", reverse("moderation_flag", args=[flag.pk])),
        ("get", reverse("moderation_report", args=[report.pk])),
        ("post", reverse("moderation_flag_act", args=[flag.pk])),
        ("post", reverse("moderation_report_act", args=[report.pk])),
    ]


def request(client, method, url):
    return client.post(url, ACT) if method == "post" else client.get(url)


def test_anonymous_visitors_are_sent_to_log_in(client, flag, report):
    for method, url in urls(flag, report):
        response = request(client, method, url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("account_login")), url


@pytest.mark.parametrize("persona", ["fan", "staff_member"])
def test_members_and_staff_without_the_group_are_refused(client, flag, report, persona, request):
    client.force_login(request.getfixturevalue(persona))
    for method, url in urls(flag, report):
        assert request_status(client, method, url) == 403, url
    assert not ModerationAction.objects.exists()
    assert Flag.objects.get().status == Status.OPEN


def request_status(client, method, url) -> int:
    return request(client, method, url).status_code


def test_moderators_may_open_every_page_and_act(client, moderator, flag, report):
    client.force_login(moderator)
    # The pages in urls(), in order, with the heading a moderator reads on each.
    headings = ["Review queue", "Review queue", "Like/unlike churn", "Reported once: Spam or"]
    pages = [request(client, method, url) for method, url in urls(flag, report)[:4]]
    for response, heading in zip(pages, headings, strict=True):
        assert response.status_code == 200
        assert re.search(rf"<h1[^>]*>{re.escape(heading)}", page_text(response)), heading
    assert "@fabio" in page_text(pages[0])
    assert "@olivia" in page_text(pages[1])

    flag_acted, report_acted = (
        request(client, method, url) for method, url in urls(flag, report)[4:]
    )

    assert flag_acted.status_code == report_acted.status_code == 302
    assert flag_acted["Location"] == reverse("moderation_flag", args=[flag.pk])
    assert report_acted["Location"] == reverse("moderation_report", args=[report.pk])
    assert Flag.objects.get().status == Status.DISMISSED
    assert Report.objects.get().status == Status.DISMISSED


def test_an_unknown_item_is_not_found(client, moderator):
    client.force_login(moderator)
    assert client.get(reverse("moderation_flag", args=[999])).status_code == 404
    assert client.post(reverse("moderation_report_act", args=[999]), ACT).status_code == 404


def test_the_header_links_to_the_queue_for_moderators_only(client, moderator, fan, admin_user):
    client.force_login(fan)
    assert reverse("moderation_queue") not in page_text(client.get("/"))
    client.force_login(moderator)
    assert f'href="{reverse("moderation_queue")}"' in page_text(client.get("/"))


def test_queue_lists_open_flags_most_severe_first(client, moderator, owner, fan, photo):
    mild = churn(user=fan, photo=photo, cycles=3)
    detection.detect_churn(user=fan, photo=photo, at=mild)
    other = PhotoFactory(owner=owner)
    severe = UserFactory(username="sev", date_joined=T0 - timedelta(days=400))
    last = churn(user=severe, photo=other, cycles=6, step=0.5)
    detection.detect_churn(user=severe, photo=other, at=last)
    client.force_login(moderator)

    page = page_text(client.get(reverse("moderation_queue")))

    rows = re.findall(r"<td>(high|medium|low)</td>.*?<td>@(\w+)</td>", page, re.DOTALL)
    assert rows == [("high", "sev"), ("medium", "fabio")]


def test_queue_filters_by_kind_and_status(client, moderator, flag):
    client.force_login(moderator)

    churn_page = page_text(client.get(reverse("moderation_queue") + "?kind=churn"))
    burst_page = page_text(client.get(reverse("moderation_queue") + "?kind=burst"))
    closed_page = page_text(client.get(reverse("moderation_queue") + "?status=dismissed"))

    assert "@fabio" in churn_page
    assert "@fabio" not in burst_page
    assert "@fabio" not in closed_page


def test_queue_shows_reports_with_their_count(client, moderator, report, fan, owner, photo):
    report_submit(reporter=fan, subject=owner, photo=photo, reason="harassment")
    client.force_login(moderator)

    page = page_text(client.get(reverse("moderation_queue") + "?show=reports"))

    assert "@olivia" in page
    assert "<td>2</td>" in page


def test_bad_filters_fall_back_to_the_open_queue(client, moderator, flag):
    client.force_login(moderator)

    response = client.get(reverse("moderation_queue") + "?status=nonsense&page=zzz")

    assert response.status_code == 200
    assert "@fabio" in page_text(response)


@pytest.mark.parametrize("count", [2, 30])
def test_queue_query_count_does_not_grow_with_items(
    client, moderator, owner, count, django_assert_max_num_queries
):
    for number in range(count):
        person = UserFactory(username=f"churner{number}", date_joined=T0 - timedelta(days=400))
        Flag.objects.create(kind=Flag.Kind.BURST, subject=person, severity=Severity.MEDIUM)
    client.force_login(moderator)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("moderation_queue"))

    assert response.status_code == 200


def test_every_view_of_flag_evidence_is_audited(client, moderator, flag):
    client.force_login(moderator)

    page = page_text(client.get(reverse("moderation_flag", args=[flag.pk])))
    client.get(reverse("moderation_flag", args=[flag.pk]))

    assert page.count("@fabio <strong>unlike") == 3  # who withdrew, shown to moderators
    views = ModerationAction.objects.filter(kind=ModerationAction.Kind.VIEWED_EVIDENCE)
    assert views.count() == 2
    record = views.first()
    assert (record.moderator, record.flag, record.subject) == (moderator, flag, flag.subject)


def test_every_view_of_report_evidence_is_audited(client, moderator, report):
    client.force_login(moderator)

    page = page_text(client.get(reverse("moderation_report", args=[report.pk])))

    assert "@sam" in page
    record = ModerationAction.objects.get()
    assert (record.kind, record.report) == (ModerationAction.Kind.VIEWED_EVIDENCE, report)


def test_a_refused_request_is_not_an_evidence_view(client, fan, flag):
    client.force_login(fan)
    client.get(reverse("moderation_flag", args=[flag.pk]))

    assert not ModerationAction.objects.exists()


def test_an_action_without_a_reason_is_refused_with_a_message(client, moderator, flag):
    client.force_login(moderator)

    response = client.post(reverse("moderation_flag_act", args=[flag.pk]), {"action": "warn"})

    assert response.status_code == 400
    assert "This field is required" in page_text(response)
    assert Flag.objects.get().status == Status.OPEN
    assert not ModerationAction.objects.exclude(kind=ModerationAction.Kind.VIEWED_EVIDENCE)


def test_photo_actions_are_not_offered_for_an_account_wide_flag(client, moderator, fan):
    flag = Flag.objects.create(kind=Flag.Kind.BURST, subject=fan, severity=Severity.MEDIUM)
    client.force_login(moderator)

    response = client.post(
        reverse("moderation_flag_act", args=[flag.pk]), {"action": "hide", "reason": "x"}
    )

    assert response.status_code == 400
    assert "Hide the photo" not in page_text(response)
