"""Reading pages as a person sees them, and the login redirect: shared by every test."""

import html

from django.urls import reverse

LOGIN = reverse("account_login")


def page_text(response) -> str:
    """The page's text with entities decoded, as a person would read it."""
    return html.unescape(response.content.decode())


def assert_redirects_to_login(response) -> None:
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
