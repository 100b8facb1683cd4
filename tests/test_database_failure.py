"""When the database fails under a request (a restart, a dropped connection): a like that
committed before the answer was lost is reported as done, not as a failure, and anything
else is a 503 with Retry-After, never a 500."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import reverse

from engagement import statements
from engagement.models import Like
from tests.factories import PhotoFactory


@pytest.fixture
def photo(owner):
    return PhotoFactory(owner=owner)


@pytest.fixture
def fan_browser(fan) -> Client:
    """A logged-in fan whose client shows error responses instead of raising."""
    client = Client(raise_request_exception=False)
    client.force_login(fan)
    return client


def lose_the_database(monkeypatch, *, after_commit: bool) -> None:
    """The like's write fails as if the connection dropped, after it committed or before."""
    real_like_change = statements.like_change

    def like_change(**kwargs):
        if after_commit:  # the change itself, whichever way the view asked for it
            real_like_change(**{**kwargs, "plainly_visible": False})
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(statements, "like_change", like_change)


def test_a_like_that_committed_before_the_connection_dropped_is_reported_as_done(
    monkeypatch, fan_browser, fan, photo, htmx_headers
):
    lose_the_database(monkeypatch, after_commit=True)

    response = fan_browser.post(
        reverse("like", args=[photo.pk]), {"liked": "1"}, headers=htmx_headers
    )

    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.content.decode()
    assert "1 like" in response.content.decode()
    assert Like.objects.filter(user=fan, photo=photo).exists()


def test_a_like_lost_with_the_connection_asks_to_try_again(
    monkeypatch, fan_browser, fan, photo, htmx_headers
):
    lose_the_database(monkeypatch, after_commit=False)

    response = fan_browser.post(
        reverse("like", args=[photo.pk]), {"liked": "1"}, headers=htmx_headers
    )

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "reach our database. Please try again soon." in response.content.decode()
    assert not Like.objects.filter(user=fan, photo=photo).exists()


def test_any_page_the_database_fails_under_answers_503_not_500(monkeypatch, fan_browser, photo):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("engagement.views.photo_selectors.photo_for_page", unreachable)

    response = fan_browser.get(photo.get_absolute_url())

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "Back in a moment" in response.content.decode()


def test_other_failures_are_still_500(monkeypatch, fan_browser, photo):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("engagement.views.photo_selectors.photo_for_page", broken)

    assert fan_browser.get(photo.get_absolute_url()).status_code == 500
