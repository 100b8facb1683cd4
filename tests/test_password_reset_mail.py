"""Asking for a password reset while the mail server is down: a clear message, not a 500,
and the answer is the same whether or not the address has an account."""

import html
import re
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.urls import reverse

URL = reverse("account_reset_password")
DOWN = "We couldn't send the email just now. Nothing has changed; please try again"


class UnreachableMailServer(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPConnectError(421, "Service not available")


@pytest.fixture
def mail_server_down(settings):
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.UnreachableMailServer"}}


def ask_for_reset(client, email: str):
    return client.post(URL, {"email": email})


@pytest.mark.usefixtures("mail_server_down")
@pytest.mark.parametrize("whose", ["an account", "no account"])
def test_mail_server_down_gives_a_clear_message_not_a_500(client, owner, whose):
    email = owner.email if whose == "an account" else "nobody@example.com"
    response = ask_for_reset(client, email)

    assert response.status_code == 200
    page = html.unescape(response.content.decode())
    assert DOWN in page
    assert email in page, "what the person typed is kept"


@pytest.mark.usefixtures("mail_server_down")
def test_known_and_unknown_addresses_read_the_same_when_mail_fails(client, owner):
    def message_area(email: str) -> str:
        page = html.unescape(ask_for_reset(client, email).content.decode())
        main = page[page.index("<main") : page.index("</main>")]
        return re.sub(r'value="[^"]*"', "", main)

    assert message_area(owner.email) == message_area("nobody@example.com")


def test_reset_still_sends_mail_when_the_server_is_up(client, owner):
    response = ask_for_reset(client, owner.email)

    assert response.status_code == 302
    assert response.url == reverse("account_reset_password_done")
    assert [message.to for message in mail.outbox] == [[owner.email]]
